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
public final class RenderScheduler: @unchecked Sendable {
    // Everything below is guarded by `condition`, except `generator`, which only the worker touches.
    private let condition = NSCondition()
    private var pending: (id: Int, request: RenderRequest)?
    private var completed: FrameResult?
    private var inFlight = false
    private var running = true
    private var lastID = 0
    private var dropped = 0
    private var finished = false

    private let model: PreparedModel
    /// Engine workers for each frame.
    private let threads: Int
    private let directions: DirectionSet
    private let classifier: AttributeClassifier?
    private var generator: Generator?

    /// Starts the worker thread, with a Generator of its own over `model`.
    public init(model: PreparedModel, directions: DirectionSet, threads: Int = 1, classifier: AttributeClassifier? = nil) {
        self.threads = max(1, threads)
        self.model = model
        self.directions = directions
        self.classifier = classifier
        let thread = Thread { [self] in self.work() }
        thread.name = "latentscope-render"
        thread.stackSize = 8 << 20
        thread.start()
    }

    deinit { shutdown() }

    /// Queues `request`, replacing any request still waiting (it is stale now). Returns its id.
    @discardableResult
    public func submit(_ request: RenderRequest) -> Int {
        condition.lock()
        defer { condition.unlock() }
        lastID += 1
        if pending != nil { dropped += 1 }
        pending = (lastID, request)
        condition.broadcast()
        return lastID
    }

    /// The newest finished frame since the last call, if any.
    public func take() -> FrameResult? {
        condition.lock()
        defer { condition.unlock() }
        let r = completed
        completed = nil
        return r
    }

    /// Waits up to `timeout` seconds for a finished frame and takes it.
    public func wait(timeout: TimeInterval) -> FrameResult? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while completed == nil && (pending != nil || inFlight) {
            if !condition.wait(until: deadline) { break }
        }
        let r = completed
        completed = nil
        return r
    }

    /// Whether a request is waiting or being rendered.
    public var isBusy: Bool {
        condition.lock()
        defer { condition.unlock() }
        return pending != nil || inFlight
    }

    /// Requests replaced before they were started (a measure of how far input ran ahead).
    public var droppedCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return dropped
    }

    /// Stops the worker after the render in progress; waits for it to finish.
    public func shutdown() {
        condition.lock()
        running = false
        pending = nil
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    // MARK: - Worker

    private func work() {
        generator = Generator(model, threads: threads)
        while true {
            condition.lock()
            while running && pending == nil { condition.wait() }
            guard running, let job = pending else {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            pending = nil
            inFlight = true
            condition.unlock()

            let result = render(job.request, id: job.id)

            condition.lock()
            // A result older than one already waiting to be taken is of no use.
            if completed.map({ $0.id < result.id }) ?? true { completed = result }
            inFlight = false
            condition.broadcast()
            condition.unlock()
        }
    }

    private func render(_ request: RenderRequest, id: Int) -> FrameResult {
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
