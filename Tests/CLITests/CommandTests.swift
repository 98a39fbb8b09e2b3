// CommandTests.swift: every subcommand end to end on the tiny model, and the
// errors a user meets.

import Foundation
import Imaging
import Testing

@Suite struct CommandTests {
    let m = ["--model", CLI.tinyModel]

    @Test func generateWritesADeterministicPNG() throws {
        let d = CLI.tempDir()
        let r1 = try CLI.run(["generate", "--seed", "42", "--size", "48", "-o", "\(d)/a.png"] + m)
        #expect(r1.status == 0, "\(r1.stderr)")
        #expect(r1.stderr.contains("wrote \(d)/a.png (48x48)"))
        _ = try CLI.run(["generate", "--seed", "42", "--size", "48", "-o", "\(d)/b.png"] + m)
        let a = try PNGCodec.read(path: "\(d)/a.png"), b = try PNGCodec.read(path: "\(d)/b.png")
        #expect(a.width == 48 && a.height == 48)
        #expect(a == b)
        _ = try CLI.run(["generate", "--seed", "43", "--size", "48", "-o", "\(d)/c.png"] + m)
        #expect(try PNGCodec.read(path: "\(d)/c.png") != a)
        let dir = try FileManager.default.contentsOfDirectory(atPath: d)
        #expect(dir.sorted() == ["a.png", "b.png", "c.png"], "no temp files left behind")
    }

