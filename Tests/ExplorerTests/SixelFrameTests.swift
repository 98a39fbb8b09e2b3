// SixelFrameTests.swift: what the app sends to the terminal for a frame. The
// half-block rows for a known picture, checked cell by cell; and the sixel bytes
// of a real generator frame, decoded with libsixel and compared with the engine's
// own image (up to palette quantisation).

import Engine
import Foundation
import Imaging
import Terminal
import TestSupport
import Testing
@testable import Explorer

@Suite(.serialized) struct FrameTests {
    /// An app on an in-memory 120x40 screen with the tiny model.
    func makeApp(_ renderer: Renderer, size: TerminalSize = TerminalSize(rows: 40, cols: 120)) throws -> (ExplorerApp, RecordingScreen, Generator) {
        let G = try Fixture.generator()
        let screen = RecordingScreen(size: size)
        let app = ExplorerApp(screen: screen, generator: G, directions: Fixture.directions(G),
                              display: DisplaySettings(renderer: renderer, reason: "forced by --renderer", colorLevel: .truecolor,
                                                       cellSize: PixelSize(width: 10, height: 20)),
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
        // Far from the edge between the halves the smooth filter keeps the colours exact: one SGR, 64 blocks.
        let red = "\u{1B}[38;2;255;0;0;48;2;255;0;0m" + String(repeating: "▀", count: 64) + "\u{1B}[0m"
        let blue = "\u{1B}[38;2;0;0;255;48;2;0;0;255m" + String(repeating: "▀", count: 64) + "\u{1B}[0m"
        #expect(lines[0] == red)
        #expect(lines[10] == red)
        #expect(lines[20] == blue)
        #expect(lines[31] == blue)
        // Every line is the BlockRenderer rendering of the 64x64 smooth enlargement.
        #expect(lines == BlockRenderer.lines(face.resized(width: 64, height: 64, filter: .smooth), mode: .truecolor))
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

    @Test func sixelBytesDecodeToTheEnginesImage() throws {
        let (app, screen, G) = try makeApp(.sixel)
        defer { app.shutdown() }
        #expect(app.waitForFrame(timeout: 30))
        let p = try #require(app.placement)
        let write = try #require(screen.presented.first { if case .bytes = $0.payload { true } else { false } })
        #expect(write.row == p.row && write.col == p.col)
        guard case .bytes(let bytes) = write.payload else { return }
        #expect(bytes.starts(with: Array("\u{1B}P".utf8)))

        // What the engine makes for the same recipe, enlarged the way the explorer enlarges it.
        let out = try G.render([Recipe(seed: 42)], directions: nil)
        let engine = RGBImage(planarRGB: out.images[0], width: out.resolution, height: out.resolution)
            .resized(width: p.pixelSize.width, height: p.pixelSize.height, filter: .smooth)

        let decoded = try decodeSixel(bytes)
        #expect(decoded.width == p.pixelSize.width && decoded.height == p.pixelSize.height)
        let rgb = decoded.rgb
        try #require(rgb.count == engine.pixels.count)
        let mae = meanAbsoluteError(rgb, engine.pixels)
        // A 256-colour palette with a ±6-level ordered dither: a few levels per channel on average.
        #expect(mae.allSatisfy { $0 < 8 }, "mean abs error per channel \(mae)")
    }
}
