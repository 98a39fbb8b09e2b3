// SeedGrid.swift: a contact sheet of seeds, each labelled with its seed.

import Engine
import Imaging

public enum SeedGrid {
    public static func make(_ G: Generator, seeds: [UInt64], base: Recipe, columns: Int, size: Int,
                            directions: DirectionLookup? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> RGBImage {
        let recipes = seeds.map { s -> Recipe in var r = base; r.seed = s; return r }
        let faces = try Faces.render(G, recipes, directions: directions, size: size, progress: progress)
        var o = GridOptions(columns: columns)
        o.labels = seeds.map { "seed \($0)" }
        return Grid.compose(faces, options: o)
    }
}
