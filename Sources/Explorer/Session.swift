// Session: a session file is JSON holding the bookmarks, the current recipe and
// the UI state (panel, view, selections), written atomically so a crash never
// leaves half a file. `latentscope --session FILE` reloads it.
//
// Session files come from others too: loading bounds their size and every count
// in them, and `validated` makes every number fit the model (offsets finite and
// within ±Recipe.maxOffset, the truncation cutoff within the layers) before the
// engine sees it. Two explorers saving one file take turns under a flock on its
// folder, and a save keeps the bookmarks another process added since this one
// read or wrote the file; the current face and the UI are the last writer's.

import Engine
import Foundation
import Imaging

/// The UI state worth restoring.
struct SessionUI: Sendable, Equatable, Codable {
    var panel: Panel
    var view: ViewMode
    /// By name, so a session survives a model whose direction list was reordered.
    var direction: String?
    var stepSize: Float
    var editLayers: ClosedRange<Int>?
    var editTokens: [Int]?
    var attention: AttentionSelection
    var bounceAmplitude: Float?
}

/// The contents of a session file.
public struct SessionFile: Sendable, Equatable, Codable {
    static let formatName = "latentscope-session"
    static let formatVersion = 1

    var format: String = formatName
    var format_version: Int = formatVersion
    /// The model the session was made with (a warning, not an error, when it differs).
    var model: String
    public var recipe: Recipe
    public var bookmarks: [Bookmark]
    var ui: SessionUI

    /// The session of a state.
    init(state: ExplorerState, model: ModelInfo) {
        self.model = model.name
        recipe = state.recipe
        bookmarks = state.bookmarks
        ui = SessionUI(panel: state.panel, view: state.view,
                       direction: model.directions.indices.contains(state.selectedDirection) ? model.directions[state.selectedDirection].name : nil,
                       stepSize: state.stepSize, editLayers: state.editLayers, editTokens: state.editTokens,
                       attention: state.attention, bounceAmplitude: state.bounceAmplitude)
    }
}

/// Why a session file could not be used.
enum SessionError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case corrupt(path: String, reason: String)
    case unsupported(path: String, reason: String)
    case unwritable(path: String, reason: String)

    var description: String {
        switch self {
        case .unreadable(let p, let r): "cannot read session '\(p)': \(r)"
        case .corrupt(let p, let r): "session '\(p)' is not a valid session file: \(r)"
        case .unsupported(let p, let r): "session '\(p)' is not supported: \(r)"
        case .unwritable(let p, let r): "cannot write session '\(p)': \(r)"
        }
    }
}

public enum SessionStore {
    /// Limits of a session file: far beyond what a person makes, small enough to load at once.
    enum Limits {
        static let fileBytes = 16 << 20
        static let bookmarks = 10_000
        static let offsets = 1_000
        static let slots = 256
        static let sources = 1_024
        static let nameLength = 256
    }

    /// Reads and decodes a session file; the error says which file and what is wrong with it.
    static func load(path: String) throws -> SessionFile {
        let s = try decode(path: path)
        bases.set(path, s.bookmarks)
        return s
    }

