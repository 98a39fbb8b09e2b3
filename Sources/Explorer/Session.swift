// Session: a session file is JSON holding the bookmarks, the current recipe and
// the UI state (panel, view, selections), written atomically so a crash never
// leaves half a file. `latentscope --session FILE` reloads it.

import Engine
import Foundation
import Imaging

/// The UI state worth restoring.
public struct SessionUI: Sendable, Equatable, Codable {
    public var panel: Panel
    public var view: ViewMode
    /// By name, so a session survives a model whose direction list was reordered.
    public var direction: String?
    public var stepSize: Float
    public var editLayers: ClosedRange<Int>?
    public var editTokens: [Int]?
    public var attention: AttentionSelection
    public var bounceAmplitude: Float?
}

/// The contents of a session file.
public struct SessionFile: Sendable, Equatable, Codable {
    public static let formatName = "latentscope-session"
    public static let formatVersion = 1

    public var format: String = formatName
    public var format_version: Int = formatVersion
    /// The model the session was made with (a warning, not an error, when it differs).
    public var model: String
    public var recipe: Recipe
    public var bookmarks: [Bookmark]
    public var ui: SessionUI

    /// The session of a state.
    public init(state: ExplorerState, model: ModelInfo) {
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
public enum SessionError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case corrupt(path: String, reason: String)
    case unsupported(path: String, reason: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): "cannot read session '\(p)': \(r)"
        case .corrupt(let p, let r): "session '\(p)' is not a valid session file: \(r)"
        case .unsupported(let p, let r): "session '\(p)' is not supported: \(r)"
        case .unwritable(let p, let r): "cannot write session '\(p)': \(r)"
        }
    }
}

public enum SessionStore {
    /// Reads and decodes a session file; the error says which file and what is wrong with it.
    public static func load(path: String) throws -> SessionFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a file" : "no such file"
            throw SessionError.unreadable(path: path, reason: reason)
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
        do { return try JSONDecoder().decode(SessionFile.self, from: data) } catch {
            throw SessionError.corrupt(path: path, reason: Self.describe(error))
        }
    }

    /// Encodes and writes a session atomically (temp file + rename).
    public static func save(_ session: SessionFile, path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(session) } catch {
            throw SessionError.unwritable(path: path, reason: "cannot encode: \(error)")
        }
        do { try AtomicFile.write(Array(data) + [0x0A], to: path) } catch let e as ImagingError {
            throw SessionError.unwritable(path: path, reason: e.reason)
        }
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
            if !(-2...2).contains(r.psi) || !r.psi.isFinite {
                r.psi = 1
                warnings.append("\(what): ψ out of range, reset to 1")
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
        if !(0.01...10).contains(s.ui.stepSize) { s.ui.stepSize = 0.5 }
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
        if let b = s.ui.bounceAmplitude, b > 0, b <= 20 { state.bounceAmplitude = b }
    }
}
