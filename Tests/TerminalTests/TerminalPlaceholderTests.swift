import Testing
@Test func TerminalPlaceholder() { #expect(1 + 1 == 2) }
