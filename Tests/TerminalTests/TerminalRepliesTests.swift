// Parsing of the terminal's replies to DA1 and `CSI 16 t`.

import Testing
@testable import Terminal

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite("Terminal replies")
struct TerminalRepliesTests {
    @Test func da1WithSixel() {
        let attributes = TerminalReplies.deviceAttributes(in: bytes("\u{1B}[?62;4c"))
        #expect(attributes == [62, 4])
        #expect(TerminalReplies.announcesSixel(attributes!))
    }

    @Test func da1WithoutSixel() {
        let attributes = TerminalReplies.deviceAttributes(in: bytes("\u{1B}[?65;1;9c"))
        #expect(attributes == [65, 1, 9])
        #expect(!TerminalReplies.announcesSixel(attributes!))
    }

    @Test func kittyLikeReplyWithTrailingSemicolon() {
        let attributes = TerminalReplies.deviceAttributes(in: bytes("\u{1B}[?62;c"))
        #expect(attributes == [62, 0])
        #expect(!TerminalReplies.announcesSixel(attributes!))
    }

    @Test func wezTermAndMlterm() {
        #expect(TerminalReplies.deviceAttributes(in: bytes("\u{1B}[?65;4;6;18;22c")).map(TerminalReplies.announcesSixel) == true)
        #expect(TerminalReplies.deviceAttributes(in: bytes("\u{1B}[?63;1;2;3;4;7;29c")).map(TerminalReplies.announcesSixel) == true)
    }

    @Test func conformanceLevelFourIsNotSixel() {
        #expect(!TerminalReplies.announcesSixel([4]))
        #expect(!TerminalReplies.announcesSixel([]))
    }

    @Test func da1AmongOtherInput() {
        // A key typed before the reply, the cell-size reply, a DA2 reply and a broken sequence.
        let input = bytes("q\u{1B}[6;20;10t\u{1B}[>1;10;0c\u{1B}[12\u{1B}[?1;2;4c")
        #expect(TerminalReplies.deviceAttributes(in: input) == [1, 2, 4])
        #expect(TerminalReplies.cellSize(in: input) == PixelSize(width: 10, height: 20))
    }

    @Test func eightBitIntroducer() {
        #expect(TerminalReplies.deviceAttributes(in: [0x9B] + bytes("?62;4c")) == [62, 4])
    }

    @Test func noReply() {
        #expect(TerminalReplies.deviceAttributes(in: []) == nil)
        #expect(TerminalReplies.deviceAttributes(in: bytes("\u{1B}[?62;4")) == nil)  // cut off
        #expect(TerminalReplies.deviceAttributes(in: bytes("\u{1B}[>41;330;0c")) == nil)  // DA2 only
        #expect(TerminalReplies.cellSize(in: bytes("\u{1B}[4;480;800t")) == nil)  // text area, not a cell
        #expect(TerminalReplies.cellSize(in: bytes("\u{1B}[6;0;0t")) == nil)
    }

    @Test func cellSizeReply() {
        #expect(TerminalReplies.cellSize(in: bytes("\u{1B}[6;20;10t")) == PixelSize(width: 10, height: 20))
        #expect(TerminalReplies.cellSize(in: bytes("\u{1B}[6;17;8t")) == PixelSize(width: 8, height: 17))
    }

    @Test func queriesAreWhatTheProbeSends() {
        #expect(TerminalReplies.deviceAttributesQuery == bytes("\u{1B}[c"))
        #expect(TerminalReplies.cellSizeQuery == bytes("\u{1B}[16t"))
    }

    // MARK: - Kitty graphics and XTSMGRAPHICS

    @Test func kittyQueryReplies() {
        #expect(TerminalReplies.kittyGraphics(in: bytes("\u{1B}_Gi=31;OK\u{1B}\\\u{1B}[?62;c")) == true)
        #expect(TerminalReplies.kittyGraphics(in: bytes("\u{1B}_Gi=31;ENOTSUPPORTED:no\u{1B}\\")) == false)
        // Another image's reply, a cut-short reply and no reply are no answer to our query.
        #expect(TerminalReplies.kittyGraphics(in: bytes("\u{1B}_Gi=7;OK\u{1B}\\")) == nil)
        #expect(TerminalReplies.kittyGraphics(in: bytes("\u{1B}_Gi=31;OK")) == nil)
        #expect(TerminalReplies.kittyGraphics(in: bytes("\u{1B}[?62;4c")) == nil)
        // The APC string does not hide the DA1 reply after it.
        #expect(TerminalReplies.deviceAttributes(in: bytes("\u{1B}_Gi=31;OK\u{1B}\\\u{1B}[?62;4c")) == [62, 4])
        #expect(TerminalReplies.kittyQuery == bytes("\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\"))
    }

    @Test func graphicsGeometryAndRegisters() {
        let replies = bytes("\u{1B}[?2;0;1000;1000S\u{1B}[?1;0;1024S\u{1B}[?63;1;2;4c")
        #expect(TerminalReplies.graphicsGeometry(in: replies) == PixelSize(width: 1000, height: 1000))
        #expect(TerminalReplies.colorRegisters(in: replies) == 1024)
        #expect(TerminalReplies.deviceAttributes(in: replies) == [63, 1, 2, 4])
        // Status 1 (invalid item) or 3 (failure): no limit known; nor from a zero size.
        #expect(TerminalReplies.graphicsGeometry(in: bytes("\u{1B}[?2;3;0S")) == nil)
        #expect(TerminalReplies.colorRegisters(in: bytes("\u{1B}[?1;1;0S")) == nil)
        #expect(TerminalReplies.graphicsGeometry(in: bytes("\u{1B}[?2;0;0;0S")) == nil)
        // The order of replies does not matter; a DA1-like `S` without `?` is not one.
        #expect(TerminalReplies.graphicsGeometry(in: bytes("\u{1B}[?1;0;256S\u{1B}[?2;0;640;480S")) == PixelSize(width: 640, height: 480))
        #expect(TerminalReplies.graphicsGeometry(in: bytes("\u{1B}[2;0;640;480S")) == nil)
        #expect(TerminalReplies.graphicsGeometryQuery == bytes("\u{1B}[?2;1;0S"))
        #expect(TerminalReplies.colorRegistersQuery == bytes("\u{1B}[?1;1;0S"))
    }
}
