// ExplorerApp: the event loop. Keys become actions through KeyMap, the reducer
// changes the state, and `pump` does the rest without ever blocking on the
// generator: submit the state's render request when it changed, take finished
// frames, advance animations, collect export results, and repaint. The terminal
// is only touched through a ScreenDriver, so the same loop runs on a
// RecordingScreen in tests and in `bench --tui`.

import Engine
import Foundation
import Imaging
import Terminal

/// How pictures reach the terminal, and why.
struct DisplaySettings: Sendable, Equatable {
    var renderer: Renderer
    /// Why this renderer: the detection reason or "forced by --renderer", with tmux noted.
    var reason: String
    /// Colour depth for text cells.
    var colorLevel: ColorLevel
    /// One cell in pixels (sizing for the pixel renderers).
    var cellSize: PixelSize
    /// The largest sixel picture the terminal shows (XTSMGRAPHICS), when it said.
    var graphicsLimit: PixelSize?
    /// The terminal's sixel colour registers (XTSMGRAPHICS), when it said.
    var colorRegisters: Int?

    init(renderer: Renderer, reason: String, colorLevel: ColorLevel = .truecolor, cellSize: PixelSize = .defaultCell,
                graphicsLimit: PixelSize? = nil, colorRegisters: Int? = nil) {
        self.renderer = renderer
        self.reason = reason
        self.colorLevel = colorLevel
        self.cellSize = cellSize
        self.graphicsLimit = graphicsLimit
        self.colorRegisters = colorRegisters
    }

    /// From detected capabilities; says so when running inside tmux or GNU screen.
    init(capabilities c: TerminalCapabilities) {
        var reason = c.reason
        // Detection reasons start with the renderer's name, which the status line shows already.
        if reason.hasPrefix(c.renderer.rawValue + ": ") { reason.removeFirst(c.renderer.rawValue.count + 2) }
        if let m = c.multiplexer, !reason.contains("tmux"), !reason.contains("screen") { reason += "; inside \(m)" }
        self.init(renderer: c.renderer, reason: reason, colorLevel: c.colorLevel, cellSize: c.cellSize,
                  graphicsLimit: c.graphicsLimit, colorRegisters: c.colorRegisters)
    }
}

/// Settings of one explorer run.
struct ExplorerConfiguration: Sendable {
    /// Where auto-named exports go.
    var exportFolder: String
    /// Side of the face (or overlay) picture `e` writes, in pixels.
    var exportSize: Int
    /// Animation frames are at least this far apart (seconds).
    var animationInterval: Double

    init(exportFolder: String = ".", exportSize: Int = 256, animationInterval: Double = 1.0 / 30) {
        self.exportFolder = exportFolder
        self.exportSize = exportSize
        self.animationInterval = animationInterval
    }
}

/// The explorer: state machine, background renderer and exporter, and the screen.
final class ExplorerApp {
    let model: ModelInfo
    private(set) var state: ExplorerState
    let screen: ScreenDriver
    let scheduler: RenderScheduler
    let exporter: Exporter
    private(set) var display: DisplaySettings
    let presenter: ImagePresenter
    let configuration: ExplorerConfiguration

    /// The newest frame received (shown until a newer one is ready).
    private(set) var frame: FrameResult?
    /// A view export waiting for the frame of the view it was asked in.
    private var viewExportWaiting: ExportJob?
    private var lastRequest: RenderRequest?
    /// Id of the last render request submitted.
    private(set) var lastSubmittedID = 0
    /// Id of the frame whose picture was last sent to the screen.
    private(set) var presentedFrameID = 0
    /// The payload last sent, for tests and the benchmark.
    private(set) var lastPayload: ScreenPayload?
    /// Where the picture was last placed.
    private(set) var placement: PicturePlacement?
    /// Milliseconds the last picture took to compose (resize, overlay) and to encode for the terminal.
    private(set) var lastComposeMilliseconds: Double = 0
    private(set) var lastEncodeMilliseconds: Double = 0

