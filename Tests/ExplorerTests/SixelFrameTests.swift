// SixelFrameTests.swift: what the app sends to the terminal for a frame: the
// half-block rows for a known picture, checked cell by cell. The pixel renderers'
// frames are checked in GraphicsTests.swift.

import Engine
import Foundation
import Imaging
import Terminal
import TestSupport
import Testing
@testable import Explorer

@Suite(.serialized) struct FrameTests {
    /// An app on an in-memory 120x40 screen with the tiny model.
    func makeApp(_ renderer: Renderer, size: TerminalSize = TerminalSize(rows: 40, cols: 120),
                 limit: PixelSize? = nil) throws -> (ExplorerApp, RecordingScreen, Generator) {
        let G = try Fixture.generator()
        let screen = RecordingScreen(size: size)
        let app = ExplorerApp(screen: screen, model: G.model, directions: Fixture.directions(G),
                              display: DisplaySettings(renderer: renderer, reason: "forced by --renderer", colorLevel: .truecolor,
                                                       cellSize: PixelSize(width: 10, height: 20), graphicsLimit: limit),
                              configuration: ExplorerConfiguration(exportFolder: Fixture.tempDir()),
                              state: ExplorerState(model: ModelInfo(config: G.config, directions: Fixture.directions(G)), seed: 42))
        return (app, screen, G)
    }

    @Test func halfBlockFrameOfAKnownPicture() throws {
        let (app, screen, _) = try makeApp(.blocks)
        defer { app.shutdown() }
        // 16x16: the top half red, the bottom half blue.
        var face = RGBImage(width: 16, height: 16, fill: (255, 0, 0))
        face.fill(x: 0, y: 8, width: 16, height: 8, color: (0, 0, 255))
        let frame = FrameResult(id: 1_000_000, request: RenderRequest(recipe: Recipe(seed: 42), kind: .face(attentionLayer: nil)),
                                face: face, attention: nil, sheet: nil, renderMilliseconds: 1, error: nil)
        app.accept(frame)
        app.draw()

        // 79x74 pixels of room: 4x = 64x64, 32 cell rows, centred at column 7, row 3.
        let p = try #require(app.placement)
        #expect(p.rect == CellRect(row: 3, col: 7, rows: 32, cols: 64))
        let write = try #require(screen.presented.first { if case .cells = $0.payload { true } else { false } })
        #expect(write.row == 3 && write.col == 7)
        guard case .cells(let lines) = write.payload else { return }
        #expect(lines.count == 32)
        // A whole-number enlargement repeats pixels: every row is one colour, one SGR and 64 blocks.
        let red = "\u{1B}[38;2;255;0;0;48;2;255;0;0m" + String(repeating: "▀", count: 64) + "\u{1B}[0m"
        let blue = "\u{1B}[38;2;0;0;255;48;2;0;0;255m" + String(repeating: "▀", count: 64) + "\u{1B}[0m"
        #expect(lines[0] == red)
        #expect(lines[10] == red)
        #expect(lines[20] == blue)
        #expect(lines[31] == blue)
        // Every line is the BlockRenderer rendering of the 4x nearest-neighbour enlargement.
        #expect(p.scale == 4)
        #expect(lines == BlockRenderer.lines(face.scaled(by: 4, filter: .nearest), mode: .truecolor))
        // The text layer leaves the picture's cells blank.
        for row in 3..<35 { #expect(screen.line(row).prefix(71).dropFirst(7).allSatisfy { $0 == " " }) }
        #expect(screen.line(0).contains("seed 42") && screen.line(0).contains("blocks: forced by --renderer"))

        // The same frame in the 256-colour and ASCII tiers.
        app.dispatch(.setRenderer(.blocks256))
        app.draw()
        guard case .cells(let l256)? = app.lastPayload else { Issue.record("no cells"); return }
        #expect(l256[0] == "\u{1B}[38;5;196;48;5;196m" + String(repeating: "▀", count: 64) + "\u{1B}[0m")
        app.dispatch(.setRenderer(.ascii))
        app.draw()
        guard case .cells(let ascii)? = app.lastPayload else { Issue.record("no cells"); return }
        #expect(ascii[0] == String(repeating: BlockRenderer.asciiCharacter(top: TerminalColor(255, 0, 0), bottom: TerminalColor(255, 0, 0)), count: 64))
    }
}
