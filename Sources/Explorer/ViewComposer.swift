// ViewComposer: turns a rendered frame into the picture the face view shows:
// the face, the selected token's attention heatmap over it, the owner map, or the
// attention sheet; resized (smooth filter) to the size the layout gives it.

import Engine
import Imaging
import Sheets
import Terminal

public enum ViewComposer {
    /// The colormap of attention heatmaps (weights 0...1).
    public static let colormap: Colormap = .inferno

    /// The size of the view's picture before fitting: the face's resolution, or the sheet's size.
    public static func nativeSize(_ frame: FrameResult) -> PixelSize? {
        if let s = frame.sheet { return PixelSize(width: s.width, height: s.height) }
        if let f = frame.face { return PixelSize(width: f.width, height: f.height) }
        return nil
    }

    /// The picture of `frame` at `size` for `view` and the attention selection. A heatmap or
    /// owner view whose frame has no attention maps (yet) shows the plain face.
    public static func compose(_ frame: FrameResult, view: ViewMode, attention: AttentionSelection, size: PixelSize) -> RGBImage? {
        guard size.width > 0, size.height > 0 else { return nil }
        if let sheet = frame.sheet {
            return sheet.resized(width: size.width, height: size.height, filter: .smooth)
        }
        guard let native = frame.face else { return nil }
        let face = native.resized(width: size.width, height: size.height, filter: .smooth)
        guard let a = frame.attention, a.layer == attention.layer else { return face }
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
    public static func exportPicture(_ frame: FrameResult, view: ViewMode, attention: AttentionSelection, exportSize: Int) -> RGBImage? {
        if let s = frame.sheet { return s }
        return compose(frame, view: view, attention: attention, size: PixelSize(width: exportSize, height: exportSize))
    }

    /// Share of each token in the owner map (fraction of pixels it dominates), for the legend.
    public static func ownerShares(_ a: AttentionMap, head: Int?) -> [Float] {
        var counts = [Int](repeating: 0, count: a.tokens)
        for t in a.ownerMap(head: head) { counts[t] += 1 }
        return counts.map { Float($0) / Float(max(1, a.pixels)) }
    }
}
