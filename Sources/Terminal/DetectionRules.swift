// The renderer decision as a pure function of (user choice, environment, probe result), so
// every rule is unit-tested without a terminal. TerminalCapabilities.detect gathers the inputs.
//
// Order of authority:
//   1. what the user forces (--renderer, then LATENTSCOPE_RENDERER) beats anything detected;
//   2. TERM=dumb or no TERM: plain ASCII;
//   3. outside a multiplexer: an OK to the kitty graphics query means kitty images, then
//      TERM_PROGRAM / LC_TERMINAL naming iTerm2 or WezTerm means iTerm2 inline images;
//   4. a DA1 reply is the terminal speaking for itself: parameter 4 means sixel;
//   5. without a DA1 reply, environment rules name terminals known to do kitty images or sixel;
//   6. otherwise half blocks, with the colour depth from terminfo and environment rules,
//      or ASCII where the locale is not UTF-8.
// Each environment rule carries a comment naming the quirk it handles.

/// Names of the environment variables the rules read; `describe()` prints the ones set.
let detectionVariables = [
    "LATENTSCOPE_RENDERER", "LATENTSCOPE_PROBE_TIMEOUT", "TERM", "COLORTERM", "TERM_PROGRAM", "TERM_PROGRAM_VERSION",
    "TMUX", "STY", "VTE_VERSION", "KONSOLE_VERSION", "WT_SESSION", "COLUMNS", "LINES",
    "LC_TERMINAL", "LC_ALL", "LC_CTYPE", "LANG",
]

/// A terminal multiplexer sitting between us and the real terminal.
public enum Multiplexer: Sendable, Equatable, CustomStringConvertible {
    /// tmux, with its version when `TERM_PROGRAM_VERSION` tells it.
    case tmux(version: String?)
    /// GNU screen.
    case screen

    public var description: String {
        switch self {
        case .tmux(let version?): return "tmux \(version)"
        case .tmux(nil): return "tmux"
        case .screen: return "GNU screen"
        }
    }
}

enum DetectionRules {
    // MARK: - Forced renderer

    /// The renderer the user forces, if any, with where it came from. An unparsable
    /// LATENTSCOPE_RENDERER is ignored and reported in `notes`, never fatal: a stale
    /// variable in a shell profile must not stop the tool from starting.
    static func forced(
        choice: RendererChoice, environment: [String: String], notes: inout [String]
    ) -> (Renderer, TerminalCapabilities.Origin)? {
        if case .forced(let renderer) = choice { return (renderer, .flag) }
        guard let value = environment["LATENTSCOPE_RENDERER"], !value.trimmingBlanks().isEmpty else { return nil }
        switch RendererChoice(parsing: value) {
        case .forced(let renderer)?:
            return (renderer, .environment)
        case .auto?:
            return nil
        case nil:
            let expected = RendererChoice.spellings.joined(separator: ", ")
            notes.append("ignored LATENTSCOPE_RENDERER=\(value): expected one of \(expected)")
            return nil
        }
    }

    /// How long the probe waits for replies, in milliseconds: LATENTSCOPE_PROBE_TIMEOUT, or
    /// the probe's default. A terminal that answers DA1 ends the wait early, so a long value
    /// costs nothing there; it matters on a slow link (ssh far away, a loaded machine), where
    /// replies that come too late are missed and detection falls back to the environment.
    /// An unparsable or out-of-range value is ignored with a note, like LATENTSCOPE_RENDERER.
    static func probeTimeout(_ environment: [String: String], notes: inout [String]) -> Int {
        guard let value = environment["LATENTSCOPE_PROBE_TIMEOUT"], !value.trimmingBlanks().isEmpty else {
            return TerminalProbe.defaultTimeoutMilliseconds
        }
        if let milliseconds = Int(value.trimmingBlanks()), probeTimeoutRange.contains(milliseconds) { return milliseconds }
        notes.append("ignored LATENTSCOPE_PROBE_TIMEOUT=\(value): expected milliseconds from "
            + "\(probeTimeoutRange.lowerBound) to \(probeTimeoutRange.upperBound)")
        return TerminalProbe.defaultTimeoutMilliseconds
    }

    /// Up to 10 s: longer than any link a terminal UI is usable over.
    static let probeTimeoutRange = 0...10_000

    // MARK: - Multiplexers

