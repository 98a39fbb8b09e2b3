// Generate.swift: `latentscope generate`: one face.

import ArgumentParser
import Engine
import Sheets

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate one face from a seed.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var latent: LatentOptions
    @Option(name: .long, parsing: .unconditional, help: "Seed (0 ... 2^64-1): the same seed is the same face everywhere.")
    var seed: UInt64
    @Option(name: .long, help: "Output size in pixels (smooth upscaling).")
    var size: Int = 256
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try Check.size(size)
        try output.checkSize(FigureSize(width: size, height: size), "the image")
    }

    func run() throws {
        let G = try model.load()
        let img = try Faces.render(G, [latent.recipe(seed: seed, for: G)], directions: nil, size: size)[0]
        try output.write(img)
    }
}
