// Directions.swift: `latentscope directions`: list the model's directions.

import ArgumentParser
import Engine
import Foundation

struct Directions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Latent directions: list them (compute PCA and SeFa directions with the subcommands).",
        subcommands: [ListDirections.self],
        defaultSubcommand: ListDirections.self)
}

struct ListDirections: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the model's directions with their σ and method.")
    @OptionGroup var model: ModelOptions

    func run() throws {
        let G = try model.load()
        let set = try model.directions(for: G)
        print("index  name                method     sigma   explained  layers")
        for (i, d) in set.directions.enumerated() {
            let ex = d.explained.map { String(format: "%8.4f", $0) } ?? "       -"
            let ly = d.layers.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "all"
            print(String(format: "%5d  ", i) + d.name.padded(18) + "  " + d.method.padded(9) + String(format: " %6.3f  ", d.sigma) + ex + "  " + ly)
        }
    }
}