    static func multiplexer(_ environment: [String: String]) -> Multiplexer? {
        // tmux sets TMUX in every pane, and TERM_PROGRAM=tmux with TERM_PROGRAM_VERSION
        // (3.2 and later), hiding the outer terminal's TERM_PROGRAM.
        if let tmux = environment["TMUX"], !tmux.isEmpty {
            let version = environment["TERM_PROGRAM"] == "tmux" ? environment["TERM_PROGRAM_VERSION"] : nil
            return .tmux(version: version.flatMap { $0.isEmpty ? nil : $0 })
        }
        // GNU screen sets STY to its session name.
        if let sty = environment["STY"], !sty.isEmpty { return .screen }
        return nil
    }

    /// `(major, minor)` of a tmux version string such as "3.3a", "3.4" or "next-3.5".
    static func tmuxVersion(_ text: String) -> (Int, Int)? {
        let digits = text.drop { !$0.isNumber }
        let parts = digits.split(separator: ".", maxSplits: 1)
        guard let major = parts.first.flatMap({ Int($0) }) else { return nil }
        let minor = parts.count > 1 ? Int(parts[1].prefix { $0.isNumber }) ?? 0 : 0
        return (major, minor)
    }

    // MARK: - Sixel

    /// A terminal the environment identifies as sixel-capable, used only when DA1 could not
    /// be asked or went unanswered. Returns the rule's description, e.g. "TERM=foot".
    static func knownSixelTerminal(_ environment: [String: String]) -> String? {
        let term = environment["TERM"] ?? ""
        let program = environment["TERM_PROGRAM"] ?? ""
        // foot installs its own terminfo entries "foot" and "foot-extra".
        if term == "foot" || term.hasPrefix("foot-") { return "TERM=\(term)" }
        // mlterm keeps TERM=mlterm unless the user overrides it.
        if term == "mlterm" { return "TERM=mlterm" }
        // Contour ships the "contour" terminfo entry.
        if term == "contour" { return "TERM=contour" }
        // mintty (Git Bash, Cygwin, WSLtty) sets TERM_PROGRAM=mintty.
        if program == "mintty" { return "TERM_PROGRAM=mintty" }
        // WezTerm and iTerm2 do sixel too, but are caught earlier by the iTerm2 images rule.
        // Konsole gained sixel in 22.04; KONSOLE_VERSION is e.g. 220401.
        if let konsole = environment["KONSOLE_VERSION"].flatMap({ Int($0) }), konsole >= 220400 {
            return "KONSOLE_VERSION=\(konsole)"
        }
        // Not listed on purpose: xterm (sixel only when built with it and run as
        // `xterm -ti vt340`, which only DA1 can tell), Windows Terminal (WT_SESSION carries
        // no version; sixel needs 1.22+), kitty and Alacritty (no sixel).
        return nil
    }

    // MARK: - Kitty and iTerm2 images

    /// A terminal the environment identifies as speaking the kitty graphics protocol, used only
    /// when the probe got no answer at all (so the query could not tell).
    static func knownKittyTerminal(_ environment: [String: String]) -> String? {
        let term = environment["TERM"] ?? ""
        // kitty and Ghostty install their own terminfo entries and set TERM to them.
        if term == "xterm-kitty" || term == "xterm-ghostty" { return "TERM=\(term)" }
        return nil
    }

    /// A terminal that shows iTerm2 inline images (OSC 1337 File=…), by its own variables.
    static func knownITermTerminal(_ environment: [String: String]) -> String? {
        let program = environment["TERM_PROGRAM"] ?? ""
        // iTerm2 and WezTerm set TERM_PROGRAM; neither answers a query for these images.
        if program == "iTerm.app" || program == "WezTerm" { return "TERM_PROGRAM=\(program)" }
        // iTerm2 also sets LC_TERMINAL, which ssh forwards (LC_* by default) where TERM_PROGRAM is lost.
        if environment["LC_TERMINAL"] == "iTerm2" { return "LC_TERMINAL=iTerm2" }
        return nil
    }

    // MARK: - Colour

