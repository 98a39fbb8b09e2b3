// AttributeStatusTests.swift: with an attribute classifier the status line reads
// its predictions for the face on screen, computed on the render thread with each
// frame; without one it shows none; `bench --tui` reports what the classifier costs.

import Engine
import Foundation
import Terminal
import Testing
@testable import Explorer

@Suite(.serialized) struct AttributeStatusTests {
    static var classifierFolder: String { Fixture.repoRoot + "/Tests/EngineTests/Fixtures/tiny-classifier" }

    static func classifier() throws -> AttributeClassifier {
        try #require(try AttributeClassifier.load(modelDirectory: classifierFolder, resolution: 16))
    }

    func makeApp(classifier: AttributeClassifier?) throws -> (ExplorerApp, RecordingScreen, Generator) {
        let G = try Fixture.generator()
        let dirs = Fixture.directions(G)
        let screen = RecordingScreen(size: TerminalSize(rows: 40, cols: 160))
        let app = ExplorerApp(screen: screen, model: G.model, directions: dirs, display: DisplaySettings(renderer: .blocks, reason: "test"),
                              configuration: ExplorerConfiguration(exportFolder: Fixture.tempDir()),
                              state: ExplorerState(model: ModelInfo(config: G.config, directions: dirs), seed: 42), classifier: classifier)
        return (app, screen, G)
    }

    @Test func theStatusLineReadsThePredictionsOfTheFaceOnScreen() throws {
        let c = try Self.classifier()
        let (app, screen, G) = try makeApp(classifier: c)
        defer { app.shutdown() }
        for key in [Key.none, .char("n"), .right] {
            if key != .none { app.handle(key) }
            #expect(app.waitForFrame(timeout: 30))
            let frame = try #require(app.frame)
            // What the classifier says about this very face, computed here for comparison.
            let face = try G.render([frame.request.recipe], directions: Fixture.directions(G)).images[0]
            let want = c.predict(face).map(\.shortText).joined(separator: " · ")
            #expect(frame.attributes?.map(\.shortText).joined(separator: " · ") == want)
            #expect((frame.classifierMilliseconds ?? -1) >= 0)
            let status = screen.line(0)
            #expect(status.contains("noise seeded │ \(want) │ "), "\(status)")
            #expect(want.hasPrefix("age ") && want.contains(" · P(female) 0."))
        }
    }

    @Test func withoutAClassifierTheStatusLineShowsNoPrediction() throws {
        let (app, screen, _) = try makeApp(classifier: nil)
        defer { app.shutdown() }
        #expect(app.waitForFrame(timeout: 30))
        #expect(app.frame?.attributes == nil && app.frame?.classifierMilliseconds == nil)
        let status = screen.line(0)
        #expect(status.contains("noise seeded │ ") && !status.contains("age") && !status.contains("P(female)"), "\(status)")
    }

    @Test func theBenchmarkReportsTheClassifiersCost() throws {
        let G = try Fixture.generator()
        let with = try TUIBenchmark.run(model: G.model, threads: G.threads, directions: Fixture.directions(G), classifier: try Self.classifier(), count: 3)
        #expect((with.classifierMedian ?? 0) > 0 && (with.classifierRatio ?? 0) > 0)
        let without = try TUIBenchmark.run(model: G.model, threads: G.threads, directions: Fixture.directions(G), count: 3)
        #expect(without.classifierMedian == nil && without.classifierRatio == nil)
    }
}
