// What the terminal can show and why we think so: the result of DetectionRules, plus
// `detect(...)`, which gathers the real inputs, and `describe()` for `--dump-detect`.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The terminal's capabilities as decided from the user's choice, the environment and a probe.
///
/// "Forced" and "detected" are kept apart: `renderer` is what will be used, while
/// `detectedRenderer` is what detection alone would have picked, so `--dump-detect` can show
/// both and a forced choice never hides what the terminal really said.
public struct TerminalCapabilities: Sendable, Equatable {
    /// Where the effective renderer came from.
    public enum Origin: String, Sendable, Equatable {
        /// `--renderer` (the `choice` argument).
        case flag = "forced by --renderer"
        /// The `LATENTSCOPE_RENDERER` environment variable.
        case environment = "forced by LATENTSCOPE_RENDERER"
        /// Environment rules and the probe.
        case detected = "detected"
    }

    /// The renderer to use.
    public var renderer: Renderer
    /// Whether `renderer` was forced or detected.
    public var origin: Origin
    /// Why `renderer` was chosen: `"forced by --renderer"`, or the detection reason.
    public var reason: String
    /// What detection alone picked, even when something else was forced.
    public var detectedRenderer: Renderer
    /// Why detection picked it, e.g. `"sixel: DA1 reported 4"` or
    /// `"blocks: tmux 3.3a without sixel passthrough; COLORTERM=truecolor"`.
    public var detectedReason: String
    /// Colour depth available to text cells (what the half-block tiers would use).
    public var colorLevel: ColorLevel
    /// The environment rule that set `colorLevel`.
    public var colorReason: String
    /// tmux or GNU screen between us and the terminal, if any.
    public var multiplexer: Multiplexer?
    /// One cell in pixels, for sizing sixel images.
    public var cellSize: PixelSize
    /// Where `cellSize` came from.
    public var cellSizeSource: String
    /// The largest sixel image the terminal shows (XTSMGRAPHICS), when it said.
    public var graphicsLimit: PixelSize?
    /// The number of sixel colour registers (XTSMGRAPHICS), when the terminal said.
    public var colorRegisters: Int?
    /// The terminal size in cells at detection time.
    public var size: TerminalSize
    /// Where `size` came from.
    public var sizeSource: String
    /// The raw probe result.
    public var probe: ProbeResult
    /// The longest the probe waits for replies (LATENTSCOPE_PROBE_TIMEOUT or the default).
    public var probeTimeoutMilliseconds: Int
    /// The detection-relevant environment variables that were set.
    public var environment: [String: String]
    /// What terminfo and the locale said.
    public var text: TextFacts
    /// Anything worth telling the user, such as an ignored invalid override.
    public var notes: [String]

    /// Whether the renderer was forced by the user rather than detected.
    public var isForced: Bool { origin != .detected }

    // MARK: - Decision

    /// Decides from explicit inputs. Pure: no terminal, no environment access, so every
    /// rule can be tested. See DetectionRules.swift for the rules and their order.
    ///
    /// - Parameters:
    ///   - choice: the `--renderer` value; `.auto` lets `LATENTSCOPE_RENDERER` and then
    ///     detection decide.
    ///   - environment: environment variables (only those in the rules are read).
    ///   - probe: what the live probe found, or `.notATerminal`.
    ///   - text: the terminfo entry's colours and whether the locale is UTF-8.
    public static func decide(
        choice: RendererChoice = .auto, environment: [String: String], probe: ProbeResult,
        text: TextFacts = .assumed
    ) -> TerminalCapabilities {
        var notes: [String] = []
        let forced = DetectionRules.forced(choice: choice, environment: environment, notes: &notes)
        let probeTimeout = DetectionRules.probeTimeout(environment, notes: &notes)
        let multiplexer = DetectionRules.multiplexer(environment)
        let color = DetectionRules.colorLevel(environment, multiplexer: multiplexer, text: text)
        let detected = DetectionRules.detectedRenderer(
            environment: environment, probe: probe, multiplexer: multiplexer, color: color, text: text)
        let cell = DetectionRules.cellSize(probe)
        let size = DetectionRules.terminalSize(probe, environment: environment)

        if let forced, forced.0.isPixel, detected.0 != forced.0 {
            notes.append("\(forced.0.rawValue) is forced but was not detected; images may not show")
        }
        if case .tmux = multiplexer, (forced?.0 ?? detected.0) == .sixel {
            notes.append("inside tmux, sixel images vanish when the pane is redrawn; large ones need a bigger input-buffer-size")
        }

        return TerminalCapabilities(
            renderer: forced?.0 ?? detected.0,
            origin: forced?.1 ?? .detected,
            reason: forced.map { $0.1.rawValue } ?? detected.1,
            detectedRenderer: detected.0,
            detectedReason: detected.1,
            colorLevel: color.0,
            colorReason: color.1,
            multiplexer: multiplexer,
            cellSize: cell.0,
            cellSizeSource: cell.1,
            graphicsLimit: probe.graphicsLimit,
            colorRegisters: probe.colorRegisters,
            size: size.0,
            sizeSource: size.1,
            probe: probe,
            probeTimeoutMilliseconds: probeTimeout,
            environment: environment.filter { detectionVariables.contains($0.key) },
            text: text,
            notes: notes)
    }

