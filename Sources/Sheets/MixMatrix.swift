// MixMatrix.swift: StyleGAN's style-mixing figure. The top row shows the column
// seeds, the left column the row seeds; cell (r, c) is row seed r with the styles
// of column seed c at the chosen layers (or, per token, the chosen style tokens).

import Engine
import Imaging

public enum MixMatrix {
    public enum Target: Equatable, Sendable {
        case layers(ClosedRange<Int>)
        case tokens([Int])
    }

    /// The recipe of cell (row, column).
    public static func cell(row: UInt64, column: UInt64, target: Target, base: Recipe, layers: Int) -> Recipe {
        var r = base
        r.seed = row
        r.slots = [column]
        switch target {
        case .layers(let range):
            r.layerSources = (0..<layers).map { range.contains($0) ? 0 : nil }
        case .tokens(let toks):
            let n = (toks.max() ?? -1) + 1
            r.tokenSources = (0..<n).map { toks.contains($0) ? 0 : nil }
        }
        return r
    }

    /// The size `make` gives `rows` x `columns` seeds (plus the header row and column), before rendering any.
    public static func size(rows: Int, columns: Int, size: Int) -> FigureSize {
        guard rows < Int.max, columns < Int.max, let cells = FigureSize.product(rows + 1, columns + 1) else { return .unbounded }
        return SeedGrid.size(count: cells, columns: columns + 1, size: size)
    }

    public static func make(_ G: Generator, rows: [UInt64], columns: [UInt64], target: Target, base: Recipe, size: Int,
                            progress: ((Int, Int) -> Void)? = nil) throws -> RGBImage {
        var recipes: [Recipe] = []
        for c in columns { var r = base; r.seed = c; recipes.append(r) }
        for row in rows {
            var r = base; r.seed = row; recipes.append(r)
            for c in columns { recipes.append(cell(row: row, column: c, target: target, base: base, layers: G.config.numLayers)) }
        }
        let faces = try Faces.render(G, recipes, directions: nil, size: size, progress: progress)
        let blank = RGBImage(width: size, height: size, fill: (255, 255, 255))
        var cells = [blank] + Array(faces[0..<columns.count])
        var k = columns.count
        for _ in rows {
            cells += faces[k...(k + columns.count)]
            k += columns.count + 1
        }
        var o = SeedGrid.options(columns: columns.count + 1, labels: [])
        let what: String
        switch target {
        case .layers(let l): what = "layers \(l.lowerBound)-\(l.upperBound)"
        case .tokens(let t): what = "tokens " + t.map(String.init).joined(separator: ",")
        }
        o.labels = [what] + columns.map { "seed \($0)" } + rows.flatMap { r in ["seed \(r)"] + columns.map { _ in "" } }
        return Grid.compose(cells, options: o)
    }
}
