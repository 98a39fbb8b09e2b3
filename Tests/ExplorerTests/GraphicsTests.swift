// GraphicsTests.swift: the pixel renderers as the explorer drives them. The kitty and iTerm2
// payloads of a real generator frame, decoded back to pixels and compared with the engine's
// image; the kitty image replaced in place and deleted when the picture goes; a terminal that
// reports a small sixel limit; and what the face view shows while a new view renders.

import Engine
import Foundation
import Imaging
import TestSupport
import Testing
@testable import Explorer
@testable import Terminal

@Suite(.serialized) struct GraphicsTests {
    func makeApp(_ renderer: Renderer, limit: PixelSize? = nil) throws -> (ExplorerApp, RecordingScreen, Generator) {
        try FrameTests().makeApp(renderer, limit: limit)
    }

    /// The first picture a `renderer` app sends for seed 42: the bytes, where they went, and the
    /// engine's own face enlarged the way the explorer enlarges it (a whole number of times).
    func firstPicture(_ renderer: Renderer) throws -> (app: ExplorerApp, bytes: [UInt8], placement: PicturePlacement, engine: RGBImage) {
        let (app, screen, G) = try makeApp(renderer)
        #expect(app.waitForFrame(timeout: 30))
        let p = try #require(app.placement)
        let write = try #require(screen.presented.first { if case .bytes = $0.payload { true } else { false } })
        #expect(write.row == p.row && write.col == p.col)
        guard case .bytes(let bytes) = write.payload else { throw CancellationError() }
        let scale = try #require(p.scale, "a whole-number enlargement")
        return (app, bytes, p, try engineFace(G, scale: scale))
    }

    /// The engine's face for seed 42, enlarged `scale` times by pixel repetition.
    func engineFace(_ G: Generator, scale: Int) throws -> RGBImage {
        let out = try G.render([Recipe(seed: 42)], directions: nil)
        return RGBImage(planarRGB: out.images[0], width: out.resolution, height: out.resolution).scaled(by: scale, filter: .nearest)
    }

    func rawBytes(_ screen: RecordingScreen) -> [[UInt8]] {
        screen.presented.compactMap { if case .bytes(let b) = $0.payload { b } else { nil } }
    }

    /// Largest difference per channel between two images of the same size.
    func maxDifference(_ a: RGBImage, _ b: RGBImage) -> Int {
        zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
    }

    @Test func kittyPayloadDecodesToTheEnginesImageAndIsReplacedInPlace() throws {
        let (app, sent, _, engine) = try firstPicture(.kitty)
        defer { app.shutdown() }
        let screen = try #require(app.screen as? RecordingScreen)
        let commands = try #require(GraphicsPayloads.kittyCommands(in: sent))
        #expect(commands.count == 1)
        let keys = commands[0].keys
        #expect(keys["a"] == "T" && keys["i"] == "\(ImagePresenter.kittyImageID)" && keys["p"] == "1" && keys["q"] == "2")
        let image = try PNGCodec.decode(commands[0].payload)
        #expect(image.width == engine.width && image.height == engine.height)
        #expect(maxDifference(image, engine) <= 1, "PNG is lossless: the engine's pixels, enlarged")

        // The next face goes under the same image and placement ids: replaced, not added.
        app.handle(.char("n"))
        #expect(app.waitForFrame(timeout: 30))
        let nextBytes = try #require(rawBytes(screen).first)
        let next = try #require(GraphicsPayloads.kittyCommands(in: nextBytes))
        #expect(next.first?.keys["i"] == keys["i"] && next.first?.keys["p"] == "1")
        #expect(next.first?.payload != commands[0].payload)

        // Help covers the face: the image is deleted (with its data), and sent again afterwards.
        app.dispatch(.toggleHelp)
        app.draw()
        #expect(rawBytes(screen).contains(ImagePresenter.kittyCleanup))
        #expect(!rawBytes(screen).contains { GraphicsPayloads.kittyCommands(in: $0)?.first?.keys["a"] == "T" })
        app.dispatch(.closeOverlay)
        app.draw()
        #expect(rawBytes(screen).contains { GraphicsPayloads.kittyCommands(in: $0)?.first?.keys["a"] == "T" })
        #expect(!rawBytes(screen).contains(ImagePresenter.kittyCleanup))

        // Switching away deletes it too; switching to kitty at run time arms the cleanup on quit.
        app.dispatch(.setRenderer(.blocks))
        app.draw()
        #expect(rawBytes(screen).contains(ImagePresenter.kittyCleanup))
        #expect(screen.graphicsCleanup == ImagePresenter.kittyCleanup, "armed by the kitty renderer at start")
    }

    @Test func switchingToKittyArmsTheCleanup() throws {
        let (app, screen, _) = try makeApp(.blocks)
        defer { app.shutdown() }
        #expect(screen.graphicsCleanup.isEmpty)
        app.dispatch(.setRenderer(.kitty))
        #expect(screen.graphicsCleanup == ImagePresenter.kittyCleanup)
    }

    @Test func itermPayloadDecodesToTheEnginesImage() throws {
        let (app, bytes, p, engine) = try firstPicture(.iterm2)
        defer { app.shutdown() }
        let (arguments, image) = try #require(try GraphicsPayloads.itermImage(in: bytes))
        #expect(arguments["width"] == "\(p.pixelSize.width)px" && arguments["height"] == "\(p.pixelSize.height)px")
        #expect(image.width == engine.width && image.height == engine.height)
        #expect(maxDifference(image, engine) <= 1)
    }

