// EndToEndTests.swift: the real binary in a real terminal. tmux provides the
// terminal (a private server per test, 120x40); keys go in with send-keys and
// the screen comes back with capture-pane. Covers start, walk, mix, attention,
// export, session save and reload, quit and Ctrl-C (terminal restored), and the
// errors that must appear before the screen is taken. Skipped only when tmux is
// not installed.

import Engine
import Foundation
import Imaging
import TestSupport
import Testing
@testable import Explorer

/// The built `latentscope` binary.
enum Binary {
    static var path: String { BuiltBinary.path }

    /// Runs the binary without a terminal: stdin from /dev/null, output to pipes.
    static func run(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let r = try BuiltBinary.run(args)
        return (r.status, r.out, r.stderr)
    }
}

/// A private tmux server with one 120x40 window.
final class TmuxSession {
    static let executable: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    static var available: Bool { executable != nil }

    let socket = "latentscope-test-\(getpid())-\(UUID().uuidString.prefix(8))"

    /// Starts `script` (a shell script file) in a new detached session.
    init(script: String) throws {
        // -f /dev/null: the user's tmux.conf must not change the test's terminal.
        // The server forked here keeps whatever descriptors it inherits: no pipes for this one.
        try tmux(["-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40", "-s", "t", "sh " + script], capture: false)
    }

    deinit { close() }

    /// Ends the session and the server. kill-session first: tmux 3.3a's kill-server alone was
    /// seen to leave the server running when its pane's program had already quit.
    func close() {
        _ = try? tmux(["kill-session", "-t", "t"], capture: false)
        _ = try? tmux(["kill-server"], capture: false)
    }

