// CommandParser: the `:` command line. A command is a word and arguments; export
// commands also take key=value options. Parsing turns text into actions (so a
// command does exactly what its key does) or an error that names the bad part.

import Engine
import Foundation
import Imaging
import Sheets
import Terminal

enum CommandParser {
    /// The actions of one command line, or what is wrong with it.
    static func parse(_ text: String, state: ExplorerState, model: ModelInfo) -> Result<[Action], ParseError> {
        do { return .success(try actions(text, state: state, model: model)) } catch let e as ParseError {
            return .failure(e)
        } catch {
            return .failure(ParseError("\(error)"))
        }
    }

    static func actions(_ text: String, state: ExplorerState, model: ModelInfo) throws -> [Action] {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let head = words.first?.lowercased() else { return [] }
        let args = Array(words.dropFirst())
        func one() throws -> String {
            guard args.count == 1 else { throw ParseError("usage: \(usage(head))") }
            return args[0]
        }
        switch head {
        case "seed":
            guard let s = UInt64(try one()) else { throw ParseError("'\(args[0])' is not a seed (an integer 0...\(UInt64.max))") }
            return [.setSeed(s)]
        case "random": return [.randomSeed]
        case "next": return [.nextSeed]
        case "prev", "previous": return [.previousSeed]
        case "psi", "ψ":
            guard let p = Float(try one()) else { throw ParseError("'\(args[0])' is not a number; ψ is between -2 and 2") }
            return [.setPsi(p)]
        case "cutoff":
            let a = try one()
            if a == "off" || a == "none" { return [.setCutoff(nil)] }
            guard let c = model.layerIndex(a) else { throw ParseError("cutoff '\(a)' is not a layer 0-\(model.numLayers - 1) or 'off'") }
            return [.setCutoff(c)]
        case "noise":
            let a = try one()
            guard let n = NoiseChoice(rawValue: a) else { throw ParseError("noise is seeded, const or off, not '\(a)'") }
            return [.setNoise(n)]
        case "noiseseed":
            let a = try one()
            if a == "off" || a == "auto" { return [.setNoiseSeed(nil)] }
            guard let s = UInt64(a) else { throw ParseError("'\(a)' is not a noise seed") }
            return [.setNoiseSeed(s)]

        case "dir", "direction":
            return [.selectDirectionNamed(try one())]
        case "step":
            guard let v = Float(try one()), v > 0 else { throw ParseError("step is a positive number of σ, e.g. :step 0.25") }
            return [.setStepSize(v)]
        case "offset":
            guard let v = Float(try one()) else { throw ParseError("offset is a number of σ, e.g. :offset -1.5") }
            return [.setOffset(v)]
        case "layers":
            let a = try one()
            if a == "default" || a == "auto" { return [.setEditLayers(nil)] }
            return [.setEditLayers(try layerRange(a, model))]
        case "tokens":
            let a = try one()
            if a == "all" { return [.setEditTokens(nil)] }
            return [.setEditTokens(try IndexRange.parseList(a, limit: model.tokens, what: "token"))]
        case "reset":
            if args.isEmpty { return [.resetDirection] }
            guard args == ["all"] else { throw ParseError("usage: \(usage(head))") }
            return [.resetAllDirections]
        case "animate":
            guard let kind = args.first else { return [.startAnimation(.bounce)] }
            switch kind {
            case "bounce":
                guard args.count <= 2 else { throw ParseError("usage: \(usage(head))") }
                if args.count == 2 {
                    guard let a = Float(args[1]) else { throw ParseError("amplitude '\(args[1])' is not a number of σ") }
                    return [.setBounceAmplitude(a), .startAnimation(.bounce)]
                }
                return [.startAnimation(.bounce)]
            case "walk", "random": return [.startAnimation(.randomWalk)]
            case "off", "stop": return [.stopAnimation]
            default: throw ParseError("usage: \(usage(head))")
            }

        case "pin":
            if args.isEmpty { return [.pin(nil)] }
            guard let s = UInt64(try one()) else { throw ParseError("'\(args[0])' is not a seed") }
            return [.pin(s)]
        case "unpin":
            if args.isEmpty { return [.unpin(nil)] }
            guard let k = SlotName.index(try one()) else { throw ParseError("'\(args[0])' is not a slot letter A-\(SlotName.letter(SlotName.maxSlots - 1))") }
            return [.unpin(k)]
        case "mix":
            if args == ["clear"] { return [.clearMixing] }
            if args.first == "token" || args.first == "tokens" {
                guard args.count == 3 else { throw ParseError("usage: \(usage(head))") }
                return [.assignTokens(try IndexRange.parseList(args[1], limit: model.tokens, what: "token"), slot: try slot(args[2]))]
            }
            guard args.count == 2 else { throw ParseError("usage: \(usage(head))") }
            return [.assignLayers(try layerRange(args[0], model), slot: try slot(args[1]))]

        case "layer":
            let a = try one()
            guard let l = model.layerIndex(a) else {
                throw ParseError("no layer '\(a)'; layers are 0-\(model.numLayers - 1): " + model.layerNames.joined(separator: ", "))
            }
            return [.setAttentionLayer(l)]
        case "head":
            let a = try one()
            if a == "mean" { return [.setHead(nil)] }
            guard let h = Int(a) else { throw ParseError("head is 0-\(model.heads - 1) or 'mean', not '\(a)'") }
            return [.setHead(h)]
        case "token":
            guard let t = Int(try one()) else { throw ParseError("token is a number 0-\(model.tokens - 1)") }
            return [.setAttentionToken(t)]
        case "view":
            let a = try one()
            guard let v = ViewMode(rawValue: a) else {
                throw ParseError("view is " + ViewMode.allCases.map(\.rawValue).joined(separator: ", ") + ", not '\(a)'")
            }
            return [.setView(v)]
        case "panel":
            let a = try one()
            guard let p = Panel(rawValue: a) else {
                throw ParseError("panel is " + Panel.allCases.map(\.rawValue).joined(separator: ", ") + ", not '\(a)'")
            }
            return [.showPanel(p)]

        case "bookmark", "mark":
            return [.saveBookmark(args.isEmpty ? nil : args.joined(separator: " "))]
        case "restore", "goto":
            guard !args.isEmpty else { throw ParseError("usage: \(usage(head))") }
            return [.restoreBookmark(args.joined(separator: " "))]
        case "delbookmark", "unmark":
            guard !args.isEmpty else { throw ParseError("usage: \(usage(head))") }
            return [.deleteBookmark(args.joined(separator: " "))]
        case "bookmarks":
            return [.showPanel(.bookmarks)]
        case "save":
            guard args.count <= 1 else { throw ParseError("usage: \(usage(head))") }
            return [.saveSession(args.first)]
        case "load":
            return [.loadSession(try one())]
        case "export":
            return [.export(try exportJob(args, state: state, model: model))]
        case "renderer":
            let a = try one()
            guard let r = Renderer(rawValue: a.lowercased()) else {
                throw ParseError("renderer is " + Renderer.allCases.map(\.rawValue).joined(separator: ", ") + ", not '\(a)'")
            }
            return [.setRenderer(r)]
        case "undo": return [.undo]
        case "redo": return [.redo]
        case "help", "?": return [.toggleHelp]
        case "q", "quit", "exit": return [.quit]
        default:
            throw ParseError("unknown command '\(head)'; ? lists the commands")
        }
    }

