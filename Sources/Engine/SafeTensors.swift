// SafeTensors.swift: reads the safetensors format (Hugging Face), the container of
// the exported generator weights, the direction vectors and the parity fixtures.
//
// Layout: u64 little-endian header size N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then
// the data block. Offsets are relative to the data block.
//
// The format's own rules are enforced (the reference implementation rejects the
// same files): the header fits the file and is at most 100 MB of UTF-8 JSON with
// unique keys; every dtype is known; every shape product and byte size is computed
// with overflow checks and equals its data_offsets span; offsets are integers, in
// bounds, and, sorted, tile the data block exactly (no overlap, no gap, nothing
// after the last tensor). The header is parsed by a strict parser of its own
// because JSONSerialization keeps one of two duplicate keys and reads 2^70 or 4.5
// as some other integer.

import Foundation

/// The element types latentscope reads. Float16 is widened to Float on load.
public enum TensorDType: String, Sendable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", i64 = "I64"

    var byteSize: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .i64: 8
        }
    }
}

/// One tensor's entry in a safetensors header.
public struct TensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: TensorDType
    public let shape: [Int]
    /// Byte range inside the data block.
    public let range: Range<Int>
    /// Number of elements (the shape's product, checked for overflow at load).
    public let count: Int
}

/// Errors of the safetensors reader; every message names the file (and the tensor when there is one).
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    public let path: String
    /// The header entry at fault, nil for problems of the file as a whole.
    public let tensor: String?
    public let message: String

    public init(path: String, tensor: String? = nil, message: String) {
        self.path = path
        self.tensor = tensor
        self.message = message
    }

    public var description: String {
        tensor.map { "\(path): tensor '\(SafeTensorsFile.shown($0))': \(message)" } ?? "\(path): \(message)"
    }
}

/// A safetensors file held in memory.
public struct SafeTensorsFile: Sendable {
    /// Largest header accepted (the reference implementation's limit).
    public static let maxHeaderBytes = 100_000_000

    public let path: String
    public let metadata: [String: String]
    public let tensors: [String: TensorInfo]
    private let data: Data          // whole file
    private let dataStart: Int      // offset of the data block in `data`

