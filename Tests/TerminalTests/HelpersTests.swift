// Image fitting, the too-small check, key decoding and the recording screen.

import Testing
@testable import Terminal

#if canImport(Glibc)
import Glibc
#endif

@Suite("Helpers")
struct HelpersTests {
    // MARK: - ImageFit

    @Test func halfBlocksUseTheLargestIntegerScale() {
        // 64x64 in 80x40 cells = 80x80 half-block pixels: only 1x fits.
        let one = ImageFit.fit(image: PixelSize(width: 64, height: 64), box: TerminalSize(rows: 40, cols: 80),
                               cell: .halfBlockCell)
        #expect(one == ImagePlacement(pixelSize: PixelSize(width: 64, height: 64), cells: TerminalSize(rows: 32, cols: 64), scale: 1))
        // 200x70 cells = 200x140 pixels: 2x (128x128) fits, 3x does not.
        let two = ImageFit.fit(image: PixelSize(width: 64, height: 64), box: TerminalSize(rows: 70, cols: 200),
                               cell: .halfBlockCell)
        #expect(two?.pixelSize == PixelSize(width: 128, height: 128))
        #expect(two?.cells == TerminalSize(rows: 64, cols: 128))
        #expect(two?.scale == 2)
    }

    @Test func tooSmallBoxFallsBackToAFittedDownscale() {
        let fitted = ImageFit.fit(image: PixelSize(width: 64, height: 64), box: TerminalSize(rows: 20, cols: 60),
                                  cell: .halfBlockCell)
        #expect(fitted == ImagePlacement(pixelSize: PixelSize(width: 40, height: 40), cells: TerminalSize(rows: 20, cols: 40), scale: nil))
    }

    @Test func sixelUsesTheCellSize() {
        // 30x12 cells of 10x20 px = 300x240 px: 3x = 192 fits, 4x = 256 does not.
        let placement = ImageFit.fit(image: PixelSize(width: 64, height: 64), box: TerminalSize(rows: 12, cols: 30),
                                     cell: PixelSize(width: 10, height: 20))
        #expect(placement?.pixelSize == PixelSize(width: 192, height: 192))
        #expect(placement?.cells == TerminalSize(rows: 10, cols: 20))  // 192/20 and 192/10, rounded up

        let smooth = ImageFit.fit(image: PixelSize(width: 64, height: 64), box: TerminalSize(rows: 12, cols: 30),
                                  cell: PixelSize(width: 10, height: 20), integerScaling: false)
        #expect(smooth?.pixelSize == PixelSize(width: 240, height: 240))
        #expect(smooth?.scale == nil)
    }

    @Test func aspectIsKeptForWideImages() {
        let placement = ImageFit.fit(image: PixelSize(width: 128, height: 64), box: TerminalSize(rows: 50, cols: 100),
                                     cell: .halfBlockCell, integerScaling: false)
        #expect(placement?.pixelSize == PixelSize(width: 100, height: 50))
    }

    @Test func emptyInputsGiveNoPlacement() {
        #expect(ImageFit.fit(image: PixelSize(width: 0, height: 64), box: TerminalSize(rows: 10, cols: 10), cell: .halfBlockCell) == nil)
        #expect(ImageFit.fit(image: PixelSize(width: 64, height: 64), box: TerminalSize(rows: 0, cols: 10), cell: .halfBlockCell) == nil)
    }

    // MARK: - TerminalTooSmall

