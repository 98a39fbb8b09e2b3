// DirectionPanelTests.swift: the directions panel groups the directions under
// headings (named, PCA, SeFa, other, yours), ↑↓ follow that order while indices
// stay those of the model, and a named direction with a unit shows what its offset
// does, on every supported terminal size.

import Engine
import Terminal
import Testing
@testable import Explorer

@Suite struct DirectionPanelTests {
    /// Methods in index order that the panel must regroup: attribute and user directions in between the others.
    static let model = ModelInfo(
        name: "tiny", resolution: 16, layerNames: Fixture.model.layerNames, layerResolutions: Fixture.model.layerResolutions,
        tokens: 4, heads: 2,
        directions: [
            DirectionInfo(name: "pca0", sigma: 1.5, method: "pca", explained: 0.2),
            DirectionInfo(name: "sefa0", sigma: 0.7, method: "sefa", explained: 0.1),
            DirectionInfo(name: "age", sigma: 0.25, method: "attribute", step: 1.6, unit: DirectionUnit(label: "years", perStep: 6.4)),
            DirectionInfo(name: "mine", sigma: 0.9, method: "user"),
            DirectionInfo(name: "pca1", sigma: 1.2, method: "pca", explained: 0.1),
            DirectionInfo(name: "gender", sigma: 0.3, method: "attribute", step: 0.9, unit: DirectionUnit(label: "P(female)", perStep: 0.11)),
            DirectionInfo(name: "random0", sigma: 0.5, method: "random"),
        ])

    /// The screen after painting `state` at `size`.
    func screen(_ state: ExplorerState, size: TerminalSize = TerminalSize(rows: 40, cols: 120)) throws -> (RecordingScreen, Layout) {
        let layout = try #require(Layout(size: size))
        let screen = RecordingScreen(size: size)
        Painter.paint(state, model: Self.model, layout: layout, context: PaintContext(renderer: "blocks", rendererReason: "test"))
            .replay(on: screen)
        return (screen, layout)
    }

    /// The panel's list rows (below its two header lines), trailing blanks removed.
    func listRows(_ screen: RecordingScreen, _ layout: Layout) -> [String] {
        (layout.panel.row + 3 ..< layout.panel.row + layout.panel.rows).map { row in
            let line = screen.line(row)
            let start = line.index(line.startIndex, offsetBy: layout.panel.col)
            return String(String(line[start...]).reversed().drop { $0 == " " }.reversed())
        }.filter { !$0.isEmpty }
    }

    @Test func groupsUnderHeadingsKeepingIndices() throws {
        #expect(Self.model.directionGroups.map(\.group) == [.named, .pca, .sefa, .other, .yours])
        #expect(Self.model.panelOrder == [2, 5, 0, 4, 1, 6, 3])
        var s = ExplorerState(model: Self.model, seed: 1)
        s.selectedDirection = 0
        let (sc, layout) = try screen(s)
        let rows = listRows(sc, layout)
        #expect(rows.first == "── named (2)")
        #expect(rows.contains("── PCA (2)") && rows.contains("── SeFa (1)") && rows.contains("── other (1)") && rows.contains("── yours (1)"))
        let order = ["age", "gender", "pca0", "pca1", "sefa0", "random0", "mine"]
        let flat = rows.joined(separator: "\n")
        var last = flat.startIndex
        for n in order {
            let at = try #require(flat.range(of: " \(n)", range: last..<flat.endIndex), "\(n) is listed after the one before")
            last = at.upperBound
        }
        // Selecting by index still means the model's index.
        let chosen = run([.selectDirectionNamed("3")], s, model: Self.model)
        #expect(Self.model.directions[chosen.selectedDirection].name == "mine")
    }

    @Test func upAndDownFollowTheListedOrder() {
        var s = ExplorerState(model: Self.model, seed: 1)
        s.selectedDirection = 2
        var seen = [s.selectedDirection]
        for _ in 0..<8 {
            s = press([.down], s, model: Self.model).0
            seen.append(s.selectedDirection)
        }
        #expect(seen == [2, 5, 0, 4, 1, 6, 3, 3, 3])
        #expect(press([.up], s, model: Self.model).0.selectedDirection == 6)
        #expect(press([.home], s, model: Self.model).0.selectedDirection == 2)
        #expect(press([.end], s, model: Self.model).0.selectedDirection == 3)
    }

    @Test func aNamedDirectionShowsItsOffsetInItsUnit() throws {
        var s = ExplorerState(model: Self.model, seed: 1)
        s.selectedDirection = 2
        s.stepSize = 0.5
        s = press([.right, .right, .right], s, model: Self.model).0     // +1.5 steps of age
        #expect(s.recipe.offsets == [DirectionOffset(direction: "age", amount: 1.5)])
        let (sc, layout) = try screen(s)
        let rows = listRows(sc, layout)
        let age = try #require(rows.first { $0.contains(" age ") })
        #expect(age == "▸ age    +1.50 ≈ +9.6 years", "\(age)")
        #expect(!age.contains("σ"), "a step of age is not σ")
        let header = sc.line(layout.panel.row + 1)
        #expect(header.contains("step 0.50 on "), "\(header)")
        #expect(sc.line(layout.panel.row + 2).contains("attribute, step 6.40σ"))
        #expect(sc.text.contains(" age +1.50 ≈ +9.6 years"), "the active offsets list it too")
        // A direction whose step is σ reads in σ as before.
        s.selectedDirection = 0
        s = press([.right], s, model: Self.model).0
        let (sc2, layout2) = try screen(s)
        #expect(listRows(sc2, layout2).contains { $0.contains("pca0") && $0.hasSuffix("σ1.50  +0.50σ") })
        #expect(sc2.line(layout2.panel.row + 1).contains("step 0.50σ on "))
    }

    @Test func fitsTheSmallestTerminal() throws {
        var s = ExplorerState(model: Self.model, seed: 1)
        s.selectedDirection = 3   // "mine", listed last
        s.recipe.offsets = [DirectionOffset(direction: "gender", amount: -2), DirectionOffset(direction: "pca1", amount: 1)]
        for size in [TerminalSize(rows: 24, cols: 80), TerminalSize(rows: 40, cols: 120), TerminalSize(rows: 60, cols: 200)] {
            for view in ViewMode.allCases where view != .sheet {
                s.view = view
                let (sc, layout) = try screen(s, size: size)
                let c = Painter.paint(s, model: Self.model, layout: layout, context: PaintContext(renderer: "blocks", rendererReason: "test"))
                for op in c.ops { #expect(op.col + op.text.count <= size.cols, "\(view) at \(size): '\(op.text)' overflows") }
                #expect(listRows(sc, layout).contains { $0.hasPrefix("▸ mine") }, "the selection stays visible at \(size)")
            }
        }
        // A list too short for headings drops them rather than the directions.
        #expect(Painter.directionRows(Self.model, rows: Painter.minRowsForHeadings - 1).count == Self.model.directions.count)
        #expect(Painter.directionRows(Self.model, rows: Painter.minRowsForHeadings).count == Self.model.directions.count + 5)
    }
}