    // MARK: - Arguments

    /// "0-4", "3", a preset name, or "all".
    static func layerRange(_ text: String, _ model: ModelInfo) throws -> ClosedRange<Int> {
        if let p = LayerPreset(rawValue: text) { return model.layers(p) }
        return try IndexRange.parse(text, limit: model.numLayers, what: "layer")
    }

    /// A slot letter, or "own" / "-" for the own seed.
    static func slot(_ text: String) throws -> Int? {
        if text == "own" || text == "-" || text == "self" { return nil }
        guard let k = SlotName.index(text) else { throw ParseError("'\(text)' is not a slot (A-\(SlotName.letter(SlotName.maxSlots - 1)) or 'own')") }
        return k
    }

    /// Positional words and key=value options.
    struct Options {
        var positional: [String] = []
        var values: [String: String] = [:]
        var used: Set<String> = []

        init(_ args: [String]) {
            for a in args {
                if let eq = a.firstIndex(of: "="), eq != a.startIndex {
                    values[String(a[..<eq]).lowercased()] = String(a[a.index(after: eq)...])
                } else {
                    positional.append(a)
                }
            }
        }

        mutating func take(_ key: String) -> String? {
            used.insert(key)
            return values[key]
        }

        mutating func int(_ key: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
            guard let v = take(key) else { return d }
            guard let n = Int(v), range.contains(n) else { throw ParseError("\(key)=\(v): expected a whole number \(range.lowerBound)-\(range.upperBound)") }
            return n
        }

        func checkAllUsed(_ kind: String) throws {
            if let extra = values.keys.sorted().first(where: { !used.contains($0) }) {
                throw ParseError("export \(kind): unknown option '\(extra)='; see ? for the options")
            }
        }
    }

