import Testing
@Test func ExplorerPlaceholder() { #expect(1 + 1 == 2) }
