// Directions.swift: `latentscope directions`: list the directions of a model,
// compute PCA (GANSpace) and SeFa ones, save your own from two seeds, and draw
// a sweep sheet (rows = directions, columns = offsets in steps).

import ArgumentParser
import Engine
import Foundation
import Imaging
import Sheets

struct Directions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Latent directions: list, compute (pca, sefa), save your own, draw sweeps.",
        discussion: """
            A model's directions live in MODEL/directions; yours in \
            ~/.local/share/latentscope/MODEL-NAME/directions ($XDG_DATA_HOME is honoured), listed after \
            the model's. Offsets are in steps: one step is σ, the standard deviation along the direction of \
            what an edit moves (the mean of a face's style tokens, over sampled faces), unless the direction \
            sets its own step ("step" in the list; attribute directions calibrate theirs).
            """,
        subcommands: [ListDirections.self, PCADirections.self, SeFaDirections.self, SaveDirection.self,
                      RemoveDirection.self, DirectionSheet.self],
        defaultSubcommand: ListDirections.self)
}

/// Where computed directions go.
struct DirectionTargetOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Directions folder to write (default: MODEL/directions).", valueName: "dir"))
    var out: String?

    func folder(for model: LoadedModel) -> String { out ?? model.directionsFolder }
}

/// A note on standard error; names from files in it are escaped (see TerminalText).
func note(_ s: String) { printError(TerminalText.escaped(s, keepingNewlines: true)) }

func milliseconds(since t: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - t
    return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}

// MARK: - list

struct ListDirections: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the directions with their σ, method, step and measured change per step.")
    @OptionGroup var model: ModelOptions

    func run() throws {
        let found = try DirectionStore.loadAll(for: try model.load())
        // Columns are separated by spaces and empty ones read "-", so scripts can split the lines; "per step"
        // (the measured change of the attribute per step, which has a space in it) is last and blank when unknown.
        print("index  name                method     sigma   explained  layers  tokens    step  per step")
        for (i, d) in found.set.directions.enumerated() {
            let ex = d.explained.map { String(format: "%8.4f", $0) } ?? "       -"
            let ly = d.layers.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "all"
            let tk = d.tokens.map { $0.map(String.init).joined(separator: ",") } ?? "all"
            let st = d.step.map { String(format: "%7.3f", $0) } ?? "      -"
            let unit = d.unit.map { "  " + $0.change(1).terminalSafe } ?? ""
            print(String(format: "%5d  ", i) + d.name.terminalSafe.padded(18) + "  " + d.method.rawValue.terminalSafe.padded(9) + String(format: " %6.3f  ", d.sigma) + ex + "  " + ly.padded(6) + "  " + tk.padded(6) + st + unit)
        }
        if found.computed {
            note("the model ships no directions: SeFa directions computed at load (save some with `latentscope directions pca` or `sefa`)")
        }
        if !found.shadowed.isEmpty {
            note("warning: your directions \(found.shadowed.joined(separator: ", ")) in \(found.userFolder) have the names of model directions and are hidden; rename them")
        }
    }
}

// MARK: - pca