    // MARK: - Detection

    /// Reads the detection-relevant variables from the process environment.
    public static func processEnvironment() -> [String: String] {
        var environment: [String: String] = [:]
        for name in detectionVariables {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return environment
    }

    /// Gathers the inputs and decides: environment variables, then a live probe (only when
    /// `probe` finds TTYs; bounded by its timeout, LATENTSCOPE_PROBE_TIMEOUT when `probe` is
    /// not given), then `decide`.
    ///
    /// When a text renderer (blocks, blocks256, ascii) is forced, nothing is asked at all, so
    /// forcing is also the way out for a terminal that misbehaves on queries.
    public static func detect(
        choice: RendererChoice = .auto,
        environment: [String: String] = processEnvironment(),
        probe: TerminalProbe? = nil,
        text: TextFacts? = nil
    ) -> TerminalCapabilities {
        var ignored: [String] = []  // decide() reports these
        let forced = DetectionRules.forced(choice: choice, environment: environment, notes: &ignored)
        let probe = probe ?? TerminalProbe(timeoutMilliseconds: DetectionRules.probeTimeout(environment, notes: &ignored))
        let sendQueries = forced.map { $0.0.isPixel } ?? true
        let facts = text ?? TextFacts.current(term: environment["TERM"])
        var capabilities = decide(choice: choice, environment: environment, probe: probe.run(sendQueries: sendQueries), text: facts)
        capabilities.probeTimeoutMilliseconds = probe.timeoutMilliseconds  // a given probe's own wait, not the variable's
        return capabilities
    }

    // MARK: - Report

    /// A multi-line, human-readable account of what was detected and why, for a
    /// `--dump-detect` flag. Values of `TMUX` and `STY` (socket paths, session names) are
    /// shown only as "set", and control characters in other values as `?`.
    public func describe() -> String {
        var lines: [(String, String)] = []
        lines.append(("renderer", "\(renderer.rawValue) (\(reason))"))
        lines.append(("detected", detectedReason))
        lines.append(("colours", "\(colorLevel.rawValue): \(colorReason)"))
        lines.append(("multiplexer", multiplexer?.description ?? "none"))
        let terminfo = text.terminfoColors.map { "\($0) colours" } ?? "no entry"
        lines.append(("text", "terminfo \(terminfo); locale character set \(text.codeset)\(text.utf8 ? "" : " (ASCII only)")"))
        var probeText = probe.status.rawValue
        if probe.status == .noAnswer { probeText += " within \(probeTimeoutMilliseconds) ms (LATENTSCOPE_PROBE_TIMEOUT)" }
        if let attributes = probe.deviceAttributes {
            probeText += ", DA1 ?" + attributes.map(String.init).joined(separator: ";") + "c"
        }
        if let reported = probe.reportedCellSize { probeText += ", cell \(reported) px" }
        switch probe.kittyGraphics {
        case true?: probeText += ", kitty graphics OK"
        case false?: probeText += ", kitty graphics refused"
        case nil: break
        }
        if let window = probe.window {
            probeText += ", TIOCGWINSZ \(window.cols)x\(window.rows) cells \(window.pixelWidth)x\(window.pixelHeight) px"
        }
        lines.append(("probe", probeText))
        lines.append(("cell size", "\(cellSize) px (\(cellSizeSource))"))
        lines.append(("size", "\(size) cells (\(sizeSource))"))
        lines.append(("sixel limit", graphicsLimit.map { "\($0) px (XTSMGRAPHICS)" } ?? "none reported"))
        lines.append(("sixel colours", colorRegisters.map { "\($0) registers (XTSMGRAPHICS)" } ?? "none reported"))
        let shown = detectionVariables.compactMap { name -> String? in
            guard let value = environment[name] else { return nil }
            return name == "TMUX" || name == "STY" ? "\(name)=(set)" : "\(name)=\(value)"
        }
        lines.append(("environment", shown.isEmpty ? "(none of the variables read)" : shown.joined(separator: " ")))
        for note in notes { lines.append(("note", note)) }
        let width = lines.map(\.0.count).max() ?? 0
        // Values (and reasons quoting them) come from the environment and are printed to a
        // terminal: control characters must not act on it.
        func printable(_ text: String) -> String {
            String(text.unicodeScalars.map { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) ? "?" : Character($0) })
        }
        return lines.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + printable($0.1) }
            .joined(separator: "\n")
    }
}
