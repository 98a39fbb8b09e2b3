// FuzzAttributes: the attribute classifier exported beside a model (attributes.json and
// attributes.safetensors) on arbitrary bytes. An input is the JSON text, one NUL byte,
// then the safetensors bytes (JSON text holds no NUL). A classifier that loads is run
// once on a grey image when its input is small, so the forward pass's indexing is
// fuzzed too, not only the checks before it.

import Engine
import Foundation
import FuzzSupport

func parse(_ data: Data) throws {
    let cut = data.firstIndex(of: 0) ?? data.endIndex
    let description = Data(data[data.startIndex..<cut])
    let weights = cut < data.endIndex ? Data(data[(cut + 1)...]) : Data()
    let classifier = try AttributeClassifier(description: description, weights: weights, folder: "fuzz")
    if classifier.input <= 64 {
        _ = classifier.predict([Float](repeating: 0, count: 3 * classifier.input * classifier.input))
    }
}

@main enum Fuzz { static func main() { FuzzInput.main(parse) } }
