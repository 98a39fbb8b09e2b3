// AttentionCommand.swift: `latentscope attention`: a layer's attention sheet.

import ArgumentParser
import Engine
import Imaging
import Sheets

struct AttentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attention",
        abstract: "Where each style token acts in one layer: per-head heatmaps and the token that owns each pixel.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var latent: LatentOptions
    @Option(name: .long, parsing: .unconditional, help: "Seed of the face.")
    var seed: UInt64
    @Option(name: .long, help: "Layer index or name, e.g. 7 or b16.conv1 (see `latentscope info`).")
    var layer: String
    @Option(name: .long, help: "A head index, 'mean' or 'all'.")
    var head: String = "all"
    @Option(name: .long, help: "Colormap: viridis, inferno, magma or gray.")
    var colormap: Colormap = .inferno
    @Option(name: .long, help: "Cell size in pixels.")
    var size: Int = 128
    @OptionGroup var output: OutputOptions

    func validate() throws { try Check.size(size) }

    func run() throws {
        let G = try model.loadGenerator()
        let li: Int, hc: HeadChoice
        do {
            li = try AttentionSheet.layerIndex(layer, config: G.config)
            hc = try HeadChoice.parse(head, heads: G.config.heads)
        } catch let e as ParseError { throw ValidationError(e.message) }
        try output.checkSize(AttentionSheet.size(tokens: G.config.tokens, heads: G.config.heads, head: hc, size: size), "the attention sheet")
        let img = try AttentionSheet.make(G, recipe: latent.recipe(seed: seed, for: G), directions: nil, layer: li, head: hc, size: size, colormap: colormap)
        try output.write(img)
    }
}
