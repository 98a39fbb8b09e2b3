// StressTests.swift: the explorer under abuse, in a real terminal (tmux): hundreds of resizes
// between 20x10 and 200x60 with random keys in between, and a long random walk with its
// resident memory sampled. LATENTSCOPE_SOAK_SECONDS lengthens the soak (docs/reliability.md
// quotes an hour of it).

import Foundation
import TestSupport
import Testing

@Suite(.serialized) struct StressTests {
    /// Keys that change what is shown but neither quit nor suspend.
    static let keys = ["Up", "Down", "Left", "Right", "PageUp", "PageDown", "Home", "End", "Tab", "Escape",
                       "d", "m", "a", "b", "v", "r", "n", "p", "+", "-", "o", "u", "U", "<", ">", "l", "t",
                       "x", "X", "Space", "w", "P", "h", "1", "2", "3", "c", "?", "Enter", "BSpace", "C-l"]

    @Test(.enabled(if: TmuxSession.available, "tmux is not installed: the stress tests are skipped"))
    func resizeStormWithRandomKeysLeavesARightScreen() throws {
        let dir = Fixture.tempDir()
        let t = try TmuxSession(script: TmuxSession.explorerScript(in: dir, args: "--seed 3 --renderer blocks --export-dir '\(dir)'"))
        defer { t.close() }
        try #require(t.waitFor("seed 3"))
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let cols = Int.random(in: 20...200, using: &rng), rows = Int.random(in: 10...60, using: &rng)
            try t.tmux(["resize-window", "-t", "t", "-x", String(cols), "-y", String(rows)])
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                try t.keys(Self.keys.randomElement(using: &rng)!)
            }
        }
        // Back to a known size and state: quiet (Escape leaves help, the command line and
        // other views), then a repaint.
        try t.tmux(["resize-window", "-t", "t", "-x", "120", "-y", "40"])
        try t.keys("Escape")
        try t.keys("Escape")
        try t.keys(" ")   // a second Space stops a running bounce (or starts one: then once more)
        Thread.sleep(forTimeInterval: 0.5)
        try t.keys("C-l")
        #expect(t.wait(for: "a whole screen at 120x40") { screen in
            let rows = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return rows.first?.hasPrefix(" latentscope │ tiny │ seed") == true
                && TerminalEnvironmentTests.lastRow(screen) == 40
                && rows.allSatisfy { $0.count <= 120 }
        })
        try t.keys("q")
        #expect(TmuxSession.waitForFile(dir + "/exit.txt")?.trimmingCharacters(in: .whitespacesAndNewlines) == "EXIT=0")
        #expect(t.display("#{alternate_on}") == "0")
        #expect(t.display("#{cursor_flag}") == "1")
        #expect(TmuxSession.waitForFile(dir + "/after.txt") == (try? String(contentsOfFile: dir + "/before.txt", encoding: .utf8)))
    }

    @Test(.enabled(if: TmuxSession.available, "tmux is not installed: the stress tests are skipped"))
    func aLongRandomWalkKeepsItsMemoryFlat() throws {
        let seconds = ProcessInfo.processInfo.environment["LATENTSCOPE_SOAK_SECONDS"].flatMap(Double.init) ?? 150
        let dir = Fixture.tempDir()
        let t = try TmuxSession(script: TmuxSession.explorerScript(in: dir, args: "--seed 3 --renderer blocks"))
        defer { t.close() }
        try #require(t.waitFor("seed 3"))
        let pid = try #require(TmuxSession.waitForFile(dir + "/explorer.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        try t.keys("w")
        var samples: [Double] = []
        var frames = Set<String>()
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            Thread.sleep(forTimeInterval: max(1, seconds / 60))
            samples.append(try #require(Self.residentMegabytes(pid), "the explorer is still running"))
            frames.insert(t.screen)
        }
        #expect(frames.count > samples.count / 2, "the walk kept changing the picture")
        // After the first third (allocator pools and caches fill), resident memory stays flat.
        let settled = samples.dropFirst(samples.count / 3)
        let growth = (settled.max() ?? 0) - (settled.first ?? 0)
        let summary = "RSS \(samples.first!) → \(samples.last!) MB over \(Int(seconds)) s, \(samples.count) samples"
        print(summary)
        #expect(growth < 4, "\(summary): grew \(growth) MB after settling")
        try t.keys("Escape")  // the first key stops the animation
        #expect(t.waitFor("animation stopped"))
        try t.keys("q")
        #expect(TmuxSession.waitForFile(dir + "/exit.txt")?.trimmingCharacters(in: .whitespacesAndNewlines) == "EXIT=0")
    }

    static func residentMegabytes(_ pid: Int32) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return nil }
        return kb / 1024
    }
}
