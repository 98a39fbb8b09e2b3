// Exporter: writes PNG exports on a background thread (BackgroundWorker), one job
// at a time, with its own Generator over the shared PreparedModel (the render
// thread's one is busy with the screen). The UI reads the progress for the status
// line and collects finished/failed events; an unwritable path is reported before
// any rendering starts (WritablePath, through AtomicFile.check).

import Engine
import Foundation
import Imaging
import Sheets

/// Runs export jobs in order, off the UI thread.
final class Exporter: @unchecked Sendable {
    /// How far the running job is.
    struct Progress: Sendable, Equatable {
        var kind: String
        var done: Int
        var total: Int
    }

    /// What became of a job.
    enum Event: Sendable, Equatable {
        case finished(path: String, width: Int, height: Int)
        case failed(String)
    }

    private var worker: BackgroundWorker<(job: ExportJob, image: RGBImage?)>!
    // Guarded by the worker's lock.
    private var events: [Event] = []
    private var current: Progress?

    private let model: PreparedModel
    private let directions: DirectionSet
    /// Made on the worker's thread by the first export (none if nobody exports), used only there.
    private var generator: Generator?
    /// Where auto-named exports go.
    let folder: String

    init(model: PreparedModel, directions: DirectionSet, folder: String) {
        self.model = model
        self.directions = directions
        self.folder = folder
        worker = BackgroundWorker(name: "latentscope-export", queueing: .inOrder) { [weak self] item in
            self?.export(item.job, image: item.image)
        }
    }

    /// Queues a job. `view` jobs carry the picture to write (the app composes it from the frame on screen).
    func enqueue(_ job: ExportJob, image: RGBImage? = nil) {
        worker.submit { (job, image) }
    }

    /// The running job's progress, nil when idle.
    var progress: Progress? { worker.locked { current } }

    /// Jobs queued or running.
    var pendingCount: Int { worker.pendingCount }

    /// Finished and failed jobs since the last call, oldest first.
    func takeEvents() -> [Event] {
        worker.locked {
            let e = events
            events = []
            return e
        }
    }

    /// Blocks until every queued job is done or `timeout` seconds pass; true when idle.
    @discardableResult
    func waitUntilIdle(timeout: TimeInterval) -> Bool {
        worker.wait(timeout: timeout) { idle in idle }
    }

    /// Stops after the running job (queued ones are dropped).
    func shutdown() { worker.shutdown() }

    // MARK: - Worker

    private func export(_ job: ExportJob, image: RGBImage?) {
        if generator == nil { generator = Generator(model) }
        worker.locked { current = Progress(kind: job.kind, done: 0, total: 1) }
        let event = Self.run(job, image: image, generator: generator!, directions: directions, folder: folder) { done, total in
            self.worker.locked { self.current = Progress(kind: job.kind, done: done, total: total) }
        }
        worker.locked {
            events.append(event)
            current = nil
        }
    }

    /// Renders and writes one job (synchronously; also used by tests).
    static func run(_ job: ExportJob, image: RGBImage?, generator G: Generator, directions: DirectionSet, folder: String,
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