    private var pictureKey: PictureKey?
    private var picturePayload: ScreenPayload?
    private var previousBand: [TextOp]?
    private var previousCells: [CellsOp] = []
    private var needsFullRepaint = true
    private var dirty = true
    private var wasTooSmall = false
    private var lastBusy = false
    private var lastExport: Exporter.Progress?
    private var lastTick: Double = 0
    private var lastFPS: Int?
    private var presentTimes: [Double] = []
    private var kittyOnScreen = false
    /// The last graphics-limit message, so it is shown once per change.
    private var limitNote: String?
    private var legendCache: (renderer: Renderer, bar: [String], swatches: [[String]])?

    /// What the picture on screen depends on: a change means composing and encoding it again.
    private struct PictureKey: Equatable {
        var frameID: Int
        var view: ViewMode
        var attention: AttentionSelection
        var placement: PicturePlacement
        var renderer: Renderer
    }

    /// The classifier's predictions last received, with the recipe they are for: a sheet frame of the
    /// same face (which has none of its own) keeps showing them.
    private var lastAttributes: (recipe: Recipe, values: [AttributeClassifier.Prediction])?

    /// The renderer and the exporter each run a Generator of their own over `model`; the
    /// renderer's has `threads` workers. `classifier`: the model's attribute classifier, if it
    /// has one (its input must be the model's resolution); the status line then shows its
    /// predictions for the face on screen.
    init(screen: ScreenDriver, model: PreparedModel, threads: Int = 1, directions: DirectionSet, display: DisplaySettings,
                configuration: ExplorerConfiguration = ExplorerConfiguration(), state: ExplorerState? = nil,
                classifier: AttributeClassifier? = nil) {
        precondition(classifier.map { $0.input == model.config.resolution } ?? true,
                     "the attribute classifier reads \(classifier?.input ?? 0)-pixel images, the model makes \(model.config.resolution)")
        let info = ModelInfo(config: model.config, directions: directions)
        self.model = info
        self.screen = screen
        self.display = display
        self.configuration = configuration
        self.state = state ?? ExplorerState(model: info)
        presenter = ImagePresenter(renderer: display.renderer, colorLevel: display.colorLevel, cellSize: display.cellSize,
                                   colorRegisters: display.colorRegisters)
        // Kitty images outlive what curses draws: quitting, Ctrl-Z and fatal signals delete them.
        if display.renderer == .kitty { screen.setGraphicsCleanup(ImagePresenter.kittyCleanup) }
        scheduler = RenderScheduler(model: model, directions: directions, threads: threads, classifier: classifier)
        exporter = Exporter(model: model, directions: directions, folder: configuration.exportFolder)
    }

    // MARK: - Loop

    /// Runs until the user quits; finishes running exports before returning.
    func run() {
        dirty = true
        while !state.quit && !screen.hungUp {
            pump()
            let busy = scheduler.isBusy || exporter.pendingCount > 0 || state.animation != nil
            let key = screen.readKey(timeoutMilliseconds: busy ? 8 : 250)
            if key == .none { continue }
            handle(key)
            // Take every key already typed before rendering: a burst renders only its last state.
            for _ in 0..<64 {
                let next = screen.readKey(timeoutMilliseconds: 0)
                if next == .none { break }
                handle(next)
                if state.quit { break }
            }
        }
        if exporter.pendingCount > 0 {
            state.message = StatusMessage("finishing \(exporter.pendingCount) export(s)…")
            dirty = true
            draw()
            exporter.waitUntilIdle(timeout: 600)
        }
        shutdown()
    }

    /// Stops the background threads.
    func shutdown() {
        scheduler.shutdown()
        exporter.shutdown()
    }

    /// One key press.
    func handle(_ key: Key) {
        if key == .resize {
            needsFullRepaint = true
            dirty = true
            return
        }
        // Below the minimum size only quitting makes sense (nothing else is visible).
        if Layout(size: screen.size) == nil {
            if key == .char("q") { dispatch(.quit) }
            return
        }
        if let action = KeyMap.action(for: key, in: state) { dispatch(action) }
    }

    /// Applies an action and carries out its effects.
    func dispatch(_ action: Action) {
        let effects = Reducer.reduce(&state, action, model: model)
        dirty = true
        for e in effects { perform(e) }
    }

