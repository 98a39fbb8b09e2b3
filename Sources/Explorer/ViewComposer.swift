// ViewComposer: turns a rendered frame into the picture the face view shows:
// the face, the selected token's attention heatmap over it, the owner map, or the
// attention sheet, at the size the caller asks for: the source size when the screen
// enlarges it by a whole number (the renderer repeats pixels), else the fitted size
// (smooth filter). A frame made for another view (a face frame while the sheet renders,
// a face without the selected layer's attention) gives no picture: the view waits for
// its own frame instead of showing the wrong one.

import Engine
import Imaging
import Sheets
import Terminal

enum ViewComposer {
    /// The colormap of attention heatmaps (weights 0...1).
    static let colormap: Colormap = .inferno

    /// The size of the view's picture before fitting: the face's resolution, or the sheet's size.
    static func nativeSize(_ frame: FrameResult) -> PixelSize? {
        if let s = frame.sheet { return PixelSize(width: s.width, height: s.height) }
        if let f = frame.face { return PixelSize(width: f.width, height: f.height) }
        return nil
    }

    /// Whether `frame` was made for `view`: a sheet for the sheet view, a face for the others,
    /// and for the overlays the attention of the selected layer.
    static func fits(_ frame: FrameResult, view: ViewMode, attention: AttentionSelection) -> Bool {
        switch view {
        case .sheet:
            guard case .sheet(let layer, _) = frame.request.kind else { return false }
            return frame.sheet != nil && layer == attention.layer
        case .face: return frame.face != nil
        case .heatmap, .owner: return frame.face != nil && frame.attention?.layer == attention.layer
        }
    }

    /// The picture of `frame` at `size` for `view` and the attention selection, or `nil` when
    /// the frame was made for another view (see `fits`).
    static func compose(_ frame: FrameResult, view: ViewMode, attention: AttentionSelection, size: PixelSize) -> RGBImage? {
        guard size.width > 0, size.height > 0, fits(frame, view: view, attention: attention) else { return nil }
        if let sheet = frame.sheet {
            return sheet.resized(width: size.width, height: size.height, filter: .smooth)
        }
        guard let native = frame.face else { return nil }
        let face = native.resized(width: size.width, height: size.height, filter: .smooth)
        guard let a = frame.attention else { return face }
        switch view {
        case .heatmap:
            let token = min(attention.token, a.tokens - 1)
            return AttentionSheet.heatmap(a.tokenMap(token: token, head: attention.head), resolution: a.resolution, face: face, colormap: colormap)
        case .owner:
            return AttentionSheet.ownerMap(a.ownerMap(head: attention.head), resolution: a.resolution, face: face)
        case .face, .sheet:
            return face
        }
    }

    /// The picture `e` exports: the view at `exportSize` pixels a side (faces), or the sheet as rendered.
    static func exportPicture(_ frame: FrameResult, view: ViewMode, attention: AttentionSelection, exportSize: Int) -> RGBImage? {
        if let s = frame.sheet, view == .sheet { return s }
        return compose(frame, view: view, attention: attention, size: PixelSize(width: exportSize, height: exportSize))
    }

    /// What the face view says while it waits for a frame made for it.
    static func waitingText(_ view: ViewMode) -> String {
        switch view {
        case .sheet: return "rendering the attention sheet…"
        case .heatmap, .owner: return "rendering the attention maps…"
        case .face: return "rendering…"
        }
    }

    /// Share of each token in the owner map (fraction of pixels it dominates), for the legend.
    static func ownerShares(_ a: AttentionMap, head: Int?) -> [Float] {
        var counts = [Int](repeating: 0, count: a.tokens)
        for t in a.ownerMap(head: head) { counts[t] += 1 }
        return counts.map { Float($0) / Float(max(1, a.pixels)) }
    }
}