    /// Reads and validates `path` (see the rules at the top of this file).
    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SafeTensorsError(path: path, message: "no such file")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) } catch {
            throw SafeTensorsError(path: path, message: "cannot read: \(error.localizedDescription)")
        }
        try self.init(data: data, path: path)
    }

    /// Parses an in-memory file (`path` is only used in messages).
    public init(data: Data, path: String) throws {
        func fail(_ m: String) -> SafeTensorsError { SafeTensorsError(path: path, message: m) }
        guard data.count >= 8 else { throw fail("file is \(data.count) bytes; too short for a safetensors header (truncated?)") }
        let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n >= 2, n <= UInt64(data.count - 8) else {
            throw fail("header claims \(n) bytes but the file has \(data.count - 8) after the size field (truncated or not a safetensors file)")
        }
        guard n <= UInt64(Self.maxHeaderBytes) else {
            throw fail("header claims \(n) bytes; at most \(Self.maxHeaderBytes) are accepted")
        }
        let headerEnd = 8 + Int(n)
        let root: HeaderJSON
        do {
            root = try data.withUnsafeBytes { raw in
                try HeaderJSON.parse(UnsafeRawBufferPointer(rebasing: raw[8..<headerEnd]))
            }
        } catch let e as HeaderJSON.ParseError {
            throw fail("header is not valid JSON: \(e.message) at byte \(8 + e.offset) (corrupted or not a safetensors file)")
        }
        guard case .object(let entries) = root else { throw fail("header is not a JSON object") }
        let dataSize = data.count - headerEnd
        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in entries {
            if name == "__metadata__" {
                guard case .object(let m) = value else { throw fail("__metadata__ is not an object of strings") }
                for (k, v) in m {
                    guard case .string(let s) = v else { throw fail("__metadata__ entry '\(Self.shown(k))' is \(v.kind), expected a string") }
                    metadata[k] = s
                }
                continue
            }
            tensors[name] = try Self.entry(name, value, dataSize: dataSize, path: path)
        }
        try Self.checkTiling(tensors.values, dataSize: dataSize, path: path)
        self.path = path
        self.metadata = metadata
        self.tensors = tensors
        self.data = data
        self.dataStart = headerEnd
    }

    /// One header entry, with its shape, byte size and offsets checked.
    private static func entry(_ name: String, _ value: HeaderJSON, dataSize: Int, path: String) throws -> TensorInfo {
        func fail(_ m: String) -> SafeTensorsError { SafeTensorsError(path: path, tensor: name, message: m) }
        guard case .object(let fields) = value else { throw fail("entry is \(value.kind), expected an object") }
        func field(_ key: String) -> HeaderJSON? { fields.first { $0.0 == key }?.1 }
        guard let dtField = field("dtype"), let shapeField = field("shape"), let offField = field("data_offsets") else {
            throw fail("entry lacks dtype, shape or data_offsets")
        }
        guard case .string(let dt) = dtField else { throw fail("dtype is \(dtField.kind), expected a string") }
        guard let dtype = TensorDType(rawValue: dt) else {
            throw fail("unsupported dtype \(shown(dt)) (expected F32, F16, BF16 or I64)")
        }
        guard case .array(let dims) = shapeField else { throw fail("shape is \(shapeField.kind), expected an array of integers") }
        var shape: [Int] = []
        var count = 1
        for d in dims {
            guard case .integer(let v) = d, v >= 0 else {
                throw fail("shape entry \(d.text) is not an integer in 0...\(Int.max)")
            }
            shape.append(v)
            let (p, o) = count.multipliedReportingOverflow(by: v)
            guard !o else { throw fail("shape [\(dims.map(\.text).joined(separator: ", "))] has more than \(Int.max) elements") }
            count = p
        }
        let (bytes, o) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !o else { throw fail("shape \(shape) of \(dt) needs more than \(Int.max) bytes") }
        guard case .array(let offs) = offField, offs.count == 2 else {
            throw fail("data_offsets is \(offField.text.prefix(80)), expected [begin, end]")
        }
        guard case .integer(let begin) = offs[0], case .integer(let end) = offs[1], begin >= 0, end >= 0 else {
            throw fail("data_offsets [\(offs[0].text), \(offs[1].text)] are not integers in 0...\(Int.max)")
        }
        guard begin <= end, end <= dataSize else {
            throw fail("bytes \(begin)..<\(end) lie outside the \(dataSize)-byte data block (truncated file?)")
        }
        guard end - begin == bytes else {
            throw fail("shape \(shape) of \(dt) needs \(bytes) bytes, data_offsets [\(begin), \(end)] give \(end - begin)")
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, range: begin..<end, count: count)
    }

    /// Sorted by offset, the tensors must cover the data block exactly once.
    private static func checkTiling(_ infos: some Collection<TensorInfo>, dataSize: Int, path: String) throws {
        var end = 0
        var previous: String?
        for t in infos.sorted(by: { ($0.range.lowerBound, $0.range.upperBound, $0.name) < ($1.range.lowerBound, $1.range.upperBound, $1.name) }) {
            if t.range.lowerBound != end {
                let after = previous.map { "tensor '\(shown($0))' ends at byte \(end)" } ?? "the data block starts at byte 0"
                let what = t.range.lowerBound < end ? "overlaps the tensor before it" : "leaves a gap of \(t.range.lowerBound - end) bytes"
                throw SafeTensorsError(path: path, tensor: t.name, message: "begins at byte \(t.range.lowerBound) but \(after): it \(what) (data_offsets must tile the data block)")
            }
            end = t.range.upperBound
            previous = t.name
        }
        guard end == dataSize else {
            throw SafeTensorsError(path: path, message: "the tensors cover \(end) bytes of the \(dataSize)-byte data block; \(dataSize - end) bytes after the last tensor belong to none (corrupted file?)")
        }
    }

    /// A name from a file as it appears in messages: control characters escaped, at most 80 characters.
    static func shown(_ s: String) -> String {
        let cut = s.count > 80 ? String(s.prefix(80)) + "…" : s
        return cut.unicodeScalars.map { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
    }

    /// The tensor's values as Float (F16/BF16 widened; I64 converted).
    public func floats(_ name: String) throws -> [Float] {
        guard let info = tensors[name] else { throw SafeTensorsError(path: path, message: "missing tensor '\(name)'") }
        let start = dataStart + info.range.lowerBound
        var out = [Float](repeating: 0, count: info.count)
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let base = raw.baseAddress!.advanced(by: start)
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<info.count {
                    switch info.dtype {
                    case .f32:
                        dst[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                    case .f16:
                        dst[i] = halfToFloat(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                    case .bf16:
                        dst[i] = Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
                    case .i64:
                        dst[i] = Float(Int64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
                    }
                }
            }
        }
        return out
    }

    /// The tensor's values as Int64 (I64 tensors only).
    public func int64s(_ name: String) throws -> [Int64] {
        guard let info = tensors[name] else { throw SafeTensorsError(path: path, message: "missing tensor '\(name)'") }
        guard info.dtype == .i64 else { throw SafeTensorsError(path: path, message: "tensor '\(name)' is \(info.dtype.rawValue), not I64") }
        let start = dataStart + info.range.lowerBound
        return data.withUnsafeBytes { raw in
            (0..<info.count).map { Int64(littleEndian: raw.baseAddress!.loadUnaligned(fromByteOffset: start + 8 * $0, as: Int64.self)) }
        }
    }
}

/// IEEE 754 binary16 -> binary32, including subnormals, infinities and NaN.
@inline(__always)
func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exp = Int((h >> 10) & 0x1F)
    let mant = UInt32(h & 0x3FF)
    if exp == 0 {
        // Subnormal (or zero): value = mant * 2^-24.
        let v = Float(mant) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign != 0 ? -v : v
    }
    if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
    return Float(bitPattern: sign | UInt32(exp + 112) << 23 | (mant << 13))
}

