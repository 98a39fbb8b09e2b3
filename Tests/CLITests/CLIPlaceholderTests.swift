import Testing
@Test func CLIPlaceholder() { #expect(1 + 1 == 2) }
