// Reducer: the explorer's state machine. reduce(state, action) changes the state
// and returns effects; it reads no clock, no files and no terminal, so every key
// and command is tested as plain values. Every change to the recipe goes through
// `commit`, which records the old recipe for undo.

import Engine
import Foundation
import Sheets

enum Reducer {
    static let psiRange = Recipe.Limits.psi
    static let stepRange = Recipe.Limits.stepSize

    /// The pure form: a new state and the effects.
    static func reduce(_ state: ExplorerState, _ action: Action, model: ModelInfo) -> (ExplorerState, [Effect]) {
        var s = state
        let effects = reduce(&s, action, model: model)
        return (s, effects)
    }

    /// Applies `action` to `state` in place and returns the effects for the app.
    @discardableResult
    static func reduce(_ state: inout ExplorerState, _ action: Action, model: ModelInfo) -> [Effect] {
        // A latent change while an animation runs would be overwritten by the next tick: stop first.
        if state.animation != nil, action.changesLatent { stopAnimation(&state) }
        switch action {
        // MARK: Seeds, truncation, noise
        case .randomSeed:
            // Six digits: easy to read back, note down and type into `:seed`.
            let seed = state.rng.next() % 1_000_000
            commit(&state) { $0.seed = seed }
        case .nextSeed:
            commit(&state) { $0.seed &+= 1 }
        case .previousSeed:
            commit(&state) { $0.seed &-= 1 }
        case .setSeed(let seed):
            commit(&state) { $0.seed = seed }
        case .adjustPsi(let delta):
            commit(&state) { $0.psi = roundPsi($0.psi + delta) }
        case .setPsi(let psi):
            if let problem = Recipe.Limits.psiProblem(psi) { return fail(&state, "ψ \(problem)") }
            commit(&state) { $0.psi = roundPsi(psi) }
        case .setCutoff(let cutoff):
            if let c = cutoff, !(0..<model.numLayers).contains(c) {
                return fail(&state, "cutoff \(c) is outside the layers 0-\(model.numLayers - 1)")
            }
            commit(&state) { $0.truncationCutoff = cutoff }
        case .cycleNoise:
            commit(&state) { r in
                r.noise = switch r.noise { case .seeded: .const; case .const: .off; case .off: .seeded }
            }
            state.message = StatusMessage("noise \(state.recipe.noise.rawValue)")
        case .setNoise(let n):
            commit(&state) { $0.noise = n }
        case .reseedNoise:
            let seed = state.rng.next() % 1_000_000
            commit(&state) { $0.noise = .seeded; $0.noiseSeed = seed }
            state.message = StatusMessage("noise seed \(seed)")
        case .setNoiseSeed(let seed):
            commit(&state) { $0.noiseSeed = seed; if seed != nil { $0.noise = .seeded } }

        // MARK: History
        case .undo:
            guard let r = state.history.undo(from: state.recipe) else { return note(&state, "nothing to undo") }
            state.recipe = r
            fixSelections(&state, model: model)
        case .redo:
            guard let r = state.history.redo(from: state.recipe) else { return note(&state, "nothing to redo") }
            state.recipe = r
            fixSelections(&state, model: model)

        // MARK: Directions
        case .selectDirection(let delta):
            guard !model.directions.isEmpty else { return fail(&state, "this model has no directions") }
            // Up and down follow the panel's grouped order, not the index order.
            let order = model.panelOrder
            let at = order.firstIndex(of: state.selectedDirection) ?? 0
            state.selectedDirection = order[min(max(at + delta, 0), order.count - 1)]
        case .selectDirectionNamed(let name):
            guard let i = model.directionIndex(name) else {
                return fail(&state, "unknown direction '\(name)'; see the list in the directions panel (d)")
            }
            state.selectedDirection = i
            state.panel = .directions
        case .step(let steps):
            guard let d = selectedDirection(state, model) else { return fail(&state, "this model has no directions") }
            let layers = state.stepLayers(model), tokens = state.stepTokens(model), delta = steps * state.stepSize
            commit(&state) { $0.addOffset(d.name, delta: delta, layers: layers, tokens: tokens) }
        case .setOffset(let amount):
            guard let d = selectedDirection(state, model) else { return fail(&state, "this model has no directions") }
            guard amount.isFinite else { return fail(&state, "offset must be a number of σ") }
            let layers = state.stepLayers(model), tokens = state.stepTokens(model)
            commit(&state) { $0.setOffset(d.name, amount: amount, layers: layers, tokens: tokens) }
        case .scaleStepSize(let factor):
            state.stepSize = clampStep(state.stepSize * factor)
            state.message = StatusMessage("step \(SigmaFormat.plain(state.stepSize))\(stepUnit(state, model))")
        case .setStepSize(let size):
            guard size.isFinite, size > 0 else { return fail(&state, "step must be a positive number of σ") }
            state.stepSize = clampStep(size)
        case .setEditLayers(let range):
            if let r = range, r.lowerBound < 0 || r.upperBound >= model.numLayers {
                return fail(&state, "layers \(r.lowerBound)-\(r.upperBound) are outside 0-\(model.numLayers - 1)")
            }
            state.editLayers = range
        case .cycleEditLayers:
            let order: [ClosedRange<Int>?] = [nil] + [LayerPreset.coarse, .middle, .fine, .all].map { model.layers($0) }
            let i = order.firstIndex { $0 == state.editLayers } ?? 0
            state.editLayers = order[(i + 1) % order.count]
            state.message = StatusMessage("steps edit " + editLayersLabel(state, model))
        case .setEditTokens(let tokens):
            if let t = tokens, t.isEmpty || t.contains(where: { $0 < 0 || $0 >= model.tokens }) {
                return fail(&state, "tokens must be within 0-\(model.tokens - 1)")
            }
            state.editTokens = tokens.map { Array(Set($0)).sorted() }
        case .cycleEditToken:
            if let t = state.editTokens, t.count == 1, t[0] + 1 < model.tokens {
                state.editTokens = [t[0] + 1]
            } else if state.editTokens == nil {
                state.editTokens = [0]
            } else {
                state.editTokens = nil
            }
            state.message = StatusMessage("steps edit " + (state.editTokens.map { "token " + $0.map(String.init).joined(separator: ",") } ?? "all tokens"))
        case .resetDirection:
            guard let d = selectedDirection(state, model) else { return [] }
            commit(&state) { $0.resetOffsets(d.name) }
        case .resetAllDirections:
            commit(&state) { $0.offsets = [] }

        // MARK: Animation
        case .startAnimation(let kind):
            if kind == .bounce, selectedDirection(state, model) == nil { return fail(&state, "this model has no directions") }
            if kind == .randomWalk, model.directions.isEmpty { return fail(&state, "this model has no directions") }
            state.animation = Animation(kind: kind, base: state.recipe)
            state.message = StatusMessage(kind == .bounce
                ? "animating along \(model.directions[state.selectedDirection].name) ±\(SigmaFormat.plain(state.bounceAmplitude))\(stepUnit(state, model)): any key stops"
                : "random walk: any key stops")
        case .setBounceAmplitude(let a):
            if let problem = Recipe.Limits.bounceAmplitudeProblem(a) { return fail(&state, problem) }
            state.bounceAmplitude = a
        case .stopAnimation:
            stopAnimation(&state)
        case .tick:
            guard var a = state.animation else { return [] }
            var rng = state.rng
            let r = AnimationStep.advance(&a, state: state, model: model, rng: &rng)
            state.rng = rng
            state.animation = a
            state.recipe = r   // not recorded: stopping records the start once

        // MARK: Style mixing
        case .pin(let seed):
            guard state.recipe.slots.count < SlotName.maxSlots else {
                return fail(&state, "all \(SlotName.maxSlots) slots are pinned; :unpin one first")
            }
            let s = seed ?? state.recipe.seed
            commit(&state) { $0.slots.append(s) }
            state.message = StatusMessage("pinned seed \(s) as slot \(SlotName.letter(state.recipe.slots.count - 1))")
        case .unpin(let slot):
            guard !state.recipe.slots.isEmpty else { return fail(&state, "no slots are pinned") }
            let k = slot ?? state.recipe.slots.count - 1
            guard state.recipe.slots.indices.contains(k) else {
                return fail(&state, "slot \(SlotName.letter(k)) is not pinned (pinned: \(slotList(state)))")
            }
            commit(&state) { $0.removeSlot(k) }
        case .moveMixCursor(let delta):
            state.mixCursor = min(max(state.mixCursor + delta, 0), model.numLayers + model.tokens - 1)
            state.mixAnchor = nil
        case .selectMixPreset(let p):
            let r = model.layers(p)
            state.mixAnchor = r.lowerBound
            state.mixCursor = r.upperBound
            state.panel = .mix
        case .assignSelection(let slot):
            if let e = checkSlot(slot, state) { return fail(&state, e) }
            assign(&state, rows: state.mixSelection(model), slot: slot, model: model)
        case .cycleSelectionSource(let delta):
            guard !state.recipe.slots.isEmpty else {
                return fail(&state, "no pinned seeds: press P to pin the current seed, or :pin SEED")
            }
            let options: [Int?] = [nil] + state.recipe.slots.indices.map { $0 }
            let current = source(ofRow: state.mixCursor, state.recipe, model)
            let i = options.firstIndex { $0 == current } ?? 0
            let next = options[((i + delta) % options.count + options.count) % options.count]
            assign(&state, rows: state.mixSelection(model), slot: next, model: model)
        case .assignLayers(let layers, let slot):
            if let e = checkSlot(slot, state) { return fail(&state, e) }
            guard layers.lowerBound >= 0, layers.upperBound < model.numLayers else {
                return fail(&state, "layers \(layers.lowerBound)-\(layers.upperBound) are outside 0-\(model.numLayers - 1)")
            }
            commit(&state) { $0.setLayerSources(layers, slot: slot, layerCount: model.numLayers) }
        case .assignTokens(let tokens, let slot):
            if let e = checkSlot(slot, state) { return fail(&state, e) }
            guard !tokens.isEmpty, tokens.allSatisfy({ $0 >= 0 && $0 < model.tokens }) else {
                return fail(&state, "tokens must be within 0-\(model.tokens - 1)")
            }
            commit(&state) { $0.setTokenSources(tokens, slot: slot, tokenCount: model.tokens) }
        case .clearMixing:
            commit(&state) { $0.layerSources = []; $0.tokenSources = [] }

        // MARK: Attention
        case .moveAttentionLayer(let delta):
            state.attention.layer = min(max(state.attention.layer + delta, 0), model.numLayers - 1)
        case .setAttentionLayer(let l):
            guard (0..<model.numLayers).contains(l) else {
                return fail(&state, "layer \(l) is outside 0-\(model.numLayers - 1)")
            }
            state.attention.layer = l
        case .moveAttentionToken(let delta):
            state.attention.token = ((state.attention.token + delta) % model.tokens + model.tokens) % model.tokens
        case .setAttentionToken(let t):
            guard (0..<model.tokens).contains(t) else { return fail(&state, "token \(t) is outside 0-\(model.tokens - 1)") }
            state.attention.token = t
        case .cycleHead:
            if let h = state.attention.head { state.attention.head = h + 1 < model.heads ? h + 1 : nil } else { state.attention.head = 0 }
        case .setHead(let h):
            if let h, !(0..<model.heads).contains(h) { return fail(&state, "head \(h) is outside 0-\(model.heads - 1)") }
            state.attention.head = h
        case .cycleView:
            state.view = state.view.next
            state.message = StatusMessage("view: \(viewLabel(state.view))")
        case .setView(let v):
            state.view = v

        // MARK: Bookmarks
        case .saveBookmark(let name):
            let n = (name?.trimmingCharacters(in: .whitespaces)).flatMap { $0.isEmpty ? nil : $0 } ?? defaultBookmarkName(state)
            if let i = state.bookmarks.firstIndex(where: { $0.name == n }) {
                state.bookmarks[i].recipe = state.recipe
                state.message = StatusMessage("bookmark '\(n)' replaced")
            } else {
                state.bookmarks.append(Bookmark(name: n, recipe: state.recipe))
                state.bookmarkCursor = state.bookmarks.count - 1
                state.message = StatusMessage("bookmark '\(n)' saved (\(state.bookmarks.count) in all; b lists them)")
            }
        case .restoreBookmark(let name):
            guard let b = state.bookmarks.first(where: { $0.name == name }) else {
                return fail(&state, "no bookmark named '\(name)'" + (state.bookmarks.isEmpty ? "" : "; have " + state.bookmarks.map(\.name).joined(separator: ", ")))
            }
            commit(&state) { $0 = b.recipe }
            fixSelections(&state, model: model)
            state.message = StatusMessage("restored '\(name)'")
        case .deleteBookmark(let name):
            guard let i = state.bookmarks.firstIndex(where: { $0.name == name }) else { return fail(&state, "no bookmark named '\(name)'") }
            state.bookmarks.remove(at: i)
            state.bookmarkCursor = min(state.bookmarkCursor, max(0, state.bookmarks.count - 1))
            state.message = StatusMessage("deleted bookmark '\(name)'")
        case .moveBookmarkCursor(let delta):
            state.bookmarkCursor = min(max(state.bookmarkCursor + delta, 0), max(0, state.bookmarks.count - 1))
        case .restoreSelectedBookmark:
            guard state.bookmarks.indices.contains(state.bookmarkCursor) else { return fail(&state, "no bookmarks yet: s saves one") }
            return reduce(&state, .restoreBookmark(state.bookmarks[state.bookmarkCursor].name), model: model)
        case .deleteSelectedBookmark:
            guard state.bookmarks.indices.contains(state.bookmarkCursor) else { return [] }
            return reduce(&state, .deleteBookmark(state.bookmarks[state.bookmarkCursor].name), model: model)

        // MARK: Screen
        case .showPanel(let p):
            state.panel = p
            // The inspector with a bare face would show nothing of the attention.
            if p == .attention, state.view == .face { state.view = .heatmap }
        case .nextPanel:
            return reduce(&state, .showPanel(state.panel.next), model: model)
        case .toggleHelp:
            if case .help = state.overlay { state.overlay = nil } else { state.overlay = .help(scroll: 0) }
        case .scrollHelp(let delta):
            if case .help(let s) = state.overlay { state.overlay = .help(scroll: max(0, s + delta)) }
        case .closeOverlay:
            state.overlay = nil
        case .openCommandLine(let text):
            state.overlay = .command(CommandInput(text: text))
        case .commandType(let c):
            guard case .command(var input) = state.overlay else { return [] }
            input.text.append(c)
            input.historyIndex = nil
            state.overlay = .command(input)
        case .commandBackspace:
            guard case .command(var input) = state.overlay else { return [] }
            // Backspace on an empty line leaves it, as in vi.
            if input.text.isEmpty { state.overlay = nil; return [] }
            input.text.removeLast()
            state.overlay = .command(input)
        case .commandHistory(let delta):
            guard case .command(var input) = state.overlay, !state.commandHistory.isEmpty else { return [] }
            let n = state.commandHistory.count
            let i = min(max((input.historyIndex ?? n) + delta, 0), n)
            input.historyIndex = i == n ? nil : i
            input.text = i == n ? "" : state.commandHistory[i]
            state.overlay = .command(input)
        case .commandSubmit:
            guard case .command(let input) = state.overlay else { return [] }
            state.overlay = nil
            let text = input.text.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { return [] }
            if state.commandHistory.last != text { state.commandHistory.append(text) }
            if state.commandHistory.count > 200 { state.commandHistory.removeFirst() }
            return reduce(&state, .command(text), model: model)
        case .command(let text):
            switch CommandParser.parse(text, state: state, model: model) {
            case .failure(let e):
                return fail(&state, e.message)
            case .success(let actions):
                var effects: [Effect] = []
                for a in actions { effects += reduce(&state, a, model: model) }
                return effects
            }
        case .setRenderer(let r):
            state.message = StatusMessage("renderer \(r.rawValue)")
            return [.setRenderer(r)]
        case .redraw:
            return [.redraw]
        case .quit:
            stopAnimation(&state)
            state.quit = true
            return [.quit]

        // MARK: Files
        case .export(let job):
            state.message = StatusMessage("exporting \(job.kind)…")
            return [.export(job)]
        case .saveSession(let path):
            let p = path ?? state.sessionPath ?? "latentscope-session.json"
            return [.saveSession(path: p)]
        case .loadSession(let path):
            return [.loadSession(path: path)]

        // MARK: Reports from the app
        case .exportFinished(let path, let w, let h):
            state.message = StatusMessage("wrote \(path) (\(w)x\(h))")
        case .exportFailed(let e):
            state.message = StatusMessage("export failed: \(e)", isError: true)
        case .sessionSaved(let path):
            state.sessionPath = path
            state.message = StatusMessage("session saved to \(path) (\(state.bookmarks.count) bookmark\(state.bookmarks.count == 1 ? "" : "s"))")
        case .sessionLoaded(let file, let path, let warnings):
            SessionStore.apply(file, to: &state, model: model)
            fixSelections(&state, model: model)
            state.sessionPath = path
            state.message = StatusMessage("loaded session \(path)" + (warnings.isEmpty ? "" : ": " + warnings.joined(separator: "; ")),
                                          isError: !warnings.isEmpty)
        case .sessionFailed(let e):
            state.message = StatusMessage(e, isError: true)
        case .notify(let text, let isError):
            state.message = StatusMessage(text, isError: isError)
        }
        return []
    }

