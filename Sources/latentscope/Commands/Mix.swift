// Mix.swift: `latentscope mix`: the style-mixing matrix, per layer or per token.

import ArgumentParser
import Engine
import Sheets

struct Mix: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Style mixing: each row seed takes the column seeds' styles at some layers (or style tokens).",
        discussion: "Early layers carry pose and shape, late layers colour and texture. With --tokens, whole style tokens move instead, across every layer.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var latent: LatentOptions
    @Option(name: .long, help: "Row seeds (the faces that receive styles).")
    var rows: String
    @Option(name: .long, help: "Column seeds (the faces that give styles).")
    var cols: String
    @Option(name: .long, help: "Layers taken from the column seed, e.g. 0-3 (see `latentscope info`).")
    var layers: String?
    @Option(name: .long, help: "Style tokens taken from the column seed instead of layers, e.g. 2,5.")
    var tokens: String?
    @Option(name: .long, help: "Cell size in pixels.")
    var size: Int = 128
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try Check.size(size)
        if layers != nil && tokens != nil { throw ValidationError("give --layers or --tokens, not both") }
        var counts: [Int] = []
        for (flag, v) in [("--rows", rows), ("--cols", cols)] {
            do { counts.append(try SeedList.parse(v).count) } catch let e as ParseError { throw ValidationError("\(flag): \(e.message)") }
        }
        try output.checkSize(MixMatrix.size(rows: counts[0], columns: counts[1], size: size), "the mixing matrix")
    }

    func run() throws {
        let G = try model.loadGenerator()
        let target: MixMatrix.Target
        do {
            if let tokens {
                target = .tokens(try IndexRange.parseList(tokens, limit: G.config.tokens, what: "token"))
            } else {
                target = .layers(try IndexRange.parse(layers ?? "0-\(G.config.numLayers / 3)", limit: G.config.numLayers, what: "layer"))
            }
        } catch let e as ParseError { throw ValidationError(e.message) }
        let img = try MixMatrix.make(G, rows: try SeedList.parse(rows), columns: try SeedList.parse(cols), target: target,
                                     base: latent.recipe(seed: 0, for: G), size: size, progress: progressPrinter("rendering", quiet: output.quiet))
        try output.write(img)
    }
}
