import Testing
@Test func EnginePlaceholder() { #expect(1 + 1 == 2) }
