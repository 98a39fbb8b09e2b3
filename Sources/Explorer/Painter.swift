// Painter: the text layer of one screen — status line, side panel, message line,
// key hints or command line, help screen — drawn into a TextCanvas (a list of
// draw operations) that the app replays on the ScreenDriver. Painting into values
// lets the app see whether text changed beside the picture (then the picture is
// sent again) and lets tests read the screen without a terminal.

import Engine
import Imaging
import Terminal

/// One text draw.
struct TextOp: Sendable, Equatable {
    var row: Int
    var col: Int
    var text: String
    var style: TextStyle
}

/// Pre-rendered cell rows (legend swatches) to send as a raw payload.
struct CellsOp: Sendable, Equatable {
    var row: Int
    var col: Int
    var lines: [String]
}

/// A screen's worth of text draws.
struct TextCanvas: Sendable, Equatable {
    var ops: [TextOp] = []
    var cells: [CellsOp] = []

    init() {}

    /// Draws `text` clipped to `width` characters.
    mutating func put(_ text: String, row: Int, col: Int, width: Int, style: TextStyle = []) {
        guard width > 0, !text.isEmpty else { return }
        ops.append(TextOp(row: row, col: col, text: text.clipped(width), style: style))
    }

    /// The draws on one row, in order (for change detection beside the picture).
    func ops(onRows rows: Range<Int>) -> [TextOp] { ops.filter { rows.contains($0.row) } }

    /// Replays the draws on a screen.
    func replay(on screen: ScreenDriver) {
        for op in ops { screen.draw(op.text, row: op.row, col: op.col, style: op.style) }
    }
}

/// What the painter shows besides the state.
struct PaintContext: Sendable {
    /// "blocks", "sixel", ...
    var renderer: String
    /// Why that renderer (detection reason, or "forced by --renderer"), with tmux noted.
    var rendererReason: String
    /// Generator time of the frame on screen.
    var frameMilliseconds: Double?
    /// Frames shown per second over the last second or two.
    var fps: Double?
    /// A render is in progress.
    var busy: Bool
    var export: Exporter.Progress?
    var queuedExports: Int
    /// The attention maps of the frame on screen (for legends).
    var attention: AttentionMap?
    /// Legend swatches, already encoded for the terminal: the colormap bar and one swatch per token.
    var colormapBar: [String]?
    var tokenSwatches: [[String]]
    /// The attribute classifier's predictions for the face on screen (nil: no classifier, or none yet).
    var attributes: [AttributeClassifier.Prediction]?

    init(renderer: String, rendererReason: String, frameMilliseconds: Double? = nil, fps: Double? = nil, busy: Bool = false,
                export: Exporter.Progress? = nil, queuedExports: Int = 0, attention: AttentionMap? = nil,
                colormapBar: [String]? = nil, tokenSwatches: [[String]] = [], attributes: [AttributeClassifier.Prediction]? = nil) {
        self.attributes = attributes
        self.renderer = renderer
        self.rendererReason = rendererReason
        self.frameMilliseconds = frameMilliseconds
        self.fps = fps
        self.busy = busy
        self.export = export
        self.queuedExports = queuedExports
        self.attention = attention
        self.colormapBar = colormapBar
        self.tokenSwatches = tokenSwatches
    }
}

enum Painter {
    /// Paints everything but the picture.
    static func paint(_ state: ExplorerState, model: ModelInfo, layout: Layout, context: PaintContext) -> TextCanvas {
        var c = TextCanvas()
        statusLine(&c, state, model, layout, context)
        if case .help(let scroll) = state.overlay {
            help(&c, scroll: scroll, layout: layout)
        } else {
            if state.effectiveView(model) != .sheet {
                for r in layout.body.row..<(layout.body.row + layout.body.rows) {
                    c.put("│", row: r, col: layout.separatorCol, width: 1, style: .dim)
                }
                panel(&c, state, model, layout.panel, context)
            }
            messageLine(&c, state, layout, context)
        }
        hintLine(&c, state, model, layout)
        return c
    }

