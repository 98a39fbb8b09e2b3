// DirectionsCommandTests.swift: `latentscope directions pca|sefa|save|list|
// remove|sheet` end to end on a temporary copy of the tiny model, with the
// user's data folder pinned to a temporary one.

import Foundation
import Imaging
import Testing

@Suite struct DirectionsCommandTests {
    /// A temporary copy of the tiny model and an empty XDG data folder.
    struct Sandbox {
        let root = CLI.tempDir()
        var model: String { root + "/tiny" }
        var env: [String: String] { ["XDG_DATA_HOME": root + "/xdg"] }
        var userFolder: String { root + "/xdg/latentscope/tiny/directions" }
        init() throws { try FileManager.default.copyItem(atPath: CLI.tinyModel, toPath: root + "/tiny") }

        func run(_ args: [String]) throws -> CLIResult { try CLI.run(args + ["--model", model], env: env) }
        func index(_ folder: String? = nil) throws -> [String] {
            let p = (folder ?? model + "/directions") + "/index.json"
            let j = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: p))) as! [String: Any]
            return (j["directions"] as! [[String: Any]]).map { $0["name"] as! String }
        }
    }

    @Test func pcaSefaSaveListWalk() throws {
        let s = try Sandbox()
        defer { try? FileManager.default.removeItem(atPath: s.root) }

        let pca = try s.run(["directions", "pca", "-k", "4", "--samples", "4000"])
        #expect(pca.status == 0, "\(pca.stderr)")
        #expect(pca.out.contains("PCA of w: 4000 samples (1000 seeds x 4 tokens)"))
        #expect(pca.out.contains("a random direction explains"))
        #expect(pca.out.contains("saved 4 PCA directions to \(s.model)/directions (4 in the folder)"))
        #expect(try s.index() == ["pca0", "pca1", "pca2", "pca3"])

        let sefa = try s.run(["directions", "sefa", "--layers", "all", "--layers", "coarse", "-k", "3", "--sigma-seeds", "200"])
        #expect(sefa.status == 0, "\(sefa.stderr)")
        #expect(sefa.out.contains("SeFa over layers 0-7 (all, 88 style channels)"))
        #expect(sefa.out.contains("SeFa over layers 0-4 (coarse, 64 style channels)"))
        #expect(try s.index() == ["pca0", "pca1", "pca2", "pca3", "sefa0", "sefa1", "sefa2", "sefa-coarse0", "sefa-coarse1", "sefa-coarse2"])

        // Recomputing PCA with fewer components keeps the SeFa ones, in place.
        let pca2 = try s.run(["directions", "pca", "-k", "2", "--samples", "2000"])
        #expect(pca2.status == 0, "\(pca2.stderr)")
        #expect(try s.index() == ["pca0", "pca1", "sefa0", "sefa1", "sefa2", "sefa-coarse0", "sefa-coarse1", "sefa-coarse2"])
        // Recomputing all-layer SeFa leaves sefa-coarse* alone.
        _ = try s.run(["directions", "sefa", "-k", "2", "--sigma-seeds", "100"])
        #expect(try s.index() == ["pca0", "pca1", "sefa0", "sefa1", "sefa-coarse0", "sefa-coarse1", "sefa-coarse2"])

        let save = try s.run(["directions", "save", "older", "--from-seed", "1", "--to-seed", "2"])
        #expect(save.status == 0, "\(save.stderr)")
        #expect(save.out.hasPrefix("saved 'older' (seed 1 -> seed 2, σ "))
        #expect(try s.index(s.userFolder) == ["older"])
        #expect(try s.index() == ["pca0", "pca1", "sefa0", "sefa1", "sefa-coarse0", "sefa-coarse1", "sefa-coarse2"])

        let list = try s.run(["directions", "list"])
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.out.split(separator: "\n")
        #expect(lines.first == "index  name                method     sigma   explained  layers  tokens    step  per step")
        #expect(lines.count == 9)
        #expect(lines[5].hasPrefix("    4  sefa-coarse0        sefa  ") && lines[5].hasSuffix("0-4     all         -"))
        #expect(lines[8].hasPrefix("    7  older               user  "))
        #expect(list.stderr.isEmpty)

        // walk finds model and user directions by name and by index.
        for key in ["older", "7", "sefa-coarse1", "pca0"] {
            let w = try s.run(["walk", "--seed", "3", "--direction", key, "--steps", "3", "--size", "16", "-o", "\(s.root)/w-\(key).png"])
            #expect(w.status == 0, "walk --direction \(key): \(w.stderr)")
        }
        let unknown = try s.run(["walk", "--seed", "3", "--direction", "younger", "-o", "\(s.root)/x.png"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("unknown direction 'younger'; available: pca0, pca1, sefa0"))
        #expect(unknown.stderr.contains("older"))

        let remove = try s.run(["directions", "remove", "older"])
        #expect(remove.status == 0, "\(remove.stderr)")
        #expect(try s.index(s.userFolder).isEmpty)
    }

    @Test func saveRefusesClashesAndBadNames() throws {
        let s = try Sandbox()
        defer { try? FileManager.default.removeItem(atPath: s.root) }
        // Without shipped directions the model's are computed SeFa ones: their names are taken too.
        let computed = try s.run(["directions", "save", "sefa0", "--from-seed", "1", "--to-seed", "2"])
        #expect(computed.stderr.contains("'sefa0' is a direction of the model; choose another name"))
        _ = try s.run(["directions", "pca", "-k", "2", "--samples", "800"])
        let clash = try s.run(["directions", "save", "pca0", "--from-seed", "1", "--to-seed", "2"])
        #expect(clash.status != 0)
        #expect(clash.stderr.contains("'pca0' is a direction of the model; choose another name"))
        #expect(try s.run(["directions", "save", "mine", "--from-seed", "1", "--to-seed", "2"]).status == 0)
        let again = try s.run(["directions", "save", "mine", "--from-seed", "1", "--to-seed", "5"])
        #expect(again.status != 0)
        #expect(again.stderr.contains("'mine' is already saved in \(s.userFolder); pass --force to replace it"))
        #expect(try s.run(["directions", "save", "mine", "--from-seed", "1", "--to-seed", "5", "--force"]).status == 0)
        let number = try s.run(["directions", "save", "42", "--from-seed", "1", "--to-seed", "2"])
        #expect(number.stderr.contains("'42' is a number, which selects a direction by index; add a letter"))
        let same = try s.run(["directions", "save", "x", "--from-seed", "3", "--to-seed", "3"])
        #expect(same.stderr.contains("--from-seed and --to-seed are both 3; pick two faces"))
        // --out writes elsewhere.
        let out = try s.run(["directions", "save", "elsewhere", "--from-seed", "1", "--to-seed", "2", "--out", s.root + "/mine"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try s.index(s.root + "/mine") == ["elsewhere"])
    }

    @Test func aDirectionsOwnStepAndUnitAreListedAndWalked() throws {
        let s = try Sandbox()
        defer { try? FileManager.default.removeItem(atPath: s.root) }
        // Three directions with the same vector and σ; then "stepped" gets a step of 2σ and a unit, as
        // the attribute directions carry them, and "wide" a σ twice as large (a hand edit of index.json
        // is honoured).
        for name in ["plain", "stepped", "wide"] {
            #expect(try s.run(["directions", "save", name, "--from-seed", "1", "--to-seed", "2"]).status == 0)
        }
        let path = s.userFolder + "/index.json"
        var j = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        var entries = j["directions"] as! [[String: Any]]
        let sigma = try #require(entries[1]["sigma"] as? Double)
        entries[1]["step"] = 2 * sigma
        entries[1]["unit"] = ["label": "years", "per_step": 6.4]
        entries[2]["sigma"] = 2 * sigma
        j["directions"] = entries
        try JSONSerialization.data(withJSONObject: j).write(to: URL(fileURLWithPath: path))

        let list = try s.run(["directions", "list"])
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.out.split(separator: "\n").map(String.init)
        let stepped = try #require(lines.first { $0.contains(" stepped ") })
        #expect(stepped.hasSuffix(String(format: "all     all   %7.3f  +6.4 years", 2 * sigma)), "\(stepped)")
        let plain = try #require(lines.first { $0.contains(" plain ") })
        #expect(plain.hasSuffix("all     all         -"), "\(plain)")

        // A step of "stepped" is its own 2σ, not its σ: the face one step of "wide" makes (the
        // walk's labels, +1.00, are the same too), not the one of "plain".
        func walk(_ name: String, _ range: String) throws -> RGBImage {
            let out = s.root + "/\(name)\(range).png"
            let r = try s.run(["walk", "--seed", "3", "--direction", name, "--range", range, "--steps", "1", "--size", "16", "-o", out])
            #expect(r.status == 0, "\(r.stderr)")
            return try PNGCodec.read(path: out)
        }
        let one = try walk("stepped", "1:1")
        #expect(one == (try walk("wide", "1:1")))
        #expect(one != (try walk("plain", "1:1")))
    }

    @Test func aDirectionsOwnTokensAreItsDefault() throws {
        let s = try Sandbox()
        defer { try? FileManager.default.removeItem(atPath: s.root) }
        #expect(try s.run(["directions", "save", "one", "--from-seed", "1", "--to-seed", "2"]).status == 0)
        let path = s.userFolder + "/index.json"
        var j = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        var entries = j["directions"] as! [[String: Any]]
        entries[0]["tokens"] = [1]
        j["directions"] = entries
        try JSONSerialization.data(withJSONObject: j).write(to: URL(fileURLWithPath: path))
        let list = try s.run(["directions", "list"])
        #expect(try #require(list.out.split(separator: "\n").first { $0.contains(" one ") }).contains("all     1 "), "\(list.out)")
        func walk(_ extra: [String]) throws -> RGBImage {
            let out = s.root + "/w\(extra.joined()).png"
            let r = try s.run(["walk", "--seed", "3", "--direction", "one", "--range", "2:2", "--steps", "1", "--size", "16", "-o", out] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            return try PNGCodec.read(path: out)
        }
        // Without --tokens the walk moves the direction's token 1 only: as --tokens 1, unlike all tokens.
        let own = try walk([])
        #expect(own == (try walk(["--tokens", "1"])))
        #expect(own != (try walk(["--tokens", "0,1,2,3"])))
        // Refused like any other bad field, naming the entry.
        entries[0]["tokens"] = [1, 1]
        j["directions"] = entries
        try JSONSerialization.data(withJSONObject: j).write(to: URL(fileURLWithPath: path))
        let bad = try s.run(["directions", "list"])
        #expect(bad.status != 0 && bad.stderr.contains("directions[0].tokens"), "\(bad.stderr)")
    }

    @Test func errorsNameTheProblem() throws {
        let s = try Sandbox()
        defer { try? FileManager.default.removeItem(atPath: s.root) }
        let fine = try s.run(["directions", "sefa", "--layers", "fine"])
        #expect(fine.status != 0)
        #expect(fine.stderr.contains("--layers fine: the model has no fine layers (resolutions 64² and above); its layers run from 4² to 16²"))
        let bad = try s.run(["directions", "sefa", "--layers", "7-2"])
        #expect(bad.stderr.contains("--layers '7-2' is not all, coarse, middle, fine or a range like 2-5"))
        let big = try s.run(["directions", "pca", "-k", "17", "--samples", "100"])
        #expect(big.stderr.contains("-k 17 is more than the 16 dimensions of w"))
        let one = try s.run(["directions", "pca", "-k", "2", "--samples", "4"])
        #expect(one.status == 64 && one.stderr.contains("σ needs two seeds at least"))
        // A corrupt index fails loudly, naming the file, for every command that loads directions.
        try FileManager.default.createDirectory(atPath: s.model + "/directions", withIntermediateDirectories: true)
        try Data("not json".utf8).write(to: URL(fileURLWithPath: s.model + "/directions/index.json"))
        let list = try s.run(["directions", "list"])
        #expect(list.status != 0)
        #expect(list.stderr.contains("\(s.model)/directions/index.json: not a valid direction index"))
        let walk = try s.run(["walk", "--seed", "1", "-o", s.root + "/w.png"])
        #expect(walk.stderr.contains("index.json: not a valid direction index"))
        // dry runs never write.
        try FileManager.default.removeItem(atPath: s.model + "/directions")
        #expect(try s.run(["directions", "pca", "-k", "2", "--samples", "100", "--dry-run"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: s.model + "/directions"))
    }

    @Test func sheetHasARowPerDirection() throws {
        let s = try Sandbox()
        defer { try? FileManager.default.removeItem(atPath: s.root) }
        _ = try s.run(["directions", "pca", "-k", "3", "--samples", "800"])
        let r = try s.run(["directions", "sheet", "--seed", "5", "--method", "pca", "--steps", "5", "--size", "16", "-o", s.root + "/s.png"])
        #expect(r.status == 0, "\(r.stderr)")
        let img = try PNGCodec.read(path: s.root + "/s.png")
        var o = GridOptions(columns: 5)
        o.columnLabels = ["-3.0", "-1.5", "+0.0", "+1.5", "+3.0"]
        o.rowLabels = ["pca0", "pca1", "pca2"]
        let layout = Grid.layout(count: 15, cellWidth: 16, cellHeight: 16, options: o)
        #expect(img.width == layout.width && img.height == layout.height)
        // The middle column is the unedited face in every row.
        let named = try s.run(["directions", "sheet", "--seed", "5", "--names", "pca1,0", "--steps", "1", "--range", "0:0", "--size", "16", "-o", s.root + "/n.png"])
        #expect(named.status == 0, "\(named.stderr)")
        let nope = try s.run(["directions", "sheet", "--seed", "5", "--names", "nope", "-o", s.root + "/x.png"])
        #expect(nope.stderr.contains("unknown direction 'nope'"))
    }

    @Test func concurrentSavesFromSeveralProcessesKeepEveryDirection() throws {
        let s = try Sandbox()
        defer { try? FileManager.default.removeItem(atPath: s.root) }
        // Started together, as separate processes of the built binary: each one's read-modify-write
        // of the folder takes its lock, so none overwrites another's direction.
        let count = 8
        let runs = try (0..<count).map { i in try start(s, ["save", "mine\(i)", "--from-seed", "\(i)", "--to-seed", "\(i + 100)"]) }
        for (i, run) in runs.enumerated() {
            let f = finish(run)
            #expect(f.status == 0, "save mine\(i): \(f.stderr)")
        }
        #expect(Set(try s.index(s.userFolder)) == Set((0..<count).map { "mine\($0)" }))
        let list = try s.run(["directions", "list"])
        #expect(list.status == 0, "\(list.stderr)")
        for i in 0..<count { #expect(list.out.contains("mine\(i) "), "mine\(i) missing from the list") }
        // The index and the vectors agree: a walk along the last one and a removal both work.
        let walk = try s.run(["walk", "--seed", "3", "--direction", "mine\(count - 1)", "--steps", "3", "--size", "16", "-o", s.root + "/w.png"])
        #expect(walk.status == 0, "\(walk.stderr)")
        #expect(try s.run(["directions", "remove", "mine0"]).status == 0)
        #expect(try s.index(s.userFolder).count == count - 1)
    }

    /// Starts `directions ARGS` as a separate process of the built binary.
    private func start(_ s: Sandbox, _ args: [String]) throws -> (Process, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = ["directions"] + args + ["--model", s.model]
        p.environment = ProcessInfo.processInfo.environment.merging(s.env) { $1 }
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return (p, err)
    }

    private func finish(_ run: (Process, Pipe)) -> (status: Int32, stderr: String) {
        let message = String(decoding: run.1.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        run.0.waitUntilExit()
        return (run.0.terminationStatus, message)
    }

    @Test func removalsAndSavesAtOnceLoseNothing() throws {
        let s = try Sandbox()
        defer { try? FileManager.default.removeItem(atPath: s.root) }
        for i in 0..<4 { #expect(try s.run(["directions", "save", "old\(i)", "--from-seed", "\(i)", "--to-seed", "\(i + 50)"]).status == 0) }
        // Removals read, check and write under the folder's lock like saves, so neither side
        // writes back a set that misses the other's change.
        var runs: [(Process, Pipe)] = []
        for i in 0..<4 {
            runs.append(try start(s, ["remove", "old\(i)"]))
            runs.append(try start(s, ["save", "new\(i)", "--from-seed", "\(i + 10)", "--to-seed", "\(i + 60)"]))
        }
        for r in runs { let f = finish(r); #expect(f.status == 0, "\(f.stderr)") }
        #expect(Set(try s.index(s.userFolder)) == Set((0..<4).map { "new\($0)" }))
    }

    @Test func twoSavesOfOneNameAtOnceKeepOneAndRefuseTheOther() throws {
        let s = try Sandbox()
        defer { try? FileManager.default.removeItem(atPath: s.root) }
        let runs = try (0..<4).map { i in try start(s, ["save", "same", "--from-seed", "\(i)", "--to-seed", "\(i + 9)"]) }
        let results = runs.map(finish)
        #expect(results.filter { $0.status == 0 }.count == 1, "\(results.map(\.stderr))")
        for r in results where r.status != 0 { #expect(r.stderr.contains("already saved")) }
        #expect(try s.index(s.userFolder) == ["same"])
    }

    @Test func aModelNameCannotLeaveTheDataFolder() throws {
        let s = try Sandbox()
        defer { try? FileManager.default.removeItem(atPath: s.root) }
        let escape = "escaped-\(UUID().uuidString)"
        let cfgPath = s.model + "/config.json"
        var cfg = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cfgPath))) as! [String: Any]
        cfg["name"] = "../../" + escape
        try JSONSerialization.data(withJSONObject: cfg).write(to: URL(fileURLWithPath: cfgPath))
        let save = try s.run(["directions", "save", "mine", "--from-seed", "1", "--to-seed", "2"])
        #expect(save.status != 0)
        #expect(save.stderr.contains("\(cfgPath): field 'name': expected a name without '/'"), "\(save.stderr)")
        // Nothing was written, neither where the name points nor in the data folder.
        #expect(!FileManager.default.fileExists(atPath: s.root + "/" + escape))
        #expect(!FileManager.default.fileExists(atPath: s.root + "/xdg"))
    }
}
