// AppTests.swift: the event loop on an in-memory screen with the tiny model:
// frames arrive without blocking input, stale requests are dropped, the screen
// survives being too small, and exports write files or report errors while the
// session goes on.

import Engine
import Foundation
import Imaging
import Sheets
import Terminal
import Testing
@testable import Explorer

@Suite(.serialized) struct AppTests {
    func makeApp(size: TerminalSize = TerminalSize(rows: 40, cols: 120), folder: String = Fixture.tempDir()) throws -> (ExplorerApp, RecordingScreen) {
        let G = try Fixture.generator()
        let dirs = Fixture.directions(G)
        let screen = RecordingScreen(size: size)
        let app = ExplorerApp(screen: screen, model: G.model, directions: dirs,
                              display: DisplaySettings(renderer: .blocks, reason: "forced by --renderer; inside tmux 3.3a"),
                              configuration: ExplorerConfiguration(exportFolder: folder),
                              state: ExplorerState(model: ModelInfo(config: G.config, directions: dirs), seed: 42))
        return (app, screen)
    }

    func type(_ app: ExplorerApp, _ text: String) {
        app.handle(.char(":"))
        for c in text { app.handle(.char(c)) }
        app.handle(.enter)
    }

    @Test func statusLineAndFirstFrame() throws {
        let (app, screen) = try makeApp()
        defer { app.shutdown() }
        #expect(app.waitForFrame(timeout: 30))
        let status = screen.line(0)
        for part in ["latentscope", "tiny", "seed 42", "ψ 1.00", "noise seeded", "ms/frame", "blocks: forced by --renderer; inside tmux 3.3a"] {
            #expect(status.contains(part), "status line lacks '\(part)': \(status)")
        }
        #expect(screen.presented.contains { $0.row == app.placement?.row })
        #expect(screen.text.contains("Directions"))
    }

    @Test func inputIsNeverBlockedAndOnlyTheLatestStateRenders() throws {
        let (app, _) = try makeApp()
        defer { app.shutdown() }
        #expect(app.waitForFrame(timeout: 30))
        // A burst of 30 key presses, each submitted as it comes: none waits for a frame.
        for _ in 0..<30 {
            app.handle(.char("n"))
            app.pump()
        }
        #expect(app.state.recipe.seed == 72)
        #expect(app.waitForFrame(timeout: 30))
        #expect(app.frame?.request.recipe.seed == 72, "the frame on screen is the latest state")
        #expect(app.scheduler.droppedCount > 0, "stale requests were dropped")
    }

    @Test func tooSmallThenEnlarged() throws {
        let (app, screen) = try makeApp(size: TerminalSize(rows: 20, cols: 70))
        defer { app.shutdown() }
        app.pump()
        #expect(screen.text.contains("terminal too small (need ≥ 80x24, have 70x20)"))
        #expect(screen.presented.isEmpty, "no picture while too small")
        app.handle(.char("n"))   // ignored while too small
        #expect(app.state.recipe.seed == 42)
        screen.resize(to: TerminalSize(rows: 24, cols: 80))
        app.handle(screen.readKey(timeoutMilliseconds: 0))
        #expect(app.waitForFrame(timeout: 30))
        #expect(!screen.text.contains("too small"))
        #expect(screen.line(0).contains("seed 42"))
        #expect(screen.invalidateCount >= 1, "the screen is repainted after the size changes")
        #expect(app.placement?.rect == CellRect(row: 1, col: 2, rows: 21, cols: 42), "16x16 fitted to 42x42 in the 47x21 face box")
    }

    @Test func helpHidesThePictureAndClosingRepaintsIt() throws {
        let (app, screen) = try makeApp()
        defer { app.shutdown() }
        #expect(app.waitForFrame(timeout: 30))
        let repaints = screen.invalidateCount
        app.handle(.char("?"))
        app.pump()
        #expect(screen.text.contains("latentscope explorer: keys and commands"))
        #expect(screen.presented.isEmpty && screen.invalidateCount == repaints + 1)
        // Closing: curses blanks the help text, and the picture is sent again right after it.
        app.handle(.escape)
        app.pump()
        #expect(screen.presented.contains { if case .cells = $0.payload { true } else { false } })
    }

    @Test func exportsWriteFilesAndReportErrors() throws {
        let folder = Fixture.tempDir()
        let (app, screen) = try makeApp(folder: folder)
        defer { app.shutdown() }
        #expect(app.waitForFrame(timeout: 30))

        app.handle(.char("e"))
        #expect(app.exporter.waitUntilIdle(timeout: 30))
        app.pump()
        let view = folder + "/latentscope-view-0001.png"
        #expect(screen.line(38).contains("wrote \(view) (256x256)"), "\(screen.line(38))")
        #expect(try PNGCodec.read(path: view).width == 256)
        app.handle(.char("e"))
        #expect(app.exporter.waitUntilIdle(timeout: 30))
        #expect(FileManager.default.fileExists(atPath: folder + "/latentscope-view-0002.png"), "auto-numbered, never overwritten")

        type(app, "export grid 0-3 cols=2 size=16")
        #expect(app.exporter.waitUntilIdle(timeout: 30))
        app.pump()
        let grid = try PNGCodec.read(path: folder + "/latentscope-grid-0001.png")
        var o = GridOptions(columns: 2)
        o.labels = (0..<4).map { "seed \($0)" }
        let layout = Grid.layout(count: 4, cellWidth: 16, cellHeight: 16, options: o)
        #expect(grid.width == layout.width && grid.height == layout.height)

        for (command, file) in [("export walk -1:1 steps=3 size=16", "walk"), ("export mix 1 2,3 layers=0-2 size=16", "mix"),
                                ("export attention layer=3 size=16", "attention")] {
            type(app, command)
            #expect(app.exporter.waitUntilIdle(timeout: 30))
            app.pump()
            #expect(screen.line(38).contains("wrote \(folder)/latentscope-\(file)-0001.png"), "\(command): \(screen.line(38))")
            #expect(try PNGCodec.read(path: folder + "/latentscope-\(file)-0001.png").width > 16)
        }

        // An unwritable path: the error is on the message line and the session goes on.
        type(app, "export file=/nonexistent-folder/x.png")
        #expect(app.exporter.waitUntilIdle(timeout: 30))
        app.pump()
        #expect(screen.line(38).contains("⚠ export failed: cannot write '/nonexistent-folder/x.png': folder '/nonexistent-folder' does not exist"))
        app.handle(.char("n"))
        #expect(app.waitForFrame(timeout: 30))
        #expect(app.frame?.request.recipe.seed == 43)
    }

