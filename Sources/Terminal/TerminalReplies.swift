// Parsers for the terminal's answers to our queries. Pure functions over bytes, so they are
// tested without a terminal; TerminalProbe.swift does the talking.
//
// Replies arrive mixed with whatever else was in the input queue (a key the user pressed,
// a reply to an earlier query), so the parsers scan for well-formed control sequences and
// skip everything else rather than expecting the reply at offset 0.

/// One control sequence introducer (CSI) sequence found in terminal input.
struct ControlSequence: Equatable {
    /// The private marker right after `CSI` (`?` in DA1 replies, `>` in DA2), if any.
    var marker: UInt8?
    /// Numeric parameters; an empty parameter (as in `1;;2`) reads as 0, as ECMA-48 says.
    var parameters: [Int]
    /// The final byte (`c` for device attributes, `t` for window reports).
    var final: UInt8
}

/// Parsers for replies to the queries sent by `TerminalProbe`.
public enum TerminalReplies {
    /// The DA1 (primary device attributes) query.
    public static let deviceAttributesQuery: [UInt8] = Array("\u{1B}[c".utf8)
    /// Asks for one cell's size in pixels (xterm window operation 16).
    public static let cellSizeQuery: [UInt8] = Array("\u{1B}[16t".utf8)
    /// The kitty graphics protocol's query: a 1x1 RGB image that is checked, never stored
    /// (`a=q`). Terminals that speak the protocol answer `ESC _ G i=31;OK ESC \`; others
    /// ignore the APC string.
    public static let kittyQuery: [UInt8] = Array("\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\".utf8)
    /// The id the kitty query uses, to tell its reply from others.
    static let kittyQueryID = 31
    /// XTSMGRAPHICS: the largest sixel image the terminal shows (`CSI ? 2 ; 1 ; 0 S`).
    public static let graphicsGeometryQuery: [UInt8] = Array("\u{1B}[?2;1;0S".utf8)
    /// XTSMGRAPHICS: the number of sixel colour registers (`CSI ? 1 ; 1 ; 0 S`).
    public static let colorRegistersQuery: [UInt8] = Array("\u{1B}[?1;1;0S".utf8)

    /// The parameters of the first DA1 reply (`ESC [ ? p1 ; p2 … c`) in `bytes`,
    /// or `nil` when there is none. Other sequences and stray bytes are skipped.
    ///
    /// Example: `ESC[?62;4c` (iTerm2) gives `[62, 4]`; a parameter 4 means sixel graphics.
    public static func deviceAttributes(in bytes: [UInt8]) -> [Int]? {
        controlSequences(in: bytes).first { $0.marker == UInt8(ascii: "?") && $0.final == UInt8(ascii: "c") }?
            .parameters
    }

    /// Whether DA1 parameters announce sixel graphics (parameter 4).
    public static func announcesSixel(_ parameters: [Int]) -> Bool {
        // The first parameter is the conformance level (62 = VT220, 65 = VT500…), never an
        // extension, so a leading 4 is not sixel; real terminals never send one anyway.
        parameters.dropFirst().contains(4)
    }

    /// The cell size from the first `ESC [ 6 ; height ; width t` reply in `bytes`,
    /// or `nil` when there is none or it reports a zero size.
    public static func cellSize(in bytes: [UInt8]) -> PixelSize? {
        for sequence in controlSequences(in: bytes)
        where sequence.marker == nil && sequence.final == UInt8(ascii: "t")
            && sequence.parameters.count >= 3 && sequence.parameters[0] == 6 {
            let size = PixelSize(width: sequence.parameters[2], height: sequence.parameters[1])
            return size.width > 0 && size.height > 0 ? size : nil
        }
        return nil
    }

    /// The largest sixel image from an XTSMGRAPHICS geometry reply (`ESC [ ? 2 ; 0 ; W ; H S`),
    /// or `nil` when there is none, it reports an error status, or a zero size.
    public static func graphicsGeometry(in bytes: [UInt8]) -> PixelSize? {
        graphicsAttribute(2, in: bytes).flatMap { values in
            values.count >= 2 && values[0] > 0 && values[1] > 0 ? PixelSize(width: values[0], height: values[1]) : nil
        }
    }

    /// The number of sixel colour registers from an XTSMGRAPHICS reply (`ESC [ ? 1 ; 0 ; N S`).
    public static func colorRegisters(in bytes: [UInt8]) -> Int? {
        graphicsAttribute(1, in: bytes).flatMap { $0.first.flatMap { $0 > 0 ? $0 : nil } }
    }

    /// The values of the first successful (status 0) XTSMGRAPHICS reply for `item`.
    private static func graphicsAttribute(_ item: Int, in bytes: [UInt8]) -> [Int]? {
        for sequence in controlSequences(in: bytes)
        where sequence.marker == UInt8(ascii: "?") && sequence.final == UInt8(ascii: "S")
            && sequence.parameters.count >= 3 && sequence.parameters[0] == item {
            return sequence.parameters[1] == 0 ? Array(sequence.parameters.dropFirst(2)) : nil
        }
        return nil
    }

    /// The answer to `kittyQuery` in `bytes`: `true` for `OK`, `false` for an error reply
    /// (the protocol is spoken but the query was refused), `nil` when there is no reply.
    public static func kittyGraphics(in bytes: [UInt8]) -> Bool? {
        for body in applicationCommands(in: bytes) where body.first == UInt8(ascii: "G") {
            let text = String(decoding: body.dropFirst(), as: UTF8.self)
            let parts = text.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
            let keys = parts[0].split(separator: ",")
            guard keys.contains("i=\(kittyQueryID)") else { continue }
            return parts.count > 1 && parts[1] == "OK"
        }
        return nil
    }

    /// The bodies of complete APC strings (`ESC _ … ESC \`) in `bytes`, without the framing.
    static func applicationCommands(in bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var found: [ArraySlice<UInt8>] = []
        var index = 0
        while index + 1 < bytes.count {
            guard bytes[index] == 0x1B, bytes[index + 1] == UInt8(ascii: "_") else {
                index += 1
                continue
            }
            let start = index + 2
            var cursor = start
            while cursor + 1 < bytes.count, !(bytes[cursor] == 0x1B && bytes[cursor + 1] == UInt8(ascii: "\\")) {
                cursor += 1
            }
            guard cursor + 1 < bytes.count else { break }  // cut short: not a reply yet
            found.append(bytes[start..<cursor])
            index = cursor + 2
        }
        return found
    }

    /// Every well-formed CSI sequence in `bytes`, in order. Accepts the 7-bit `ESC [` and the
    /// 8-bit `0x9B` introducer. A sequence broken by an unexpected byte is dropped and
    /// scanning resumes at that byte, so garbage cannot hide a later reply.
    static func controlSequences(in bytes: [UInt8]) -> [ControlSequence] {
        var found: [ControlSequence] = []
        var index = 0
        while index < bytes.count {
            let start: Int
            if bytes[index] == 0x1B, index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "[") {
                start = index + 2
            } else if bytes[index] == 0x9B {
                start = index + 1
            } else {
                index += 1
                continue
            }
            var cursor = start
            var marker: UInt8?
            if cursor < bytes.count, (0x3C...0x3F).contains(bytes[cursor]) {  // < = > ?
                marker = bytes[cursor]
                cursor += 1
            }
            var parameters: [Int] = []
            var current: Int?
            var sawParameter = false
            var completed: ControlSequence?
            scan: while cursor < bytes.count {
                let byte = bytes[cursor]
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    // Clamp instead of overflowing on absurd input.
                    current = min((current ?? 0) * 10 + Int(byte - UInt8(ascii: "0")), 1_000_000)
                    sawParameter = true
                    cursor += 1
                case UInt8(ascii: ";"):
                    parameters.append(current ?? 0)
                    current = nil
                    sawParameter = true
                    cursor += 1
                case 0x40...0x7E:
                    if sawParameter { parameters.append(current ?? 0) }
                    completed = ControlSequence(marker: marker, parameters: parameters, final: byte)
                    cursor += 1
                    break scan
                default:
                    break scan  // not part of a CSI sequence: drop what we have
                }
            }
            if let completed {
                found.append(completed)
                index = cursor
            } else {
                index = max(cursor, index + 1)
            }
        }
        return found
    }
}