    /// Runs tmux and returns what it printed. posix_spawn and waitpid, not Foundation's Process:
    /// Process waits for a descriptor that the forked tmux server inherits and keeps open,
    /// so `new-session -d` would never be seen to end.
    @discardableResult
    func tmux(_ args: [String], capture: Bool = true) throws -> String {
        let output = NSTemporaryDirectory() + "\(socket)-\(UUID().uuidString).out"
        defer { unlink(output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let target = capture ? output : "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, target, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([Self.executable!, "-L", socket] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, Self.executable!, &actions, nil, argv, environ)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return capture ? ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "") : ""
    }

    func keys(_ keys: String...) throws { try tmux(["send-keys", "-t", "t"] + keys) }

    /// Types text literally (no key-name lookup), then Enter.
    func command(_ text: String) throws {
        try tmux(["send-keys", "-t", "t", "-l", ":" + text])
        try tmux(["send-keys", "-t", "t", "Enter"])
    }

    var screen: String { (try? tmux(["capture-pane", "-p", "-t", "t"])) ?? "" }

    func display(_ format: String) -> String {
        ((try? tmux(["display-message", "-p", "-t", "t", format])) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls the screen until `condition` holds; the last screen is in the failure message.
    @discardableResult
    func wait(for what: String, timeout: Double = 20, _ condition: (String) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        var last = ""
        while Date() < deadline {
            last = screen
            if condition(last) { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("timed out waiting for \(what); screen:\n\(last)")
        return false
    }

    func waitFor(_ text: String, timeout: Double = 20) -> Bool { wait(for: "'\(text)'", timeout: timeout) { $0.contains(text) } }
}

extension TmuxSession {
    /// A script that records the terminal settings, runs the explorer on the tiny model with
    /// `args` (after `environment`, shell assignments such as `TERM=xterm-mono`), then records
    /// its exit status and the settings again. The locale is UTF-8 unless `environment` says
    /// otherwise, so what the screen shows does not depend on the machine's.
    static func explorerScript(in dir: String, args: String, environment: String = "") throws -> String {
        let text = """
            cd '\(dir)'
            export LC_ALL=C.UTF-8
            # Ctrl-C goes to the whole foreground group: the script must outlive it to report.
            trap ':' INT
            stty -g > before.txt
            echo "before the explorer"
            sh explorer.sh
            echo "EXIT=$?" > exit.txt
            stty -g > after.txt
            echo "explorer finished"
            sleep 600
            """
        // exec keeps the shell's process id, written first, for tests that signal the explorer.
        let explorer = """
            echo $$ > explorer.pid
            exec env \(environment) '\(Binary.path)' --model '\(Fixture.tinyModel)' \(args)
            """
        try explorer.write(toFile: dir + "/explorer.sh", atomically: true, encoding: .utf8)
        let path = dir + "/run.sh"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func waitForFile(_ path: String, timeout: Double = 20) -> String? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if let s = try? String(contentsOfFile: path, encoding: .utf8), !s.isEmpty { return s }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return nil
    }
}

@Suite(.serialized) struct EndToEndTests {
    func script(in dir: String, args: String) throws -> String { try TmuxSession.explorerScript(in: dir, args: args) }
    func waitForFile(_ path: String, timeout: Double = 20) -> String? { TmuxSession.waitForFile(path, timeout: timeout) }

    @Test(.enabled(if: TmuxSession.available, "tmux is not installed: the end-to-end terminal test is skipped"))
    func walkMixInspectExportSaveAndQuit() throws {
        let dir = Fixture.tempDir()
        let t = try TmuxSession(script: try script(in: dir, args: "--renderer blocks --export-dir '\(dir)' --session '\(dir)/s.json'"))
        defer { t.close() }

        // Start: status line, panel, half-block face, renderer reason (forced, inside tmux).
        try #require(t.waitFor("seed 0"))
        #expect(t.waitFor("▀▀▀▀▀▀▀▀"), "the face in half blocks")
        let first = t.screen
        #expect(first.contains("latentscope │ tiny"))
        #expect(first.contains("blocks: forced by --renderer; inside tmux"))
        #expect(first.contains("Directions"))
        #expect(t.display("#{alternate_on}") == "1", "the explorer uses the alternate screen")

        // Seeds and a direction step.
        try t.keys("n")
        #expect(t.waitFor("seed 1"))
        try t.keys("Right", "Right")
        #expect(t.waitFor("+1.00σ"))

        // Mixing: pin seed 1 as A, go to seed 2, coarse layers from A.
        try t.keys("m", "P")
        #expect(t.waitFor("pinned seed 1 as slot A"))
        try t.keys("n", "1", "A")
        #expect(t.waitFor("from slot A (seed 1)"))
        #expect(t.screen.contains("seed 2"))

        // Attention inspector.
        try t.keys("a")
        #expect(t.waitFor("token 0 attention, layer 4, mean"))
        try t.keys("Right", "h")
        #expect(t.waitFor("token 1 attention, layer 4, head 0"))

        // Export the view, and a grid through the command line.
        try t.keys("e")
        #expect(t.waitFor("latentscope-view-0001.png (256x256)"))
        let view = try PNGCodec.read(path: dir + "/latentscope-view-0001.png")
        #expect(view.width == 256 && view.height == 256)
        try t.command("export grid 0-3 cols=2 size=16")
        #expect(t.waitFor("latentscope-grid-0001.png"))
        #expect(try PNGCodec.read(path: dir + "/latentscope-grid-0001.png").width > 32)

        // Help and the command line work and close again.
        try t.keys("?")
        #expect(t.waitFor("keys and commands"))
        try t.keys("Escape")
        #expect(t.wait(for: "help closed") { !$0.contains("keys and commands") })

        // Save the session, quit.
        try t.keys("S")
        #expect(t.waitFor("session saved to \(dir)/s.json"))
        try t.keys("q")
        let exit = waitForFile(dir + "/exit.txt")
        #expect(exit?.trimmingCharacters(in: .whitespacesAndNewlines) == "EXIT=0")
        #expect(t.waitFor("explorer finished"))
        // The terminal is restored: normal screen, cursor shown, the same stty settings.
        #expect(t.display("#{alternate_on}") == "0")
        #expect(t.display("#{cursor_flag}") == "1")
        #expect(waitForFile(dir + "/after.txt") == (try? String(contentsOfFile: dir + "/before.txt", encoding: .utf8)))
        #expect(t.screen.contains("latentscope: session saved to \(dir)/s.json"))
        #expect(!t.screen.contains("ms/frame"), "nothing of the explorer is left on the screen")

        // The session file has the face as it was.
        let session = try SessionStore.load(path: dir + "/s.json")
        #expect(session.recipe.seed == 2 && session.recipe.slots == [1])
        #expect(session.recipe.layerSources.prefix(3) == [0, 0, 0])
        #expect(session.recipe.offsets.first?.amount == 1)
        #expect(session.ui.panel == .attention && session.ui.attention.token == 1 && session.ui.attention.head == 0)
    }

    @Test(.enabled(if: TmuxSession.available, "tmux is not installed: the end-to-end terminal test is skipped"))
    func sessionReloadsAndCtrlCRestoresTheTerminal() throws {
        let dir = Fixture.tempDir()
        var state = ExplorerState(model: Fixture.model, seed: 77)
        state.recipe.psi = 0.6
        state.bookmarks = [Bookmark(name: "kept", recipe: Recipe(seed: 5))]
        state.panel = .bookmarks
        try SessionStore.save(SessionFile(state: state, model: Fixture.model), path: dir + "/s.json")

        // `latentscope --session FILE`: Explore is the default subcommand.
        let t = try TmuxSession(script: try script(in: dir, args: "--renderer ascii --session '\(dir)/s.json'"))
        defer { t.close() }
        try #require(t.waitFor("seed 77"))
        #expect(t.screen.contains("ψ 0.60"))
        #expect(t.screen.contains("kept"))
        #expect(t.screen.contains("loaded session \(dir)/s.json"))
        try t.keys("Enter")   // restore the bookmark
        #expect(t.waitFor("seed 5"))

        try t.keys("C-c")
        let exit = waitForFile(dir + "/exit.txt")
        #expect(exit?.trimmingCharacters(in: .whitespacesAndNewlines) == "EXIT=130", "killed by SIGINT")
        #expect(t.waitFor("explorer finished"))
        #expect(t.display("#{alternate_on}") == "0")
        #expect(t.display("#{cursor_flag}") == "1")
        #expect(waitForFile(dir + "/after.txt") == (try? String(contentsOfFile: dir + "/before.txt", encoding: .utf8)))
    }

    @Test(.enabled(if: TmuxSession.available, "tmux is not installed: the end-to-end terminal test is skipped"))
    func aBrokenModelIsReportedBeforeTheScreenIsTaken() throws {
        let dir = Fixture.tempDir()
        let model = dir + "/broken"
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixture.tinyModel + "/config.json", toPath: model + "/config.json")
        try Data("not a safetensors file".utf8).write(to: URL(fileURLWithPath: model + "/generator.safetensors"))
        let text = """
            cd '\(dir)'
            '\(Binary.path)' --model '\(model)' --renderer blocks
            echo "EXIT=$?" > exit.txt
            sleep 600
            """
        try text.write(toFile: dir + "/run.sh", atomically: true, encoding: .utf8)
        let t = try TmuxSession(script: dir + "/run.sh")
        defer { t.close() }
        let exit = waitForFile(dir + "/exit.txt")
        #expect(exit?.trimmingCharacters(in: .whitespacesAndNewlines) == "EXIT=1")
        #expect(t.waitFor("generator.safetensors"))
        #expect(t.screen.contains("Error:"))
        #expect(t.display("#{alternate_on}") == "0")
    }

    // MARK: - Without a terminal (no tmux needed)

    @Test func withoutATerminalItPointsToTheSubcommands() throws {
        let r = try Binary.run(["--model", Fixture.tinyModel])
        #expect(r.status == 2)
        #expect(r.stderr.contains("the interactive explorer needs a terminal"))
        #expect(r.stderr.contains("generate, grid, mix, walk, attention"))
        #expect(r.stdout.isEmpty)
        let explicit = try Binary.run(["explore", "--model", Fixture.tinyModel])
        #expect(explicit.status == 2 && explicit.stderr == r.stderr)
    }

    @Test func badArgumentsAndModelsFailClearly() throws {
        let missing = try Binary.run(["--model", "/nonexistent/model"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("/nonexistent/model") && missing.stderr.contains("no such model folder"))
        let renderer = try Binary.run(["--model", Fixture.tinyModel, "--renderer", "kitten"])
        #expect(renderer.status != 0)
        #expect(renderer.stderr.contains("--renderer must be one of auto, kitty, iterm2, sixel, blocks, blocks256, ascii, not 'kitten'"))
        let folder = try Binary.run(["--model", Fixture.tinyModel, "--export-dir", "/nonexistent/out"])
        #expect(folder.stderr.contains("--export-dir '/nonexistent/out' does not exist"))
        let dir = Fixture.tempDir()
        _ = FileManager.default.createFile(atPath: dir + "/bad.json", contents: Data("{".utf8))
        let session = try Binary.run(["--model", Fixture.tinyModel, "--session", dir + "/bad.json"])
        #expect(session.status != 0)
        #expect(session.stderr.contains("session '\(dir)/bad.json' is not a valid session file"))
        let detect = try Binary.run(["--renderer", "blocks", "--dump-detect"])
        #expect(detect.status == 0 && detect.stdout.contains("renderer") && detect.stdout.contains("forced by --renderer"))
    }

    @Test func benchTUIReportsMedianAndP90() throws {
        let r = try Binary.run(["bench", "--tui", "--runs", "3", "--json", "--model", Fixture.tinyModel])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let results = obj?["results"] as? [[String: Any]] ?? []
        #expect(results.map { $0["renderer"] as? String } == ["blocks", "kitty", "iterm2", "sixel"])
        for res in results {
            #expect((res["median_ms"] as? Double ?? 0) > 0)
            #expect((res["p90_ms"] as? Double ?? 0) >= (res["median_ms"] as? Double ?? 0))
            #expect(res["presses"] as? Int == 12)
            #expect(res["classifier_median_ms"] == nil, "the tiny model has no classifier, so no cost for one")
        }
    }
}
