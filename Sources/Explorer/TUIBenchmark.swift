// TUIBenchmark: key press -> new frame on screen, measured through the real
// pipeline: KeyMap, the reducer, the render scheduler's background generator,
// composition, encoding (half blocks or sixel) and the screen's refresh. The
// screen is a RecordingScreen, so no terminal is needed and the terminal's own
// drawing time (which depends on the terminal emulator) is not counted.

import Engine
import Foundation
import Terminal

/// Latency figures of one benchmark run, in milliseconds.
public struct TUIBenchmarkResult: Sendable {
    /// One entry per kind of key press.
    public struct Row: Sendable {
        public var label: String
        public var samples: [Double]
    }

    public var rows: [Row]
    public var renderer: Renderer
    public var size: TerminalSize
    public var resolution: Int
    /// Generator time per frame (median), for comparison with the end-to-end figure.
    public var renderMedian: Double
    /// Median time to compose the picture (resize, overlay) and to encode it (half blocks or sixel).
    public var composeMedian: Double
    public var encodeMedian: Double
    /// Median bytes sent to the terminal per frame.
    public var bytesMedian: Double
    /// Median time of the attribute classifier on a frame (nil when the model has none), and its
    /// share of the generator's time: what the live predictions in the status line cost.
    public var classifierMedian: Double?
    public var classifierRatio: Double? { classifierMedian.map { renderMedian > 0 ? $0 / renderMedian : 0 } }

    public var all: [Double] { rows.flatMap(\.samples) }
    public var median: Double { TUIBenchmark.percentile(all, 0.5) }
    public var p90: Double { TUIBenchmark.percentile(all, 0.9) }
}

public enum TUIBenchmark {
    /// The key presses measured: each changes the face, so each needs a new frame.
    static let presses: [(label: String, key: Key, panel: Panel)] = [
        ("next seed (n)", .char("n"), .directions),
        ("direction step (→)", .right, .directions),
        ("ψ down (-)", .char("-"), .directions),
        ("mix layer source (→)", .right, .mix),
    ]

    /// Presses each key `count` times (after two warm-up presses), waiting for each frame,
    /// and returns the latencies from the key's arrival to the screen refresh that shows it.
    public static func run(model: PreparedModel, threads: Int, directions: DirectionSet, classifier: AttributeClassifier? = nil,
                           renderer: Renderer = .blocks, size: TerminalSize = TerminalSize(rows: 40, cols: 120),
                           count: Int = 15) throws -> TUIBenchmarkResult {
        let screen = RecordingScreen(size: size)
        let display = DisplaySettings(renderer: renderer, reason: "benchmark", colorLevel: .truecolor, cellSize: .defaultCell)
        let app = ExplorerApp(screen: screen, model: model, threads: threads, directions: directions, display: display, classifier: classifier)
        defer { app.shutdown() }
        guard app.waitForFrame(timeout: 60) else { throw BenchmarkError("the first frame did not arrive within 60 s") }
        // The mixing key needs a pinned seed to cycle through.
        app.dispatch(.pin(7))
        app.dispatch(.showPanel(.mix))
        app.dispatch(.selectMixPreset(.coarse))
        guard app.waitForFrame(timeout: 60) else { throw BenchmarkError("no frame after pinning a seed") }

        var rows: [TUIBenchmarkResult.Row] = []
        var renderTimes: [Double] = [], composeTimes: [Double] = [], encodeTimes: [Double] = [], bytes: [Double] = []
        var classifierTimes: [Double] = []
        for press in presses {
            app.dispatch(.showPanel(press.panel))
            var samples: [Double] = []
            for i in 0..<(count + 2) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                app.handle(press.key)
                guard app.waitForFrame(timeout: 60) else { throw BenchmarkError("\(press.label): no frame within 60 s") }
                let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
                if i >= 2 {
                    samples.append(ms)
                    if let r = app.frame?.renderMilliseconds { renderTimes.append(r) }
                    if let c = app.frame?.classifierMilliseconds { classifierTimes.append(c) }
                    composeTimes.append(app.lastComposeMilliseconds)
                    encodeTimes.append(app.lastEncodeMilliseconds)
                    bytes.append(Double(app.lastPayload?.byteCount ?? 0))
                }
            }
            rows.append(.init(label: press.label, samples: samples))
        }
        return TUIBenchmarkResult(rows: rows, renderer: renderer, size: size, resolution: model.config.resolution,
                                  renderMedian: percentile(renderTimes, 0.5), composeMedian: percentile(composeTimes, 0.5),
                                  encodeMedian: percentile(encodeTimes, 0.5), bytesMedian: percentile(bytes, 0.5),
                                  classifierMedian: classifier == nil ? nil : percentile(classifierTimes, 0.5))
    }

    /// The `q`-quantile by linear interpolation between order statistics.
    public static func percentile(_ xs: [Double], _ q: Double) -> Double {
        guard !xs.isEmpty else { return 0 }
        let s = xs.sorted()
        let pos = q * Double(s.count - 1)
        let lo = Int(pos.rounded(.down)), hi = min(lo + 1, s.count - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
    }
}

/// A benchmark that could not complete.
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
