// Explore.swift: `latentscope` / `latentscope explore`: the interactive explorer.

import ArgumentParser
import Engine

struct Explore: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Open the interactive explorer (the default).")
    @OptionGroup var model: ModelOptions

    func run() throws {
        throw ValidationError("the interactive explorer is not available in this build; use the subcommands (see --help)")
    }
}