    @Test func exportRightAfterAChangeOfViewWaitsForThatView() throws {
        let folder = Fixture.tempDir()
        let (app, screen) = try makeApp(folder: folder)
        defer { app.shutdown() }
        #expect(app.waitForFrame(timeout: 30))
        // `a` opens the attention heatmap; `e` comes before its frame exists.
        app.handle(.char("a"))
        app.handle(.char("e"))
        #expect(!screen.text.contains("export failed"), "\(screen.line(38))")
        #expect(app.waitForFrame(timeout: 30))
        #expect(app.exporter.waitUntilIdle(timeout: 30))
        app.pump()
        let view = folder + "/latentscope-view-0001.png"
        #expect(screen.line(38).contains("wrote \(view)"), "\(screen.line(38))")
        // What was written is the heatmap view, not the plain face of the frame before.
        let written = try PNGCodec.read(path: view)
        let f = try #require(app.frame)
        let expected = try #require(ViewComposer.exportPicture(f, view: app.state.effectiveView(app.model),
                                                               attention: app.state.effectiveAttention(app.model), exportSize: 256))
        #expect(written.pixels == expected.pixels)
    }

    @Test func exporterChecksThePathBeforeRendering() throws {
        let G = try Fixture.generator()
        let job = ExportJob.grid(seeds: Array(0..<64), columns: 8, size: 64, base: Recipe(seed: 0), path: nil)
        var calls = 0
        let event = Exporter.run(job, image: nil, generator: G, directions: Fixture.directions(G), folder: "/no/such/folder") { _, _ in calls += 1 }
        #expect(event == .failed("cannot write '/no/such/folder/latentscope-grid-0001.png': folder '/no/such/folder' does not exist"))
        #expect(calls == 0, "nothing was rendered")
        let dir = Fixture.tempDir()
        try FileManager.default.createDirectory(atPath: dir + "/taken.png", withIntermediateDirectories: true)
        #expect(Exporter.run(.view(path: dir + "/taken.png"), image: RGBImage(width: 4, height: 4), generator: G,
                             directions: Fixture.directions(G), folder: dir) == .failed("cannot write '\(dir)/taken.png': it is a folder"))
        #expect(Exporter.run(.view(path: nil), image: nil, generator: G, directions: Fixture.directions(G), folder: dir)
                == .failed("nothing on screen to export yet"))
    }

    @Test func sessionSaveAndLoadThroughCommands() throws {
        let folder = Fixture.tempDir()
        let (app, screen) = try makeApp(folder: folder)
        defer { app.shutdown() }
        app.handle(.char("P"))
        app.handle(.char("n"))
        type(app, "bookmark keep")
        type(app, "save \(folder)/s.json")
        app.pump()
        #expect(screen.line(38).contains("session saved to \(folder)/s.json (1 bookmark)"))
        app.handle(.char("n"))
        type(app, "load \(folder)/s.json")
        #expect(app.state.recipe.seed == 43 && app.state.recipe.slots == [42])
        type(app, "load \(folder)/missing.json")
        app.pump()
        #expect(screen.line(38).contains("cannot read session '\(folder)/missing.json': no such file"))
        type(app, "save /no/such/dir/s.json")
        app.pump()
        #expect(screen.line(38).contains("cannot write session '/no/such/dir/s.json'"))
    }

    @Test func attentionViewsShowOverlaysAndLegends() throws {
        let (app, screen) = try makeApp()
        defer { app.shutdown() }
        app.handle(.char("a"))
        #expect(app.waitForFrame(timeout: 30))
        #expect(app.frame?.attention?.layer == 4)
        #expect(screen.text.contains("token 0 attention, layer 4, mean"))
        #expect(screen.presented.count >= 2, "picture plus the colormap legend")
        let heat = app.lastPayload
        app.handle(.right)
        app.pump()
        #expect(app.lastPayload != heat, "another token, another overlay, no new render needed")
        app.handle(.char("v"))
        app.pump()
        #expect(screen.text.contains("owner map"))
        #expect(screen.text.contains("t0") && screen.text.contains("%"))
        app.handle(.char("v"))
        #expect(app.waitForFrame(timeout: 30))
        #expect(app.frame?.sheet != nil)
        // The sheet takes the whole body: no panel.
        #expect(!screen.text.contains("Attention"))
        #expect(app.placement.map { $0.cells.cols > 79 } == true)
    }
}
