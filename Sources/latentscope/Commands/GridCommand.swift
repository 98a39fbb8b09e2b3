// GridCommand.swift: `latentscope grid`: a labelled contact sheet of seeds.

import ArgumentParser
import Engine
import Sheets

struct GridCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "grid", abstract: "A grid of faces, one per seed, labelled with the seed.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var latent: LatentOptions
    @Option(name: .long, parsing: .unconditional, help: "Seeds, e.g. 0-15 or 1,5,9 or 0-3,10.")
    var seeds: String = "0-15"
    @Option(name: .long, help: "Columns (default: a square-ish grid).")
    var cols: Int?
    @Option(name: .long, help: "Cell size in pixels.")
    var size: Int = 128
    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try parsedSeeds()
        try Check.size(size)
        if let cols, cols < 1 { throw ValidationError("--cols must be at least 1") }
        let count = try parsedSeeds().count
        try output.checkSize(SeedGrid.size(count: count, columns: columns(count), size: size), "the grid")
    }

    /// --cols, else a square-ish grid.
    func columns(_ count: Int) -> Int { cols ?? Int(Double(count).squareRoot().rounded(.up)) }

    func parsedSeeds() throws -> [UInt64] {
        do { return try SeedList.parse(seeds) } catch let e as ParseError { throw ValidationError("--seeds: \(e.message)") }
    }

    func run() throws {
        let list = try parsedSeeds()
        let G = try model.loadGenerator()
        let img = try SeedGrid.make(G, seeds: list, base: latent.recipe(seed: 0, for: G), columns: columns(list.count), size: size,
                                    progress: progressPrinter("rendering", quiet: output.quiet))
        try output.write(img)
    }
}
