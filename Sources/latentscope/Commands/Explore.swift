// Explore.swift: `latentscope` / `latentscope explore`: the interactive explorer.
// It is the default subcommand, so `latentscope --session f.json` opens it too.
// Everything that can fail (no terminal, model, session file, export folder) is
// checked before the screen is taken, so errors print on a normal terminal.

import ArgumentParser
import Engine
import Explorer
import Foundation
import Terminal

struct Explore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the interactive explorer (the default).",
        discussion: """
            Needs a terminal. Images are drawn in real pixels where the terminal has a way \
            (the kitty graphics protocol, iTerm2 inline images, sixel, in that order), else with \
            Unicode half blocks in 24-bit or 256 colours, or ASCII. Press ? inside for every key \
            and command; see docs/explorer.md. Each frame is rendered on all cores unless --threads \
            says otherwise.
            """)

    @OptionGroup var model: ModelOptions

    @Option(name: .long, help: ArgumentHelp("How to draw images: auto, kitty, iterm2, sixel, blocks, blocks256 or ascii (also $LATENTSCOPE_RENDERER).", valueName: "mode"))
    var renderer: String = "auto"

    @Option(name: .long, help: ArgumentHelp("Session file: loaded when it exists; S and quitting save it.", valueName: "file"))
    var session: String?

    @Option(name: .customLong("export-dir"), help: ArgumentHelp("Folder for exported PNGs (default: the current directory).", valueName: "dir"))
    var exportDir: String?

    @Option(name: .long, parsing: .unconditional, help: "Seed to start from (default 0, or the session's).")
    var seed: UInt64?

    @Flag(name: .customLong("dump-detect"), help: "Print what was detected about the terminal and why, then exit.")
    var dumpDetect = false

    func validate() throws {
        guard RendererChoice(parsing: renderer) != nil else {
            throw ValidationError("--renderer must be one of \(RendererChoice.spellings.joined(separator: ", ")), not '\(renderer)'")
        }
    }

    func run() throws {
        let choice = RendererChoice(parsing: renderer) ?? .auto
        if dumpDetect {
            print(TerminalCapabilities.detect(choice: choice).describe())
            return
        }
        CrashReports.restartWithoutPrompt()
        let options = ExplorerOptions(renderer: choice, exportFolder: exportDir ?? ".", sessionPath: session, seed: seed)
        do {
            try ExplorerLauncher.checkExportFolder(options.exportFolder)
        } catch { throw ValidationError("\(error)") }
        // The model first: a missing or broken model is the error to fix whatever else is wrong.
        let loaded = try model.load()
        let directions = try DirectionStore.load(for: loaded)
        let classifier = try loaded.attributeClassifier()
        // A corrupt session file is reported here, before the screen is taken.
        let (state, _) = try ExplorerLauncher.initialState(model: ModelInfo(config: loaded.config, directions: directions), options: options,
                                                           rngSeed: ExplorerLauncher.runSeed())
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            printError("latentscope: \(LaunchError.notATerminal)")
            throw ExitCode(2)
        }
        // Prepared once: the explorer's render and export threads share it.
        for line in try ExplorerLauncher.run(model: PreparedModel(loaded), threads: model.threadCount, directions: directions,
                                             classifier: classifier, options: options, state: state) {
            print("latentscope: \(TerminalText.escaped(line))")
        }
    }
}
