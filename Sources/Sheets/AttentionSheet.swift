// AttentionSheet.swift: where each style token acts, for one layer. Rows are
// heads (and their mean); columns are the face, one heatmap per style token
// over the face, and the owner map that colours each pixel by its dominant token.

import Engine
import Imaging

public enum HeadChoice: Equatable, Sendable {
    case head(Int)
    case mean
    case all        // every head, then the mean

    public static func parse(_ text: String, heads: Int) throws -> HeadChoice {
        switch text.lowercased() {
        case "all": return .all
        case "mean": return .mean
        default:
            guard let h = Int(text), h >= 0, h < heads else {
                throw ParseError("head '\(text)' is not 'all', 'mean' or a head index 0-\(heads - 1)")
            }
            return .head(h)
        }
    }

    /// The heads to show, nil meaning the mean over heads.
    public func rows(heads: Int) -> [Int?] {
        switch self {
        case .head(let h): [h]
        case .mean: [nil]
        case .all: (0..<heads).map { $0 } + [nil]
        }
    }
}

public enum AttentionSheet {
    /// A layer by index or name ("7" or "b16.conv1").
    public static func layerIndex(_ text: String, config: ModelConfig) throws -> Int {
        if let i = Int(text) {
            guard i >= 0, i < config.numLayers else { throw ParseError("layer \(i) is outside 0-\(config.numLayers - 1)") }
            return i
        }
        guard let i = config.layers.firstIndex(where: { $0.name == text }) else {
            throw ParseError("no layer named '\(text)'; layers are " + config.layers.map(\.name).joined(separator: ", "))
        }
        return i
    }

    /// A token's heatmap over the face: colormap of the weights (0...1) blended at `alpha`.
    public static func heatmap(_ map: [Float], resolution: Int, face: RGBImage, colormap: Colormap, alpha: Float = 0.65) -> RGBImage {
        let heat = colormap.render(map, width: resolution, height: resolution, range: 0...1)
            .resized(width: face.width, height: face.height, filter: .nearest)
        return Overlay.blend(face, heat, alpha: alpha)
    }

    /// Every pixel coloured by its dominant token, over the face.
    public static func ownerMap(_ owners: [Int], resolution: Int, face: RGBImage, alpha: Float = 0.6) -> RGBImage {
        var img = RGBImage(width: resolution, height: resolution)
        for p in owners.indices { img[p % resolution, p / resolution] = Palette.color(owners[p]) }
        return Overlay.blend(face, img.resized(width: face.width, height: face.height, filter: .nearest), alpha: alpha)
    }

    /// The size `make` gives a model with `tokens` tokens and `heads` heads, before rendering.
    public static func size(tokens: Int, heads: Int, head: HeadChoice, size: Int) -> FigureSize {
        let rows = head.rows(heads: heads)
        guard tokens < Int.max - 2, let cells = FigureSize.product(rows.count, tokens + 2) else { return .unbounded }
        let grid = Grid.layout(count: cells, cellWidth: size, cellHeight: size, options: gridOptions(tokens: tokens, rows: rows))
        return sheetSize(gridWidth: grid.width, gridHeight: grid.height, legend: legend(tokens: tokens))
    }

    /// Face, one heatmap per token, owner map; a row per head (nil: the mean).
    static func gridOptions(tokens T: Int, rows: [Int?]) -> GridOptions {
        var o = GridOptions(columns: T + 2)
        o.columnLabels = ["face"] + (0..<T).map { "token \($0)" } + ["owner"]
        o.rowLabels = rows.map { $0.map { "head \($0)" } ?? "mean" }
        return o
    }

    static func legend(tokens T: Int) -> RGBImage { Palette.legend(labels: (0..<T).map { "t\($0)" }, swatch: 10, scale: 1) }

    static let barHeight = 8
    static var titleHeight: Int { BitmapFont.textHeight(scale: 1) + 6 }

    /// Title above the grid, the token legend and the colour bar below it.
    static func sheetSize(gridWidth: Int, gridHeight: Int, legend: RGBImage) -> FigureSize {
        FigureSize(width: max(gridWidth, legend.width + 8), height: titleHeight + gridHeight + legend.height + barHeight + 12)
    }

    public static func make(_ G: Generator, recipe: Recipe, directions: DirectionLookup?, layer: Int, head: HeadChoice,
                            size: Int, colormap: Colormap = .inferno) throws -> RGBImage {
        let out = try G.render([recipe], directions: directions, attentionLayers: [layer])
        let face = Faces.image(out.images[0], resolution: out.resolution, size: size)
        let attn = out.attention[0][0]
        let T = attn.tokens
        var cells: [RGBImage] = []
        let rows = head.rows(heads: attn.heads)
        for h in rows {
            cells.append(face)
            for t in 0..<T { cells.append(heatmap(attn.tokenMap(token: t, head: h), resolution: attn.resolution, face: face, colormap: colormap)) }
            cells.append(ownerMap(attn.ownerMap(head: h), resolution: attn.resolution, face: face))
        }
        let grid = Grid.compose(cells, options: gridOptions(tokens: T, rows: rows))
        let spec = G.config.layers[layer]
        let title = "layer \(layer) \(spec.name) (\(spec.res)x\(spec.res)), \(attn.heads) heads x \(T) tokens, colormap \(colormap.rawValue) 0..1"
        let key = legend(tokens: T)
        let bar = colormap.bar(width: min(256, grid.width - 8), height: barHeight)
        let titleH = titleHeight
        let outer = sheetSize(gridWidth: grid.width, gridHeight: grid.height, legend: key)
        var sheet = RGBImage(width: outer.width, height: outer.height, fill: (255, 255, 255))
        BitmapFont.draw(BitmapFont.truncated(title, toWidth: sheet.width - 8), on: &sheet, x: 4, y: 3, color: (0, 0, 0))
        sheet.paste(grid, x: 0, y: titleH)
        sheet.paste(key, x: 4, y: titleH + grid.height + 2)
        sheet.paste(bar, x: 4, y: titleH + grid.height + key.height + 6)
        return sheet
    }
}
