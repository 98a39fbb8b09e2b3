import Testing
@Test func ImagingPlaceholder() { #expect(1 + 1 == 2) }