    /// Everything that is not a key: render requests, finished frames, animation, exports, repaint.
    func pump() {
        submitIfChanged()
        if let r = scheduler.take() { accept(r) }
        for event in exporter.takeEvents() {
            switch event {
            case .finished(let path, let w, let h): dispatch(.exportFinished(path: path, width: w, height: h))
            case .failed(let e): dispatch(.exportFailed(e))
            }
        }
        let progress = exporter.progress
        if progress != lastExport { lastExport = progress; dirty = true }
        let busy = scheduler.isBusy
        if busy != lastBusy { lastBusy = busy; dirty = true }
        // The fps figure fades out once frames stop coming; repaint when the shown number changes.
        let shownFPS = fps().map { Int($0.rounded()) }
        if shownFPS != lastFPS { lastFPS = shownFPS; dirty = true }
        if state.animation != nil, !busy, frame?.id == lastSubmittedID {
            let now = Self.now()
            if now - lastTick >= configuration.animationInterval {
                lastTick = now
                dispatch(.tick)
                submitIfChanged()
            }
        }
        if dirty { draw() }
    }

    /// Blocks up to `timeout` seconds for the frame of the latest request, then shows it.
    /// True when it is on screen (used by the benchmark and tests).
    @discardableResult
    func waitForFrame(timeout: Double) -> Bool {
        pump()
        let deadline = Self.now() + timeout
        while presentedFrameID < lastSubmittedID {
            let left = deadline - Self.now()
            if left <= 0 { return false }
            if let r = scheduler.wait(timeout: left) { accept(r) }
            pump()
        }
        return true
    }

    private func submitIfChanged() {
        let request = state.renderRequest(model)
        guard request != lastRequest else { return }
        lastRequest = request
        lastSubmittedID = scheduler.submit(request)
        dirty = true
    }

    /// Takes a finished frame (newer than the one shown) for the next repaint.
    func accept(_ r: FrameResult) {
        guard r.id > (frame?.id ?? 0) else { return }
        if let e = r.error {
            dispatch(.notify(e, isError: true))
            // Nothing newer will come for this request: count it as presented so waits end.
            presentedFrameID = max(presentedFrameID, r.id)
            if let job = viewExportWaiting {
                viewExportWaiting = nil
                exportView(job, mayWait: lastSubmittedID > r.id)
            }
            return
        }
        frame = r
        if let a = r.attributes { lastAttributes = (r.request.recipe, a) }
        dirty = true
        if let job = viewExportWaiting {
            viewExportWaiting = nil
            exportView(job, mayWait: frameOutstanding)
        }
    }

    /// Whether the latest render request has not come back yet.
    private var frameOutstanding: Bool { lastSubmittedID > (frame?.id ?? 0) }

    /// Exports what the view shows. Right after a change of view (or of the face) its frame
    /// is still being rendered: the export then waits for it instead of failing, so `e`
    /// pressed at once saves what the user asked to see.
    private func exportView(_ job: ExportJob, mayWait: Bool) {
        if let f = frame, let picture = ViewComposer.exportPicture(
            f, view: state.effectiveView(model), attention: state.effectiveAttention(model), exportSize: configuration.exportSize) {
            exporter.enqueue(job, image: picture)
        } else if mayWait {
            viewExportWaiting = job
        } else {
            dispatch(.exportFailed("nothing on screen to export yet"))
        }
    }

    private func perform(_ effect: Effect) {
        switch effect {
        case .export(let job):
            if case .view = job {
                submitIfChanged()  // the state may have changed in this burst of keys
                exportView(job, mayWait: frameOutstanding)
            } else {
                exporter.enqueue(job)
            }
        case .saveSession(let path):
            do {
                try SessionStore.save(SessionFile(state: state, model: model), path: path)
                dispatch(.sessionSaved(path))
            } catch {
                dispatch(.sessionFailed("\(error)"))
            }
        case .loadSession(let path):
            do {
                let (file, warnings) = SessionStore.validated(try SessionStore.load(path: path), for: model)
                dispatch(.sessionLoaded(file, path: path, warnings: warnings))
            } catch {
                dispatch(.sessionFailed("\(error)"))
            }
        case .setRenderer(let r):
            presenter.setRenderer(r)
            if r == .kitty { screen.setGraphicsCleanup(ImagePresenter.kittyCleanup) }
            display.renderer = r
            display.reason = "switched with :renderer"
            needsFullRepaint = true
        case .redraw:
            needsFullRepaint = true
        case .quit:
            break
        }
    }