    @Test func sixelBytesDecodeToTheEnginesImage() throws {
        let (app, bytes, p, engine) = try firstPicture(.sixel)
        defer { app.shutdown() }
        #expect(bytes.starts(with: Array("\u{1B}P".utf8)))
        let decoded = try decodeSixel(bytes)
        #expect(decoded.width == p.pixelSize.width && decoded.height == p.pixelSize.height)
        let rgb = decoded.rgb
        try #require(rgb.count == engine.pixels.count)
        let mae = meanAbsoluteError(rgb, engine.pixels)
        // A 256-colour palette (here the face's own colours) and no dither on an enlargement.
        #expect(mae.allSatisfy { $0 < 4 }, "mean abs error per channel \(mae)")
    }

    // MARK: - Graphics limits

    @Test func sixelPicturesFitInsideTheTerminalsLimit() throws {
        // 120x40 cells of 10x20 px leave a 790x734 px face box (the 16 px face 45 times); the
        // terminal shows at most 700x700.
        let (app, screen, _) = try makeApp(.sixel, limit: PixelSize(width: 700, height: 700))
        defer { app.shutdown() }
        #expect(app.waitForFrame(timeout: 30))
        let p = try #require(app.placement)
        #expect(p.pixelSize == PixelSize(width: 688, height: 688), "16 px x 43, the largest whole number inside the limit")
        let bytes = try #require(rawBytes(screen).first)
        let decoded = try decodeSixel(bytes)
        #expect(decoded.width == 688 && decoded.height == 688)
        #expect(app.state.message?.text.contains("fitted to the terminal's 700x700 px sixel limit") == true)
        #expect(app.state.message?.text.contains("maxGraphicSize") == true, "says how to raise it")
        #expect(screen.line(0).contains("sixel: forced by --renderer"))
    }

    @Test func aLimitSmallerThanHalfBlocksFallsBackToThem() throws {
        let (app, screen, _) = try makeApp(.sixel, limit: PixelSize(width: 100, height: 100))
        defer { app.shutdown() }
        #expect(app.waitForFrame(timeout: 30))
        // Sixel could show 96x96 px (10x5 cells); half blocks show 64x32 cells.
        guard case .cells(let lines)? = app.lastPayload else {
            Issue.record("expected half blocks, got \(String(describing: app.lastPayload))")
            return
        }
        #expect(lines.count == 32)
        #expect(rawBytes(screen).isEmpty, "no sixel sent")
        let message = try #require(app.state.message?.text)
        #expect(message.contains("the terminal shows sixel pictures up to 100x100 px"))
        #expect(message.contains("drawing blocks") && message.contains("XTerm*maxGraphicSize"))
        #expect(screen.line(0).contains("sixel→blocks: terminal's sixel limit 100x100 px"), "\(screen.line(0))")

        // The sheet, larger, is fitted inside the limit too or drawn in blocks: never over it.
        app.dispatch(.setView(.sheet))
        #expect(app.waitForFrame(timeout: 60))
        for bytes in rawBytes(screen) {
            let decoded = try decodeSixel(bytes)
            #expect(decoded.width <= 100 && decoded.height <= 100)
        }
    }

    // MARK: - What the face view shows while a new view renders

    @Test func switchingToTheSheetShowsNoStalePicture() throws {
        let (app, screen, _) = try makeApp(.blocks)
        defer { app.shutdown() }
        app.dispatch(.setView(.owner))
        #expect(app.waitForFrame(timeout: 30))
        guard case .cells = app.lastPayload else { Issue.record("no owner map"); return }

        // `v` from the owner map: the sheet is requested; until it arrives, the face frame on
        // hand must not be drawn (it used to be, across the full width).
        try #require(KeyMap.action(for: .char("v"), in: app.state) == .cycleView)
        app.dispatch(.cycleView)
        #expect(app.state.view == .sheet)
        app.draw()
        #expect(screen.presented.isEmpty, "nothing drawn from the face frame: \(screen.presented.count) payloads")
        #expect(screen.text.contains("rendering the attention sheet…"))

        #expect(app.waitForFrame(timeout: 60))
        let p = try #require(app.placement)
        #expect(p.cells.cols > 80, "the sheet takes the whole width")
        #expect(!screen.text.contains("rendering the attention sheet…"))
        #expect(screen.presented.contains { $0.row == p.row && $0.col == p.col })
    }

    // MARK: - Whole-number enlargement

    @Test func facesAreEnlargedByWholeNumbersWithSquarePixels() throws {
        let (app, screen, _) = try makeApp(.blocks)
        defer { app.shutdown() }
        // A checkerboard: a smooth enlargement would blur every edge, pixel repetition keeps them.
        var face = RGBImage(width: 16, height: 16)
        for y in 0..<16 { for x in 0..<16 where (x + y) % 2 == 0 { face.fill(x: x, y: y, width: 1, height: 1, color: (255, 255, 255)) } }
        app.accept(FrameResult(id: 1_000_000, request: RenderRequest(recipe: Recipe(seed: 42), kind: .face(attentionLayer: nil)),
                               face: face, attention: nil, sheet: nil, renderMilliseconds: 1, error: nil))
        app.draw()
        let p = try #require(app.placement)
        #expect(p.scale == 4)
        guard case .cells(let lines)? = screen.presented.first?.payload else { Issue.record("no cells"); return }
        // Only pure black and pure white: no in-between colour from a smoothing filter.
        let text = lines.joined()
        #expect(text.contains("38;2;255;255;255") && text.contains("38;2;0;0;0"))
        #expect(!text.contains(";128;"), "no grey")
        #expect(lines == BlockRenderer.lines(face.scaled(by: 4, filter: .nearest), mode: .truecolor))
    }
}
