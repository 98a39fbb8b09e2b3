// ExplorerState: everything the explorer shows and remembers, as one value. The
// latent state is a Recipe (the same type the CLI, sessions and undo use); the
// rest is UI state: which panel is open, what is selected, what the face view
// overlays. Only the reducer changes it.

import Engine

/// The side panel on the right of the face.
enum Panel: String, Sendable, Equatable, Codable, CaseIterable {
    /// Direction list: pick one, step along it.
    case directions
    /// One row per layer and per style token: which pinned seed feeds it.
    case mix
    /// Attention inspector: layer, head, token.
    case attention
    /// Saved recipes.
    case bookmarks

    /// The panel after this one (Tab).
    var next: Panel {
        let all = Panel.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }

    var title: String {
        switch self {
        case .directions: "Directions"
        case .mix: "Style mixing"
        case .attention: "Attention"
        case .bookmarks: "Bookmarks"
        }
    }
}

/// What the face view shows.
enum ViewMode: String, Sendable, Equatable, Codable, CaseIterable {
    /// The face alone.
    case face
    /// The selected token's attention over the face (colormap).
    case heatmap
    /// Every pixel coloured by the token that dominates it.
    case owner
    /// All heads x tokens of the selected layer (AttentionSheet).
    case sheet

    /// The mode after this one (`v`).
    var next: ViewMode {
        let all = ViewMode.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }

    /// Whether the view needs attention maps from the generator.
    var needsAttention: Bool { self == .heatmap || self == .owner }
}

/// The attention inspector's selection.
struct AttentionSelection: Sendable, Equatable, Codable {
    /// Synthesis layer, 0..<numLayers.
    var layer: Int
    /// A head, or nil for the mean over heads.
    var head: Int?
    /// Style token, 0..<tokens.
    var token: Int

    init(layer: Int, head: Int? = nil, token: Int = 0) {
        self.layer = layer
        self.head = head
        self.token = token
    }

    /// "head 1" or "mean of heads".
    var headLabel: String { head.map { "head \($0)" } ?? "mean of heads" }
}

/// A continuous walk that runs until a key is pressed.
enum AnimationKind: String, Sendable, Equatable, Codable {
    /// Back and forth along the selected direction, ± the bounce amplitude.
    case bounce
    /// A random walk over the first directions, pulled back towards the start so it stays near the face.
    case randomWalk
}

/// A running animation: where it started and where it is.
struct Animation: Sendable, Equatable {
    var kind: AnimationKind
    /// The recipe when the animation started; stopping records it for undo.
    var base: Recipe
    /// Ticks so far.
    var ticks: Int = 0
    /// Bounce: the current offset in σ and its direction of travel (+1 or -1).
    var phase: Float = 0
    var heading: Float = 1
    /// Random walk: the current offset along each walked direction, in σ.
    var walk: [Float] = []

    init(kind: AnimationKind, base: Recipe) {
        self.kind = kind
        self.base = base
    }
}

/// A recipe saved under a name.
public struct Bookmark: Sendable, Equatable, Codable {
    var name: String
    public var recipe: Recipe

    init(name: String, recipe: Recipe) {
        self.name = name
        self.recipe = recipe
    }
}

/// The line above the key hints: what just happened, or what went wrong.
struct StatusMessage: Sendable, Equatable {
    var text: String
    var isError: Bool

    init(_ text: String, isError: Bool = false) {
        self.text = text
        self.isError = isError
    }
}

/// Something drawn over the normal screen that takes the keys.
enum Overlay: Sendable, Equatable {
    /// The key and command reference, scrolled by `scroll` lines.
    case help(scroll: Int)
    /// The `:` command line being typed.
    case command(CommandInput)
}

/// The text of the command line and where in its history the user is.
struct CommandInput: Sendable, Equatable {
    var text: String
    /// Index into the command history while browsing it with ↑/↓; nil when typing.
    var historyIndex: Int?

    init(text: String = "", historyIndex: Int? = nil) {
        self.text = text
        self.historyIndex = historyIndex
    }
}