    /// The too-small screen: the message in the middle, and what to do.
    static func tooSmall(_ size: TerminalSize) -> TextCanvas {
        var c = TextCanvas()
        let lines = [TerminalTooSmall.message(for: size, minimum: Layout.minimum) ?? "", "enlarge the window, or press q to quit"]
        for (i, l) in lines.enumerated() {
            let row = max(0, size.rows / 2 - 1 + i)
            c.put(l, row: row, col: max(0, (size.cols - l.count) / 2), width: size.cols, style: i == 0 ? .bold : [])
        }
        return c
    }

    // MARK: - Lines

    static func statusLine(_ c: inout TextCanvas, _ s: ExplorerState, _ model: ModelInfo, _ layout: Layout, _ x: PaintContext) {
        let r = s.recipe
        var parts = ["latentscope", model.name, "seed \(r.seed)", "ψ \(SigmaFormat.plain(r.psi))"]
        if let cut = r.truncationCutoff { parts[parts.count - 1] += " (layers <\(cut))" }
        parts.append("noise \(r.noise.rawValue)" + (r.noise == .seeded && r.noiseSeed != nil ? " \(r.noiseSeed!)" : ""))
        // What the model's classifier sees in this face: "age 34 · P(female) 0.82".
        if let a = x.attributes, !a.isEmpty { parts.append(a.map(\.shortText).joined(separator: " · ")) }
        var timing = x.frameMilliseconds.map { "\(Int($0.rounded())) ms/frame" } ?? "– ms/frame"
        timing += x.fps.map { " \(Int($0.rounded())) fps" } ?? ""
        if x.busy { timing += " ⟳" }
        parts.append(timing)
        parts.append("\(x.renderer): \(x.rendererReason)")
        let text = " " + parts.joined(separator: " │ ")
        c.put(text.padded(to: layout.size.cols), row: layout.statusRow, col: 0, width: layout.size.cols, style: .reverse)
    }

    static func messageLine(_ c: inout TextCanvas, _ s: ExplorerState, _ layout: Layout, _ x: PaintContext) {
        let w = layout.size.cols - 1
        if let p = x.export {
            let more = x.queuedExports > 1 ? " (\(x.queuedExports - 1) more queued)" : ""
            let bar = progressBar(done: p.done, total: p.total, width: 20)
            c.put(" exporting \(p.kind) \(bar) \(p.done)/\(p.total)\(more)", row: layout.messageRow, col: 0, width: w, style: .bold)
        } else if let m = s.message {
            c.put(" " + (m.isError ? "⚠ " : "") + m.text, row: layout.messageRow, col: 0, width: w, style: m.isError ? .bold : [])
        }
    }

