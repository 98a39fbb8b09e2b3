// Latentscope.swift: the command-line entry point. With no subcommand it opens
// the interactive explorer; every other operation is a scriptable subcommand.

import ArgumentParser

@main
struct Latentscope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latentscope",
        abstract: "Explore the latent space of an attention-based face generator, in the terminal.",
        discussion: """
            Without a subcommand, opens the interactive explorer. Every subcommand writes PNG \
            (use -o - for standard output) and works without a terminal.
            """,
        version: "0.1.0",
        subcommands: [Explore.self, Generate.self, GridCommand.self, Mix.self, Walk.self, AttentionCommand.self,
                      Directions.self, Info.self, Bench.self],
        defaultSubcommand: Explore.self
    )
}
