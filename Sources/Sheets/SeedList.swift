// SeedList.swift: parses seed lists such as "0-15", "3,7,42" or "0-3,10,20-22".

import Engine
import Foundation

/// Errors of seed-list and range parsing; messages quote the bad text.
public struct ParseError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum SeedList {
    /// Largest list accepted, so a typo like "0-1000000" fails fast instead of rendering for hours.
    public static let maxCount = 4096

    /// Seeds in the order written. Ranges are inclusive and must ascend.
    public static func parse(_ text: String) throws -> [UInt64] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw ParseError("empty seed list") }
        var out: [UInt64] = []
        for p in parts {
            guard !p.isEmpty else { throw ParseError("empty item in seed list '\(text)'") }
            let ends = p.split(separator: "-", omittingEmptySubsequences: false)
            switch ends.count {
            case 1:
                guard let s = UInt64(p) else { throw ParseError("'\(p)' is not a seed (seeds are integers 0...\(UInt64.max))") }
                out.append(s)
            case 2:
                guard let a = UInt64(ends[0]), let b = UInt64(ends[1]) else {
                    throw ParseError("'\(p)' is not a seed range like 0-15")
                }
                guard a <= b else { throw ParseError("seed range '\(p)' runs backwards; write \(b)-\(a)") }
                // b - a cannot overflow (a <= b); b - a + 1 can (0-18446744073709551615), so compare before adding.
                guard b - a < UInt64(maxCount) else { throw ParseError("seed range '\(p)' has more than \(maxCount) seeds, the most a list may have") }
                out += (a...b).map { $0 }
            default:
                throw ParseError("'\(p)' is not a seed or a range like 0-15")
            }
            guard out.count <= maxCount else { throw ParseError("seed list has more than \(maxCount) seeds") }
        }
        return out
    }
}

public enum IndexRange {
    /// "3" or "2-5" -> a closed range; bounds checked against 0..<limit.
    public static func parse(_ text: String, limit: Int, what: String) throws -> ClosedRange<Int> {
        let ends = text.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let lo: Int?, hi: Int?
        switch ends.count {
        case 1: lo = Int(ends[0]); hi = lo
        case 2: lo = Int(ends[0]); hi = Int(ends[1])
        default: lo = nil; hi = nil
        }
        guard let lo, let hi else { throw ParseError("'\(text)' is not a \(what) or a range like 0-3") }
        guard lo <= hi else { throw ParseError("\(what) range '\(text)' runs backwards") }
        guard lo >= 0, hi < limit else { throw ParseError("\(what) range '\(text)' is outside 0-\(limit - 1)") }
        return lo...hi
    }

    /// "1,4,6" or "0-2,5" -> sorted unique indices in 0..<limit.
    public static func parseList(_ text: String, limit: Int, what: String) throws -> [Int] {
        var out = Set<Int>()
        for p in text.split(separator: ",") { out.formUnion(try parse(String(p), limit: limit, what: what)) }
        guard !out.isEmpty else { throw ParseError("empty \(what) list") }
        return out.sorted()
    }
}

public enum SpanParser {
    /// "-3:3" -> (-3, 3): offsets in σ, each within ±Recipe.maxOffset.
    public static func parse(_ text: String) throws -> (Float, Float) {
        let ends = text.split(separator: ":", omittingEmptySubsequences: false)
        guard ends.count == 2, let a = Float(ends[0]), let b = Float(ends[1]), a.isFinite, b.isFinite else {
            throw ParseError("'\(text)' is not a range like -3:3")
        }
        let limit = Recipe.maxOffset
        guard abs(a) <= limit, abs(b) <= limit else {
            throw ParseError("range '\(text)' goes beyond ±\(Int(limit)) σ, the largest offset along a direction")
        }
        return (a, b)
    }
}
