// Exporter: writes PNG exports on a background thread, one job at a time, with
// its own Generator (the render thread's one is busy with the screen). The UI
// reads the progress for the status line and collects finished/failed events;
// an unwritable path is reported before any rendering starts.

import Engine
import Foundation
import Imaging
import Sheets

/// Runs export jobs in order, off the UI thread.
public final class Exporter: @unchecked Sendable {
    /// How far the running job is.
    public struct Progress: Sendable, Equatable {
        public var kind: String
        public var done: Int
        public var total: Int
    }

    /// What became of a job.
    public enum Event: Sendable, Equatable {
        case finished(path: String, width: Int, height: Int)
        case failed(String)
    }

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [(ExportJob, RGBImage?)] = []
    private var events: [Event] = []
    private var current: Progress?
    private var running = true
    private var finished = false
    private var started = false

    private let model: PreparedModel
    private let directions: DirectionSet
    /// Where auto-named exports go.
    public let folder: String

    public init(model: PreparedModel, directions: DirectionSet, folder: String) {
        self.model = model
        self.directions = directions
        self.folder = folder
    }

    /// Queues a job. `view` jobs carry the picture to write (the app composes it from the frame on screen).
    public func enqueue(_ job: ExportJob, image: RGBImage? = nil) {
        condition.lock()
        defer { condition.unlock() }
        if !started {
            // The thread (and its Generator) only exist once someone exports.
            started = true
            let thread = Thread { [self] in self.work() }
            thread.name = "latentscope-export"
            thread.stackSize = 8 << 20
            thread.start()
        }
        queue.append((job, image))
        condition.broadcast()
    }

    /// The running job's progress, nil when idle.
    public var progress: Progress? {
        condition.lock()
        defer { condition.unlock() }
        return current
    }

    /// Jobs queued or running.
    public var pendingCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count + (current == nil ? 0 : 1)
    }

    /// Finished and failed jobs since the last call, oldest first.
    public func takeEvents() -> [Event] {
        condition.lock()
        defer { condition.unlock() }
        let e = events
        events = []
        return e
    }

    /// Blocks until every queued job is done or `timeout` seconds pass; true when idle.
    @discardableResult
    public func waitUntilIdle(timeout: TimeInterval) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !queue.isEmpty || current != nil {
            if !condition.wait(until: deadline) { return false }
        }
        return true
    }

    /// Stops after the running job (queued ones are dropped).
    public func shutdown() {
        condition.lock()
        running = false
        queue.removeAll()
        condition.broadcast()
        while started && !finished { condition.wait() }
        condition.unlock()
    }

    // MARK: - Worker

    private func work() {
        let G = Generator(model)
        while true {
            condition.lock()
            while running && queue.isEmpty { condition.wait() }
            guard running, !queue.isEmpty else {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let (job, image) = queue.removeFirst()
            current = Progress(kind: job.kind, done: 0, total: 1)
            condition.unlock()

            let event = Self.run(job, image: image, generator: G, directions: directions, folder: folder) { done, total in
                self.condition.lock()
                self.current = Progress(kind: job.kind, done: done, total: total)
                self.condition.unlock()
            }

            condition.lock()
            events.append(event)
            current = nil
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Renders and writes one job (synchronously; also used by tests).
    public static func run(_ job: ExportJob, image: RGBImage?, generator G: Generator, directions: DirectionSet, folder: String,
                           progress: @escaping (Int, Int) -> Void = { _, _ in }) -> Event {
        let path = ExportNaming.path(for: job, folder: folder)
        if let problem = writeProblem(path) { return .failed(problem) }
        if let size = estimatedSize(job, config: G.config) {
            do { try PixelBudget.check(size, what: "the \(job.kind)") } catch { return .failed("\(error)") }
        }
        do {
            let picture: RGBImage
            switch job {
            case .view:
                guard let image else { return .failed("nothing on screen to export yet") }
                picture = image
            case .grid(let seeds, let columns, let size, let base, _):
                picture = try SeedGrid.make(G, seeds: seeds, base: base, columns: columns, size: size, directions: directions, progress: progress)
            case .walk(let base, let direction, let from, let to, let steps, let layers, let tokens, let size, _):
                picture = try WalkStrip.make(G, base: base, direction: direction, directions: directions, from: from, to: to, steps: steps,
                                             layers: layers, tokens: tokens, size: size, progress: progress)
            case .mix(let rows, let columns, let target, let base, let size, _):
                picture = try MixMatrix.make(G, rows: rows, columns: columns, target: target, base: base, size: size, progress: progress)
            case .attention(let recipe, let layer, let head, let size, let colormap, _):
                progress(0, 1)
                picture = try AttentionSheet.make(G, recipe: recipe, directions: directions, layer: layer, head: head, size: size, colormap: colormap)
                progress(1, 1)
            }
            try PNGCodec.write(picture, to: path)
            return .finished(path: path, width: picture.width, height: picture.height)
        } catch let e as ImagingError {
            return .failed(e.description)
        } catch {
            return .failed("\(job.kind): \(error)")
        }
    }

    /// The size of the figure a job makes, known before rendering (nil for the view, already on screen).
    static func estimatedSize(_ job: ExportJob, config: ModelConfig) -> FigureSize? {
        switch job {
        case .view: nil
        case .grid(let seeds, let columns, let size, _, _): SeedGrid.size(count: seeds.count, columns: columns, size: size)
        case .walk(_, _, _, _, let steps, _, _, let size, _): WalkStrip.size(steps: steps, size: size)
        case .mix(let rows, let columns, _, _, let size, _): MixMatrix.size(rows: rows.count, columns: columns.count, size: size)
        case .attention(_, _, let head, let size, _, _):
            AttentionSheet.size(tokens: config.tokens, heads: config.heads, head: head, size: size)
        }
    }

    /// Why `path` cannot be written, checked before spending time on rendering; nil when it can.
    static func writeProblem(_ path: String) -> String? {
        do { try AtomicFile.check(path) } catch let e as ImagingError { return e.description } catch { return "\(error)" }
        return nil
    }
}