struct PCADirections: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pca",
        abstract: "Principal axes of w (GANSpace), saved as pca0, pca1, ...",
        discussion: """
            Streams w samples (every token of consecutive seeds, un-truncated) into a running covariance, \
            then eigen-decomposes it. σ is the square root of each eigenvalue. Replaces the folder's \
            earlier PCA directions and keeps the others.
            """)

    @OptionGroup var model: ModelOptions
    @Option(name: [.customShort("k"), .customLong("components")], help: "Number of components to keep.")
    var k: Int = 32
    @Option(name: .long, help: "Number of w samples (tokens); seeds = samples / tokens.")
    var samples: Int = 100_000
    @OptionGroup var target: DirectionTargetOptions
    @Flag(name: .long, help: "Print the components without saving them.")
    var dryRun = false

    func validate() throws {
        guard k >= 1 else { throw ValidationError("-k must be at least 1, not \(k)") }
        guard samples >= 2 && samples <= 100_000_000 else { throw ValidationError("--samples must be between 2 and 100000000, not \(samples)") }
    }

    func run() throws {
        let loaded = try model.load()
        let G = model.generator(for: loaded)
        let c = G.config
        guard k <= c.wDim else { throw ValidationError("-k \(k) is more than the \(c.wDim) dimensions of w") }
        // σ is the spread of the seeds' token means, so there must be two seeds at least.
        guard samples > c.tokens else {
            throw ValidationError("--samples \(samples) is one seed's \(c.tokens) tokens; σ needs two seeds at least (--samples \(2 * c.tokens))")
        }
        let t0 = ContinuousClock.now
        let r = try PCA.fit(G, samples: samples, progress: progressPrinter("sampling seeds", quiet: false))
        let ms = milliseconds(since: t0)
        let dirs = r.directions(k)
        let random = PCA.randomBaseline(r)
        print("PCA of w: \(r.samples) samples (\(r.samples / c.tokens) seeds x \(c.tokens) tokens), total variance \(String(format: "%.4f", r.totalVariance)), \(String(format: "%.1f", ms / 1000)) s")
        print("index  name      sigma  explained  cumulative  x random")
        var cum = 0.0
        for (i, d) in dirs.enumerated() {
            cum += r.explainedRatio[i]
            print(String(format: "%5d  ", i) + d.name.padded(8) + String(format: " %6.3f  %8.4f   %8.4f   %7.2f", d.sigma, r.explainedRatio[i], cum, r.explainedRatio[i] / random))
        }
        print(String(format: "a random direction explains %.4f of the variance on average (1/wDim = %.4f); pca0 explains %.1fx that, the top %d together %.4f vs %.4f for %d random",
                     random, 1 / Double(c.wDim), r.explainedRatio[0] / random, dirs.count, cum, random * Double(dirs.count), dirs.count))
        if dryRun { return }
        let folder = target.folder(for: loaded)
        let all = try DirectionStore.merge(dirs, replacing: { $0.method == .pca }, folder: folder, wDim: c.wDim, numLayers: c.numLayers)
        print("saved \(dirs.count) PCA directions to \(folder) (\(all.directions.count) in the folder)")
    }
}

// MARK: - sefa

struct SeFaDirections: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sefa",
        abstract: "Closed-form directions of the style affines (SeFa), saved as sefa0, sefa-coarse0, ...",
        discussion: """
            Stacks the chosen layers' value.weight rows (each scaled to unit norm, as the SeFa reference \
            does), and takes the top eigenvectors of AᵀA. The layer range is saved as the directions' \
            default layers. Layer sets: all, coarse (4² and 8²), middle (16² and 32²), fine (64² and up), \
            or a range a-b; repeat --layers for several sets.
            """)

    @OptionGroup var model: ModelOptions
    @Option(name: .long, help: ArgumentHelp("Layers: all, coarse, middle, fine or a-b (repeatable).", valueName: "set"))
    var layers: [String] = ["all"]
    @Option(name: [.customShort("k"), .customLong("components")], help: "Number of directions per layer set.")
    var k: Int = 16
    @Option(name: .long, help: "Seeds whose w measure σ along each direction.")
    var sigmaSeeds: Int = 1000
    @Option(name: .long, help: "Name prefix instead of sefa / sefa-coarse / sefa-2to5- (one layer set only).")
    var name: String?
    @OptionGroup var target: DirectionTargetOptions
    @Flag(name: .long, help: "Print the directions without saving them.")
    var dryRun = false

    func validate() throws {
        guard k >= 1 else { throw ValidationError("-k must be at least 1, not \(k)") }
        guard sigmaSeeds >= 2 && sigmaSeeds <= 1_000_000 else { throw ValidationError("--sigma-seeds must be between 2 and 1000000, not \(sigmaSeeds)") }
        for l in layers where LayerSelection(l) == nil {
            throw ValidationError("--layers '\(l)' is not all, coarse, middle, fine or a range like 2-5")
        }
        if let name {
            guard layers.count == 1 else { throw ValidationError("--name needs exactly one --layers set") }
            if let p = DirectionName.problem(name + "0") { throw ValidationError("--name: \(p)") }
        }
    }

    func run() throws {
        let loaded = try model.load()
        let c = loaded.config
        guard k <= c.wDim else { throw ValidationError("-k \(k) is more than the \(c.wDim) dimensions of w") }
        var all: [Direction] = []
        var stems: [String] = []
        for text in layers {
            let sel = LayerSelection(text)!
            let range: ClosedRange<Int>
            do { range = try sel.layers(in: c) } catch let e as LinearAlgebraError { throw ValidationError("--layers \(text): \(e.message)") }
            let t0 = ContinuousClock.now
            let f = try SeFa.factorize(loaded.weights, layers: range)
            let tf = milliseconds(since: t0)
            let dirs = try SeFa.directions(loaded.weights, selection: sel, k: k, prefix: name, sigmaSeeds: sigmaSeeds)
            let tt = milliseconds(since: t0)
            let rows = (range).reduce(0) { $0 + c.layers[$1].cin }
            print("SeFa over layers \(range.lowerBound)-\(range.upperBound) (\(sel), \(rows) style channels): factorised in \(String(format: "%.1f", tf)) ms, with σ from \(sigmaSeeds) seeds in \(String(format: "%.1f", tt)) ms")
            print("index  name              sigma  eigenvalue  share")
            for (i, d) in dirs.enumerated() {
                print(String(format: "%5d  ", i) + d.name.padded(16) + String(format: " %6.3f  %10.4f  %6.4f", d.sigma, f.eigenvalues[i], f.shares[i]))
            }
            all += dirs
            stems.append(name ?? sel.namePrefix)
        }
        if dryRun { return }
        let folder = target.folder(for: loaded)
        let isSame = { (d: Direction) in
            d.method == .sefa && stems.contains { s in d.name.hasPrefix(s) && d.name.dropFirst(s.count).allSatisfy(\.isNumber) && d.name.count > s.count }
        }
        let merged = try DirectionStore.merge(all, replacing: isSame, folder: folder, wDim: c.wDim, numLayers: c.numLayers)
        print("saved \(all.count) SeFa directions to \(folder) (\(merged.directions.count) in the folder)")
    }
}

