// Launch: everything between the command line and the event loop. The checks that
// can fail (no terminal, an unusable export folder, a corrupt session file) run
// before the screen is taken, so their messages land on a normal terminal. Then:
// detect the renderer, start curses, run, give the terminal back, save the session.

import Engine
import FileSupport
import Foundation
import Terminal

/// What the user asked for on the command line.
public struct ExplorerOptions: Sendable {
    public var renderer: RendererChoice
    /// Folder for auto-named exports.
    public var exportFolder: String
    /// Session file: loaded when it exists, written on `S` and on quit.
    public var sessionPath: String?
    /// Seed to start from when no session says otherwise.
    public var seed: UInt64?

    public init(renderer: RendererChoice = .auto, exportFolder: String = ".", sessionPath: String? = nil, seed: UInt64? = nil) {
        self.renderer = renderer
        self.exportFolder = exportFolder
        self.sessionPath = sessionPath
        self.seed = seed
    }
}

/// Why the explorer did not start.
public enum LaunchError: Error, Equatable, CustomStringConvertible {
    case notATerminal
    case badExportFolder(String)

    public var description: String {
        switch self {
        case .notATerminal:
            return """
                the interactive explorer needs a terminal: stdin and stdout must be a TTY, not a pipe or a file.
                Without one, use the subcommands, which write PNG files: generate, grid, mix, walk, attention, \
                directions, info, bench (see latentscope --help).
                """
        case .badExportFolder(let why): return why
        }
    }
}

public enum ExplorerLauncher {
    /// The starting state: the session file's when it exists (validated against the model),
    /// else a fresh one at `options.seed`. Throws a SessionError for a corrupt or unreadable file.
    public static func initialState(model: ModelInfo, options: ExplorerOptions, rngSeed: UInt64) throws -> (ExplorerState, [String]) {
        var state = ExplorerState(model: model, seed: options.seed ?? 0, rngSeed: rngSeed)
        var warnings: [String] = []
        if let path = options.sessionPath {
            if FileManager.default.fileExists(atPath: path) {
                let (file, w) = SessionStore.validated(try SessionStore.load(path: path), for: model)
                SessionStore.apply(file, to: &state, model: model)
                state.history = History()
                if let seed = options.seed { state.recipe.seed = seed }
                warnings = w
                state.message = StatusMessage("loaded session \(path)" + (w.isEmpty ? "" : ": " + w.joined(separator: "; ")), isError: !w.isEmpty)
            } else {
                state.message = StatusMessage("new session: S (and quitting) saves it to \(path)")
            }
            state.sessionPath = path
        }
        return (state, warnings)
    }

    /// Checks the export folder (WritablePath, as every output is checked): it must exist, be a
    /// folder and take new files.
    public static func checkExportFolder(_ path: String) throws {
        let name = "--export-dir '\(path)'"
        switch WritablePath.folderProblem(path) {
        case nil: return
        case .missing: throw LaunchError.badExportFolder("\(name) does not exist")
        case .notAFolder: throw LaunchError.badExportFolder("\(name) is not a folder")
        case .notWritable(let why): throw LaunchError.badExportFolder("\(name) is not writable: \(why)")
        case .inaccessible(let why): throw LaunchError.badExportFolder("\(name) cannot be used: \(why)")
        }
    }

    /// A seed for the state's random numbers (random seeds, random walks) that differs per run.
    public static func runSeed() -> UInt64 { UInt64(truncatingIfNeeded: DispatchTime.now().uptimeNanoseconds) }

    /// Runs the explorer on the terminal from `state` (see `initialState`), rendering with
    /// `threads` workers. Returns lines to print once the terminal is back.
    public static func run(model prepared: PreparedModel, threads: Int, directions: DirectionSet, classifier: AttributeClassifier? = nil,
                           options: ExplorerOptions, state: ExplorerState) throws -> [String] {
        guard isatty(0) == 1, isatty(1) == 1 else { throw LaunchError.notATerminal }
        try checkExportFolder(options.exportFolder)
        let model = ModelInfo(config: prepared.config, directions: directions)
        var state = state

        // Probe before curses takes the terminal (the probe needs the TTY in its normal state).
        let capabilities = TerminalCapabilities.detect(choice: options.renderer)
        let display = DisplaySettings(capabilities: capabilities)
        // The first message says how images are drawn and why, unless a session warning needs the line.
        if !(state.message?.isError ?? false) {
            let notes = capabilities.notes.isEmpty ? "" : "; " + capabilities.notes.joined(separator: "; ")
            let prefix = state.message.map { $0.text + " · " } ?? ""
            state.message = StatusMessage(prefix + "renderer \(display.renderer.rawValue): \(display.reason)\(notes) · ? for help")
        }

        let screen = Screen()
        try screen.start()
        let app = ExplorerApp(screen: screen, model: prepared, threads: threads, directions: directions, display: display,
                              configuration: ExplorerConfiguration(exportFolder: options.exportFolder), state: state,
                              classifier: classifier)
        app.run()
        screen.stop()

        var out: [String] = []
        if let path = app.state.sessionPath {
            do {
                try SessionStore.save(SessionFile(state: app.state, model: model), path: path)
                out.append("session saved to \(path)")
            } catch {
                out.append("could not save the session: \(error)")
            }
        }
        return out
    }
}