    /// The colour depth for half blocks and the rule that decided it.
    static func colorLevel(
        _ environment: [String: String], multiplexer: Multiplexer?, text: TextFacts = .assumed
    ) -> (ColorLevel, String) {
        let term = environment["TERM"] ?? ""
        let colorterm = (environment["COLORTERM"] ?? "").lowercased()
        let program = environment["TERM_PROGRAM"] ?? ""

        if term.isEmpty { return (.monochrome, "TERM is not set") }
        // A TERM whose terminfo entry declares no colour (xterm-mono, vt100, ansi-mono) is
        // the user saying so; it beats a COLORTERM inherited from an outer terminal.
        if let declared = text.terminfoColors, declared < 8, !term.isEmpty {
            return (.monochrome, "TERM=\(term) declares \(declared == 0 ? "no" : String(declared)) colours in terminfo")
        }

        // GNU screen before 5.0 cannot pass 24-bit colour through, yet a COLORTERM inherited
        // from the outer terminal would claim it; so this rule comes before COLORTERM.
        if multiplexer == .screen { return (.xterm256, "GNU screen: no truecolor passthrough") }
        // COLORTERM is the de facto truecolor flag (VTE, Konsole, iTerm2, kitty, WezTerm,
        // Alacritty, foot… set it). Inside tmux it is inherited from the outer terminal, and
        // tmux passes 24-bit colour when that terminal has the RGB/Tc feature.
        if colorterm == "truecolor" || colorterm == "24bit" {
            return (.truecolor, "COLORTERM=\(environment["COLORTERM"]!)")
        }
        // terminfo "-direct" entries (xterm-direct, konsole-direct…) are direct-colour by definition.
        if term.hasSuffix("-direct") { return (.truecolor, "TERM=\(term)") }
        // Terminals whose own TERM names them, all truecolor, some of which forget COLORTERM
        // over ssh (COLORTERM is not forwarded by default, TERM is).
        let truecolorTerms = ["xterm-kitty", "xterm-ghostty", "alacritty", "foot", "foot-extra",
                              "wezterm", "contour", "mlterm", "rio"]
        if truecolorTerms.contains(term) { return (.truecolor, "TERM=\(term) is a truecolor terminal") }
        // TERM_PROGRAM for terminals that keep TERM=xterm-256color.
        let truecolorPrograms = ["iTerm.app", "WezTerm", "vscode", "Hyper", "ghostty", "Tabby", "mintty"]
        if truecolorPrograms.contains(program) {
            return (.truecolor, "TERM_PROGRAM=\(program) is a truecolor terminal")
        }
        // VTE (GNOME Terminal, Tilix, Terminator…) gained truecolor in 0.36 = VTE_VERSION 3600.
        if let vte = environment["VTE_VERSION"].flatMap({ Int($0) }), vte >= 3600 {
            return (.truecolor, "VTE_VERSION=\(vte) (VTE 0.36+ has truecolor)")
        }
        // Konsole has had truecolor since 2014, long before it set KONSOLE_VERSION.
        if let konsole = environment["KONSOLE_VERSION"], !konsole.isEmpty {
            return (.truecolor, "KONSOLE_VERSION=\(konsole)")
        }
        // Windows Terminal sets WT_SESSION and always supports 24-bit colour.
        if let session = environment["WT_SESSION"], !session.isEmpty {
            return (.truecolor, "WT_SESSION set (Windows Terminal)")
        }
        // Terminal.app has long lacked 24-bit colour (it folds such SGR onto its palette);
        // its 256 colours are right, so do the mapping ourselves.
        if program == "Apple_Terminal" { return (.xterm256, "TERM_PROGRAM=Apple_Terminal has no truecolor") }
        // tmux without COLORTERM: whether truecolor reaches the outer terminal depends on the
        // terminal-features/terminal-overrides settings we cannot see; 256 always works.
        if case .tmux = multiplexer {
            return (.xterm256, "tmux without COLORTERM=truecolor: assuming 256 colours")
        }
        if term.contains("256color") { return (.xterm256, "TERM=\(term)") }
        // The Linux console accepts 256-colour SGR and maps it to its 16 colours.
        if term == "linux" { return (.xterm256, "TERM=linux (the console shows 16 of them)") }
        // Hardware terminals and their emulations without colour.
        if term.hasPrefix("vt1") || term.hasPrefix("vt2") || term == "ansi-mono" {
            return (.monochrome, "TERM=\(term) has no colour")
        }
        // Fallback tier for unknown terminals: nearly every emulator today does 256 colours,
        // and the xterm-256 mapping degrades gracefully where it is approximated.
        return (.xterm256, "TERM=\(term): unknown terminal, assuming 256 colours")
    }

    // MARK: - Decision