/// Writes float32 tensors as a safetensors file (names sorted, as the Python writer does).
public enum SafeTensorsWriter {
    public static func encode(_ tensors: [String: (shape: [Int], values: [Float])], metadata: [String: String] = [:]) throws -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for n in names {
            let t = tensors[n]!
            guard t.shape.reduce(1, *) == t.values.count else {
                throw SafeTensorsError(path: "(writing)", tensor: n, message: "shape \(t.shape) for \(t.values.count) values")
            }
            header[n] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.values.count]]
            offset += 4 * t.values.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }   // pad with spaces so the data block is aligned
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out += $0 }
        out += json
        for name in names {
            for v in tensors[name]!.values { var b = v.bitPattern.littleEndian; withUnsafeBytes(of: &b) { out += $0 } }
        }
        return out
    }
}

/// A JSON value of a safetensors header, read strictly: UTF-8 only, unique keys
/// in every object, integers kept exact (anything with a fraction, an exponent or
/// outside Int's range stays a `number`, so it can never pass for an offset).
enum HeaderJSON: Equatable {
    case object([(String, HeaderJSON)])
    case array([HeaderJSON])
    case string(String)
    case integer(Int)
    /// Any other number, as written.
    case number(String)
    case bool(Bool)
    case null

    static func == (a: HeaderJSON, b: HeaderJSON) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.array(let x), .array(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.integer(let x), .integer(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.bool(let x), .bool(let y)): x == y
        case (.null, .null): true
        default: false
        }
    }

    /// What kind of value this is, for messages.
    var kind: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .integer, .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    /// The value in short, for messages (numbers as written).
    var text: String {
        switch self {
        case .integer(let v): String(v)
        case .number(let s): s.count > 40 ? String(s.prefix(40)) + "…" : s
        case .string(let s): "\"\(SafeTensorsFile.shown(s))\""
        case .array(let a): "[" + a.prefix(8).map(\.text).joined(separator: ", ") + (a.count > 8 ? ", …]" : "]")
        default: kind
        }
    }

    struct ParseError: Error {
        let message: String
        /// Byte offset inside the parsed text.
        let offset: Int
    }

    /// Nesting deeper than this is refused (a header is two levels deep), so a
    /// hostile header cannot exhaust the stack.
    static let maxDepth = 32
    /// More values than this are refused too (a weights header has a few thousand), so 100 MB of
    /// `0,0,0,…` cannot take gigabytes as a tree.
    static let maxValues = 2_000_000

    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> HeaderJSON {
        var p = Parser(b: bytes)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == bytes.count else { throw ParseError(message: "unexpected text after the top-level value", offset: p.i) }
        return v
    }

    private struct Parser {
        let b: UnsafeRawBufferPointer
        var i = 0
        var values = 0

        func fail(_ m: String) -> ParseError { ParseError(message: m, offset: i) }
        var peek: UInt8? { i < b.count ? b[i] : nil }

        mutating func skipSpace() {
            while let c = peek, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 }
        }

        mutating func expect(_ word: String) throws {
            for c in word.utf8 {
                guard peek == c else { throw fail("invalid literal") }
                i += 1
            }
        }

        mutating func value(depth: Int) throws -> HeaderJSON {
            guard depth < HeaderJSON.maxDepth else { throw fail("nested more than \(HeaderJSON.maxDepth) levels") }
            values += 1
            guard values <= HeaderJSON.maxValues else { throw fail("more than \(HeaderJSON.maxValues) values") }
            guard let c = peek else { throw fail("unexpected end") }
            switch c {
            case UInt8(ascii: "{"):
                i += 1
                var fields: [(String, HeaderJSON)] = []
                var keys = Set<String>()
                skipSpace()
                if peek == UInt8(ascii: "}") { i += 1; return .object(fields) }
                while true {
                    skipSpace()
                    guard peek == UInt8(ascii: "\"") else { throw fail("expected a key") }
                    let at = i
                    let key = try string()
                    guard keys.insert(key).inserted else {
                        throw ParseError(message: "duplicate key '\(SafeTensorsFile.shown(key))'", offset: at)
                    }
                    skipSpace()
                    guard peek == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    i += 1
                    skipSpace()
                    fields.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    if peek == UInt8(ascii: ",") { i += 1; continue }
                    if peek == UInt8(ascii: "}") { i += 1; return .object(fields) }
                    throw fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [HeaderJSON] = []
                skipSpace()
                if peek == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    if peek == UInt8(ascii: ",") { i += 1; continue }
                    if peek == UInt8(ascii: "]") { i += 1; return .array(items) }
                    throw fail("expected ',' or ']'")
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw fail("unexpected character")
            }
        }

        mutating func digits() -> Int {
            let start = i
            while let c = peek, c >= 0x30, c <= 0x39 { i += 1 }
            return i - start
        }

        mutating func number() throws -> HeaderJSON {
            let start = i
            if peek == UInt8(ascii: "-") { i += 1 }
            let intStart = i
            let n = digits()
            guard n > 0 else { throw fail("invalid number") }
            guard !(n > 1 && b[intStart] == UInt8(ascii: "0")) else { throw fail("number with a leading zero") }
            var exact = true
            if peek == UInt8(ascii: ".") {
                i += 1
                guard digits() > 0 else { throw fail("invalid number") }
                exact = false
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                i += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { i += 1 }
                guard digits() > 0 else { throw fail("invalid number") }
                exact = false
            }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
            if exact, let v = Int(text) { return .integer(v) }
            return .number(text)
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= b.count else { throw fail("truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = b[i]
                let d: UInt8
                switch c {
                case 0x30...0x39: d = c - 0x30
                case 0x41...0x46: d = c - 0x41 + 10
                case 0x61...0x66: d = c - 0x61 + 10
                default: throw fail("invalid \\u escape")
                }
                v = v << 4 | UInt32(d)
                i += 1
            }
            return v
        }

        /// A string; the opening quote is at `i`. Raw bytes are validated as UTF-8.
        mutating func string() throws -> String {
            i += 1
            var out: [UInt8] = []
            while true {
                guard let c = peek else { throw fail("unterminated string") }
                switch c {
                case UInt8(ascii: "\""):
                    i += 1
                    guard let s = String(validating: out, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
                    return s
                case UInt8(ascii: "\\"):
                    i += 1
                    guard let e = peek else { throw fail("unterminated string") }
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var u = try hex4()
                        if (0xD800..<0xDC00).contains(u) {
                            guard peek == UInt8(ascii: "\\"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "u") else { throw fail("lone surrogate in \\u escape") }
                            i += 2
                            let lo = try hex4()
                            guard (0xDC00..<0xE000).contains(lo) else { throw fail("lone surrogate in \\u escape") }
                            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(u) else { throw fail("lone surrogate in \\u escape") }
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: throw fail("invalid escape")
                    }
                case 0..<0x20: throw fail("control character in a string")
                default:
                    out.append(c)
                    i += 1
                }
            }
        }
    }
}

/// Checks of JSON files from others (configs, direction indexes, sessions) that
/// JSONDecoder does not make: it keeps one of two duplicate keys without a word.
public enum StrictJSON {
    /// Nil when `data` is one well-formed UTF-8 JSON value with unique keys in every
    /// object, else the problem and where it is.
    public static func problem(in data: Data) -> String? {
        do {
            _ = try data.withUnsafeBytes { try HeaderJSON.parse($0) }
            return nil
        } catch let e as HeaderJSON.ParseError {
            return "\(e.message) at byte \(e.offset)"
        } catch {
            return "\(error)"
        }
    }

    /// A decoding error in one short sentence naming the field (never the whole value).
    public static func describe(_ error: Error) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "the top level" : "field '\(SafeTensorsFile.shown(p))'"
        }
        let s: String
        switch error {
        case DecodingError.keyNotFound(let key, let c):
            s = "missing field '\(SafeTensorsFile.shown(key.stringValue))'" + (c.codingPath.isEmpty ? "" : " in \(path(c))")
        case DecodingError.typeMismatch(_, let c): s = "\(path(c)) has the wrong type"
        case DecodingError.valueNotFound(_, let c): s = "\(path(c)) is null"
        case DecodingError.dataCorrupted(let c): s = "\(path(c)): \(c.debugDescription)"
        default: s = "\(error)"
        }
        return s.count > 300 ? String(s.prefix(300)) + "…" : s
    }
}
