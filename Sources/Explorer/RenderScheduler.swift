// RenderScheduler: the generator on its own thread. The UI submits requests and
// never waits: only the newest pending request is kept (a burst of key presses
// renders the last state, not every one in between), and the UI keeps showing
// the last frame until a newer one is ready. A Generator is not thread-safe, so
// this thread owns its own instance over the shared PreparedModel. When the model
// has an attribute classifier, this thread also runs it on each face it makes,
// so the status line's predictions cost the UI nothing.

import Engine
import Foundation
import Imaging
import Sheets

/// Renders requests in the background, latest request wins.
final class RenderScheduler: @unchecked Sendable {
    private var worker: BackgroundWorker<(id: Int, request: RenderRequest)>!
    // Guarded by the worker's lock.
    private var completed: FrameResult?
    private var lastID = 0

    private let model: PreparedModel
    /// Engine workers for each frame.
    private let threads: Int
    private let directions: DirectionSet
    private let classifier: AttributeClassifier?
    /// Made on the worker's thread by its first job, and used only there.
    private var generator: Generator?

    /// Renders on a thread of its own (started by the first request), with a Generator of its
    /// own over `model`.
    init(model: PreparedModel, directions: DirectionSet, threads: Int = 1, classifier: AttributeClassifier? = nil) {
        self.threads = max(1, threads)
        self.model = model
        self.directions = directions
        self.classifier = classifier
        worker = BackgroundWorker(name: "latentscope-render", queueing: .newestOnly) { [weak self] job in
            guard let self else { return }
            let result = render(job.request, id: job.id)
            worker.locked {
                // A result older than one already waiting to be taken is of no use.
                if completed.map({ $0.id < result.id }) ?? true { completed = result }
            }
        }
    }

    deinit { shutdown() }

    /// Queues `request`, replacing any request still waiting (it is stale now). Returns its id.
    @discardableResult
    func submit(_ request: RenderRequest) -> Int {
        var id = 0
        worker.submit {
            lastID += 1
            id = lastID
            return (lastID, request)
        }
        return id
    }

    /// The newest finished frame since the last call, if any.
    func take() -> FrameResult? {
        worker.locked {
            let r = completed
            completed = nil
            return r
        }
    }

    /// Waits up to `timeout` seconds for a finished frame and takes it.
    func wait(timeout: TimeInterval) -> FrameResult? {
        _ = worker.wait(timeout: timeout) { idle in completed != nil || idle }
        return take()
    }

    /// Whether a request is waiting or being rendered.
    var isBusy: Bool { worker.pendingCount > 0 }

    /// Requests replaced before they were started (a measure of how far input ran ahead).
    var droppedCount: Int { worker.replacedCount }

    /// Stops the worker after the render in progress; waits for it to finish.
    func shutdown() { worker.shutdown() }

    // MARK: - Worker

    private func render(_ request: RenderRequest, id: Int) -> FrameResult {
        if generator == nil { generator = Generator(model, threads: threads) }
        let G = generator!
        let t0 = DispatchTime.now().uptimeNanoseconds
        func ms() -> Double { Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 }
        do {
            switch request.kind {
            case .face(let layer):
                let out = try G.render([request.recipe], directions: directions, attentionLayers: layer.map { [$0] } ?? [])
                let face = RGBImage(planarRGB: out.images[0], width: out.resolution, height: out.resolution)
                let renderMS = ms()
                // The classifier reads the generator's float image, before it is quantised.
                let attributes = classifier.map { $0.predict(out.images[0]) }
                return FrameResult(id: id, request: request, face: face, attention: out.attention[0].first, sheet: nil,
                                   renderMilliseconds: renderMS, error: nil, attributes: attributes,
                                   classifierMilliseconds: classifier == nil ? nil : ms() - renderMS)
            case .sheet(let layer, let cell):
                let sheet = try AttentionSheet.make(G, recipe: request.recipe, directions: directions, layer: layer, head: .all, size: cell)
                return FrameResult(id: id, request: request, face: nil, attention: nil, sheet: sheet, renderMilliseconds: ms(), error: nil)
            }
        } catch {
            return FrameResult(id: id, request: request, face: nil, attention: nil, sheet: nil, renderMilliseconds: ms(),
                               error: "cannot render: \(error)")
        }
    }
}
