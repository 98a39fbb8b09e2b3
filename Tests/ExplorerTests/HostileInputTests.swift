// HostileInputTests.swift: values from sessions and `:export` that used to stop the
// explorer with a runtime trap or exhaust its memory: huge offsets, a seed at the top of
// UInt64, a folder as the export file, a 69-gigapixel grid.

import Engine
import Foundation
import Imaging
import Sheets
import Testing
@testable import Explorer

@Suite struct HostileInputTests {
    @Test func sigmaLabelsOfAnyFloat() {
        #expect(SigmaFormat.signed(1.5) == "+1.50σ" && SigmaFormat.plain(-0.25) == "-0.25")
        #expect(SigmaFormat.signed(1e30) == "+1e+30σ")
        #expect(SigmaFormat.signed(-.infinity) == "-infσ")
        #expect(SigmaFormat.plain(.nan) == "nan")
        #expect(SigmaFormat.plain(-1e-9) == "0.00")
        #expect(DirectionOffset(direction: "d", amount: 3e38, layers: 0...2).label == "+3e+38σ L0-2")
    }

    @Test func setOffsetClampsHugeAndNaNAmounts() {
        var r = Recipe(seed: 1)
        r.setOffset("pose", amount: 1e30, layers: nil, tokens: nil)
        #expect(r.offset("pose", layers: nil, tokens: nil) == Recipe.maxOffset)
        r.setOffset("pose", amount: .nan, layers: nil, tokens: nil)
        #expect(r.offsets.isEmpty)
    }

    @Test func exportGridDefaultAtTheLargestSeedWraps() throws {
        let state = ExplorerState(model: Fixture.model, seed: UInt64.max - 3, rngSeed: 1)
        let job = try CommandParser.exportJob(["grid"], state: state, model: Fixture.model)
        guard case .grid(let seeds, _, _, _, _) = job else { Issue.record("not a grid: \(job)"); return }
        #expect(seeds.count == 16)
        #expect(seeds.prefix(5) == [UInt64.max - 3, UInt64.max - 2, UInt64.max - 1, UInt64.max, 0])
        #expect(throws: ParseError.self) { try CommandParser.exportJob(["grid", "0-18446744073709551615"], state: state, model: Fixture.model) }
    }

    @Test func exportToAFolderFailsBeforeRendering() throws {
        let d = Fixture.tempDir()
        let cwd = FileManager.default.currentDirectoryPath
        for path in [".", "..", d, d + "/", "./"] {
            let problem = Exporter.writeProblem(path)
            #expect(problem?.contains("folder") == true, "\(path): \(problem ?? "no problem")")
        }
        #expect(Exporter.writeProblem(d + "/x.png") == nil)
        // The whole export, as `:export file=.` runs it.
        let G = try Fixture.generator()
        for job in [ExportJob.view(path: "."), .grid(seeds: [1], columns: 1, size: 16, base: Recipe(seed: 0), path: d + "/")] {
            let event = Exporter.run(job, image: RGBImage(width: 4, height: 4), generator: G, directions: Fixture.directions(G), folder: d)
            guard case .failed(let message) = event else { Issue.record("\(job) wrote something"); continue }
            #expect(message.contains("folder"), "\(message)")
        }
        #expect(FileManager.default.currentDirectoryPath == cwd)
        #expect(try FileManager.default.contentsOfDirectory(atPath: d).isEmpty)
    }

    @Test func hugeExportsAreRefusedBeforeRendering() throws {
        let G = try Fixture.generator()
        let d = Fixture.tempDir()
        let job = ExportJob.grid(seeds: Array(0..<4096), columns: 64, size: 4096, base: Recipe(seed: 0), path: d + "/g.png")
        let event = Exporter.run(job, image: nil, generator: G, directions: Fixture.directions(G), folder: d)
        #expect(event == .failed("the grid would be 262274x262850 pixels (68939 megapixels, about 448 GB of memory); the limit is 100 megapixels"))
        let small = ExportJob.grid(seeds: [1, 2], columns: 2, size: 16, base: Recipe(seed: 0), path: d + "/s.png")
        guard case .finished = Exporter.run(small, image: nil, generator: G, directions: Fixture.directions(G), folder: d) else {
            Issue.record("a small grid failed"); return
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: d) == ["s.png"])
    }
}
