// FuzzDirections: a direction folder on arbitrary bytes. An input is the index.json
// text, one NUL byte, then the vectors.safetensors bytes (JSON text holds no NUL).
// Each input is read for the tiny model (wDim 16, 8 layers) and the bundled one
// (wDim 128, 14 layers), with the vectors taken as older and as newer than the index.

import Engine
import Foundation
import FuzzSupport

func parse(_ data: Data) throws {
    let cut = data.firstIndex(of: 0) ?? data.endIndex
    let index = data[data.startIndex..<cut]
    let vectors = cut < data.endIndex ? data[(cut + 1)...] : Data()
    var last: Error?
    for (wDim, layers) in [(16, 8), (128, 14)] {
        for newer in [false, true] {
            do {
                _ = try DirectionStore.decode(index: Data(index), vectors: Data(vectors), folder: "fuzz", wDim: wDim,
                                              numLayers: layers, vectorsNewer: newer)
            } catch { last = error }
        }
    }
    if let last { throw last }
}

@main enum Fuzz { static func main() { FuzzInput.main(parse) } }