    @Test func generatePrintsTheClassifiersPredictions() throws {
        // The tiny model with the fixture classifier beside it.
        let d = CLI.tempDir()
        let model = d + "/tiny"
        try FileManager.default.copyItem(atPath: CLI.tinyModel, toPath: model)
        let fixtures = CLI.repoRoot + "/Tests/EngineTests/Fixtures"
        for f in ["attributes.json", "attributes.safetensors"] {
            try FileManager.default.copyItem(atPath: fixtures + "/tiny-classifier/" + f, toPath: model + "/" + f)
        }
        let r = try CLI.run(["generate", "--seed", "1", "--noise", "const", "--size", "16", "--attributes", "-o", d + "/a.png", "--model", model])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.out.split(separator: "\n")
        #expect(lines.count == 1, "one JSON line per image: \(r.out)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(obj["file"] as? String == d + "/a.png" && obj["seed"] as? Int == 1)
        let values = try #require(obj["attributes"] as? [String: Double])
        #expect(Set(values.keys) == ["age", "female"])
        // The same face PyTorch scored for the fixture (seed 1, constant noise).
        let ref = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixtures + "/tiny-classifier-reference.json"))) as? [String: Any])
        let i = try #require((ref["images"] as? [[String: Any]])?.firstIndex { $0["name"] as? String == "seed 1" })
        #expect(abs(values["age"]! - (ref["age"] as! [Double])[i]) < 2e-3)
        #expect(abs(values["female"]! - (ref["female"] as! [Double])[i]) < 2e-4)
        #expect(r.stderr.contains("wrote \(d)/a.png (16x16)"))

        // Without a file for the image, or without a classifier, it says why.
        let piped = try CLI.run(["generate", "--seed", "1", "--attributes", "-o", "-", "--model", model])
        #expect(piped.status != 0 && piped.stderr.contains("--attributes prints JSON on standard output; write the image to a file with -o FILE"))
        let none = try CLI.run(["generate", "--seed", "1", "--attributes", "-o", d + "/b.png"] + m)
        #expect(none.status != 0 && none.stderr.contains("has no attribute classifier (attributes.json)"))
        #expect(!FileManager.default.fileExists(atPath: d + "/b.png"), "nothing is rendered before the error")
        // A broken one is an error for the commands that read it.
        try Data("{".utf8).write(to: URL(fileURLWithPath: model + "/attributes.json"))
        let broken = try CLI.run(["generate", "--seed", "1", "--attributes", "-o", d + "/c.png", "--model", model])
        #expect(broken.status != 0 && broken.stderr.contains("attributes.json: not a valid classifier description"))
    }

    @Test func stdoutOutputIsAPNG() throws {
        let r = try CLI.run(["generate", "--seed", "1", "--size", "16", "-o", "-"] + m)
        #expect(r.status == 0)
        let img = try PNGCodec.decode([UInt8](r.stdout))
        #expect(img.width == 16)
        #expect(r.stderr.isEmpty)
    }

    @Test func gridHasOneLabelledCellPerSeed() throws {
        let d = CLI.tempDir()
        let r = try CLI.run(["grid", "--seeds", "0-5", "--cols", "3", "--size", "32", "-o", "\(d)/g.png"] + m)
        #expect(r.status == 0, "\(r.stderr)")
        let img = try PNGCodec.read(path: "\(d)/g.png")
        var o = GridOptions(columns: 3)
        o.labels = (0..<6).map { "seed \($0)" }
        let layout = Grid.layout(count: 6, cellWidth: 32, cellHeight: 32, options: o)
        #expect(img.width == layout.width && img.height == layout.height)
        #expect(layout.rows == 2)
    }

    @Test func mixWalkAttentionInfo() throws {
        let d = CLI.tempDir()
        let mix = try CLI.run(["mix", "--rows", "1,2", "--cols", "3,4,5", "--layers", "0-2", "--size", "24", "-o", "\(d)/m.png"] + m)
        #expect(mix.status == 0, "\(mix.stderr)")
        let mixTokens = try CLI.run(["mix", "--rows", "1", "--cols", "3", "--tokens", "1,2", "--size", "24", "-o", "\(d)/mt.png"] + m)
        #expect(mixTokens.status == 0, "\(mixTokens.stderr)")
        let walk = try CLI.run(["walk", "--seed", "3", "--direction", "0", "--range", "-2:2", "--steps", "5", "--size", "24", "-o", "\(d)/w.png"] + m)
        #expect(walk.status == 0, "\(walk.stderr)")
        let w = try PNGCodec.read(path: "\(d)/w.png")
        #expect(w.width > 5 * 24)
        let attn = try CLI.run(["attention", "--seed", "3", "--layer", "b8.conv1", "--head", "all", "--size", "32", "-o", "\(d)/a.png"] + m)
        #expect(attn.status == 0, "\(attn.stderr)")
        let a = try PNGCodec.read(path: "\(d)/a.png")
        #expect(a.width > 6 * 32)   // face + 4 tokens + owner
        let info = try CLI.run(["info"] + m)
        #expect(info.out.contains("b16.torgb") && info.out.contains("4 style tokens"))
        let json = try CLI.run(["info", "--json"] + m)
        let obj = try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any]
        #expect(obj?["tokens"] as? Int == 4)
    }

    @Test func infoSaysWhereAWarmStartedAveragedSoftenedModelComesFrom() throws {
        let d = CLI.tempDir()
        try FileManager.default.copyItem(atPath: CLI.tinyModel, toPath: "\(d)/model")
        let path = "\(d)/model/config.json"
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        var training = config["training"] as? [String: Any] ?? [:]
        training["kimg"] = 64.1
        training["warm_start"] = ["model": "an earlier release", "kimg": 201.6]
        training["attention_scale"] = ["16": 0.7, "8": 0.9]
        training["averaged_from"] = [["model": "run", "kimg": 50.0, "weight": 0.25], ["model": "run", "kimg": 64.1, "weight": 0.75]]
        training["averaged_weights_at"] = ["16": [0.6, 0.4]]
        training["style_psi"] = ["8": 1.1, "4": 1.2]
        training["mapping_refit"] = ["kimg": 14.7, "steps": 459]
        config["training"] = training
        config["attention_blur"] = ["16": 2, "8": 1]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
        let info = try CLI.run(["info", "--model", "\(d)/model"])
        #expect(info.out.contains("attention   2 heads x 4 dims per layer; maps blurred at 8x8 (1 pass), 16x16 (2 passes)"), "\(info.out)")
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.out.contains("64.1 kimg (trained on from a model at 201.6 kimg)"))
        #expect(info.out.contains("softened    attention: 8x8 keys x 0.9, 16x16 keys x 0.7"))
        #expect(info.out.contains("averaged    weights of 50.0 kimg x 0.25, 64.1 kimg x 0.75"))
        #expect(info.out.contains("            16x16 layers: x 0.60, x 0.40"))
        #expect(info.out.contains("refitted    mapping trained on alone for 14.7 kimg (synthesis unchanged)"))
        #expect(info.out.contains("truncated   styles: 4x4 psi 1.2, 8x8 psi 1.1"))
        let plain = try CLI.run(["info"] + m)
        #expect(!plain.out.contains("softened") && !plain.out.contains("trained on from") && !plain.out.contains("averaged"))
        #expect(!plain.out.contains("blurred") && !plain.out.contains("truncated") && !plain.out.contains("refitted"))
    }

    @Test func benchReportsEngineSpeed() throws {
        let r = try CLI.run(["bench", "--runs", "3", "--torch", "off", "--json"] + m)
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any]
        #expect((obj?["engine_batch1_ms"] as? Double ?? 0) > 0)
        #expect((obj?["engine_batch16_gflops"] as? Double ?? 0) > 0)
    }

    @Test func argumentErrorsAreSpecific() throws {
        let d = CLI.tempDir()
        let cases: [([String], String)] = [
            (["grid", "--seeds", "9-3", "-o", "\(d)/x.png"], "runs backwards"),
            (["grid", "--seeds", "a-b", "-o", "\(d)/x.png"], "is not a seed range"),
            (["generate", "--seed", "-1", "-o", "\(d)/x.png"], "'-1' is invalid for '--seed"),
            (["generate", "--seed", "1", "--size", "3", "-o", "\(d)/x.png"], "--size must be between"),
            (["generate", "--seed", "1", "--psi", "9", "-o", "\(d)/x.png"], "--psi must be between"),
            (["generate", "--seed", "1", "-o", "\(d)/missing/x.png"], "does not exist"),
            (["walk", "--seed", "1", "--range", "3", "-o", "\(d)/x.png"], "is not a range like -3:3"),
            (["walk", "--seed", "1", "--direction", "nope", "-o", "\(d)/x.png"], "unknown direction 'nope'"),
            (["attention", "--seed", "1", "--layer", "b99.conv", "-o", "\(d)/x.png"], "no layer named 'b99.conv'"),
            (["attention", "--seed", "1", "--layer", "2", "--head", "7", "-o", "\(d)/x.png"], "head '7'"),
            (["mix", "--rows", "1", "--cols", "2", "--layers", "0-40", "-o", "\(d)/x.png"], "outside 0-7"),
            (["mix", "--rows", "1", "--cols", "2", "--layers", "0-1", "--tokens", "1", "-o", "\(d)/x.png"], "not both"),
        ]
        for (args, message) in cases {
            let r = try CLI.run(args + m)
            #expect(r.status != 0, "\(args) succeeded")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: d).isEmpty, "nothing written on errors")
    }

    @Test func missingAndBrokenModels() throws {
        let r = try CLI.run(["generate", "--seed", "1", "--model", "/nonexistent", "-o", "-"])
        #expect(r.status == 1 && r.stderr.contains("/nonexistent"))
        let d = CLI.tempDir()
        try FileManager.default.copyItem(atPath: CLI.tinyModel, toPath: "\(d)/model")
        let w = "\(d)/model/generator.safetensors"
        let data = try Data(contentsOf: URL(fileURLWithPath: w))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: w))
        let r2 = try CLI.run(["generate", "--seed", "1", "--model", "\(d)/model", "-o", "\(d)/x.png"])
        #expect(r2.status == 1 && r2.stderr.contains("truncated"), "\(r2.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(d)/x.png"))
        let env = try CLI.run(["info"], env: ["LATENTSCOPE_MODEL": CLI.tinyModel])
        #expect(env.status == 0 && env.out.contains("tiny"))
    }
}
