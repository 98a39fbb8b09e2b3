// FuzzConfig: a model's config.json on arbitrary bytes; a config that passes is
// then matched against real weights (LATENTSCOPE_FUZZ_WEIGHTS, a generator.safetensors)
// so the sizes it implies are exercised too.

import Engine
import Foundation
import FuzzSupport

let weights = FuzzInput.environmentPath("LATENTSCOPE_FUZZ_WEIGHTS")

func parse(_ data: Data) throws {
    let config = try ModelConfig.decode(data, path: "config.json")
    _ = try config.expectedLayers(path: "config.json")
    if let weights { _ = try GeneratorWeights(config: config, path: weights) }
}

@main enum Fuzz { static func main() { FuzzInput.main(parse) } }