    /// The detected renderer (ignoring anything forced) and its reason.
    static func detectedRenderer(
        environment: [String: String], probe: ProbeResult, multiplexer: Multiplexer?,
        color: (ColorLevel, String), text: TextFacts = .assumed
    ) -> (Renderer, String) {
        let term = environment["TERM"] ?? ""
        // Without TERM nothing can be addressed; TERM=dumb (Emacs shell, some CI logs)
        // promises no cursor movement and no colour.
        if term.isEmpty { return (.ascii, "ascii: TERM is not set") }
        if term == "dumb" { return (.ascii, "ascii: TERM=dumb") }

        // tmux before 3.4 cannot pass sixel at all: images would show as nothing or garbage.
        var tmuxWithoutSixel: String?
        if case .tmux(let version?) = multiplexer, let parsed = tmuxVersion(version), parsed < (3, 4) {
            tmuxWithoutSixel = "tmux \(version) without sixel passthrough"
        }
        let attributes = probe.status == .answered ? probe.deviceAttributes : nil

        // Kitty and iTerm2 images are sent only outside multiplexers: tmux and screen drop
        // APC and OSC 1337 unless passthrough is configured, which cannot be seen from here.
        if multiplexer == nil {
            if probe.kittyGraphics == true { return (.kitty, "kitty: the terminal answered the kitty graphics query") }
            if attributes == nil, probe.kittyGraphics == nil, let rule = knownKittyTerminal(environment) {
                let notProbed = probe.status == .noAnswer ? "no reply to the queries" : "not probed: \(probe.status.rawValue)"
                return (.kitty, "kitty: \(rule) speaks the kitty graphics protocol (\(notProbed))")
            }
            if let rule = knownITermTerminal(environment) { return (.iterm2, "iterm2: \(rule) shows iTerm2 inline images") }
        }

        // A DA1 reply is authoritative. Inside tmux it is tmux that answers, and tmux 3.4+
        // includes 4 only when built with sixel and the outer terminal has it, so a 4 from
        // tmux means images really reach the screen.
        if let attributes, TerminalReplies.announcesSixel(attributes) {
            if let multiplexer { return (.sixel, "sixel: \(multiplexer) answered DA1 with 4") }
            return (.sixel, "sixel: DA1 reported 4")
        }

        let whyNotSixel: String
        if let tmuxWithoutSixel {
            whyNotSixel = tmuxWithoutSixel
        } else if let attributes {
            let reply = "?" + attributes.map(String.init).joined(separator: ";")
            switch multiplexer {
            case .tmux?:
                whyNotSixel = "\(multiplexer!) reported no sixel in DA1 (\(reply)): built without sixel, or the outer terminal lacks it"
            case .screen?:
                whyNotSixel = "GNU screen does not pass sixel through"
            case nil:
                whyNotSixel = "DA1 without sixel (\(reply))"
            }
        } else {
            // No reply to go by: fall back to what the environment says, except behind a
            // multiplexer, which hides the outer terminal and may not pass sixel through.
            let notProbed = probe.status == .noAnswer ? "no DA1 reply" : "not probed: \(probe.status.rawValue)"
            if let multiplexer {
                whyNotSixel = "\(multiplexer), \(notProbed): sixel not assumed"
            } else if let rule = knownSixelTerminal(environment) {
                return (.sixel, "sixel: \(rule) is a known sixel terminal (\(notProbed))")
            } else {
                whyNotSixel = notProbed
            }
        }
        // Half blocks are UTF-8 characters: a locale in another character set gets ASCII.
        if !text.utf8 {
            return (.ascii, "ascii: \(whyNotSixel); the locale's character set is \(text.codeset), not UTF-8")
        }
        let renderer = color.0.blockRenderer
        return (renderer, "\(renderer.rawValue): \(whyNotSixel); \(color.1)")
    }

    /// Where the cell size in pixels comes from: the terminal's own report, then TIOCGWINSZ's
    /// pixel fields, then a default.
    static func cellSize(_ probe: ProbeResult) -> (PixelSize, String) {
        if let reported = probe.reportedCellSize { return (reported, "CSI 16 t reply") }
        if let derived = probe.window?.cellSize { return (derived, "TIOCGWINSZ pixel size / cells") }
        return (.defaultCell, "default, the terminal reported no pixel size")
    }

    /// Where the size in cells comes from: TIOCGWINSZ, then COLUMNS/LINES, then 80x24.
    static func terminalSize(_ probe: ProbeResult, environment: [String: String]) -> (TerminalSize, String) {
        if let window = probe.window { return (TerminalSize(rows: window.rows, cols: window.cols), "TIOCGWINSZ") }
        if let cols = environment["COLUMNS"].flatMap({ Int($0) }), let rows = environment["LINES"].flatMap({ Int($0) }),
           cols > 0, rows > 0 {
            return (TerminalSize(rows: rows, cols: cols), "COLUMNS/LINES")
        }
        return (.fallback, "default")
    }
}
