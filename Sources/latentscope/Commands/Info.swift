// Info.swift: `latentscope info`: what the model is.

import ArgumentParser
import Engine
import Foundation

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Summarise the model: resolution, layers, channels, tokens, heads, parameters, FLOPs.")

    @OptionGroup var model: ModelOptions
    @Flag(name: .long, help: "Print the config as JSON.")
    var json = false

    func run() throws {
        let loaded = try model.load()
        let c = loaded.config
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(TerminalText.escapedJSON(String(decoding: try enc.encode(c), as: UTF8.self)))
            return
        }
        let flops = c.synthesisFlops ?? 0
        let blurred = Set(c.layers.map(\.res)).sorted().filter { c.attentionBlur(at: $0) > 0 }
            .map { "\($0)x\($0) (\(c.attentionBlur(at: $0)) \(c.attentionBlur(at: $0) == 1 ? "pass" : "passes"))" }
        let blur = blurred.isEmpty ? "" : "; maps blurred at " + blurred.joined(separator: ", ")
        print("""
            model       \(c.name.terminalSafe)  (\(loaded.directory.terminalSafe))
            resolution  \(c.resolution)x\(c.resolution) RGB
            latent      \(c.tokens) style tokens x \(c.wDim) (z: \(c.tokens) x \(c.zDim)), mapping \(c.mappingLayers) layers
            attention   \(c.heads) heads x \(c.headDim) dims per layer\(blur)
            parameters  \(loaded.weights.parameterCount.formatted())
            compute     \(String(format: "%.3f", Double(flops) / 1e9)) GFLOP per image (synthesis)
            weights     \(c.dtype.terminalSafe)
            """)
        if let t = c.training {
            let from = t.warmStart?.kimg.map { " (trained on from a model at \($0) kimg)" } ?? ""
            print("training    \(t.kimg.map { "\($0) kimg" } ?? "?")\(from), \((t.dataset ?? "?").terminalSafe)")
            if let sources = t.averagedFrom, !sources.isEmpty {
                let parts = sources.map { s in
                    (s.kimg.map { "\($0) kimg" } ?? (s.model ?? "?").terminalSafe) + (s.weight.map { String(format: " x %.2f", $0) } ?? "")
                }
                print("averaged    weights of \(parts.joined(separator: ", "))")
                for (res, weights) in (t.averagedWeightsAt ?? [:]).sorted(by: { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }) {
                    let w = weights.map { String(format: "x %.2f", $0) }.joined(separator: ", ")
                    print("            \(res.terminalSafe)x\(res.terminalSafe) layers: \(w)")
                }
            }
            if let scale = t.attentionScale, !scale.isEmpty {
                let parts = scale.sorted { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }
                    .map { "\($0.key.terminalSafe)x\($0.key.terminalSafe) keys x \($0.value)" }
                print("softened    attention: \(parts.joined(separator: ", "))")
            }
            if let kimg = t.mappingRefit?.kimg {
                print("refitted    mapping trained on alone for \(kimg) kimg (synthesis unchanged)")
            }
            if let psi = t.stylePsi, !psi.isEmpty {
                let parts = psi.sorted { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }
                    .map { "\($0.key.terminalSafe)x\($0.key.terminalSafe) psi \($0.value)" }
                print("truncated   styles: \(parts.joined(separator: ", "))")
            }
            if let l = t.license { print("licence     \(l.terminalSafe)") }
        }
        print("\nlayer  name          res    in -> out  kernel  noise")
        for (i, l) in c.layers.enumerated() {
            print(String(format: "%5d  ", i) + l.name.terminalSafe.padded(12) + String(format: " %4d  %4d -> %-4d  %dx%d     ", l.res, l.cin, l.cout, l.kernel, l.kernel) + (l.noise ? "yes" : "-"))
        }
    }
}
