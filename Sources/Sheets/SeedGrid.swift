// SeedGrid.swift: a contact sheet of seeds, each labelled with its seed.

import Engine
import Imaging

public enum SeedGrid {
    public static func make(_ G: Generator, seeds: [UInt64], base: Recipe, columns: Int, size: Int,
                            directions: DirectionLookup? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> RGBImage {
        let recipes = seeds.map { s -> Recipe in var r = base; r.seed = s; return r }
        let faces = try Faces.render(G, recipes, directions: directions, size: size, progress: progress)
        return Grid.compose(faces, options: options(columns: columns, labels: seeds.map { "seed \($0)" }))
    }

    /// The size `make` gives `count` seeds, before rendering any.
    public static func size(count: Int, columns: Int, size: Int) -> FigureSize {
        FigureSize(Grid.layout(count: count, cellWidth: size, cellHeight: size, options: options(columns: columns, labels: [])))
    }

    /// Captions are one line whatever their text, so the size needs only that there are some.
    static func options(columns: Int, labels: [String]) -> GridOptions {
        var o = GridOptions(columns: columns)
        o.labels = labels
        return o
    }
}
