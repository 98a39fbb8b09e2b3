// BenchTUI.swift: `latentscope bench --tui`: the explorer's key press -> frame
// latency, driven through its real state machine and render pipeline on an
// in-memory screen, for every renderer that draws pixels and for half blocks, in one run
// (the machine's load drifts, so renderers are compared within a run).

import Engine
import Explorer
import Foundation
import Terminal

/// Runs the explorer latency benchmark and prints median and p90 per renderer.
func runTUIBench(model: ModelOptions, runs: Int, json: Bool) throws {
    let loaded = try model.load()
    let prepared = PreparedModel(loaded)
    let threads = model.threadCount
    let directions = try DirectionStore.load(for: loaded)
    let classifier = try loaded.attributeClassifier()
    let size = TerminalSize(rows: 40, cols: 120)
    var results: [TUIBenchmarkResult] = []
    for renderer in [Renderer.blocks, .kitty, .iterm2, .sixel] {
        results.append(try TUIBenchmark.run(model: prepared, threads: threads, directions: directions, classifier: classifier, renderer: renderer, size: size, count: runs))
    }
    if json {
        let out: [[String: Any]] = results.map { r in
            var entry: [String: Any] = [
                "renderer": r.renderer.rawValue, "terminal": "\(r.size)", "resolution": r.resolution, "threads": threads,
                "presses": r.all.count, "median_ms": r.median, "p90_ms": r.p90, "render_median_ms": r.renderMedian,
                "compose_median_ms": r.composeMedian, "encode_median_ms": r.encodeMedian, "bytes_per_frame": r.bytesMedian,
                "keys": r.rows.map { ["key": $0.label, "median_ms": TUIBenchmark.percentile($0.samples, 0.5),
                                      "p90_ms": TUIBenchmark.percentile($0.samples, 0.9)] }]
            // Only with a classifier: a model without one has no such cost, not a zero one.
            if let c = r.classifierMedian, let ratio = r.classifierRatio {
                entry["classifier_median_ms"] = c
                entry["classifier_to_generator"] = ratio
            }
            return entry
        }
        let data = try JSONSerialization.data(withJSONObject: ["model": loaded.config.name, "results": out], options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        return
    }
    print("model \(loaded.config.name) (\(loaded.config.resolution)x\(loaded.config.resolution)), \(threads) thread(s), "
          + "terminal \(size) cells, \(runs) presses per key after 2 warm-up presses")
    print("latency = key press -> state machine -> background render -> compose -> encode -> screen refresh")
    for r in results {
        print("")
        print("renderer \(r.renderer.rawValue): median \(String(format: "%.1f", r.median)) ms, p90 \(String(format: "%.1f", r.p90)) ms")
        print(String(format: "  of which (medians): generator %.1f ms, compose %.1f ms, encode %.1f ms; %.0f KB per frame",
                     r.renderMedian, r.composeMedian, r.encodeMedian, r.bytesMedian / 1024))
        if let c = r.classifierMedian, let ratio = r.classifierRatio {
            print(String(format: "  attribute classifier (status line): median %.2f ms per frame, %.2fx the generator's time", c, ratio))
        }
        for row in r.rows {
            print("  " + row.label.padded(24) + String(format: "median %7.1f ms   p90 %7.1f ms",
                                                         TUIBenchmark.percentile(row.samples, 0.5), TUIBenchmark.percentile(row.samples, 0.9)))
        }
    }
}
