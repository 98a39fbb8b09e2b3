// Options.swift: option groups shared by the subcommands, and the small helpers
// that load the model and write results.

import ArgumentParser
import Engine
import Foundation
import Imaging
import Sheets

struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Model folder (config.json + generator.safetensors); default: the bundled model.", valueName: "dir"))
    var model: String?

    @Option(name: .long, help: "CPU threads for the engine (default: all cores; at most 4 per core).")
    var threads: Int?

    /// More threads than this only add memory (a workspace each) and switching: 4 per core.
    static var maxThreads: Int { 4 * max(1, ProcessInfo.processInfo.activeProcessorCount) }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, not \(threads)") }
    }

    /// The thread count to use: --threads, clamped (with a note) to `maxThreads`, else all cores.
    var threadCount: Int {
        guard let threads else { return ProcessInfo.processInfo.activeProcessorCount }
        if threads > Self.maxThreads {
            printError("note: --threads \(threads) is more than 4 per core on this machine; using \(Self.maxThreads)")
            return Self.maxThreads
        }
        return threads
    }

    /// Finds and loads the model (clear error on a missing or broken one).
    func load() throws -> LoadedModel {
        // The engine runs its own workers, each calling BLAS single-threaded.
        setBLASThreads(1)
        return try LoadedModel(directory: try ModelLocator.resolve(explicit: model))
    }

    /// A generator over `model`, prepared here, with the thread count.
    func generator(for model: LoadedModel) -> Generator { Generator(PreparedModel(model), threads: threadCount) }

    /// Loads the model and returns a generator over it, for commands that need nothing else.
    func loadGenerator() throws -> Generator { generator(for: try load()) }
}

struct LatentOptions: ParsableArguments {
    @Option(name: .long, help: "Truncation ψ: 1 = none, 0 = the average face.")
    var psi: Float = 1

    @Option(name: .long, help: ArgumentHelp("Layers from this index on are not truncated.", valueName: "layer"))
    var cutoff: Int?

    @Option(name: .long, help: "Noise: seeded (from the seed), const (the model's fixed noise) or off.")
    var noise: NoiseChoice = .seeded

    @Option(name: .customLong("noise-seed"), help: "Seed of the noise (default: the image's seed).")
    var noiseSeed: UInt64?

    func validate() throws {
        if let problem = Recipe.Limits.psiProblem(psi) { throw ValidationError("--psi \(problem)") }
        if let cutoff, cutoff < 0 { throw ValidationError("--cutoff must be >= 0") }
    }

    /// The recipe of `seed` under these options; the cutoff is checked against the loaded model's layers.
    func recipe(seed: UInt64, for G: Generator) throws -> Recipe {
        if let problem = Recipe.cutoffProblem(cutoff, layers: G.config.numLayers) { throw InputError("--\(problem)") }
        var r = Recipe(seed: seed, psi: psi)
        r.truncationCutoff = cutoff
        r.noise = noise
        r.noiseSeed = noiseSeed
        return r
    }
}

extension NoiseChoice: ExpressibleByArgument {}
extension Colormap: ExpressibleByArgument {}

struct OutputOptions: ParsableArguments {
    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("PNG file to write, or - for standard output.", valueName: "file"))
    var output: String

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @Option(name: .customLong("max-pixels"), help: ArgumentHelp(
        "Refuse images with more pixels than this (100 million: about 650 MB of memory while it is made).", valueName: "n"))
    var maxPixels: Int = PixelBudget.defaultLimit

    func validate() throws {
        if maxPixels < 1 { throw ValidationError("--max-pixels must be at least 1, not \(maxPixels)") }
        try OutputTarget.check(output)
    }

    /// Refuses, before any rendering, a figure above --max-pixels.
    func checkSize(_ size: FigureSize, _ what: String) throws {
        do { try PixelBudget.check(size, what: what, limit: maxPixels) } catch let e as FigureTooLarge {
            throw InputError("\(e.description); --max-pixels raises it")
        }
    }

    func write(_ image: RGBImage) throws {
        try OutputTarget.write(image, to: output)
        if !quiet && output != "-" { printError("wrote \(output) (\(image.width)x\(image.height))") }
    }
}

enum OutputTarget {
    /// Fails early, before any rendering, when the output cannot be written.
    static func check(_ path: String) throws {
        if path == "-" {
            if isatty(STDOUT_FILENO) != 0 { throw ValidationError("refusing to write PNG data to a terminal; redirect standard output or use -o FILE") }
            return
        }
        do { try AtomicFile.check(path) } catch let e as ImagingError { throw ValidationError(e.description) }
    }

    static func write(_ image: RGBImage, to path: String) throws {
        if path == "-" {
            try AtomicFile.writeStandardOutput(try PNGCodec.encode(image))
        } else {
            try PNGCodec.write(image, to: path)
        }
    }
}

/// Bad input found once the model is loaded (a layer it lacks, a figure too large), reported
/// as "Error: message" without the usage text, which would not help.
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Range checks shared by the subcommands.
enum Check {
    static func size(_ size: Int, _ flag: String = "--size") throws {
        guard size >= 8, size <= 4096 else { throw ValidationError("\(flag) must be between 8 and 4096 pixels, not \(size)") }
    }
}

/// Progress on standard error: on a terminal, one line rewritten in place; in a pipe or a
/// log, a line every `LATENTSCOPE_PROGRESS_SECONDS` (default 10) seconds, so a short job
/// prints nothing there and a long one still shows it is alive.
func progressPrinter(_ what: String, quiet: Bool) -> ((Int, Int) -> Void)? {
    guard !quiet else { return nil }
    if isatty(STDERR_FILENO) != 0 {
        return { done, total in
            printError("\r\(what) \(done)/\(total)", terminator: done == total ? "\n" : "")
        }
    }
    let interval = getenv("LATENTSCOPE_PROGRESS_SECONDS").flatMap { Double(String(cString: $0)) }.flatMap { $0 >= 0 ? $0 : nil } ?? 10
    let start = monotonicSeconds()
    var next = start + interval
    var printed = false
    return { done, total in
        let now = monotonicSeconds()
        if done < total, now >= next {
            let percent = total > 0 ? done * 100 / total : 0
            printError("\(what) \(done)/\(total) (\(percent)%, \(Int(now - start)) s)")
            next = now + interval
            printed = true
        } else if done == total, printed {
            printError("\(what) \(done)/\(total) (100%, \(Int(now - start)) s)")
        }
    }
}

private func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

extension String {
    /// Left-aligned in a field of `width` characters (String(format:) cannot pad %@ on Linux).
    func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

/// The directions to offer after an unknown name: the named (attribute) ones first, since
/// those are what people type, then the others, at most 40, saying how many more there are.
func directionChoices(_ set: DirectionSet) -> String {
    let ordered = set.directions.filter { $0.method == .attribute } + set.directions.filter { $0.method != .attribute }
    let shown = ordered.prefix(40).map(\.name.terminalSafe).joined(separator: ", ")
    let more = ordered.count > 40 ? " … (\(ordered.count - 40) more: latentscope directions list)" : ""
    return "available: " + shown + more
}
