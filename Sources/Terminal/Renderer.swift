// Renderer tiers, best to worst, and the colour levels the text tiers need.
// Only names and small conversions live here; the choice is made in DetectionRules.swift.

/// How images are put on the terminal, ordered best to worst.
///
/// The raw values are the spellings accepted by `--renderer` and `LATENTSCOPE_RENDERER`.
public enum Renderer: String, CaseIterable, Sendable, Equatable {
    /// The kitty graphics protocol (kitty, Ghostty, WezTerm, Konsole): PNG images kept by the
    /// terminal under an id and replaced in place.
    case kitty
    /// iTerm2's inline images (OSC 1337 File=…), PNG: iTerm2 and WezTerm.
    case iterm2
    /// DEC sixel graphics: real pixels, palette from libsixel, bytes written here.
    case sixel
    /// Unicode upper half blocks (`▀`) with 24-bit foreground and background colours:
    /// two image pixels per cell.
    case blocks
    /// Half blocks with colours approximated by the xterm-256 palette.
    case blocks256
    /// One character per cell from a luminance ramp; no colour at all.
    case ascii

    /// The half-block mode that draws this tier, or `nil` for the pixel renderers.
    public var blockMode: BlockMode? {
        switch self {
        case .kitty, .iterm2, .sixel: return nil
        case .blocks: return .truecolor
        case .blocks256: return .xterm256
        case .ascii: return .ascii
        }
    }

    /// Whether the terminal shows real pixels (kitty, iTerm2, sixel), sized by its cell size.
    public var isPixel: Bool { blockMode == nil }
}

/// What the user asked for: let detection decide, or force a renderer.
public enum RendererChoice: Sendable, Equatable {
    case auto
    case forced(Renderer)

    /// Parses `auto` or a renderer name, case-insensitively and ignoring surrounding blanks.
    /// Returns `nil` for anything else, so callers can name the bad value in their error.
    public init?(parsing text: String) {
        let value = text.trimmingBlanks().lowercased()
        if value == "auto" {
            self = .auto
        } else if let renderer = Renderer(rawValue: value) {
            self = .forced(renderer)
        } else {
            return nil
        }
    }

    /// The accepted spellings, for help and error messages.
    public static let spellings = ["auto"] + Renderer.allCases.map(\.rawValue)
}

/// How many colours the terminal can show in text cells.
public enum ColorLevel: String, Sendable, Equatable {
    /// 24-bit colour (`SGR 38;2;r;g;b`).
    case truecolor
    /// The xterm 256-colour palette (`SGR 38;5;n`).
    case xterm256
    /// No usable colour.
    case monochrome

    /// The text renderer that matches this colour level.
    public var blockRenderer: Renderer {
        switch self {
        case .truecolor: return .blocks
        case .xterm256: return .blocks256
        case .monochrome: return .ascii
        }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs (Foundation-free `trimmingCharacters`).
    func trimmingBlanks() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }),
              let last = lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(self[first...last])
    }
}
