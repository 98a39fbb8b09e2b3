// Generate.swift: `latentscope generate`: one face, and with --attributes what the
// model's attribute classifier predicts for it, as one JSON line on standard output.

import ArgumentParser
import Engine
import Foundation
import Sheets

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate one face from a seed.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var latent: LatentOptions
    @Option(name: .long, parsing: .unconditional, help: "Seed (0 ... 2^64-1): the same seed is the same face everywhere.")
    var seed: UInt64
    @Option(name: .long, help: "Output size in pixels (smooth upscaling).")
    var size: Int = 256
    @Flag(name: .long, help: ArgumentHelp(
        "Print the model's attribute predictions for the face as one JSON line on standard output, e.g. "
            + "{\"attributes\":{\"age\":34.2,\"female\":0.82},\"file\":\"a.png\",\"seed\":7} (needs a model with attributes.json and -o FILE)."))
    var attributes = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try Check.size(size)
        try output.checkSize(FigureSize(width: size, height: size), "the image")
        if attributes && output.output == "-" {
            throw ValidationError("--attributes prints JSON on standard output; write the image to a file with -o FILE")
        }
    }

    /// One line of --attributes output.
    struct AttributeLine: Encodable {
        var file: String
        var seed: UInt64
        var attributes: [String: Double]
    }

    func run() throws {
        let loaded = try model.load()
        // The classifier is checked before anything is rendered: asking for predictions of a model
        // without one is an error, not an empty answer.
        let classifier = attributes ? try loaded.attributeClassifier() : nil
        if attributes && classifier == nil {
            throw InputError("the model in \(loaded.directory) has no attribute classifier (\(AttributeClassifier.descriptionFile)); "
                             + "export one with python -m latentscope_train.classifier_export --checkpoint CACHED.pt --out \(loaded.directory)")
        }
        let G = model.generator(for: loaded)
        let out = try G.render([latent.recipe(seed: seed, for: G)], directions: nil)
        let img = Faces.image(out.images[0], resolution: out.resolution, size: size)
        try output.write(img)
        if let classifier {
            // The float image, before quantisation: what the explorer and the Python side score.
            let values = classifier.predict(out.images[0]).map { ($0.name, (Double($0.value) * 10_000).rounded() / 10_000) }
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let line = AttributeLine(file: output.output, seed: seed, attributes: Dictionary(values, uniquingKeysWith: { a, _ in a }))
            print(String(decoding: try enc.encode(line), as: UTF8.self))
        }
    }
}