    // MARK: - Drawing

    /// Paints the text layer and, when needed, sends the picture again.
    func draw() {
        dirty = false
        let size = screen.size
        guard let layout = Layout(size: size) else {
            screen.clear()
            Painter.tooSmall(size).replay(on: screen)
            if !wasTooSmall { screen.invalidate() }
            screen.refresh()
            wasTooSmall = true
            placement = nil
            return
        }
        if wasTooSmall {
            wasTooSmall = false
            needsFullRepaint = true
        }

        // The picture: composed and encoded only when something it depends on changed. A frame
        // made for another view is not shown at all (the box says what is coming instead):
        // the old picture would be stale, and a face in the sheet's box would be wrong.
        var showPicture = false
        var pictureChanged = false
        var waiting: CellRect?
        let view = state.effectiveView(model)
        let attention = state.effectiveAttention(model)
        if !isHelpOpen, let f = frame, let native = ViewComposer.nativeSize(f) {
            let box = view == .sheet ? layout.body : layout.face
            if !ViewComposer.fits(f, view: view, attention: attention) {
                waiting = box
            } else if let (p, renderer) = placePicture(native, in: box) {
                let key = PictureKey(frameID: f.id, view: view, attention: attention, placement: p, renderer: renderer)
                if key != pictureKey {
                    picturePayload = nil
                    let t0 = Self.now()
                    // A whole-number enlargement is left to the renderer (pixel repetition); a
                    // fitted size is composed at that size with the smooth filter.
                    let composeSize = p.scale != nil ? native : p.pixelSize
                    if let image = ViewComposer.compose(f, view: view, attention: attention, size: composeSize) {
                        let t1 = Self.now()
                        lastComposeMilliseconds = (t1 - t0) * 1000
                        do {
                            picturePayload = try presenter.payload(for: image, scale: p.scale ?? 1, renderer: renderer)
                            lastEncodeMilliseconds = (Self.now() - t1) * 1000
                        } catch {
                            state.message = StatusMessage("cannot draw the picture: \(error)", isError: true)
                        }
                    }
                    // A picture that moved or shrank leaves pixels behind: repaint everything.
                    if let old = placement, old != p { needsFullRepaint = true }
                    pictureKey = key
                    pictureChanged = true
                }
                placement = p
                showPicture = picturePayload != nil
            }
        }
        if !showPicture, pictureKey != nil {
            // The picture is gone (help is open, or nothing to show): clear it away.
            pictureKey = nil
            needsFullRepaint = true
        }
        // A frame that cannot be shown now (help covers the face) still counts as handled.
        if !showPicture, let f = frame, f.id > presentedFrameID { presentedFrameID = f.id }

        let canvas = Painter.paint(state, model: model, layout: layout, context: paintContext(layout))
        // Text that changed on the picture's rows may have been drawn over it by curses'
        // cursor optimisation, so the picture goes again; the same for legends.
        let band = placement.map { p in canvas.ops(onRows: p.row..<(p.row + p.cells.rows)) }
        let bandChanged = band != previousBand
        previousBand = band

        screen.clear()
        canvas.replay(on: screen)
        if let box = waiting {
            let text = ViewComposer.waitingText(view)
            screen.draw(text, row: box.row + box.rows / 2, col: box.col + max(0, (box.cols - text.count) / 2), style: .dim)
        }
        if needsFullRepaint {
            screen.invalidate()
        }
        let sendRaw = needsFullRepaint || pictureChanged || bandChanged || canvas.cells != previousCells
        needsFullRepaint = false
        // A kitty image stays on screen until deleted, whatever is drawn over it.
        if kittyOnScreen, !(showPicture && picturePayload.map(Self.isKitty) == true) {
            screen.drawRaw(ImagePresenter.kittyCleanup, row: 0, col: 0)
            kittyOnScreen = false
        }
        if sendRaw {
            if showPicture, let payload = picturePayload, let p = placement {
                ImagePresenter.draw(payload, on: screen, row: p.row, col: p.col)
                if Self.isKitty(payload) { kittyOnScreen = true }
                lastPayload = payload
                if let f = frame, f.id > presentedFrameID {
                    presentedFrameID = f.id
                    recordPresentation()
                }
            }
            for cells in canvas.cells { screen.drawCells(cells.lines, row: cells.row, col: cells.col) }
            previousCells = canvas.cells
        }
        screen.refresh()
    }

