// Latentscope.swift: the command-line entry point. With no subcommand it opens
// the interactive explorer; every other operation is a scriptable subcommand.

import ArgumentParser
import Foundation
import FileSupport

@main
struct Latentscope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latentscope",
        abstract: "Explore the latent space of an attention-based face generator, in the terminal.",
        discussion: """
            Without a subcommand, opens the interactive explorer. Every subcommand writes PNG \
            (use -o - for standard output) and works without a terminal.
            """,
        version: "0.1.0",
        subcommands: [Explore.self, Generate.self, GridCommand.self, Mix.self, Walk.self, AttentionCommand.self,
                      Directions.self, Info.self, Bench.self],
        defaultSubcommand: Explore.self
    )

    /// ArgumentParser's main, with two additions: subcommands remove the file they are writing
    /// when interrupted (the explorer handles Ctrl-C itself), and error messages, which can quote
    /// a model's or a session's text, reach the terminal with control characters escaped.
    static func main() {
        do {
            var command = try parseAsRoot()
            if !(command is Explore) { SignalCleanup.install() }
            try command.run()
        } catch {
            let code = exitCode(for: error)
            let text = fullMessage(for: error)
            if code == .success {
                if !text.isEmpty { print(text) }
            } else if !text.isEmpty {
                printError(TerminalText.escaped(text, keepingNewlines: true))
            }
            Foundation.exit(code.rawValue)
        }
    }
}

/// A line on standard error. Unlike FileHandle's write, a closed or full standard error is ignored
/// rather than a crash.
func printError(_ text: String, terminator: String = "\n") {
    let bytes = Array((text + terminator).utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return }
        offset += n
    }
}