/// The whole explorer state.
public struct ExplorerState: Sendable, Equatable {
    // MARK: Latent state

    /// The face being explored.
    var recipe: Recipe
    /// Undo/redo of `recipe`.
    var history = History()

    // MARK: Screen

    var panel: Panel = .directions
    var view: ViewMode = .face
    var overlay: Overlay?
    /// Commands entered, oldest first (for ↑ on the command line).
    var commandHistory: [String] = []
    var message: StatusMessage?
    /// Set by `quit`; the event loop ends.
    var quit = false
    /// The session file `S` writes (from --session, or the last one saved or loaded).
    var sessionPath: String?

    // MARK: Directions

    /// Index into ModelInfo.directions.
    var selectedDirection = 0
    /// One arrow press moves this many σ.
    var stepSize: Float = 0.5
    /// Layers a step edits (GANSpace's E(component, start-end)); nil: the direction's own range, else all.
    var editLayers: ClosedRange<Int>?
    /// Style tokens a step edits; nil: all.
    var editTokens: [Int]?
    /// The amplitude of the bounce animation, in σ.
    var bounceAmplitude: Float = 3

    // MARK: Mixing

    /// Row under the cursor in the mix panel: 0..<layers are layers, then one row per token.
    var mixCursor = 0
    /// The other end of a selected range of rows, if any.
    var mixAnchor: Int?

    // MARK: Attention

    var attention: AttentionSelection

    // MARK: Bookmarks

    var bookmarks: [Bookmark] = []
    var bookmarkCursor = 0

    // MARK: Animation and randomness

    var animation: Animation?
    /// Draws random seeds and random-walk steps.
    var rng: SeedRandom

    /// A fresh state for a model: `seed`, ψ 1, the attention inspector on a middle layer.
    public init(model: ModelInfo, seed: UInt64 = 0, rngSeed: UInt64 = 0x5EED) {
        recipe = Recipe(seed: seed)
        attention = AttentionSelection(layer: model.numLayers / 2, head: nil, token: 0)
        rng = SeedRandom(seed: rngSeed, stream: .choices)
    }

    // MARK: Derived

    /// The layers a direction step edits: the explicit range, else the direction's own, else nil (all).
    func stepLayers(_ model: ModelInfo) -> ClosedRange<Int>? {
        if let editLayers { return editLayers }
        guard model.directions.indices.contains(selectedDirection) else { return nil }
        return model.directions[selectedDirection].layers
    }

    /// The tokens a step moves: the ones chosen with `t`, else the selected direction's own (nil = all).
    func stepTokens(_ model: ModelInfo) -> [Int]? {
        if let editTokens { return editTokens }
        guard model.directions.indices.contains(selectedDirection) else { return nil }
        return model.directions[selectedDirection].tokens.map { $0.filter { $0 < model.tokens } }
    }

    /// The rows selected in the mix panel (never crossing from layer rows into token rows).
    func mixSelection(_ model: ModelInfo) -> ClosedRange<Int> {
        let L = model.numLayers
        guard let anchor = mixAnchor else { return mixCursor...mixCursor }
        let section = mixCursor < L ? 0...(L - 1) : L...(L + model.tokens - 1)
        let a = min(max(anchor, section.lowerBound), section.upperBound)
        return min(a, mixCursor)...max(a, mixCursor)
    }

    /// The token whose attention the face view shows because the mix cursor is on a
    /// token row (which region of the face that token controls), else nil.
    func mixFocusToken(_ model: ModelInfo) -> Int? {
        guard panel == .mix, mixCursor >= model.numLayers else { return nil }
        return mixCursor - model.numLayers
    }

    /// What the face view really shows: the chosen view, or the focused token's heatmap in the mix panel.
    func effectiveView(_ model: ModelInfo) -> ViewMode {
        if view == .face, mixFocusToken(model) != nil { return .heatmap }
        return view
    }

    /// The attention selection the view uses (the mix panel's token row overrides the token).
    func effectiveAttention(_ model: ModelInfo) -> AttentionSelection {
        var a = attention
        if let t = mixFocusToken(model) { a.token = t }
        return a
    }
}