    private static func isKitty(_ payload: ScreenPayload) -> Bool {
        if case .kitty = payload { return true }
        return false
    }

    /// Where a picture of `native` pixels goes in `box`, and in which renderer. Sixel pictures
    /// are fitted inside the terminal's own limit (XTSMGRAPHICS); where that limit would make
    /// the picture smaller than half blocks, it is drawn in half blocks instead. Either way the
    /// message line says so once, with how to raise the limit.
    private func placePicture(_ native: PixelSize, in box: CellRect) -> (PicturePlacement, Renderer)? {
        let renderer = presenter.renderer
        let sixel = renderer == .sixel
        let limit = sixel ? display.graphicsLimit : nil
        guard let p = Layout.place(image: native, cell: presenter.pixelsPerCell(renderer), in: box, sixel: sixel, limit: limit)
        else { return nil }
        var note: String?
        var chosen = (p, renderer)
        if let limit, p != Layout.place(image: native, cell: presenter.pixelsPerCell(renderer), in: box, sixel: true) {
            let blocks = presenter.cellRenderer
            if let b = Layout.place(image: native, cell: presenter.pixelsPerCell(blocks), in: box),
               b.cells.rows * b.cells.cols > p.cells.rows * p.cells.cols {
                chosen = (b, blocks)
                note = "the terminal shows sixel pictures up to \(limit) px, smaller than half blocks here: "
                    + "drawing \(blocks.rawValue). \(Self.raiseLimitHint)"
            } else {
                note = "picture fitted to the terminal's \(limit) px sixel limit. \(Self.raiseLimitHint)"
            }
        }
        if note != limitNote {
            limitNote = note
            if let note { state.message = StatusMessage(note) }
        }
        return chosen
    }

    /// How to raise xterm's sixel limit (other terminals that report one have no such setting).
    static let raiseLimitHint = "To raise it in xterm: XTerm*maxGraphicSize: 4096x4096 in ~/.Xresources, "
        + "or xterm -xrm 'XTerm*maxGraphicSize: 4096x4096'"

    private var isHelpOpen: Bool {
        if case .help = state.overlay { return true }
        return false
    }

    private func paintContext(_ layout: Layout) -> PaintContext {
        if legendCache?.renderer != presenter.renderer {
            legendCache = (presenter.renderer, presenter.legendCells(LegendImages.colormapBar()),
                           (0..<model.tokens).map { presenter.legendCells(LegendImages.swatch($0)) })
        }
        let ms = frame?.renderMilliseconds
        var renderer = display.renderer.rawValue, reason = display.reason
        if let shown = pictureKey?.renderer, shown != presenter.renderer, let limit = display.graphicsLimit {
            renderer += "→" + shown.rawValue
            reason = "terminal's sixel limit \(limit) px; " + reason
        }
        // Predictions only for the face on screen: none while the frame shows another face.
        let attributes = frame.flatMap { f in lastAttributes.flatMap { $0.recipe == f.request.recipe ? $0.values : nil } }
        return PaintContext(renderer: renderer, rendererReason: reason, frameMilliseconds: ms,
                            fps: fps(), busy: lastBusy, export: lastExport, queuedExports: exporter.pendingCount,
                            attention: frame?.attention, colormapBar: legendCache?.bar, tokenSwatches: legendCache?.swatches ?? [],
                            attributes: attributes)
    }

    private func recordPresentation() {
        let now = Self.now()
        presentTimes.append(now)
        presentTimes.removeAll { now - $0 > 2 }
    }

    /// New frames per second over the last two seconds; nil when nothing moved lately.
    private func fps() -> Double? {
        let now = Self.now()
        let recent = presentTimes.filter { now - $0 <= 2 }
        guard recent.count >= 2, let first = recent.first, let last = recent.last, last > first else { return nil }
        return Double(recent.count - 1) / max(last - first, 0.001)
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
