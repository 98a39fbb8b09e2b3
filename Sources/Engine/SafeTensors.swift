// SafeTensors.swift: reads the safetensors format (Hugging Face), the container of
// the exported generator weights and of the parity fixtures.
//
// Layout: u64 little-endian header size N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then
// the data block. Offsets are relative to the data block. Everything the file
// claims is checked against the file's real size before a byte is read.

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
    public var count: Int { shape.reduce(1, *) }
}

/// Errors of the safetensors reader; every message names the file (and tensor).
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}

/// A safetensors file held in memory.
public struct SafeTensorsFile: Sendable {
    public let path: String
    public let metadata: [String: String]
    public let tensors: [String: TensorInfo]
    private let data: Data          // whole file
    private let dataStart: Int      // offset of the data block in `data`

    /// Reads and validates the header of `path`. Throws on a missing file, a
    /// truncated file, a malformed header, an unknown dtype, or a tensor whose
    /// byte range disagrees with its shape or lies outside the file.
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
        guard n > 1, n <= UInt64(data.count - 8) else {
            throw fail("header claims \(n) bytes but the file has \(data.count - 8) after the size field (truncated or not a safetensors file)")
        }
        let headerEnd = 8 + Int(n)
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd)) } catch {
            throw fail("header is not valid JSON (corrupted or not a safetensors file)")
        }
        guard let header = json as? [String: Any] else { throw fail("header is not a JSON object") }
        let dataSize = data.count - headerEnd
        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                if let m = value as? [String: String] { metadata = m }
                continue
            }
            guard let entry = value as? [String: Any],
                  let dt = entry["dtype"] as? String,
                  let shapeAny = entry["shape"] as? [Any],
                  let offsAny = entry["data_offsets"] as? [Any], offsAny.count == 2
            else { throw fail("tensor '\(name)': entry lacks dtype, shape or data_offsets") }
            guard let dtype = TensorDType(rawValue: dt) else {
                throw fail("tensor '\(name)': unsupported dtype \(dt) (expected F32 or F16)")
            }
            let shape = shapeAny.compactMap { ($0 as? NSNumber)?.intValue }
            let offs = offsAny.compactMap { ($0 as? NSNumber)?.intValue }
            guard shape.count == shapeAny.count, shape.allSatisfy({ $0 >= 0 }), offs.count == 2 else {
                throw fail("tensor '\(name)': shape or data_offsets are not non-negative integers")
            }
            let info = TensorInfo(name: name, dtype: dtype, shape: shape, range: offs[0]..<max(offs[0], offs[1]))
            guard offs[0] >= 0, offs[1] >= offs[0], offs[1] <= dataSize else {
                throw fail("tensor '\(name)': bytes \(offs[0])..<\(offs[1]) lie outside the \(dataSize)-byte data block (truncated file?)")
            }
            guard info.range.count == info.count * dtype.byteSize else {
                throw fail("tensor '\(name)': shape \(shape) of \(dt) needs \(info.count * dtype.byteSize) bytes, the header gives \(info.range.count)")
            }
            tensors[name] = info
        }
        self.path = path
        self.metadata = metadata
        self.tensors = tensors
        self.data = data
        self.dataStart = headerEnd
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
            precondition(t.shape.reduce(1, *) == t.values.count, "tensor \(n): shape \(t.shape) for \(t.values.count) values")
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
