// The renderer decision table: environment + probe result -> renderer and reason, with
// forced choices kept apart from detection. No terminal is involved.

import Testing
@testable import Terminal

private func answered(_ attributes: [Int], cell: PixelSize? = nil, window: WindowSize? = nil) -> ProbeResult {
    ProbeResult(status: .answered, deviceAttributes: attributes, reportedCellSize: cell, window: window)
}

private func kitty(_ ok: Bool) -> ProbeResult {
    ProbeResult(status: .answered, deviceAttributes: [62, 0], kittyGraphics: ok)
}

private let tmux33: [String: String] = [
    "TERM": "tmux-256color", "TMUX": "/tmp/tmux-1000/default,1234,0",
    "TERM_PROGRAM": "tmux", "TERM_PROGRAM_VERSION": "3.3a",
]

@Suite("Detection decision")
struct DetectionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var environment: [String: String]
        var probe: ProbeResult
        var renderer: Renderer
        var reason: String
        var testDescription: String { name }
    }

    static let table: [Case] = [
        Case(name: "xterm -ti vt340 answers DA1 with 4",
             environment: ["TERM": "xterm"], probe: answered([63, 1, 2, 4, 6]),
             renderer: .sixel, reason: "sixel: DA1 reported 4"),
        Case(name: "iTerm2 ?62;4c: inline images before sixel",
             environment: ["TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"], probe: answered([62, 4]),
             renderer: .iterm2, reason: "iterm2: TERM_PROGRAM=iTerm.app shows iTerm2 inline images"),
        Case(name: "iTerm2 over ssh: only LC_TERMINAL tells",
             environment: ["TERM": "xterm-256color", "LC_TERMINAL": "iTerm2"], probe: answered([62, 22]),
             renderer: .iterm2, reason: "iterm2: LC_TERMINAL=iTerm2 shows iTerm2 inline images"),
        Case(name: "WezTerm without kitty images enabled: iTerm2 images",
             environment: ["TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"], probe: answered([65, 4, 6, 18, 22]),
             renderer: .iterm2, reason: "iterm2: TERM_PROGRAM=WezTerm shows iTerm2 inline images"),
        Case(name: "kitty answers the graphics query OK",
             environment: ["TERM": "xterm-kitty"], probe: kitty(true),
             renderer: .kitty, reason: "kitty: the terminal answered the kitty graphics query"),
        Case(name: "the kitty answer beats TERM_PROGRAM=WezTerm and DA1's 4",
             environment: ["TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"],
             probe: ProbeResult(status: .answered, deviceAttributes: [65, 4], kittyGraphics: true),
             renderer: .kitty, reason: "kitty: the terminal answered the kitty graphics query"),
        Case(name: "a refused kitty query is not kitty",
             environment: ["TERM": "xterm-kitty"], probe: kitty(false),
             renderer: .blocks, reason: "blocks: DA1 without sixel (?62;0); TERM=xterm-kitty is a truecolor terminal"),
        Case(name: "Ghostty not probed: TERM names it",
             environment: ["TERM": "xterm-ghostty"], probe: .notATerminal,
             renderer: .kitty, reason: "kitty: TERM=xterm-ghostty speaks the kitty graphics protocol (not probed: not a terminal)"),
        Case(name: "kitty inside tmux: tmux drops the protocol",
             environment: tmux33.merging(["TERM_PROGRAM_VERSION": "3.4", "COLORTERM": "truecolor"]) { $1 },
             probe: ProbeResult(status: .answered, deviceAttributes: [1, 2], kittyGraphics: true),
             renderer: .blocks, reason: "blocks: tmux 3.4 reported no sixel in DA1 (?1;2): built without sixel, or the outer terminal lacks it; COLORTERM=truecolor"),
        Case(name: "iTerm2's LC_TERMINAL inside tmux: no inline images",
             environment: tmux33.merging(["LC_TERMINAL": "iTerm2", "COLORTERM": "truecolor"]) { $1 }, probe: answered([1, 2]),
             renderer: .blocks, reason: "blocks: tmux 3.3a without sixel passthrough; COLORTERM=truecolor"),
        Case(name: "DA1 without 4, truecolor",
             environment: ["TERM": "xterm-256color", "COLORTERM": "truecolor"], probe: answered([65, 1, 9]),
             renderer: .blocks, reason: "blocks: DA1 without sixel (?65;1;9); COLORTERM=truecolor"),
        Case(name: "kitty: no sixel, truecolor by TERM",
             environment: ["TERM": "xterm-kitty"], probe: answered([62, 0]),
             renderer: .blocks, reason: "blocks: DA1 without sixel (?62;0); TERM=xterm-kitty is a truecolor terminal"),
        Case(name: "xterm-256color without COLORTERM",
             environment: ["TERM": "xterm-256color"], probe: answered([1, 2]),
             renderer: .blocks256, reason: "blocks256: DA1 without sixel (?1;2); TERM=xterm-256color"),
        Case(name: "tmux 3.3a with truecolor outside",
             environment: tmux33.merging(["COLORTERM": "truecolor"]) { $1 }, probe: answered([1, 2]),
             renderer: .blocks, reason: "blocks: tmux 3.3a without sixel passthrough; COLORTERM=truecolor"),
        Case(name: "tmux 3.3a without COLORTERM",
             environment: tmux33, probe: answered([1, 2]),
             renderer: .blocks256,
             reason: "blocks256: tmux 3.3a without sixel passthrough; tmux without COLORTERM=truecolor: assuming 256 colours"),
        Case(name: "tmux 3.3a, not probed: version alone rules sixel out",
             environment: tmux33, probe: .notATerminal,
             renderer: .blocks256,
             reason: "blocks256: tmux 3.3a without sixel passthrough; tmux without COLORTERM=truecolor: assuming 256 colours"),
        Case(name: "tmux 3.4 built with sixel answers 4",
             environment: tmux33.merging(["TERM_PROGRAM_VERSION": "3.4"]) { $1 }, probe: answered([1, 2, 4]),
             renderer: .sixel, reason: "sixel: tmux 3.4 answered DA1 with 4"),
        Case(name: "tmux 3.5 without 4",
             environment: tmux33.merging(["TERM_PROGRAM_VERSION": "3.5", "COLORTERM": "24bit"]) { $1 },
             probe: answered([1, 2]),
             renderer: .blocks,
             reason: "blocks: tmux 3.5 reported no sixel in DA1 (?1;2): built without sixel, or the outer terminal lacks it; COLORTERM=24bit"),
        Case(name: "foot, not a TTY: known sixel terminal",
             environment: ["TERM": "foot"], probe: .notATerminal,
             renderer: .sixel, reason: "sixel: TERM=foot is a known sixel terminal (not probed: not a terminal)"),
        Case(name: "WezTerm, DA1 unanswered",
             environment: ["TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"], probe: ProbeResult(status: .noAnswer),
             renderer: .iterm2, reason: "iterm2: TERM_PROGRAM=WezTerm shows iTerm2 inline images"),
        Case(name: "a DA1 reply beats the environment's guess",
             environment: ["TERM": "foot"], probe: answered([62, 22]),
             renderer: .blocks, reason: "blocks: DA1 without sixel (?62;22); TERM=foot is a truecolor terminal"),
        Case(name: "iTerm2 before 3.3 (no sixel) still shows inline images",
             environment: ["TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app", "TERM_PROGRAM_VERSION": "3.2.9"],
             probe: .notATerminal,
             renderer: .iterm2, reason: "iterm2: TERM_PROGRAM=iTerm.app shows iTerm2 inline images"),
        Case(name: "Konsole 22.04 by version",
             environment: ["TERM": "xterm-256color", "KONSOLE_VERSION": "220401"], probe: ProbeResult(status: .noAnswer),
             renderer: .sixel, reason: "sixel: KONSOLE_VERSION=220401 is a known sixel terminal (no DA1 reply)"),
        Case(name: "unanswered xterm",
             environment: ["TERM": "xterm-256color"], probe: ProbeResult(status: .noAnswer),
             renderer: .blocks256, reason: "blocks256: no DA1 reply; TERM=xterm-256color"),
        Case(name: "VTE 0.60",
             environment: ["TERM": "xterm-256color", "VTE_VERSION": "6003"], probe: answered([65, 1, 9]),
             renderer: .blocks, reason: "blocks: DA1 without sixel (?65;1;9); VTE_VERSION=6003 (VTE 0.36+ has truecolor)"),
        Case(name: "VTE before 0.36",
             environment: ["TERM": "xterm-256color", "VTE_VERSION": "3405"], probe: answered([65, 1, 9]),
             renderer: .blocks256, reason: "blocks256: DA1 without sixel (?65;1;9); TERM=xterm-256color"),
        Case(name: "Terminal.app",
             environment: ["TERM": "xterm-256color", "TERM_PROGRAM": "Apple_Terminal"], probe: answered([1, 2]),
             renderer: .blocks256,
             reason: "blocks256: DA1 without sixel (?1;2); TERM_PROGRAM=Apple_Terminal has no truecolor"),
        Case(name: "GNU screen ignores an inherited COLORTERM",
             environment: ["TERM": "screen-256color", "STY": "1234.pts-0", "COLORTERM": "truecolor"],
             probe: answered([1, 2]),
             renderer: .blocks256,
             reason: "blocks256: GNU screen does not pass sixel through; GNU screen: no truecolor passthrough"),
        Case(name: "xterm-direct",
             environment: ["TERM": "xterm-direct"], probe: answered([1, 2]),
             renderer: .blocks, reason: "blocks: DA1 without sixel (?1;2); TERM=xterm-direct"),
        Case(name: "vt100 has no colour",
             environment: ["TERM": "vt100"], probe: answered([1, 2]),
             renderer: .ascii, reason: "ascii: DA1 without sixel (?1;2); TERM=vt100 has no colour"),
        Case(name: "TERM=dumb even with a sixel answer",
             environment: ["TERM": "dumb"], probe: answered([62, 4]),
             renderer: .ascii, reason: "ascii: TERM=dumb"),
        Case(name: "no TERM",
             environment: [:], probe: .notATerminal,
             renderer: .ascii, reason: "ascii: TERM is not set"),
        Case(name: "unknown terminal",
             environment: ["TERM": "weird-term"], probe: answered([1, 2]),
             renderer: .blocks256,
             reason: "blocks256: DA1 without sixel (?1;2); TERM=weird-term: unknown terminal, assuming 256 colours"),
    ]

    @Test("decision table", arguments: table)
    func decision(_ entry: Case) {
        let capabilities = TerminalCapabilities.decide(environment: entry.environment, probe: entry.probe)
        #expect(capabilities.renderer == entry.renderer)
        #expect(capabilities.reason == entry.reason)
        #expect(capabilities.origin == .detected)
        #expect(capabilities.detectedRenderer == entry.renderer)
        #expect(!capabilities.isForced)
    }

    @Test func tmuxIsRecognised() {
        let capabilities = TerminalCapabilities.decide(environment: tmux33, probe: .notATerminal)
        #expect(capabilities.multiplexer == .tmux(version: "3.3a"))
        let unversioned = TerminalCapabilities.decide(
            environment: ["TERM": "screen", "TMUX": "/tmp/x,1,0"], probe: .notATerminal)
        #expect(unversioned.multiplexer == .tmux(version: nil))
        #expect(unversioned.renderer == .blocks256)
        #expect(unversioned.detectedReason.hasPrefix("blocks256: tmux, not probed: not a terminal: sixel not assumed"))
    }

    @Test func tmuxVersionParsing() {
        #expect(DetectionRules.tmuxVersion("3.3a")! == (3, 3))
        #expect(DetectionRules.tmuxVersion("3.4")! == (3, 4))
        #expect(DetectionRules.tmuxVersion("next-3.6")! == (3, 6))
        #expect(DetectionRules.tmuxVersion("master") == nil)
    }

    // MARK: - Forced beats detected

    @Test func flagBeatsDetection() {
        let capabilities = TerminalCapabilities.decide(
            choice: .forced(.ascii), environment: ["TERM": "xterm"], probe: answered([62, 4]))
        #expect(capabilities.renderer == .ascii)
        #expect(capabilities.origin == .flag)
        #expect(capabilities.reason == "forced by --renderer")
        #expect(capabilities.isForced)
        // What was detected is still reported, not overwritten.
        #expect(capabilities.detectedRenderer == .sixel)
        #expect(capabilities.detectedReason == "sixel: DA1 reported 4")
    }

    @Test func environmentOverrideBeatsDetection() {
        let capabilities = TerminalCapabilities.decide(
            environment: ["TERM": "xterm", "LATENTSCOPE_RENDERER": " Blocks256 "], probe: answered([62, 4]))
        #expect(capabilities.renderer == .blocks256)
        #expect(capabilities.origin == .environment)
        #expect(capabilities.reason == "forced by LATENTSCOPE_RENDERER")
        #expect(capabilities.detectedRenderer == .sixel)
    }

    @Test func flagBeatsEnvironmentOverride() {
        let capabilities = TerminalCapabilities.decide(
            choice: .forced(.blocks), environment: ["TERM": "xterm", "LATENTSCOPE_RENDERER": "ascii"],
            probe: .notATerminal)
        #expect(capabilities.renderer == .blocks)
        #expect(capabilities.origin == .flag)
    }

    @Test func autoAndInvalidOverridesLeaveDetectionInCharge() {
        let auto = TerminalCapabilities.decide(
            environment: ["TERM": "xterm", "LATENTSCOPE_RENDERER": "auto"], probe: answered([62, 4]))
        #expect(auto.renderer == .sixel)
        #expect(auto.origin == .detected)
        #expect(auto.notes.isEmpty)

        let invalid = TerminalCapabilities.decide(
            environment: ["TERM": "xterm", "LATENTSCOPE_RENDERER": "kitten"], probe: answered([62, 4]))
        #expect(invalid.renderer == .sixel)
        #expect(invalid.origin == .detected)
        #expect(invalid.notes == ["ignored LATENTSCOPE_RENDERER=kitten: expected one of auto, kitty, iterm2, sixel, blocks, blocks256, ascii"])
    }

    @Test func probeTimeoutComesFromTheEnvironmentAndBadValuesAreIgnoredWithANote() {
        var notes: [String] = []
        #expect(DetectionRules.probeTimeout([:], notes: &notes) == TerminalProbe.defaultTimeoutMilliseconds)
        #expect(DetectionRules.probeTimeout(["LATENTSCOPE_PROBE_TIMEOUT": " 2500 "], notes: &notes) == 2500)
        #expect(DetectionRules.probeTimeout(["LATENTSCOPE_PROBE_TIMEOUT": "0"], notes: &notes) == 0)
        #expect(notes.isEmpty)
        for bad in ["slow", "-5", "10001", "1.5"] {
            var badNotes: [String] = []
            #expect(DetectionRules.probeTimeout(["LATENTSCOPE_PROBE_TIMEOUT": bad], notes: &badNotes)
                    == TerminalProbe.defaultTimeoutMilliseconds, "\(bad)")
            #expect(badNotes == ["ignored LATENTSCOPE_PROBE_TIMEOUT=\(bad): expected milliseconds from 0 to 10000"])
        }
        // decide() keeps the value for --dump-detect and passes the note on.
        let slow = TerminalCapabilities.decide(
            environment: ["TERM": "xterm", "LATENTSCOPE_PROBE_TIMEOUT": "900"], probe: ProbeResult(status: .noAnswer))
        #expect(slow.probeTimeoutMilliseconds == 900)
        #expect(slow.describe().contains("no answer within 900 ms (LATENTSCOPE_PROBE_TIMEOUT)"))
        let bad = TerminalCapabilities.decide(
            environment: ["TERM": "xterm", "LATENTSCOPE_PROBE_TIMEOUT": "soon"], probe: answered([62, 4]))
        #expect(bad.renderer == .sixel)
        #expect(bad.notes == ["ignored LATENTSCOPE_PROBE_TIMEOUT=soon: expected milliseconds from 0 to 10000"])
        #expect(!bad.describe().contains(" ms (LATENTSCOPE_PROBE_TIMEOUT)"), "only a probe that got no answer says how long it waited")
    }

    @Test func forcingUndetectedSixelLeavesANote() {
        let capabilities = TerminalCapabilities.decide(
            choice: .forced(.sixel), environment: ["TERM": "xterm-256color"], probe: answered([1, 2]))
        #expect(capabilities.renderer == .sixel)
        #expect(capabilities.notes.contains("sixel is forced but was not detected; images may not show"))
    }

    @Test func everyPixelRendererCanBeForced() {
        for renderer in [Renderer.kitty, .iterm2] {
            let flag = TerminalCapabilities.decide(choice: .forced(renderer), environment: ["TERM": "xterm"], probe: answered([62, 4]))
            #expect(flag.renderer == renderer && flag.origin == .flag)
            #expect(flag.notes.contains("\(renderer.rawValue) is forced but was not detected; images may not show"))
            let variable = TerminalCapabilities.decide(
                environment: ["TERM": "xterm", "LATENTSCOPE_RENDERER": renderer.rawValue], probe: answered([62, 4]))
            #expect(variable.renderer == renderer && variable.origin == .environment)
            #expect(variable.detectedRenderer == .sixel)
        }
        #expect(Renderer.allCases.filter(\.isPixel) == [.kitty, .iterm2, .sixel], "the detection order, best first")
    }

    @Test func graphicsLimitsAreReportedAndDescribed() {
        let probe = ProbeResult(status: .answered, deviceAttributes: [63, 1, 2, 4], reportedCellSize: PixelSize(width: 6, height: 13),
                                kittyGraphics: nil, graphicsLimit: PixelSize(width: 1000, height: 1000), colorRegisters: 1024)
        let capabilities = TerminalCapabilities.decide(environment: ["TERM": "xterm"], probe: probe)
        #expect(capabilities.renderer == .sixel)
        #expect(capabilities.graphicsLimit == PixelSize(width: 1000, height: 1000))
        #expect(capabilities.colorRegisters == 1024)
        let text = capabilities.describe()
        #expect(text.contains("sixel limit    1000x1000 px (XTSMGRAPHICS)"), "\(text)")
        #expect(text.contains("sixel colours  1024 registers (XTSMGRAPHICS)"))
        let kittyText = TerminalCapabilities.decide(environment: ["TERM": "xterm-kitty"], probe: kitty(true)).describe()
        #expect(kittyText.contains("renderer       kitty (kitty: the terminal answered the kitty graphics query)"), "\(kittyText)")
        #expect(kittyText.contains("kitty graphics OK"))
    }

    @Test func rendererChoiceParsing() {
        #expect(RendererChoice(parsing: "auto") == .auto)
        #expect(RendererChoice(parsing: " SIXEL\t") == .forced(.sixel))
        #expect(RendererChoice(parsing: "blocks256") == .forced(.blocks256))
        #expect(RendererChoice(parsing: "blocks 256") == nil)
        #expect(RendererChoice(parsing: "") == nil)
    }

    // MARK: - Sizes

    @Test func cellSizeSources() {
        let window = WindowSize(rows: 24, cols: 80, pixelWidth: 720, pixelHeight: 432)
        let reported = TerminalCapabilities.decide(
            environment: ["TERM": "xterm"], probe: answered([62, 4], cell: PixelSize(width: 8, height: 16), window: window))
        #expect(reported.cellSize == PixelSize(width: 8, height: 16))
        #expect(reported.cellSizeSource == "CSI 16 t reply")

        let derived = TerminalCapabilities.decide(environment: ["TERM": "xterm"], probe: answered([62, 4], window: window))
        #expect(derived.cellSize == PixelSize(width: 9, height: 18))
        #expect(derived.cellSizeSource == "TIOCGWINSZ pixel size / cells")

        let noPixels = WindowSize(rows: 24, cols: 80)
        let fallback = TerminalCapabilities.decide(environment: ["TERM": "xterm"], probe: answered([62, 4], window: noPixels))
        #expect(fallback.cellSize == PixelSize(width: 10, height: 20))
        #expect(fallback.size == TerminalSize(rows: 24, cols: 80))
        #expect(fallback.sizeSource == "TIOCGWINSZ")
    }

    @Test func terminalSizeFallsBackToColumnsAndLines() {
        let fromEnvironment = TerminalCapabilities.decide(
            environment: ["TERM": "xterm", "COLUMNS": "132", "LINES": "43"], probe: .notATerminal)
        #expect(fromEnvironment.size == TerminalSize(rows: 43, cols: 132))
        #expect(fromEnvironment.sizeSource == "COLUMNS/LINES")

        let fallback = TerminalCapabilities.decide(
            environment: ["TERM": "xterm", "COLUMNS": "wide"], probe: .notATerminal)
        #expect(fallback.size == TerminalSize(rows: 24, cols: 80))
        #expect(fallback.sizeSource == "default")
    }

    // MARK: - Report

    @Test func describeNamesRendererReasonAndHidesSocketPaths() {
        let capabilities = TerminalCapabilities.decide(
            choice: .forced(.ascii), environment: tmux33.merging(["COLORTERM": "truecolor"]) { $1 },
            probe: answered([1, 2]))
        let text = capabilities.describe()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "renderer       ascii (forced by --renderer)")
        #expect(lines.contains("detected       blocks: tmux 3.3a without sixel passthrough; COLORTERM=truecolor"))
        #expect(lines.contains("multiplexer    tmux 3.3a"))
        #expect(lines.contains("probe          answered, DA1 ?1;2c"))
        #expect(text.contains("TMUX=(set)"))
        #expect(!text.contains("/tmp/tmux-1000"))
    }

    @Test func describeNeutralisesControlCharacters() {
        let capabilities = TerminalCapabilities.decide(environment: ["TERM": "xterm\u{1B}[2J"], probe: .notATerminal)
        #expect(capabilities.describe().contains("TERM=xterm?[2J"))
        #expect(!capabilities.describe().contains("\u{1B}"))
    }

    @Test func decideKeepsOnlyDetectionVariables() {
        let capabilities = TerminalCapabilities.decide(
            environment: ["TERM": "xterm", "HOME": "/root", "SECRET_TOKEN": "x"], probe: .notATerminal)
        #expect(capabilities.environment == ["TERM": "xterm"])
    }

    // MARK: - terminfo and the locale

    @Test func aTERMWithoutColoursInTerminfoIsMonochromeEvenWithCOLORTERM() {
        let mono = TextFacts(terminfoColors: 0, utf8: true)
        let c = TerminalCapabilities.decide(environment: ["TERM": "xterm-mono", "COLORTERM": "truecolor"],
                                            probe: answered([62, 22]), text: mono)
        #expect(c.colorLevel == .monochrome)
        #expect(c.renderer == .ascii)
        #expect(c.colorReason == "TERM=xterm-mono declares no colours in terminfo")
        // 8 colours or more, or no entry at all: the other rules decide as before.
        let eight = TerminalCapabilities.decide(environment: ["TERM": "xterm", "COLORTERM": "truecolor"],
                                                probe: answered([62, 22]), text: TextFacts(terminfoColors: 8, utf8: true))
        #expect(eight.colorLevel == .truecolor)
        let none = TerminalCapabilities.decide(environment: ["TERM": "xterm-ghostty"], probe: answered([62, 22]),
                                               text: TextFacts(terminfoColors: nil, utf8: true))
        #expect(none.colorLevel == .truecolor)
    }

    @Test func aLocaleThatIsNotUTF8GetsASCIIInsteadOfHalfBlocks() {
        let latin = TextFacts(terminfoColors: 256, utf8: false, codeset: "ANSI_X3.4-1968")
        let blocks = TerminalCapabilities.decide(environment: ["TERM": "xterm-256color"], probe: answered([62, 22]), text: latin)
        #expect(blocks.renderer == .ascii)
        #expect(blocks.reason.hasSuffix("the locale's character set is ANSI_X3.4-1968, not UTF-8"), "\(blocks.reason)")
        // Pixels do not depend on the character set: sixel stays.
        let sixel = TerminalCapabilities.decide(environment: ["TERM": "xterm"], probe: answered([63, 4]), text: latin)
        #expect(sixel.renderer == .sixel)
    }

    @Test func codesetNames() {
        #expect(TextFacts.isUTF8(codeset: "UTF-8"))
        #expect(TextFacts.isUTF8(codeset: "utf8"))
        #expect(!TextFacts.isUTF8(codeset: "ANSI_X3.4-1968"))
        #expect(!TextFacts.isUTF8(codeset: "ISO-8859-1"))
        #expect(!TextFacts.isUTF8(codeset: ""))
    }

    @Test func terminfoIsReadForRealEntries() {
        // ncurses-base ships these entries on every Debian system.
        #expect(TextFacts.current(term: "xterm-mono").terminfoColors == 0)
        #expect(TextFacts.current(term: "xterm-256color").terminfoColors == 256)
        #expect(TextFacts.current(term: "no-such-terminal-anywhere").terminfoColors == nil)
        #expect(TextFacts.current(term: nil).terminfoColors == nil)
    }
}
