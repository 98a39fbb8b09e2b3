// DirectionStore.swift: directions saved with a model, in
// MODEL/directions/index.json (names, method, σ, explained variance, layers)
// and MODEL/directions/vectors.safetensors (one [count, wDim] tensor "vectors").
// User-saved directions live in the same format under the user's data folder.

import Foundation

public struct DirectionIndex: Codable, Equatable {
    public struct Entry: Codable, Equatable {
        public var name: String
        public var method: String
        public var sigma: Float
        public var explained: Float?
        public var layers: [Int]?     // [first, last]
    }
    public var format: String = "latentscope-directions"
    public var format_version: Int = 1
    public var directions: [Entry]
}

public enum DirectionStore {
    public static func folder(model dir: String) -> String { (dir as NSString).appendingPathComponent("directions") }

    /// Directions saved in `folder`, validated against the model's wDim.
    public static func read(folder: String, wDim: Int) throws -> DirectionSet {
        let indexPath = (folder as NSString).appendingPathComponent("index.json")
        let vecPath = (folder as NSString).appendingPathComponent("vectors.safetensors")
        guard let data = FileManager.default.contents(atPath: indexPath) else { throw ModelError.missingFile(indexPath) }
        let index: DirectionIndex
        do { index = try JSONDecoder().decode(DirectionIndex.self, from: data) } catch {
            throw ModelError.badConfig(indexPath, "not a valid direction index (\(error))")
        }
        let file = try SafeTensorsFile(path: vecPath)
        guard let info = file.tensors["vectors"], info.shape == [index.directions.count, wDim] else {
            throw ModelError.badTensor(vecPath, "vectors", "expected shape [\(index.directions.count), \(wDim)]")
        }
        let v = try file.floats("vectors")
        return DirectionSet(index.directions.enumerated().map { i, e in
            Direction(name: e.name, vector: Array(v[i * wDim ..< (i + 1) * wDim]), sigma: e.sigma, method: e.method,
                      explained: e.explained, layers: e.layers.flatMap { $0.count == 2 ? $0[0]...$0[1] : nil })
        })
    }

    /// Writes a direction set atomically (both files via temp + rename).
    public static func write(_ set: DirectionSet, folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let wDim = set.directions.first?.vector.count ?? 0
        let index = DirectionIndex(directions: set.directions.map {
            .init(name: $0.name, method: $0.method, sigma: $0.sigma, explained: $0.explained, layers: $0.layers.map { [$0.lowerBound, $0.upperBound] })
        })
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let vectors = try SafeTensorsWriter.encode(["vectors": (shape: [set.directions.count, wDim], values: set.directions.flatMap(\.vector))],
                                                   metadata: ["format": "latentscope-directions"])
        try writeAtomically(vectors, to: (folder as NSString).appendingPathComponent("vectors.safetensors"))
        try writeAtomically(Array(try enc.encode(index)) + [0x0A], to: (folder as NSString).appendingPathComponent("index.json"))
    }

    /// The model's shipped directions; when it ships none, random directions (with σ).
    public static func load(for G: Generator) throws -> DirectionSet {
        let f = folder(model: G.directory)
        if FileManager.default.fileExists(atPath: (f as NSString).appendingPathComponent("index.json")) {
            return try read(folder: f, wDim: G.config.w_dim)
        }
        return DirectionMath.randomDirections(G)
    }
}

/// Temp file in the same folder, then rename: readers never see a partial file.
func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let tmp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
    guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
        throw ModelError.badConfig(path, "cannot write (folder missing or not writable)")
    }
    if rename(tmp, path) != 0 {
        let err = String(cString: strerror(errno))
        unlink(tmp)
        throw ModelError.badConfig(path, "cannot write: \(err)")
    }
}