    @Test func tooSmallMessage() {
        #expect(TerminalTooSmall.message(for: TerminalSize(rows: 20, cols: 70))
                == "terminal too small (need ≥ 80x24, have 70x20)")
        #expect(TerminalTooSmall.message(for: TerminalSize(rows: 24, cols: 79)) != nil)
        #expect(TerminalTooSmall.message(for: TerminalSize(rows: 24, cols: 80)) == nil)
        #expect(!TerminalTooSmall.isTooSmall(TerminalSize(rows: 50, cols: 200)))
        #expect(TerminalTooSmall.isTooSmall(TerminalSize(rows: 10, cols: 40), minimum: TerminalSize(rows: 12, cols: 40)))
    }

    // MARK: - Key

    @Test func charactersDecode() {
        #expect(Key(character: 13) == .enter)
        #expect(Key(character: 10) == .enter)
        #expect(Key(character: 27) == .escape)
        #expect(Key(character: 127) == .backspace)
        #expect(Key(character: 8) == .backspace)
        #expect(Key(character: 9) == .tab)
        #expect(Key(character: 0x71) == .char("q"))
        #expect(Key(character: 0xE9) == .char("é"))
        #expect(Key(character: 0x0C) == .char("\u{0C}"))
        #expect(Key(character: 0xD800) == .none)  // a lone surrogate is not a character
    }

    @Test func cursesKeyCodesDecode() {
        // ncurses' stable key code values (curses.h).
        #expect(Key(cursesKeyCode: 0o402) == .down)
        #expect(Key(cursesKeyCode: 0o403) == .up)
        #expect(Key(cursesKeyCode: 0o404) == .left)
        #expect(Key(cursesKeyCode: 0o405) == .right)
        #expect(Key(cursesKeyCode: 0o406) == .home)
        #expect(Key(cursesKeyCode: 0o407) == .backspace)
        #expect(Key(cursesKeyCode: 0o411) == .f(1))
        #expect(Key(cursesKeyCode: 0o424) == .f(12))
        #expect(Key(cursesKeyCode: 0o522) == .pageDown)
        #expect(Key(cursesKeyCode: 0o523) == .pageUp)
        #expect(Key(cursesKeyCode: 0o527) == .enter)
        #expect(Key(cursesKeyCode: 0o550) == .end)
        #expect(Key(cursesKeyCode: 0o632) == .resize)
        #expect(Key(cursesKeyCode: 0o410) == .none)  // F0 does not exist on keyboards
        #expect(Key(cursesKeyCode: 0o777) == .none)
    }

    // MARK: - RecordingScreen

    @Test func recordingScreenKeepsTextAndRawPayloads() {
        let screen = RecordingScreen(size: TerminalSize(rows: 3, cols: 10), keys: [.char("q")])
        let driver: any ScreenDriver = screen
        driver.draw("hello world", row: 1, col: 2, style: .bold)
        driver.draw("off", row: 5, col: 0)
        driver.drawCells(["▀▀"], row: 0, col: 0)
        #expect(screen.line(1) == "  hello wo")
        #expect(screen.styles[1][2] == .bold)
        #expect(screen.queued.count == 1)
        driver.refresh()
        #expect(screen.presented == [RecordingScreen.RawWrite(row: 0, col: 0, payload: .cells(["▀▀"]))])
        #expect(screen.queued.isEmpty)
        #expect(driver.readKey(timeoutMilliseconds: 0) == .char("q"))
        #expect(driver.readKey(timeoutMilliseconds: 0) == .none)
        screen.resize(to: TerminalSize(rows: 4, cols: 5))
        #expect(driver.readKey(timeoutMilliseconds: 0) == .resize)
        #expect(driver.size == TerminalSize(rows: 4, cols: 5))
    }

    @Test func rawPayloadsSaveMoveWriteAndRestore() {
        let sixel = Array("\u{1B}Pq#0;2;0;0;0~\u{1B}\\".utf8)
        let payload = Screen.rawPayload(sixel, row: 2, col: 5)
        #expect(payload == Array("\u{1B}7\u{1B}[?7l\u{1B}[3;6H".utf8) + sixel + Array("\u{1B}[?7h\u{1B}8".utf8))
    }

    @Test func cellPayloadsPositionEachRowAndSkipOffScreenRows() {
        let payload = Screen.cellsPayload(["ab", "cd", "ef"], row: 1, col: 0, screenRows: 3)
        let text = payload.map { String(decoding: $0, as: UTF8.self) }
        #expect(text == "\u{1B}7\u{1B}[?7l\u{1B}[2;1Hab\u{1B}[3;1Hcd\u{1B}[0m\u{1B}[?7h\u{1B}8")
        #expect(Screen.cellsPayload(["ab"], row: 3, col: 0, screenRows: 3) == nil)
    }

    @Test func textIsClippedByDisplayWidth() {
        // Wide characters take two cells; control characters are shown as "?".
        #expect(Screen.clippedWideCharacters("ab\u{1B}c", width: 10).count == 4)
        #expect(Screen.clippedWideCharacters("ab\u{1B}c", width: 10)[2] == 0x3F)
        #expect(Screen.clippedWideCharacters("abcdef", width: 3).count == 3)
    }

    @Test func withoutUTF8TheSymbolsBecomeOneASCIICharacterEach() throws {
        let text = "ψ 1.00 │ σ0.50 ←→ … ±3σ ≈ █▀ 漢"
        let ascii = Screen.clippedWideCharacters(text, width: 200, asciiOnly: true)
        let shown = String(decoding: ascii.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
        #expect(ascii.allSatisfy { $0 < 0x80 })
        #expect(shown == "Y 1.00 | s0.50 <> ~ +3s ~ #\" ?")
        // One character for one, so layouts measured in characters hold.
        #expect(ascii.count == text.unicodeScalars.count)
        // Without asciiOnly a character's width comes from the C library, which knows ψ only in a
        // UTF-8 locale: the explorer sets one at start, so set it here too (another test may or may
        // not have done so already: the locale is the process's).
        try #require(setlocale(LC_CTYPE, "C.UTF-8") != nil, "this system has no C.UTF-8 locale")
        #expect(Screen.clippedWideCharacters(text, width: 200).first == wchar_t(bitPattern: 0x3C8))
    }

    @Test func screenRefusesToStartWithoutATerminal() throws {
        // Under `swift test` stdout is not a TTY (output is captured); skip if run in one.
        guard isatty(1) == 0 || isatty(0) == 0 else { return }
        let screen = Screen()
        #expect(throws: ScreenError.notATerminal) { try screen.start() }
        #expect(!screen.isActive)
        screen.stop()  // idempotent, also when never started
    }
}
