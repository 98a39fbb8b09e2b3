// Walk.swift: `latentscope walk`: one seed stepped along a direction.

import ArgumentParser
import Engine
import Sheets

struct Walk: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Walk a face along a latent direction, in steps (σ unless the direction sets its own).")

    @OptionGroup var model: ModelOptions
    @OptionGroup var latent: LatentOptions
    @Option(name: .long, parsing: .unconditional, help: "Seed of the face to walk.")
    var seed: UInt64
    @Option(name: .long, help: "Direction: a name (see `latentscope directions list`) or an index.")
    var direction: String = "0"
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Offsets from:to in steps (σ unless the direction sets its own), e.g. -3:3.", valueName: "from:to"))
    var range: String = "-3:3"
    @Option(name: .long, help: "Number of images.")
    var steps: Int = 9
    @Option(name: .long, help: "Only these layers move, e.g. 0-4 (default: the direction's own range, else all).")
    var layers: String?
    @Option(name: .long, help: "Only these style tokens move, e.g. 0,3 (default: the direction's own tokens, else all).")
    var tokens: String?
    @Option(name: .long, help: "Cell size in pixels.")
    var size: Int = 128
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try Check.size(size)
        guard steps >= 1 && steps <= 256 else { throw ValidationError("--steps must be between 1 and 256, not \(steps)") }
        do { _ = try SpanParser.parse(range) } catch let e as ParseError { throw ValidationError("--range: \(e.message)") }
        try output.checkSize(WalkStrip.size(steps: steps, size: size), "the walk")
    }

    func run() throws {
        let loaded = try model.load()
        let G = model.generator(for: loaded)
        let dirs = try DirectionStore.load(for: loaded)
        guard let d = dirs.find(direction) else {
            throw ValidationError("unknown direction '\(direction)'; " + directionChoices(dirs))
        }
        let (a, b) = try SpanParser.parse(range)
        let layerRange: ClosedRange<Int>?
        let tokenList: [Int]?
        do {
            layerRange = try layers.map { try IndexRange.parse($0, limit: G.config.numLayers, what: "layer") } ?? d.layers
            tokenList = try tokens.map { try IndexRange.parseList($0, limit: G.config.tokens, what: "token") } ?? d.tokens
        } catch let e as ParseError { throw ValidationError(e.message) }
        let img = try WalkStrip.make(G, base: latent.recipe(seed: seed, for: G), direction: d.name, directions: dirs, from: a, to: b,
                                     steps: steps, layers: layerRange, tokens: tokenList, size: size,
                                     progress: progressPrinter("rendering", quiet: output.quiet))
        try output.write(img)
    }
}