    static func exportJob(_ args: [String], state: ExplorerState, model: ModelInfo) throws -> ExportJob {
        let kinds = ["grid", "walk", "mix", "attention", "view"]
        var kind = "view"
        var rest = args
        if let first = args.first, kinds.contains(first.lowercased()) {
            kind = first.lowercased()
            rest = Array(args.dropFirst())
        }
        var o = Options(rest)
        let file = o.take("file") ?? o.take("o")
        let size = try o.int("size", default: 128, range: 8...4096)
        let r = state.recipe
        let job: ExportJob
        switch kind {
        case "view":
            guard o.positional.isEmpty else { throw ParseError("usage: \(usage("export"))") }
            job = .view(path: file)
        case "grid":
            guard o.positional.count <= 1 else { throw ParseError("export grid: give one seed list, e.g. 0-15") }
            let seeds = try seedList(o.positional.first ?? o.take("seeds"), default: (0..<16).map { r.seed &+ UInt64($0) }, what: "seeds")
            let cols = try o.int("cols", default: Int(Double(seeds.count).squareRoot().rounded(.up)), range: 1...4096)
            job = .grid(seeds: seeds, columns: cols, size: size, base: r, path: file)
        case "walk":
            guard o.positional.count <= 1 else { throw ParseError("export walk: give one range, e.g. -3:3") }
            let rangeText = o.positional.first ?? o.take("range") ?? "-3:3"
            let (a, b) = try SpanParser.parse(rangeText)
            let steps = try o.int("steps", default: 9, range: 1...256)
            let name: String
            if let d = o.take("dir") {
                guard let i = model.directionIndex(d) else { throw ParseError("export walk: unknown direction '\(d)'") }
                name = model.directions[i].name
            } else {
                guard model.directions.indices.contains(state.selectedDirection) else { throw ParseError("this model has no directions") }
                name = model.directions[state.selectedDirection].name
            }
            let layers = try o.take("layers").map { try layerRange($0, model) } ?? state.stepLayers(model)
            let tokens = try o.take("tokens").map { $0 == "all" ? nil : try IndexRange.parseList($0, limit: model.tokens, what: "token") }
                ?? state.editTokens ?? model.directionIndex(name).flatMap { model.directions[$0].tokens }
            job = .walk(base: r, direction: name, from: a, to: b, steps: steps, layers: layers, tokens: tokens, size: size, path: file)
        case "mix":
            guard o.positional.count <= 2 else { throw ParseError("export mix: give ROWS and COLS seed lists, e.g. 1,2 3-6") }
            let rows = try seedList(o.positional.first ?? o.take("rows"), default: [r.seed], what: "rows")
            let defaultCols = r.slots.isEmpty ? (1...4).map { r.seed &+ UInt64($0) } : r.slots
            let cols = try seedList(o.positional.count > 1 ? o.positional[1] : o.take("cols"), default: defaultCols, what: "cols")
            let target: MixMatrix.Target
            let layersText = o.take("layers"), tokensText = o.take("tokens")
            if layersText != nil && tokensText != nil { throw ParseError("export mix: give layers= or tokens=, not both") }
            if let t = tokensText {
                target = .tokens(try IndexRange.parseList(t, limit: model.tokens, what: "token"))
            } else {
                target = .layers(try layerRange(layersText ?? "coarse", model))
            }
            // The matrix sets seeds and mixing itself and renders without directions: keep only ψ and noise.
            var base = Recipe(seed: 0, psi: r.psi)
            base.truncationCutoff = r.truncationCutoff
            base.noise = r.noise
            base.noiseSeed = r.noiseSeed
            job = .mix(rows: rows, columns: cols, target: target, base: base, size: size, path: file)
        default: // attention
            guard o.positional.isEmpty else { throw ParseError("usage: \(usage("export"))") }
            var layer = state.attention.layer
            if let l = o.take("layer") {
                guard let i = model.layerIndex(l) else { throw ParseError("export attention: no layer '\(l)'") }
                layer = i
            }
            let head = try HeadChoice.parse(o.take("head") ?? "all", heads: model.heads)
            let cmText = o.take("colormap") ?? "inferno"
            guard let cm = Colormap(rawValue: cmText) else {
                throw ParseError("colormap is " + Colormap.allCases.map(\.rawValue).joined(separator: ", ") + ", not '\(cmText)'")
            }
            job = .attention(recipe: r, layer: layer, head: head, size: size, colormap: cm, path: file)
        }
        try o.checkAllUsed(kind)
        return job
    }

    static func seedList(_ text: String?, default d: [UInt64], what: String) throws -> [UInt64] {
        guard let text else { return d }
        do { return try SeedList.parse(text) } catch let e as ParseError { throw ParseError("\(what): \(e.message)") }
    }

    /// The one-line usage of a command, for error messages.
    static func usage(_ command: String) -> String {
        let entries = HelpText.commands.filter { $0.name.split(separator: " ").first.map(String.init) == command }
        return entries.isEmpty ? ":\(command)" : entries.map { ":" + $0.name }.joined(separator: "  or  ")
    }
}