    // MARK: - Helpers

    /// Applies `change` to the recipe; records the old one for undo when anything changed.
    static func commit(_ state: inout ExplorerState, _ change: (inout Recipe) -> Void) {
        var r = state.recipe
        change(&r)
        guard r != state.recipe else { return }
        state.history.record(state.recipe)
        state.recipe = r
    }

    /// Ends the animation where it is; one undo step goes back to where it started.
    static func stopAnimation(_ state: inout ExplorerState) {
        guard let a = state.animation else { return }
        state.animation = nil
        if state.recipe != a.base { state.history.record(a.base) }
        state.message = StatusMessage("animation stopped after \(a.ticks) frames (u goes back)")
    }

    static func fail(_ state: inout ExplorerState, _ text: String) -> [Effect] {
        state.message = StatusMessage(text, isError: true)
        return []
    }

    static func note(_ state: inout ExplorerState, _ text: String) -> [Effect] {
        state.message = StatusMessage(text)
        return []
    }

    static func roundPsi(_ psi: Float) -> Float {
        (min(max(psi, psiRange.lowerBound), psiRange.upperBound) * 100).rounded() / 100
    }

    static func clampStep(_ s: Float) -> Float {
        (min(max(s, stepRange.lowerBound), stepRange.upperBound) * 1000).rounded() / 1000
    }

