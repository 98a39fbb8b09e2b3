// ASCII look-alikes for the symbols the interface draws, for a locale whose character set
// cannot show them (LANG=C, POSIX, Latin-1). One character each, so every layout measured
// in characters stays as it is.

enum ASCIIFallback {
    static let table: [Unicode.Scalar: Unicode.Scalar] = [
        "│": "|", "─": "-", "—": "-", "–": "-", "·": ".", "•": "*", "…": "~",
        "←": "<", "→": ">", "↑": "^", "↓": "v", "▸": ">", "⟳": "@", "⚠": "!",
        "σ": "s", "ψ": "Y", "±": "+", "≈": "~", "≥": ">", "≤": "<", "²": "2",
        "█": "#", "▀": "\"", "×": "x",
    ]

    /// `scalar` itself when it is ASCII, else its look-alike, else `?`.
    static func scalar(for scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.isASCII { return scalar }
        return table[scalar] ?? "?"
    }
}