    static func decode(path: String) throws -> SessionFile {
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > Limits.fileBytes {
            throw SessionError.corrupt(path: path, reason: "the file is \(size) bytes; a session has at most \(Limits.fileBytes)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a file" : "no such file"
            throw SessionError.unreadable(path: path, reason: reason)
        }
        return try decode(data, path: path)
    }

    /// A session from its bytes (`path` names it in messages), with every check of `load`.
    public static func decode(_ data: Data, path: String) throws -> SessionFile {
        guard data.count <= Limits.fileBytes else {
            throw SessionError.corrupt(path: path, reason: "the file is \(data.count) bytes; a session has at most \(Limits.fileBytes)")
        }
        // Check the header first so a JSON file of another kind gets a plain message.
        struct Header: Decodable { var format: String?; var format_version: Int? }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: data) } catch {
            throw SessionError.corrupt(path: path, reason: "not JSON (\(Self.describe(error)))")
        }
        guard header.format == SessionFile.formatName else {
            throw SessionError.corrupt(path: path, reason: "format is \(header.format.map { "'\($0)'" } ?? "missing"), expected '\(SessionFile.formatName)'")
        }
        guard header.format_version == SessionFile.formatVersion else {
            throw SessionError.unsupported(path: path, reason: "format_version \(header.format_version.map(String.init) ?? "missing") (this build reads \(SessionFile.formatVersion))")
        }
        // JSONDecoder keeps one of two duplicate keys silently.
        if let p = StrictJSON.problem(in: data) { throw SessionError.corrupt(path: path, reason: "not JSON (\(p))") }
        let file: SessionFile
        do { file = try JSONDecoder().decode(SessionFile.self, from: data) } catch {
            throw SessionError.corrupt(path: path, reason: Self.describe(error))
        }
        try checkLimits(file, path: path)
        return file
    }

    /// Counts and names within Limits; numbers that must fit a model are checked by `validated`.
    static func checkLimits(_ s: SessionFile, path: String) throws {
        func bad(_ what: String, _ n: Int, _ limit: Int) -> SessionError {
            .corrupt(path: path, reason: "\(what) has \(n) entries or characters; at most \(limit)")
        }
        guard s.model.count <= Limits.nameLength else { throw bad("'model'", s.model.count, Limits.nameLength) }
        guard s.bookmarks.count <= Limits.bookmarks else { throw bad("'bookmarks'", s.bookmarks.count, Limits.bookmarks) }
        func check(_ r: Recipe, _ at: String) throws {
            guard r.offsets.count <= Limits.offsets else { throw bad("\(at).offsets", r.offsets.count, Limits.offsets) }
            guard r.slots.count <= Limits.slots else { throw bad("\(at).slots", r.slots.count, Limits.slots) }
            guard r.layerSources.count <= Limits.sources else { throw bad("\(at).layerSources", r.layerSources.count, Limits.sources) }
            guard r.tokenSources.count <= Limits.sources else { throw bad("\(at).tokenSources", r.tokenSources.count, Limits.sources) }
            for (i, o) in r.offsets.enumerated() {
                guard o.direction.count <= Limits.nameLength else { throw bad("\(at).offsets[\(i)].direction", o.direction.count, Limits.nameLength) }
                guard (o.tokens?.count ?? 0) <= Limits.sources else { throw bad("\(at).offsets[\(i)].tokens", o.tokens?.count ?? 0, Limits.sources) }
            }
        }
        try check(s.recipe, "recipe")
        for (i, b) in s.bookmarks.enumerated() {
            guard b.name.count <= Limits.nameLength else { throw bad("bookmarks[\(i)].name", b.name.count, Limits.nameLength) }
            try check(b.recipe, "bookmarks[\(i)].recipe")
        }
        guard (s.ui.direction?.count ?? 0) <= Limits.nameLength else { throw bad("ui.direction", s.ui.direction?.count ?? 0, Limits.nameLength) }
        guard (s.ui.editTokens?.count ?? 0) <= Limits.sources else { throw bad("ui.editTokens", s.ui.editTokens?.count ?? 0, Limits.sources) }
    }

    /// Bookmarks of each session file as this process last read or wrote them.
    final class Bases: @unchecked Sendable {
        private let lock = NSLock()
        private var byPath: [String: [Bookmark]] = [:]
        private static func key(_ p: String) -> String { (p as NSString).standardizingPath }
        func get(_ path: String) -> [Bookmark]? { lock.withLock { byPath[Self.key(path)] } }
        func set(_ path: String, _ b: [Bookmark]) { lock.withLock { byPath[Self.key(path)] = b } }
    }
    static let bases = Bases()

    /// Encodes and writes a session atomically (temp file + rename), holding a flock on
    /// the file's folder. Bookmarks that another process added to the file since this one
    /// last read or wrote it are kept (appended); the rest is this session's.
    static func save(_ session: SessionFile, path: String) throws {
        try save(session, path: path, base: bases.get(path) ?? [])
        bases.set(path, session.bookmarks)
    }

    /// `base`: the bookmarks the file held when this writer last read or wrote it.
    static func save(_ session: SessionFile, path: String, base: [Bookmark]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try withFolderLock(path) {
            var merged = session
            if FileManager.default.fileExists(atPath: path), let onDisk = try? decode(path: path) {
                merged.bookmarks += onDisk.bookmarks.filter { !base.contains($0) && !session.bookmarks.contains($0) }
            }
            let data: Data
            do { data = try encoder.encode(merged) } catch {
                throw SessionError.unwritable(path: path, reason: "cannot encode: \(error)")
            }
            do { try AtomicFile.write(Array(data) + [0x0A], to: path) } catch let e as ImagingError {
                throw SessionError.unwritable(path: path, reason: e.reason)
            }
        }
    }

    /// Runs `body` holding an exclusive flock on the folder of `path` (no lock file is left
    /// beside the session); a folder that cannot be opened is left for the write to report.
    static func withFolderLock(_ path: String, _ body: () throws -> Void) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let fd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return try body() }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw SessionError.unwritable(path: path, reason: "cannot lock its folder: \(String(cString: strerror(errno)))") }
        }
        try body()
    }

    /// A decoding error in a sentence naming the field.
    static func describe(_ error: Error) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "the top level" : "'\(p)'"
        }
        switch error {
        case DecodingError.keyNotFound(let key, let c): return "missing field '\(key.stringValue)' in \(path(c))"
        case DecodingError.typeMismatch(_, let c): return "\(path(c)) has the wrong type"
        case DecodingError.valueNotFound(_, let c): return "\(path(c)) is null"
        case DecodingError.dataCorrupted(let c): return "\(c.debugDescription) at \(path(c))"
        default: return "\(error)"
        }
    }

    /// The session made to fit `model`: references to layers, tokens, slots and directions
    /// the model does not have are dropped, each with a warning, so a session from another
    /// model still opens.
    public static func validated(_ s: SessionFile, for model: ModelInfo) -> (SessionFile, [String]) {
        var s = s
        var warnings: [String] = []
        if s.model != model.name { warnings.append("session was made with model '\(s.model)', this is '\(model.name)'") }
        func fix(_ r: inout Recipe, _ what: String) {
            let names = Set(model.directions.map(\.name))
            let before = r.offsets.count
            r.offsets.removeAll { !names.contains($0.direction) }
            r.offsets.removeAll { o in
                (o.layers.map { $0.lowerBound < 0 || $0.upperBound >= model.numLayers } ?? false)
                    || (o.tokens?.contains { $0 < 0 || $0 >= model.tokens } ?? false)
            }
            if r.offsets.count != before { warnings.append("\(what): dropped \(before - r.offsets.count) offset(s) this model cannot apply") }
            if r.layerSources.count > model.numLayers || r.tokenSources.count > model.tokens
                || (r.layerSources + r.tokenSources).contains(where: { $0.map { $0 < 0 || $0 >= r.slots.count } ?? false }) {
                r.layerSources = []
                r.tokenSources = []
                warnings.append("\(what): style mixing did not fit this model and was cleared")
            }
            if Recipe.Limits.psiProblem(r.psi) != nil {
                r.psi = 1
                warnings.append("\(what): ψ out of range, reset to 1")
            }
            let finite = r.offsets.count
            r.offsets.removeAll { !$0.amount.isFinite }
            if r.offsets.count != finite { warnings.append("\(what): dropped \(finite - r.offsets.count) offset(s) that are not numbers") }
            if r.offsets.contains(where: { abs($0.amount) > Recipe.maxOffset }) {
                for i in r.offsets.indices { r.offsets[i].amount = min(max(r.offsets[i].amount, -Recipe.maxOffset), Recipe.maxOffset) }
                warnings.append("\(what): offsets beyond ±\(Int(Recipe.maxOffset)) σ clamped")
            }
            if let c = r.truncationCutoff, !(0...model.numLayers).contains(c) {
                r.truncationCutoff = min(max(c, 0), model.numLayers)
                warnings.append("\(what): truncation cutoff \(c) is outside 0...\(model.numLayers), set to \(r.truncationCutoff!)")
            }
        }
        fix(&s.recipe, "current recipe")
        for i in s.bookmarks.indices { fix(&s.bookmarks[i].recipe, "bookmark '\(s.bookmarks[i].name)'") }
        let a = s.ui.attention
        if !(0..<model.numLayers).contains(a.layer) || !(0..<model.tokens).contains(a.token)
            || (a.head.map { !(0..<model.heads).contains($0) } ?? false) {
            s.ui.attention = AttentionSelection(layer: model.numLayers / 2)
            warnings.append("attention selection did not fit this model and was reset")
        }
        if let l = s.ui.editLayers, l.lowerBound < 0 || l.upperBound >= model.numLayers { s.ui.editLayers = nil }
        if let t = s.ui.editTokens, t.contains(where: { $0 < 0 || $0 >= model.tokens }) { s.ui.editTokens = nil }
        if !Recipe.Limits.stepSize.contains(s.ui.stepSize) { s.ui.stepSize = 0.5 }
        if let b = s.ui.bounceAmplitude, Recipe.Limits.bounceAmplitudeProblem(b) != nil { s.ui.bounceAmplitude = nil }
        return (s, warnings)
    }

    /// Applies a (validated) session to a state: recipe (undoable), bookmarks, UI.
    public static func apply(_ s: SessionFile, to state: inout ExplorerState, model: ModelInfo) {
        if s.recipe != state.recipe {
            state.history.record(state.recipe)
            state.recipe = s.recipe
        }
        state.bookmarks = s.bookmarks
        state.bookmarkCursor = 0
        state.panel = s.ui.panel
        state.view = s.ui.view
        if let d = s.ui.direction, let i = model.directionIndex(d) { state.selectedDirection = i }
        state.stepSize = s.ui.stepSize
        state.editLayers = s.ui.editLayers
        state.editTokens = s.ui.editTokens
        state.attention = s.ui.attention
        if let b = s.ui.bounceAmplitude, Recipe.Limits.bounceAmplitudeProblem(b) == nil { state.bounceAmplitude = b }
    }
}