    /// "σ" after an amount along the selected direction, or nothing when it counts its own steps.
    static func stepUnit(_ state: ExplorerState, _ model: ModelInfo) -> String {
        selectedDirection(state, model)?.stepsAreSigma == false ? " steps" : "σ"
    }

    static func selectedDirection(_ state: ExplorerState, _ model: ModelInfo) -> DirectionInfo? {
        model.directions.indices.contains(state.selectedDirection) ? model.directions[state.selectedDirection] : nil
    }

    static func checkSlot(_ slot: Int?, _ state: ExplorerState) -> String? {
        guard let k = slot, !state.recipe.slots.indices.contains(k) else { return nil }
        return "slot \(SlotName.letter(k)) is empty; pin a seed first (P pins the current one, :pin SEED another)"
    }

    static func slotList(_ state: ExplorerState) -> String {
        state.recipe.slots.isEmpty ? "none" : state.recipe.slots.indices.map(SlotName.letter).joined(separator: ", ")
    }

    /// The source of a mix-panel row (layer rows first, then token rows).
    static func source(ofRow row: Int, _ r: Recipe, _ model: ModelInfo) -> Int? {
        row < model.numLayers ? r.layerSource(row) : r.tokenSource(row - model.numLayers)
    }

    static func assign(_ state: inout ExplorerState, rows: ClosedRange<Int>, slot: Int?, model: ModelInfo) {
        let L = model.numLayers
        commit(&state) { r in
            if rows.lowerBound < L {
                r.setLayerSources(rows.lowerBound...min(rows.upperBound, L - 1), slot: slot, layerCount: L)
            } else {
                r.setTokenSources(rows.map { $0 - L }, slot: slot, tokenCount: model.tokens)
            }
        }
        let what = rows.lowerBound < L
            ? (rows.count == 1 ? "layer \(rows.lowerBound)" : "layers \(rows.lowerBound)-\(rows.upperBound)")
            : (rows.count == 1 ? "token \(rows.lowerBound - L)" : "tokens \(rows.lowerBound - L)-\(rows.upperBound - L)")
        state.message = StatusMessage("\(what) from " + (slot.map { "slot \(SlotName.letter($0)) (seed \(state.recipe.slots[$0]))" } ?? "the own seed"))
    }

