// DirectionStore.swift: directions saved with a model, in
// MODEL/directions/index.json (names, method, σ, explained variance, layers, and
// optionally each direction's own step length and measured unit per step)
// and MODEL/directions/vectors.safetensors (one [count, wDim] F32 tensor
// "vectors", row i belonging to index entry i; its metadata repeats the names
// so a mismatched pair of files is caught). User-saved directions live in the
// same format under the user's data folder and are listed after the model's.
// Writers: this file and training/latentscope_train/directions_io.py.
//
// Writes from this file are crash-safe and serialised: read-modify-write takes an
// exclusive flock on FOLDER/.lock, and each file goes to a temporary file that is
// fsynced and renamed. The vectors are renamed first, and their metadata carries
// the whole index they belong to, so a run killed between the two renames leaves
// new vectors beside the old index.json, which the reader recognises and reads
// with the index the vectors carry.

import FileSupport
import Foundation

public struct DirectionIndex: Codable, Equatable {
    public struct Entry: Codable, Equatable {
        public var name: String
        public var method: String
        public var sigma: Float
        public var explained: Float?
        public var layers: [Int]?     // [first, last]
        /// The style tokens an edit moves by default; absent = all.
        public var tokens: [Int]?
        /// The length in w of one step; absent = sigma.
        public var step: Float?
        public var unit: Unit?
    }

    /// An entry's `unit`: `{"label": STRING, "per_step": NUMBER}`, exactly those keys.
    /// Decoding never fails on a wrong key or type; it records the problem, so the
    /// reader can refuse it naming the file and the entry.
    public struct Unit: Codable, Equatable {
        public var label: String
        public var per_step: Float
        var problem: String?

