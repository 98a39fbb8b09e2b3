// TerminalEnvironmentTests.swift: the explorer under the environments users really have:
// a terminal without colour, no TERM at all, a locale that is not UTF-8, COLUMNS/LINES left
// over in the environment, and a crash. Each runs the real binary in tmux.

import Foundation
import TestSupport
import Testing

@Suite(.serialized) struct TerminalEnvironmentTests {

    func start(_ dir: String, environment: String, args: String = "") throws -> TmuxSession {
        try TmuxSession(script: TmuxSession.explorerScript(in: dir, args: "--seed 3 " + args, environment: environment))
    }

    func quit(_ t: TmuxSession, _ dir: String) throws {
        try t.keys("q")
        #expect(TmuxSession.waitForFile(dir + "/exit.txt")?.trimmingCharacters(in: .whitespacesAndNewlines) == "EXIT=0")
        #expect(t.display("#{alternate_on}") == "0")
    }

    @Test(.enabled(if: TmuxSession.available, "tmux is not installed: the terminal environment tests are skipped"))
    func aTerminalWithoutColourGetsNoColour() throws {
        let dir = Fixture.tempDir()
        // COLORTERM inherited from an outer terminal must not beat a TERM that says "no colour".
        let t = try start(dir, environment: "TERM=xterm-mono COLORTERM=truecolor")
        defer { t.close() }
        try #require(t.waitFor("seed 3"))
        #expect(t.waitFor("renderer ascii:"))
        let painted = (try? t.tmux(["capture-pane", "-p", "-e", "-t", "t"])) ?? ""
        for sgr in ["[38;5;", "[48;5;", "[38;2;", "[48;2;"] {
            #expect(!painted.contains(sgr), "colour sequence \(sgr) on a monochrome terminal")
        }
        try quit(t, dir)
    }

    @Test(.enabled(if: TmuxSession.available, "tmux is not installed: the terminal environment tests are skipped"))
    func withoutTERMItStartsInASCII() throws {
        let dir = Fixture.tempDir()
        let t = try start(dir, environment: "-u TERM")
        defer { t.close() }
        try #require(t.waitFor("seed 3"))
        #expect(t.waitFor("ascii: TERM is not set"))
        try quit(t, dir)
    }

    @Test(.enabled(if: TmuxSession.available, "tmux is not installed: the terminal environment tests are skipped"))
    func aLocaleThatIsNotUTF8GetsASCIISymbols() throws {
        let dir = Fixture.tempDir()
        let t = try start(dir, environment: "LC_ALL=C")
        defer { t.close() }
        try #require(t.waitFor("seed 3"))
        #expect(t.waitFor("renderer ascii:"))
        let screen = t.screen
        let asciiOnly = screen.unicodeScalars.allSatisfy { $0.isASCII }
        #expect(asciiOnly, "only ASCII on the screen:\n\(screen)")
        #expect(screen.contains("Y 1.00"), "psi as Y:\n\(screen)")
        #expect(screen.contains(" | "), "separators as |:\n\(screen)")
        #expect(!screen.contains("???"), "symbols were not replaced by question marks:\n\(screen)")
        try quit(t, dir)
    }

    @Test(.enabled(if: TmuxSession.available, "tmux is not installed: the terminal environment tests are skipped"))
    func COLUMNSAndLINESDoNotFixTheSize() throws {
        let dir = Fixture.tempDir()
        let t = try start(dir, environment: "COLUMNS=40 LINES=10", args: "--renderer ascii")
        defer { t.close() }
        try #require(t.waitFor("seed 3"))
        // The pane is 120x40: the UI must use all of it, not the 40x10 of the variables.
        #expect(t.wait(for: "the hint line on row 40") { Self.lastRow($0) == 40 })
        #expect(t.screen.split(separator: "\n").contains { $0.count > 60 })
        try t.tmux(["resize-window", "-t", "t", "-x", "90", "-y", "25"])
        #expect(t.wait(for: "the hint line on row 25") { Self.lastRow($0) == 25 })
        try quit(t, dir)
    }

    @Test(.enabled(if: TmuxSession.available, "tmux is not installed: the terminal environment tests are skipped"))
    func aCrashRestoresTheTerminalAndDoesNotWait() throws {
        let dir = Fixture.tempDir()
        let t = try start(dir, environment: "", args: "--renderer blocks")
        defer { t.close() }
        try #require(t.waitFor("seed 3"))
        let pid = try #require(TmuxSession.waitForFile(dir + "/explorer.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        #expect(kill(pid, SIGSEGV) == 0)
        // No 30 s "press a key" prompt: the exit status arrives within seconds.
        let exit = TmuxSession.waitForFile(dir + "/exit.txt", timeout: 15)
        #expect(exit?.trimmingCharacters(in: .whitespacesAndNewlines) == "EXIT=139", "killed by SIGSEGV: \(exit ?? "no exit yet")")
        #expect(t.waitFor("explorer finished"))
        #expect(t.display("#{alternate_on}") == "0")
        let screen = t.screen
        #expect(!screen.contains("latentscope │ tiny"), "the user's own screen is back, not the explorer's:\n\(screen)")
        #expect(!screen.contains("Press space"), "no interactive prompt:\n\(screen)")
        #expect(TmuxSession.waitForFile(dir + "/after.txt") == (try? String(contentsOfFile: dir + "/before.txt", encoding: .utf8)))
    }

    /// The number of the last non-blank row (1-based).
    static func lastRow(_ screen: String) -> Int {
        let rows = screen.split(separator: "\n", omittingEmptySubsequences: false)
        return (rows.lastIndex { !$0.allSatisfy { $0 == " " } } ?? -1) + 1
    }
}