// MARK: - save / remove

struct SaveDirection: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save",
        abstract: "Save a direction from one seed's face to another's.",
        discussion: """
            The direction is the difference of the two seeds' token-mean w, normalised; σ is measured on \
            sampled w. It goes to your directions folder (or --out) and `walk --direction NAME` finds it.
            """)

    @OptionGroup var model: ModelOptions
    @Argument(help: "Name of the new direction (letters, digits, _-.|+).")
    var name: String
    @Option(name: .customLong("from-seed"), help: "Seed the direction starts from.")
    var fromSeed: UInt64
    @Option(name: .customLong("to-seed"), help: "Seed the direction points to.")
    var toSeed: UInt64
    @Option(name: .long, help: ArgumentHelp("Directions folder (default: your folder for this model).", valueName: "dir"))
    var out: String?
    @Flag(name: .long, help: "Replace a saved direction of the same name.")
    var force = false

    func validate() throws {
        if let p = DirectionName.problem(name) { throw ValidationError(p) }
        guard fromSeed != toSeed else { throw ValidationError("--from-seed and --to-seed are both \(fromSeed); pick two faces") }
    }

    func run() throws {
        let loaded = try model.load()
        let G = model.generator(for: loaded)
        let c = G.config
        let folder = out ?? loaded.userDirectionsFolder()
        if folder != loaded.directionsFolder {
            // The model's directions (shipped, or computed at load) would hide a user direction of the same name.
            let found = try DirectionStore.loadAll(for: loaded)
            if found.set.directions.prefix(found.modelCount).contains(where: { $0.name == name }) {
                throw ValidationError("'\(name)' is a direction of the model; choose another name")
            }
        }
        let alreadySaved = ValidationError("'\(name)' is already saved in \(folder); pass --force to replace it")
        // Checked early for a quick answer, and again under the folder's lock, where it counts:
        // another `directions save` may have written the same name in between.
        if !force, DirectionStore.exists(folder: folder),
           try DirectionStore.read(folder: folder, wDim: c.wDim).names.contains(name) {
            throw alreadySaved
        }
        let d = try DirectionMath.fromSeeds(G, name: name, from: fromSeed, to: toSeed)
        try DirectionStore.check([d], folder: folder, wDim: c.wDim)
        let all = try DirectionStore.update(folder: folder, wDim: c.wDim, numLayers: c.numLayers) { old in
            if !force, old.names.contains(name) { throw alreadySaved }
            return old.replacing(where: { _ in false }, with: [d])
        }
        print("saved '\(name)' (seed \(fromSeed) -> seed \(toSeed), σ \(String(format: "%.3f", d.sigma))) to \(folder) (\(all.directions.count) in the folder)")
    }
}

