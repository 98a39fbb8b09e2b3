// FuzzDirections: a direction folder on arbitrary bytes. An input is the index.json
// text, one NUL byte, then the vectors.safetensors bytes (JSON text holds no NUL).
// Each input is read once, for a model whose wDim is that of the vectors (so the
// rows are checked, not just the shape); the last byte says whether layer ranges are
// checked against 14 layers and whether the vectors count as newer than the index.

import Engine
import Foundation
import FuzzSupport

func parse(_ data: Data) throws {
    let cut = data.firstIndex(of: 0) ?? data.endIndex
    let index = Data(data[data.startIndex..<cut])
    let vectors = cut < data.endIndex ? Data(data[(cut + 1)...]) : Data()
    let shape = (try? SafeTensorsFile(data: vectors, path: "fuzz"))?.tensors["vectors"]?.shape ?? []
    let wDim = shape.count == 2 && (1...4096).contains(shape[1]) ? shape[1] : 16
    let mode = data.last ?? 0
    _ = try DirectionStore.decode(index: index, vectors: vectors, folder: "fuzz", wDim: wDim,
                                  numLayers: mode & 1 == 0 ? nil : 14, vectorsNewer: mode & 2 != 0)
}

@main enum Fuzz { static func main() { FuzzInput.main(parse) } }
