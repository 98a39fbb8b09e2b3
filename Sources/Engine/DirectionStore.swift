// DirectionStore.swift: directions saved with a model, in
// MODEL/directions/index.json (names, method, σ, explained variance, layers)
// and MODEL/directions/vectors.safetensors (one [count, wDim] F32 tensor
// "vectors", row i belonging to index entry i; its metadata repeats the names
// so a mismatched pair of files is caught). User-saved directions live in the
// same format under the user's data folder and are listed after the model's.
// Writers: this file and training/latentscope_train/directions_io.py.

import Foundation

public struct DirectionIndex: Codable, Equatable {
    public struct Entry: Codable, Equatable {
        public var name: String
        public var method: String
        public var sigma: Float
        public var explained: Float?
        public var layers: [Int]?     // [first, last]
    }
    public static let format = "latentscope-directions"
    public static let formatVersion = 1

    public var format: String = DirectionIndex.format
    public var format_version: Int = DirectionIndex.formatVersion
    public var directions: [Entry]
}

public enum DirectionStore {
    public static func folder(model dir: String) -> String { (dir as NSString).appendingPathComponent("directions") }

    /// Where a user's own directions for a model live:
    /// $XDG_DATA_HOME/latentscope/<model name>/directions, by default
    /// ~/.local/share/latentscope/<model name>/directions.
    public static func userFolder(modelName: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base: String
        if let x = environment["XDG_DATA_HOME"], x.hasPrefix("/") {
            base = x
        } else {
            base = ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".local/share")
        }
        return [base, "latentscope", modelName, "directions"].reduce("") { ($0 as NSString).appendingPathComponent($1) }
    }

    /// Whether `folder` holds a direction index.
    public static func exists(folder: String) -> Bool {
        FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("index.json"))
    }

    // MARK: - Reading

    /// Directions saved in `folder`, validated against the model's wDim (and,
    /// when given, its layer count). Every error names the file and the entry.
    public static func read(folder: String, wDim: Int, numLayers: Int? = nil) throws -> DirectionSet {
        let indexPath = (folder as NSString).appendingPathComponent("index.json")
        let vecPath = (folder as NSString).appendingPathComponent("vectors.safetensors")
        let hint = "\nHINT: recompute the directions (scripts/make-directions.sh, `latentscope directions pca|sefa`) or remove the folder \(folder)"
        guard let data = FileManager.default.contents(atPath: indexPath) else { throw ModelError.missingFile(indexPath) }
        let index: DirectionIndex
        do { index = try JSONDecoder().decode(DirectionIndex.self, from: data) } catch {
            throw ModelError.badConfig(indexPath, "not a valid direction index (\(error))" + hint)
        }
        func bad(_ m: String) -> ModelError { .badConfig(indexPath, m + hint) }
        guard index.format == DirectionIndex.format else { throw bad("format is '\(index.format)', expected '\(DirectionIndex.format)'") }
        guard index.format_version == DirectionIndex.formatVersion else {
            throw bad("format_version \(index.format_version) is not supported (this build reads \(DirectionIndex.formatVersion))")
        }
        var seen = Set<String>()
        for (i, e) in index.directions.enumerated() {
            let what = "direction \(i) ('\(e.name)')"
            if let p = DirectionName.problem(e.name) { throw bad("\(what): \(p)") }
            guard seen.insert(e.name).inserted else { throw bad("\(what): the name appears twice") }
            guard e.sigma.isFinite, e.sigma >= 0 else { throw bad("\(what): sigma is \(e.sigma), expected a finite value >= 0") }
            if let x = e.explained, !x.isFinite { throw bad("\(what): explained is \(x)") }
            if let l = e.layers {
                guard l.count == 2, l[0] >= 0, l[0] <= l[1] else { throw bad("\(what): layers \(l) is not [first, last]") }
                if let numLayers, l[1] >= numLayers { throw bad("\(what): layers \(l) go past the model's last layer \(numLayers - 1)") }
            }
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: vecPath) } catch let e as SafeTensorsError {
            throw ModelError.badTensor(vecPath, "-", e.message + hint)
        }
        guard let info = file.tensors["vectors"] else {
            throw ModelError.badTensor(vecPath, "vectors", "missing (expected shape [\(index.directions.count), \(wDim)])" + hint)
        }
        guard info.shape == [index.directions.count, wDim] else {
            throw ModelError.badTensor(vecPath, "vectors", "shape \(info.shape), expected [\(index.directions.count), \(wDim)] (\(index.directions.count) directions in index.json, wDim \(wDim) of the model)" + hint)
        }
        if let names = file.metadata["names"], let list = try? JSONDecoder().decode([String].self, from: Data(names.utf8)),
           list != index.directions.map(\.name) {
            throw ModelError.badTensor(vecPath, "vectors", "rows are for directions \(list.prefix(5))…, index.json lists \(index.directions.prefix(5).map(\.name))…; the two files do not belong together" + hint)
        }
        let v = try file.floats("vectors")
        return DirectionSet(try index.directions.enumerated().map { i, e in
            let vec = Array(v[i * wDim ..< (i + 1) * wDim])
            let norm = vec.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm.isFinite, abs(norm - 1) < 1e-3 else {
                throw ModelError.badTensor(vecPath, "vectors", "row \(i) ('\(e.name)') has norm \(norm), expected a unit vector" + hint)
            }
            return Direction(name: e.name, vector: vec, sigma: e.sigma, method: e.method,
                             explained: e.explained, layers: e.layers.map { $0[0]...$0[1] })
        })
    }

    // MARK: - Writing

    /// Writes a direction set: vectors first, then the index, each via a temp
    /// file and a rename, so a reader sees either the old or the new index, and
    /// the names in the vectors' metadata tell a stale pair apart.
    public static func write(_ set: DirectionSet, folder: String, wDim: Int? = nil) throws {
        guard let wDim = wDim ?? set.directions.first?.vector.count else {
            throw ModelError.badConfig(folder, "cannot write an empty direction set without knowing wDim")
        }
        var seen = Set<String>()
        for d in set.directions {
            if let p = DirectionName.problem(d.name) { throw ModelError.badConfig(folder, p) }
            guard seen.insert(d.name).inserted else { throw ModelError.badConfig(folder, "direction '\(d.name)' appears twice") }
            guard d.vector.count == wDim else {
                throw ModelError.badConfig(folder, "direction '\(d.name)' has \(d.vector.count) values, expected wDim = \(wDim)")
            }
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let index = DirectionIndex(directions: set.directions.map {
            .init(name: $0.name, method: $0.method, sigma: $0.sigma, explained: $0.explained, layers: $0.layers.map { [$0.lowerBound, $0.upperBound] })
        })
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let names = String(decoding: try JSONEncoder().encode(set.names), as: UTF8.self)
        let vectors = try SafeTensorsWriter.encode(["vectors": (shape: [set.directions.count, wDim], values: set.directions.flatMap(\.vector))],
                                                   metadata: ["format": DirectionIndex.format, "names": names])
        try writeAtomically(vectors, to: (folder as NSString).appendingPathComponent("vectors.safetensors"))
        try writeAtomically(Array(try enc.encode(index)) + [0x0A], to: (folder as NSString).appendingPathComponent("index.json"))
    }

    /// Merges `new` into the set saved in `folder` (see DirectionSet.replacing)
    /// and writes the result; returns it.
    @discardableResult
    public static func merge(_ new: [Direction], replacing isReplaced: (Direction) -> Bool, folder: String,
                             wDim: Int, numLayers: Int? = nil) throws -> DirectionSet {
        let old = exists(folder: folder) ? try read(folder: folder, wDim: wDim, numLayers: numLayers) : DirectionSet([])
        let merged = old.replacing(where: isReplaced, with: new)
        try write(merged, folder: folder, wDim: wDim)
        return merged
    }

    // MARK: - Loading for a model

    /// What a model's user sees: its directions, then the user's own.
    public struct Loaded: Sendable {
        public var set: DirectionSet
        /// How many of `set` come with the model (or were computed for it).
        public var modelCount: Int
        /// Whether the model ships no directions and SeFa ones were computed at load.
        public var computed: Bool
        /// User directions hidden by a model direction of the same name.
        public var shadowed: [String]
        public var userFolder: String
    }

    /// The model's shipped directions (when it ships none: SeFa directions over
    /// all layers, computed at load in milliseconds), followed by the user's
    /// directions for this model (`userFolder`, default `userFolder(modelName:)`).
    public static func loadAll(for G: Generator, userFolder: String? = nil) throws -> Loaded {
        let f = folder(model: G.directory)
        let c = G.config
        let model: DirectionSet
        let computed = !exists(folder: f)
        if computed {
            model = DirectionSet(try SeFa.directions(G, selection: .all, k: min(16, c.w_dim)))
        } else {
            model = try read(folder: f, wDim: c.w_dim, numLayers: c.numLayers)
        }
        let uf = userFolder ?? self.userFolder(modelName: c.name)
        guard exists(folder: uf) else { return Loaded(set: model, modelCount: model.directions.count, computed: computed, shadowed: [], userFolder: uf) }
        let (all, shadowed) = model.appending(try read(folder: uf, wDim: c.w_dim, numLayers: c.numLayers))
        return Loaded(set: all, modelCount: model.directions.count, computed: computed, shadowed: shadowed, userFolder: uf)
    }

    /// The directions for a model: shipped (or computed) ones, then the user's.
    public static func load(for G: Generator) throws -> DirectionSet { try loadAll(for: G).set }
}

/// Temp file in the same folder, then rename: readers never see a partial file.
func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let tmp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
    guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes), attributes: [.posixPermissions: 0o644]) else {
        throw ModelError.badConfig(path, "cannot write (folder missing or not writable)")
    }
    if rename(tmp, path) != 0 {
        let err = String(cString: strerror(errno))
        unlink(tmp)
        throw ModelError.badConfig(path, "cannot write: \(err)")
    }
}