    /// After undo or a restore the slots may have changed; keep the mix selection valid.
    static func fixSelections(_ state: inout ExplorerState, model: ModelInfo) {
        state.mixCursor = min(max(state.mixCursor, 0), model.numLayers + model.tokens - 1)
    }

    static func defaultBookmarkName(_ state: ExplorerState) -> String {
        let base = "seed-\(state.recipe.seed)"
        var name = base, n = 2
        while state.bookmarks.contains(where: { $0.name == name && $0.recipe != state.recipe }) {
            name = "\(base)-\(n)"
            n += 1
        }
        return name
    }

    /// "the direction's layers 0-4", "coarse layers 0-4", "all layers".
    static func editLayersLabel(_ state: ExplorerState, _ model: ModelInfo) -> String {
        guard let l = state.editLayers else {
            if let own = selectedDirection(state, model)?.layers { return "the direction's layers \(own.lowerBound)-\(own.upperBound)" }
            return "all layers"
        }
        for p in [LayerPreset.coarse, .middle, .fine] where model.layers(p) == l {
            return "\(p.rawValue) layers \(l.lowerBound)-\(l.upperBound)"
        }
        return l == model.layers(.all) ? "all layers" : "layers \(l.lowerBound)-\(l.upperBound)"
    }

    static func viewLabel(_ v: ViewMode) -> String {
        switch v {
        case .face: "face"
        case .heatmap: "attention heatmap"
        case .owner: "owner map (each pixel's dominant token)"
        case .sheet: "attention sheet (all heads x tokens)"
        }
    }
}

extension Action {
    /// Whether the action edits the recipe (and so must stop a running animation first).
    var changesLatent: Bool {
        switch self {
        case .randomSeed, .nextSeed, .previousSeed, .setSeed, .adjustPsi, .setPsi, .setCutoff, .cycleNoise, .setNoise,
             .reseedNoise, .setNoiseSeed, .undo, .redo, .step, .setOffset, .resetDirection, .resetAllDirections,
             .pin, .unpin, .assignSelection, .cycleSelectionSource, .assignLayers, .assignTokens, .clearMixing,
             .restoreBookmark, .restoreSelectedBookmark, .startAnimation, .sessionLoaded:
            return true
        default:
            return false
        }
    }
}
