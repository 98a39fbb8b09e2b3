// What the terminal description and the locale say about drawing text, beside what the
// environment variables and the live probe say. Gathered once by `TextFacts.current()`;
// the detection rules take it as a plain value so they stay testable.

import CNcursesw
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct TextFacts: Sendable, Equatable {
    /// The number of colours the terminfo entry for `TERM` declares (0 when it declares
    /// none, as for xterm-mono or vt100); nil when there is no entry or no TERM.
    public var terminfoColors: Int?
    /// Whether the locale's character set is UTF-8. Without it the terminal cannot be
    /// assumed to show anything beyond ASCII: no half blocks, no │ ψ σ or arrows.
    public var utf8: Bool
    /// The locale's character set as the C library names it, for reports.
    public var codeset: String

    public init(terminfoColors: Int?, utf8: Bool, codeset: String = "UTF-8") {
        self.terminfoColors = terminfoColors
        self.utf8 = utf8
        self.codeset = codeset
    }

    /// The facts assumed when nothing was looked up: a UTF-8 locale, terminfo unknown.
    public static let assumed = TextFacts(terminfoColors: nil, utf8: true)

    /// Reads the user's locale (LC_ALL, LC_CTYPE, LANG, as setlocale does) and the terminfo
    /// entry for `term`.
    public static func current(term: String?) -> TextFacts {
        setlocale(LC_ALL, "")
        let codeset = ls_codeset().map { String(cString: $0) } ?? ""
        var colors: Int?
        if let term, !term.isEmpty {
            let declared = Int(ls_terminfo_colors(term))
            colors = declared == -2 ? nil : max(0, declared)
        }
        return TextFacts(terminfoColors: colors, utf8: isUTF8(codeset: codeset), codeset: codeset)
    }

    static func isUTF8(codeset: String) -> Bool {
        let name = codeset.lowercased().filter { $0 != "-" && $0 != "_" }
        return name == "utf8"
    }
}