        public init(label: String, per_step: Float) {
            self.label = label
            self.per_step = per_step
        }

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            let keys = c.allKeys.map(\.stringValue).sorted()
            label = ""
            per_step = 0
            if keys != ["label", "per_step"] {
                problem = "unit has the keys \(keys.prefix(6).map { "'\(SafeTensorsFile.shown($0))'" }.joined(separator: ", ")); expected exactly 'label' and 'per_step'"
            } else if let l = try? c.decode(String.self, forKey: Key(stringValue: "label")) {
                label = l
                if let x = try? c.decode(Double.self, forKey: Key(stringValue: "per_step")), x.isFinite, abs(x) <= Double(Float.greatestFiniteMagnitude) {
                    per_step = Float(x)
                } else {
                    problem = "unit.per_step is not a finite number"
                }
            } else {
                problem = "unit.label is not a string"
            }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(label, forKey: Key(stringValue: "label"))
            try c.encode(per_step, forKey: Key(stringValue: "per_step"))
        }
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
    /// A model name that is not a plain folder name (ModelConfig.nameProblem) has its
    /// '/', '\\' and control characters replaced, so it can never leave the data folder.
    public static func userFolder(modelName: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let modelName = folderName(modelName)
        let base: String
        if let x = environment["XDG_DATA_HOME"], x.hasPrefix("/") {
            base = x
        } else {
            base = ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".local/share")
        }
        return [base, "latentscope", modelName, "directions"].reduce("") { ($0 as NSString).appendingPathComponent($1) }
    }

    /// `name` made safe as one path component.
    static func folderName(_ name: String) -> String {
        guard ModelConfig.nameProblem(name) != nil else { return name }
        var out = String(String.UnicodeScalarView(name.unicodeScalars.prefix(ModelConfig.Limits.nameLength).map { c in
            c == "/" || c == "\\" || c.properties.generalCategory == .control || c.properties.generalCategory == .format ? "_" : c
        }))
        if out.isEmpty || out == "." || out == ".." { out = "_" + out }
        return out
    }

    /// Most directions an index may list, and its largest size on disk.
    public static let maxDirections = 65_536
    public static let maxIndexBytes = 16 << 20

    /// Whether `folder` holds a direction index.
    public static func exists(folder: String) -> Bool {
        FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("index.json"))
    }

    // MARK: - Reading

    /// What to do about a damaged direction folder.
    static func hint(_ folder: String) -> String {
        "\nHINT: recompute the directions (scripts/make-directions.sh, `latentscope directions pca|sefa`) or remove the folder \(folder)"
    }

    /// Directions saved in `folder`, validated against the model's wDim (and,
    /// when given, its layer count). Every error names the file and the entry.
    public static func read(folder: String, wDim: Int, numLayers: Int? = nil) throws -> DirectionSet {
        let indexPath = (folder as NSString).appendingPathComponent("index.json")
        let vecPath = (folder as NSString).appendingPathComponent("vectors.safetensors")
        let hint = hint(folder)
        if let size = (try? FileManager.default.attributesOfItem(atPath: indexPath))?[.size] as? Int, size > maxIndexBytes {
            throw ModelError.badFile(file: indexPath, reason: "is \(size) bytes; a direction index has at most \(maxIndexBytes)" + hint)
        }
        guard let data = FileManager.default.contents(atPath: indexPath) else { throw ModelError.missingFile(indexPath) }
        guard FileManager.default.fileExists(atPath: vecPath) else {
            _ = try decodeIndex(data, path: indexPath, numLayers: numLayers, hint: hint)   // a broken index is the first thing to say
            throw ModelError.badFile(file: vecPath, reason: "no such file" + hint)
        }
        let vectors: Data
        do { vectors = try Data(contentsOf: URL(fileURLWithPath: vecPath), options: .mappedIfSafe) } catch {
            throw ModelError.badFile(file: vecPath, reason: "cannot read: \(error.localizedDescription)" + hint)
        }
        return try decode(index: data, vectors: vectors, folder: folder, wDim: wDim, numLayers: numLayers,
                          vectorsNewer: isNewer(vecPath, than: indexPath))
    }

    /// A direction folder's two files, given as bytes: the checks of `read(folder:)`.
    /// `vectorsNewer`: whether vectors.safetensors was modified after index.json.
    public static func decode(index data: Data, vectors: Data, folder: String, wDim: Int, numLayers: Int? = nil,
                              vectorsNewer: Bool) throws -> DirectionSet {
        let indexPath = (folder as NSString).appendingPathComponent("index.json")
        let vecPath = (folder as NSString).appendingPathComponent("vectors.safetensors")
        let hint = hint(folder)
        var index = try decodeIndex(data, path: indexPath, numLayers: numLayers, hint: hint)
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(data: vectors, path: vecPath) } catch let e as SafeTensorsError {
            throw ModelError(SafeTensorsError(path: e.path, tensor: e.tensor, message: e.message + hint))
        }
        if let extra = file.tensors.keys.sorted().first(where: { $0 != "vectors" }) {
            throw ModelError.badTensor(vecPath, extra, "not expected in a direction file (it holds one tensor, 'vectors')" + hint)
        }
        guard let info = file.tensors["vectors"] else {
            throw ModelError.badTensor(vecPath, "vectors", "missing (expected shape [\(index.directions.count), \(wDim)])" + hint)
        }
        guard info.dtype == .f32 else {
            throw ModelError.badTensor(vecPath, "vectors", "dtype \(info.dtype.rawValue), expected F32" + hint)
        }
        var rowNames: [String]?
        if let names = file.metadata["names"] {
            guard let list = try? JSONDecoder().decode([String].self, from: Data(names.utf8)) else {
                throw ModelError.badTensor(vecPath, "vectors", "metadata 'names' is not a JSON list of names" + hint)
            }
            rowNames = list
        }
        // Vectors are renamed into place before the index, and carry the index they were written
        // with. When that index differs from index.json and the vectors are the newer file (or
        // index.json cannot describe their rows), the last write stopped between the two renames.
        if let carried = file.metadata["index"],
           let recovered = try? decodeIndex(Data(carried.utf8), path: vecPath, numLayers: numLayers, hint: ""),
           rowNames == nil || recovered.directions.map(\.name) == rowNames, recovered != index,
           recovered.directions.map(\.name) != index.directions.map(\.name) || vectorsNewer {
            index = recovered
        }
        if let list = rowNames, list != index.directions.map(\.name) {
            throw ModelError.badTensor(vecPath, "vectors", "rows are for directions \(list.prefix(5).map(SafeTensorsFile.shown))…, index.json lists \(index.directions.prefix(5).map { SafeTensorsFile.shown($0.name) })…; the two files do not belong together" + hint)
        }
        guard info.shape == [index.directions.count, wDim] else {
            throw ModelError.badTensor(vecPath, "vectors", "shape \(info.shape), expected [\(index.directions.count), \(wDim)] (\(index.directions.count) directions in index.json, wDim \(wDim) of the model)" + hint)
        }
        let v = try file.floats("vectors")
        return DirectionSet(try index.directions.enumerated().map { i, e in
            // The shape check above makes every row lie inside `v`.
            let vec = Array(v[i * wDim ..< (i + 1) * wDim])
            let norm = vec.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm.isFinite, abs(norm - 1) < 1e-3 else {
                throw ModelError.badTensor(vecPath, "vectors", "row \(i) ('\(e.name)') has norm \(norm), expected a unit vector" + hint)
            }
            return Direction(name: e.name, vector: vec, sigma: e.sigma, method: DirectionMethod(rawValue: e.method),
                             explained: e.explained, layers: e.layers.map { $0[0]...$0[1] }, tokens: e.tokens,
                             step: e.step, unit: e.unit.map { DirectionUnit(label: $0.label, perStep: $0.per_step) })
        })
    }

    /// Whether `a` was modified after `b` (false when either cannot be examined).
    static func isNewer(_ a: String, than b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return (sa.st_mtim.tv_sec, sa.st_mtim.tv_nsec) > (sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec)
    }

    /// An index decoded and checked entry by entry (names, σ, layers, sizes).
    static func decodeIndex(_ data: Data, path indexPath: String, numLayers: Int?, hint: String) throws -> DirectionIndex {
        guard data.count <= maxIndexBytes else {
            throw ModelError.badFile(file: indexPath, reason: "is \(data.count) bytes; a direction index has at most \(maxIndexBytes)" + hint)
        }
        if let p = StrictJSON.problem(in: data) { throw ModelError.badFile(file: indexPath, reason: "not a valid direction index: \(p)" + hint) }
        let index: DirectionIndex
        do { index = try JSONDecoder().decode(DirectionIndex.self, from: data) } catch {
            throw ModelError.badFile(file: indexPath, reason: "not a valid direction index: \(StrictJSON.describe(error))" + hint)
        }
        func bad(_ field: String, _ expected: String, _ got: String) -> ModelError {
            .badField(file: indexPath, field: field, expected: expected, got: got + hint)
        }
        guard index.format == DirectionIndex.format else {
            throw bad("format", "'\(DirectionIndex.format)'", "'\(SafeTensorsFile.shown(index.format))'")
        }
        guard index.format_version == DirectionIndex.formatVersion else {
            throw bad("format_version", "\(DirectionIndex.formatVersion) (the version this build reads)", "\(index.format_version)")
        }
        guard index.directions.count <= maxDirections else {
            throw bad("directions", "at most \(maxDirections) entries", "\(index.directions.count)")
        }
        var seen = Set<String>()
        for (i, e) in index.directions.enumerated() {
            let field = "directions[\(i)]"
            let what = "direction \(i) ('\(SafeTensorsFile.shown(e.name))')"
            if let p = DirectionName.problem(e.name) { throw bad("\(field).name", "a direction name", "\(what): \(p)") }
            guard seen.insert(e.name).inserted else { throw bad("\(field).name", "a name used once", "\(what): the name appears twice") }
            guard e.method.count <= 64 else { throw bad("\(field).method", "at most 64 characters", "\(e.method.count) characters") }
            guard e.sigma.isFinite, e.sigma >= 0 else { throw bad("\(field).sigma", "a finite value >= 0", "\(what): sigma is \(e.sigma)") }
            if let x = e.explained, !x.isFinite { throw bad("\(field).explained", "a finite number", "\(what): explained is \(x)") }
            if let t = e.tokens, let p = Direction.tokensProblem(t) {
                throw bad("\(field).tokens", "distinct token indices >= 0", "\(what): \(p)")
            }
            if let st = e.step, !(st.isFinite && st > 0) {
                throw bad("\(field).step", "a finite number > 0 (the length in w of one step)", "\(what): step is \(st)")
            }
            if let u = e.unit {
                if let p = u.problem { throw bad("\(field).unit", "{\"label\": TEXT, \"per_step\": NUMBER}", "\(what): \(p)") }
                if let p = DirectionUnit.labelProblem(u.label) {
                    throw bad("\(field).unit.label", "1 to \(DirectionUnit.maxLabelLength) letters, digits and '\(DirectionUnit.labelPunctuation)'", "\(what): \(p)")
                }
            }
            if let l = e.layers {
                guard l.count == 2, l[0] >= 0, l[0] <= l[1] else { throw bad("\(field).layers", "[first, last]", "\(what): layers \(l.prefix(4))") }
                if let numLayers, l[1] >= numLayers {
                    throw bad("\(field).layers", "layers within 0...\(numLayers - 1)", "\(what): layers \(l) go past the model's last layer \(numLayers - 1)")
                }
            }
        }
        return index
    }

    // MARK: - Writing

    /// Checks a direction set before anything is written: names, duplicates, sizes.
    public static func check(_ directions: [Direction], folder: String, wDim: Int) throws {
        var seen = Set<String>()
        for d in directions {
            if let p = DirectionName.problem(d.name) { throw ModelError.badDirections(folder: folder, problem: p) }
            guard seen.insert(d.name).inserted else { throw ModelError.badDirections(folder: folder, problem: "direction '\(d.name)' appears twice") }
            guard d.vector.count == wDim else {
                throw ModelError.badDirections(folder: folder, problem: "direction '\(d.name)' has \(d.vector.count) values, expected wDim = \(wDim)")
            }
            if let t = d.tokens, let p = Direction.tokensProblem(t) {
                throw ModelError.badDirections(folder: folder, problem: "direction '\(d.name)': \(p)")
            }
            if let st = d.step, !(st.isFinite && st > 0) {
                throw ModelError.badDirections(folder: folder, problem: "direction '\(d.name)' has step \(st); a step is a finite length > 0")
            }
            if let u = d.unit, let p = DirectionUnit.labelProblem(u.label) ?? DirectionUnit.perStepProblem(u.perStep) {
                throw ModelError.badDirections(folder: folder, problem: "direction '\(d.name)': \(p)")
            }
        }
    }

    /// Writes a direction set (replacing what `folder` holds) under the folder's lock.
    public static func write(_ set: DirectionSet, folder: String, wDim: Int? = nil) throws {
        guard let wDim = wDim ?? set.directions.first?.vector.count else {
            throw ModelError.badDirections(folder: folder, problem: "cannot write an empty direction set without knowing wDim")
        }
        try check(set.directions, folder: folder, wDim: wDim)
        try withLock(folder: folder) { try writeUnlocked(set, folder: folder, wDim: wDim) }
    }

    /// Vectors first, then the index, each via an fsynced temp file and a rename; the
    /// vectors' metadata carries the index (see the top of this file).
    static func writeUnlocked(_ set: DirectionSet, folder: String, wDim: Int) throws {
        try check(set.directions, folder: folder, wDim: wDim)
        let index = DirectionIndex(directions: set.directions.map {
            .init(name: $0.name, method: $0.method.rawValue, sigma: $0.sigma, explained: $0.explained, layers: $0.layers.map { [$0.lowerBound, $0.upperBound] },
                  tokens: $0.tokens, step: $0.step, unit: $0.unit.map { .init(label: $0.label, per_step: $0.perStep) })
        })
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let indexBytes = Array(try enc.encode(index)) + [0x0A]
        let compact = JSONEncoder()
        compact.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let names = String(decoding: try JSONEncoder().encode(set.names), as: UTF8.self)
        let vectors = try SafeTensorsWriter.encode(["vectors": (shape: [set.directions.count, wDim], values: set.directions.flatMap(\.vector))],
                                                   metadata: ["format": DirectionIndex.format, "names": names,
                                                              "index": String(decoding: try compact.encode(index), as: UTF8.self)])
        try writeAtomically(vectors, to: (folder as NSString).appendingPathComponent("vectors.safetensors"))
        try writeAtomically(indexBytes, to: (folder as NSString).appendingPathComponent("index.json"))
    }

    /// Runs `body` holding an exclusive flock on FOLDER/.lock (the folder is created),
    /// so concurrent writers take turns and none loses another's directions. Temporary
    /// files a killed writer left behind are removed while the lock is held.
    public static func withLock<T>(folder: String, _ body: () throws -> T) throws -> T {
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw ModelError.writeFailed(path: folder, reason: "cannot create the folder: \((error as NSError).localizedDescription)")
        }
        let lockPath = (folder as NSString).appendingPathComponent(".lock")
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ModelError.writeFailed(path: lockPath, reason: "cannot open the lock file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }   // closing releases the lock
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw ModelError.writeFailed(path: lockPath, reason: "cannot lock: \(String(cString: strerror(errno)))") }
        }
        // Holding the lock, no writer of ours is mid-write: any temporary file is stale.
        for f in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where f.hasPrefix("index.json.tmp-") || f.hasPrefix("vectors.safetensors.tmp-") {
            unlink((folder as NSString).appendingPathComponent(f))
        }
        return try body()
    }

    /// Reads the set in `folder` (empty when there is none), applies `change` and writes
    /// the result, all under the folder's lock; returns what was written.
    @discardableResult
    public static func update(folder: String, wDim: Int, numLayers: Int? = nil,
                              _ change: (DirectionSet) throws -> DirectionSet) throws -> DirectionSet {
        try withLock(folder: folder) {
            let old = exists(folder: folder) ? try read(folder: folder, wDim: wDim, numLayers: numLayers) : DirectionSet([])
            let new = try change(old)
            try writeUnlocked(new, folder: folder, wDim: wDim)
            return new
        }
    }

    /// Merges `new` into the set saved in `folder` (see DirectionSet.replacing)
    /// and writes the result under the folder's lock; returns it.
    @discardableResult
    public static func merge(_ new: [Direction], replacing isReplaced: (Direction) -> Bool, folder: String,
                             wDim: Int, numLayers: Int? = nil) throws -> DirectionSet {
        try check(new, folder: folder, wDim: wDim)
        return try update(folder: folder, wDim: wDim, numLayers: numLayers) { $0.replacing(where: isReplaced, with: new) }
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
    public static func loadAll(for source: LoadedModel, userFolder: String? = nil) throws -> Loaded {
        let f = source.directionsFolder
        let c = source.config
        let model: DirectionSet
        let computed = !exists(folder: f)
        if computed {
            model = DirectionSet(try SeFa.directions(source.weights, selection: .all, k: min(16, c.wDim)))
        } else {
            model = try read(folder: f, wDim: c.wDim, numLayers: c.numLayers)
        }
        let uf = userFolder ?? source.userDirectionsFolder()
        guard exists(folder: uf) else { return Loaded(set: model, modelCount: model.directions.count, computed: computed, shadowed: [], userFolder: uf) }
        let (all, shadowed) = model.appending(try read(folder: uf, wDim: c.wDim, numLayers: c.numLayers))
        return Loaded(set: all, modelCount: model.directions.count, computed: computed, shadowed: shadowed, userFolder: uf)
    }

    /// The directions for a model: shipped (or computed) ones, then the user's.
    public static func load(for source: LoadedModel) throws -> DirectionSet { try loadAll(for: source).set }
}

/// Replaces `path` atomically (FileSupport's FileWriter: temporary file in the same folder,
/// fsync, rename, fsync of the folder): readers never see a partial file and a crash never
/// leaves an empty one.
func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    do { try FileWriter.replace(path, with: bytes) } catch { throw ModelError.writeFailed(path: error.path, reason: error.reason) }
}
