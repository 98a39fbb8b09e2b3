// RenderRequest: what the generator must produce for a state, derived from the
// state alone, so "key -> state -> render request" is testable and the app only
// submits when the request really changed. FrameResult is what comes back.

import Engine
import Imaging

/// One unit of generator work.
public struct RenderRequest: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// The face, plus the attention maps of one layer when an overlay needs them.
        case face(attentionLayer: Int?)
        /// The attention sheet of a layer: every head (and the mean) x every token, `cell` pixels a cell.
        case sheet(layer: Int, cell: Int)
    }

    var recipe: Recipe
    var kind: Kind

    init(recipe: Recipe, kind: Kind) {
        self.recipe = recipe
        self.kind = kind
    }
}

extension ExplorerState {
    /// What the screen needs rendered for this state.
    public func renderRequest(_ model: ModelInfo) -> RenderRequest {
        let view = effectiveView(model)
        let layer = effectiveAttention(model).layer
        switch view {
        case .sheet:
            return RenderRequest(recipe: recipe, kind: .sheet(layer: layer, cell: max(32, model.resolution)))
        case .heatmap, .owner:
            return RenderRequest(recipe: recipe, kind: .face(attentionLayer: layer))
        case .face:
            return RenderRequest(recipe: recipe, kind: .face(attentionLayer: nil))
        }
    }
}

/// A finished render.
struct FrameResult: Sendable {
    /// Increases with every submitted request: a larger id is a newer state.
    let id: Int
    let request: RenderRequest
    /// The face at the model's resolution (face requests).
    let face: RGBImage?
    /// The requested layer's attention (face requests with an attention layer).
    let attention: AttentionMap?
    /// The attention sheet (sheet requests).
    let sheet: RGBImage?
    /// Time spent in the generator (and sheet composition), in milliseconds.
    let renderMilliseconds: Double
    /// Why the render failed (e.g. a direction the model does not have), if it did.
    let error: String?
    /// The attribute classifier's predictions for the face (face frames of a model that has one).
    let attributes: [AttributeClassifier.Prediction]?
    /// Time the classifier took on this frame, in milliseconds (not part of `renderMilliseconds`).
    let classifierMilliseconds: Double?

    init(id: Int, request: RenderRequest, face: RGBImage?, attention: AttentionMap?, sheet: RGBImage?,
                renderMilliseconds: Double, error: String?, attributes: [AttributeClassifier.Prediction]? = nil,
                classifierMilliseconds: Double? = nil) {
        self.id = id
        self.request = request
        self.face = face
        self.attention = attention
        self.sheet = sheet
        self.renderMilliseconds = renderMilliseconds
        self.error = error
        self.attributes = attributes
        self.classifierMilliseconds = classifierMilliseconds
    }
}
