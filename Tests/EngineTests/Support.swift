// Support.swift: fixture paths and comparison helpers for the engine tests.

import Foundation
import Testing
@testable import Engine

enum Fixtures {
    /// Tests/EngineTests/Fixtures (copied into the test bundle).
    static var dir: String { Bundle.module.path(forResource: "Fixtures", ofType: nil)! }
    static func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
    /// The repository root (for the shipped model in assets/).
    static var repoRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
    static func tinyGenerator() throws -> Generator { try Generator(modelDirectory: path("tiny-model")) }
}

/// Largest absolute difference; fails the test when the sizes differ.
func maxAbsDiff(_ a: [Float], _ b: [Float], sourceLocation: SourceLocation = #_sourceLocation) -> Float {
    #expect(a.count == b.count, "sizes differ: \(a.count) vs \(b.count)", sourceLocation: sourceLocation)
    guard a.count == b.count else { return .infinity }
    var m: Float = 0
    for i in a.indices { m = max(m, abs(a[i] - b[i])) }
    return a.contains(where: \.isNaN) || b.contains(where: \.isNaN) ? .infinity : m
}

/// Rows of a [N, ...] tensor.
func rows(_ flat: [Float], _ n: Int) -> [[Float]] {
    let k = flat.count / n
    return (0..<n).map { Array(flat[$0 * k ..< ($0 + 1) * k]) }
}

/// A temporary directory removed by the caller.
func makeTempDir() -> String {
    let p = (NSTemporaryDirectory() as NSString).appendingPathComponent("latentscope-test-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
    return p
}
