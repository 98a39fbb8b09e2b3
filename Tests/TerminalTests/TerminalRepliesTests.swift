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
}