    static func progressBar(done: Int, total: Int, width: Int) -> String {
        let filled = total > 0 ? min(width, done * width / total) : 0
        return "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "]"
    }

    static func hintLine(_ c: inout TextCanvas, _ s: ExplorerState, _ model: ModelInfo, _ layout: Layout) {
        let w = layout.size.cols - 1
        switch s.overlay {
        case .command(let input)?:
            // Show the end of a long line, so the cursor stays visible.
            let visible = String(input.text.suffix(max(1, w - 3)))
            c.put(":" + visible + "█", row: layout.hintRow, col: 0, width: w, style: .bold)
            return
        case .help?:
            c.put(" help: " + KeyMap.helpHint, row: layout.hintRow, col: 0, width: w, style: .dim)
            return
        case nil:
            break
        }
        if s.animation != nil {
            c.put(" animating: any key stops (u afterwards goes back to the start)", row: layout.hintRow, col: 0, width: w, style: .bold)
            return
        }
        c.put(" " + KeyBindings.hintLine(for: s.panel), row: layout.hintRow, col: 0, width: w, style: .dim)
    }

    static func help(_ c: inout TextCanvas, scroll: Int, layout: Layout) {
        let lines = HelpText.lines(width: layout.size.cols - 2)
        let rows = layout.body.rows + 1  // the message line too
        let top = min(scroll, max(0, lines.count - rows))
        for (i, line) in lines.dropFirst(top).prefix(rows).enumerated() {
            c.put(" " + line, row: layout.body.row + i, col: 0, width: layout.size.cols, style: top + i == 0 ? .bold : [])
        }
    }

    // MARK: - Panels

    static func panel(_ c: inout TextCanvas, _ s: ExplorerState, _ model: ModelInfo, _ p: CellRect, _ x: PaintContext) {
        var legendRows = 0
        let view = s.effectiveView(model)
        if view == .heatmap || view == .owner { legendRows = legend(&c, s, model, p, x) }
        let area = CellRect(row: p.row, col: p.col, rows: p.rows - legendRows, cols: p.cols)
        c.put(s.panel.title, row: area.row, col: area.col, width: area.cols - 12, style: .bold)
        c.put("Tab d m a b", row: area.row, col: area.col + area.cols - 11, width: 11, style: .dim)
        let body = CellRect(row: area.row + 1, col: area.col, rows: area.rows - 1, cols: area.cols)
        switch s.panel {
        case .directions: directions(&c, s, model, body)
        case .mix: mix(&c, s, model, body)
        case .attention: attention(&c, s, model, body)
        case .bookmarks: bookmarks(&c, s, model, body)
        }
    }

    /// Draws `count` list rows with a window that keeps `selected` visible; returns rows used.
    static func list(_ c: inout TextCanvas, count: Int, selected: Int?, in r: CellRect, row: (Int) -> (String, TextStyle)) {
        guard r.rows > 0 else { return }
        let visible = r.rows
        var top = 0
        if let selected, count > visible { top = min(max(0, selected - visible / 2), count - visible) }
        for i in top..<min(count, top + visible) {
            let (text, style) = row(i)
            var t = text
            if i == top && top > 0 { t = "↑" + t.dropFirst() }
            if i == top + visible - 1 && top + visible < count { t = "↓" + t.dropFirst() }
            c.put(t, row: r.row + i - top, col: r.col, width: r.cols, style: style)
        }
    }

    /// One row of the directions list: a group's heading or a direction (by index).
    enum DirectionRow: Equatable {
        case heading(DirectionGroup, count: Int)
        case direction(Int)
    }

    /// The list rows: every group under its heading, in panel order. Headings are left out when
    /// the list has fewer than `minRowsForHeadings` rows, where they would crowd out the directions.
    static func directionRows(_ model: ModelInfo, rows: Int) -> [DirectionRow] {
        let headings = rows >= minRowsForHeadings
        return model.directionGroups.flatMap { g in
            (headings ? [DirectionRow.heading(g.group, count: g.indices.count)] : []) + g.indices.map { .direction($0) }
        }
    }

    static let minRowsForHeadings = 6

    static func directions(_ c: inout TextCanvas, _ s: ExplorerState, _ model: ModelInfo, _ r: CellRect) {
        let w = r.cols
        guard !model.directions.isEmpty else {
            c.put("this model has no directions", row: r.row, col: r.col, width: w)
            return
        }
        let d = model.directions[min(s.selectedDirection, model.directions.count - 1)]
        var detail = d.method.rawValue
        if let step = d.step {
            // Its own step, in σ when σ is known, so it compares with the other directions.
            detail += d.sigma > 0 ? ", step \(SigmaFormat.plain(step / d.sigma))σ" : ", step \(SigmaFormat.plain(step))"
        } else {
            detail += ", σ \(SigmaFormat.plain(d.sigma))"
        }
        if let u = d.unit { detail += ", \(u.change(1))/step" }
        if let e = d.explained { detail += ", \(SigmaFormat.plain(e * 100))% var" }
        if let l = d.layers { detail += ", L\(l.lowerBound)-\(l.upperBound)" }
        c.put("step \(SigmaFormat.plain(s.stepSize))\(d.stepsAreSigma ? "σ" : "") on " + Reducer.editLayersLabel(s, model), row: r.row, col: r.col, width: w)
        c.put("  tokens " + (s.stepTokens(model).map { $0.map(String.init).joined(separator: ",") } ?? "all") + " · " + detail,
              row: r.row + 1, col: r.col, width: w, style: .dim)
        let active = s.recipe.offsets
        let activeRows = active.isEmpty ? 0 : min(active.count + 1, max(0, (r.rows - 3) / 3))
        let listRect = CellRect(row: r.row + 2, col: r.col, rows: r.rows - 2 - activeRows, cols: w)
        // name, σ (when there is room and a step is σ), offset, and for a direction with a unit what
        // the offset does: "▸ pca0   σ1.21 +1.50σ", "  age|gender +1.50 ≈ +9.6 years". The heading
        // names the method; names are padded to the longest of their group, so short groups keep room.
        let showSigma = w >= 40
        let widest = max(6, min(16, w - (showSigma ? 25 : 20)))
        var nameWidths: [DirectionGroup: Int] = [:]
        for g in model.directionGroups {
            nameWidths[g.group] = min(widest, max(6, g.indices.map { model.directions[$0].name.count }.max() ?? 0))
        }
        let rows = directionRows(model, rows: listRect.rows)
        list(&c, count: rows.count, selected: rows.firstIndex(of: .direction(s.selectedDirection)), in: listRect) { i in
            switch rows[i] {
            case .heading(let g, let count):
                return ("── \(g.title) (\(count))", .dim)
            case .direction(let k):
                let di = model.directions[k]
                let total = s.recipe.totalOffset(di.name)
                let selected = k == s.selectedDirection
                let mark = selected ? "▸ " : "  "
                var amount = ""
                if active.contains(where: { $0.direction == di.name }) {
                    amount = di.amountLabel(total)
                    if let u = di.unitLabel(total) { amount += " " + u }
                }
                let sigma = showSigma && di.stepsAreSigma ? ("σ" + SigmaFormat.plain(di.sigma)).padded(to: 6) + " " : ""
                let nameWidth = nameWidths[DirectionGroup(method: di.method)] ?? widest
                let text = mark + di.name.clipped(nameWidth).padded(to: nameWidth) + " " + sigma + amount
                return (text, selected ? .reverse : [])
            }
        }
        if activeRows > 0 {
            let top = r.row + r.rows - activeRows
            c.put("active offsets (x reset, X all):", row: top, col: r.col, width: w, style: .dim)
            for (i, o) in active.prefix(activeRows - 1).enumerated() {
                let more = i == activeRows - 2 && active.count > activeRows - 1 ? " +\(active.count - activeRows + 1) more" : ""
                let info = model.directionIndex(o.direction).map { model.directions[$0] }
                // The unit was measured on edits of every layer and token: only such an offset shows it.
                let unit = o.layers == nil && o.tokens == nil ? info?.unitLabel(o.amount).map { " " + $0 } ?? "" : ""
                c.put(" \(o.direction) \(o.label(info))\(unit)\(more)", row: top + 1 + i, col: r.col, width: w)
            }
        }
    }

    static func mix(_ c: inout TextCanvas, _ s: ExplorerState, _ model: ModelInfo, _ r: CellRect) {
        let w = r.cols
        let slots = s.recipe.slots.enumerated().map { "\(SlotName.letter($0.offset)) \($0.element)" }
        c.put("slots: " + (slots.isEmpty ? "none (P pins this seed)" : slots.joined(separator: "  ")), row: r.row, col: r.col, width: w)
        let L = model.numLayers
        let selection = s.mixSelection(model)
        func src(_ k: Int?) -> String { k.map { "\(SlotName.letter($0)) \(s.recipe.slots.indices.contains($0) ? String(s.recipe.slots[$0]) : "?")" } ?? "own" }
        let nameWidth = max(6, w - 16)
        list(&c, count: L + model.tokens, selected: s.mixCursor, in: CellRect(row: r.row + 1, col: r.col, rows: r.rows - 1, cols: w)) { i in
            let mark = i == s.mixCursor ? "▸" : (selection.contains(i) ? "•" : " ")
            let style: TextStyle = i == s.mixCursor ? .reverse : (selection.contains(i) ? .bold : [])
            if i < L {
                let name = model.layerNames[i].clipped(nameWidth).padded(to: nameWidth)
                let num = (i < 10 ? " " : "") + "\(i)"
                return ("\(mark)\(num) \(name) \(src(s.recipe.layerSource(i)))", style)
            }
            let t = i - L
            let label = "token \(t)".padded(to: nameWidth + 3)
            return ("\(mark)\(label) \(src(s.recipe.tokenSource(t)))", style)
        }
    }

    static func attention(_ c: inout TextCanvas, _ s: ExplorerState, _ model: ModelInfo, _ r: CellRect) {
        let w = r.cols
        let a = s.attention
        c.put("head  \(a.headLabel)  (h)", row: r.row, col: r.col, width: w)
        c.put("token \(a.token) of \(model.tokens)  (←→)", row: r.row + 1, col: r.col, width: w)
        c.put("view  \(s.view.rawValue)  (v)", row: r.row + 2, col: r.col, width: w)
        let listRect = CellRect(row: r.row + 3, col: r.col, rows: r.rows - 3, cols: w)
        list(&c, count: model.numLayers, selected: a.layer, in: listRect) { i in
            let num = (i < 10 ? " " : "") + "\(i)"
            let res = "\(model.layerResolutions[i])²"
            let text = (i == a.layer ? "▸" : " ") + num + " " + model.layerNames[i].padded(to: 11) + " " + res
            return (text, i == a.layer ? .reverse : [])
        }
    }

    static func bookmarks(_ c: inout TextCanvas, _ s: ExplorerState, _ model: ModelInfo, _ r: CellRect) {
        let w = r.cols
        guard !s.bookmarks.isEmpty else {
            c.put("no bookmarks yet", row: r.row, col: r.col, width: w)
            c.put("s saves the face under a name", row: r.row + 1, col: r.col, width: w, style: .dim)
            return
        }
        list(&c, count: s.bookmarks.count, selected: s.bookmarkCursor, in: r) { i in
            let b = s.bookmarks[i]
            var what = "seed \(b.recipe.seed) ψ\(SigmaFormat.plain(b.recipe.psi))"
            if !b.recipe.offsets.isEmpty { what += " \(b.recipe.offsets.count)dir" }
            if b.recipe.isMixed { what += " mix" }
            let nameWidth = max(6, w - what.count - 3)
            return ((i == s.bookmarkCursor ? "▸ " : "  ") + b.name.clipped(nameWidth).padded(to: nameWidth) + " " + what,
                    i == s.bookmarkCursor ? .reverse : [])
        }
    }

    /// The legend at the bottom of the panel; returns the rows it took.
    static func legend(_ c: inout TextCanvas, _ s: ExplorerState, _ model: ModelInfo, _ p: CellRect, _ x: PaintContext) -> Int {
        let view = s.effectiveView(model)
        let a = s.effectiveAttention(model)
        let top = p.row + p.rows - 3
        let w = p.cols
        c.put("─ " + (view == .owner ? "owner map" : "token \(a.token) attention") + ", layer \(a.layer), \(a.head.map { "head \($0)" } ?? "mean")",
              row: top, col: p.col, width: w, style: .dim)
        if view == .heatmap {
            c.put("0", row: top + 1, col: p.col, width: 1)
            if let bar = x.colormapBar {
                c.cells.append(CellsOp(row: top + 1, col: p.col + 2, lines: bar))
            }
            c.put("1  \(ViewComposer.colormap.rawValue)", row: top + 1, col: p.col + 2 + LegendImages.barWidth + 1, width: w - LegendImages.barWidth - 3)
        } else {
            // One swatch and label per token, with its share of the pixels.
            var col = p.col
            var row = top + 1
            let shares = x.attention.map { ViewComposer.ownerShares($0, head: a.head) }
            for t in 0..<model.tokens {
                let label = "t\(t)" + (shares.map { " \(Int(($0[t] * 100).rounded()))%" } ?? "")
                let need = 3 + label.count + 1
                if col + need > p.col + w { row += 1; col = p.col }
                if row > top + 2 { break }
                if t < x.tokenSwatches.count { c.cells.append(CellsOp(row: row, col: col, lines: x.tokenSwatches[t])) }
                c.put(label, row: row, col: col + 3, width: label.count)
                col += need
            }
        }
        return 3
    }
}

/// The small pictures legends are made of.
enum LegendImages {
    /// Width of the colormap bar in cells.
    static let barWidth = 16

    /// The colormap from 0 (left) to 1, one cell row high.
    static func colormapBar() -> RGBImage { ViewComposer.colormap.bar(width: barWidth, height: 2) }

    /// A two-cell swatch of the owner-map colour of `token`.
    static func swatch(_ token: Int) -> RGBImage { RGBImage(width: 2, height: 2, fill: Palette.color(token)) }
}

extension String {
    /// At most `width` characters, with "…" when cut.
    func clipped(_ width: Int) -> String {
        guard count > width else { return self }
        return width <= 1 ? String(prefix(max(0, width))) : String(prefix(width - 1)) + "…"
    }
}