struct RemoveDirection: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove one of your saved directions.")

    @OptionGroup var model: ModelOptions
    @Argument(help: "Name of the direction.")
    var name: String
    @Option(name: .long, help: ArgumentHelp("Directions folder (default: your folder for this model).", valueName: "dir"))
    var out: String?

    func run() throws {
        let loaded = try model.load()
        let c = loaded.config
        let folder = out ?? loaded.userDirectionsFolder()
        guard DirectionStore.exists(folder: folder) else { throw ValidationError("no saved directions in \(folder)") }
        // Read, check and write under the folder's lock, so a concurrent save is not lost.
        try DirectionStore.update(folder: folder, wDim: c.wDim, numLayers: c.numLayers) { set in
            guard set.names.contains(name) else {
                throw ValidationError("'\(name)' is not saved in \(folder); saved there: " + set.names.joined(separator: ", "))
            }
            return DirectionSet(set.directions.filter { $0.name != name })
        }
        print("removed '\(name)' from \(folder)")
    }
}

// MARK: - sheet

struct DirectionSheet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sheet",
        abstract: "A sweep sheet: one row per direction, columns from -a to +b steps (σ unless the direction sets its own).")

    @OptionGroup var model: ModelOptions
    @OptionGroup var latent: LatentOptions
    @Option(name: .long, parsing: .unconditional, help: "Seed of the face.")
    var seed: UInt64
    @Option(name: .long, help: ArgumentHelp("Directions by name or index, comma-separated (default: the first --count).", valueName: "list"))
    var names: String?
    @Option(name: .long, help: "Only directions of this method (pca, sefa, attribute, user, ...).")
    var method: String?
    @Option(name: .long, help: "Number of rows when --names is not given.")
    var count: Int = 8
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Offsets from:to in steps (σ unless the direction sets its own), e.g. -3:3.", valueName: "from:to"))
    var range: String = "-3:3"
    @Option(name: .long, help: "Columns.")
    var steps: Int = 7
    @Option(name: .long, help: "Cell size in pixels.")
    var size: Int = 64
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try Check.size(size)
        guard steps >= 1 && steps <= 64 else { throw ValidationError("--steps must be between 1 and 64, not \(steps)") }
        guard count >= 1 && count <= 128 else { throw ValidationError("--count must be between 1 and 128, not \(count)") }
        do { _ = try SpanParser.parse(range) } catch let e as ParseError { throw ValidationError("--range: \(e.message)") }
    }

    func run() throws {
        let loaded = try model.load()
        let G = model.generator(for: loaded)
        let all = try DirectionStore.load(for: loaded)
        let pool = method.map { m in DirectionSet(all.directions.filter { $0.method.rawValue == m }) } ?? all
        let rows: [Direction]
        if let names {
            rows = try names.split(separator: ",").map { key in
                guard let d = pool.find(String(key)) else {
                    throw ValidationError("unknown direction '\(key)'; " + directionChoices(pool))
                }
                return d
            }
        } else {
            rows = Array(pool.directions.prefix(count))
        }
        guard !rows.isEmpty else { throw ValidationError("no directions\(method.map { " of method '\($0)'" } ?? "") to draw") }
        let (a, b) = try SpanParser.parse(range)
        let amounts = WalkStrip.amounts(from: a, to: b, steps: steps)
        var o = GridOptions(columns: steps)
        o.columnLabels = amounts.map { String(format: "%+.1f", $0) }
        o.rowLabels = rows.map(\.name)
        try output.checkSize(FigureSize(Grid.layout(count: rows.count * steps, cellWidth: size, cellHeight: size, options: o)), "the sheet")
        let base = try latent.recipe(seed: seed, for: G)
        let recipes = rows.flatMap { d in
            amounts.map { x -> Recipe in
                var r = base
                r.offsets.append(DirectionOffset(direction: d.name, amount: x, layers: d.layers, tokens: d.tokens))
                return r
            }
        }
        let faces = try Faces.render(G, recipes, directions: DirectionSet(rows), size: size,
                                     progress: progressPrinter("rendering", quiet: output.quiet))
        try output.write(Grid.compose(faces, options: o))
    }
}
