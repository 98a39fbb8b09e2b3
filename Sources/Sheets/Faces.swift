// Faces.swift: generator output -> display images.

import Engine
import Imaging

public enum Faces {
    /// A planar [3][R][R] image in [-1, 1] as RGB, resized to `size` (nil: native).
    public static func image(_ planar: [Float], resolution: Int, size: Int? = nil, filter: ResizeFilter = .smooth) -> RGBImage {
        let img = RGBImage(planarRGB: planar, width: resolution, height: resolution)
        guard let size, size != resolution else { return img }
        return img.resized(width: size, height: size, filter: filter)
    }

    /// Renders recipes in batches of `batch` and returns their images at `size`.
    public static func render(_ G: Generator, _ recipes: [Recipe], directions: DirectionLookup?, size: Int?,
                              batch: Int = 16, progress: ((Int, Int) -> Void)? = nil) throws -> [RGBImage] {
        var out: [RGBImage] = []
        var i = 0
        while i < recipes.count {
            let chunk = Array(recipes[i..<min(i + batch, recipes.count)])
            let o = try G.render(chunk, directions: directions)
            out += o.images.map { image($0, resolution: o.resolution, size: size) }
            i += chunk.count
            progress?(i, recipes.count)
        }
        return out
    }
}
