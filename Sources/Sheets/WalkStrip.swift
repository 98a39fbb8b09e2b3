// WalkStrip.swift: a seed walked along one direction, -a σ ... +b σ in even steps.

import Foundation

import Engine
import Imaging

public enum WalkStrip {
    /// The offsets of `steps` evenly spaced points from `from` to `to` (inclusive).
    public static func amounts(from: Float, to: Float, steps: Int) -> [Float] {
        steps == 1 ? [from] : (0..<steps).map { from + (to - from) * Float($0) / Float(steps - 1) }
    }

    public static func make(_ G: Generator, base: Recipe, direction: String, directions: DirectionLookup,
                            from: Float, to: Float, steps: Int, layers: ClosedRange<Int>?, tokens: [Int]? = nil,
                            size: Int, columns: Int? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> RGBImage {
        let amounts = amounts(from: from, to: to, steps: steps)
        let recipes = amounts.map { a -> Recipe in
            var r = base
            r.offsets.append(DirectionOffset(direction: direction, amount: a, layers: layers, tokens: tokens))
            return r
        }
        let faces = try Faces.render(G, recipes, directions: directions, size: size, progress: progress)
        return Grid.compose(faces, options: SeedGrid.options(columns: columns ?? steps, labels: amounts.map { String(format: "%+.2f", $0) }))
    }

    /// The size `make` gives `steps` images, before rendering any.
    public static func size(steps: Int, columns: Int? = nil, size: Int) -> FigureSize {
        SeedGrid.size(count: steps, columns: columns ?? steps, size: size)
    }
}
