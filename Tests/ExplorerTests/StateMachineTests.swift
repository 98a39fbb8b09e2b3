// StateMachineTests.swift: the explorer's state machine without a terminal:
// keys -> actions -> state -> render request, undo/redo, direction steps in σ,
// style mixing, attention bounds, the command line and animations.

import Engine
import Sheets
import Terminal
import Testing
@testable import Explorer

@Suite struct StateMachineTests {
    let model = Fixture.model
    var start: ExplorerState { ExplorerState(model: model, seed: 42, rngSeed: 1) }

    // MARK: - Seeds, ψ, noise

    @Test func seedKeysChangeTheRenderRequest() {
        let s0 = start
        #expect(s0.renderRequest(model) == RenderRequest(recipe: Recipe(seed: 42), kind: .face(attentionLayer: nil)))
        let (s1, _) = press([.char("n")], s0)
        #expect(s1.recipe.seed == 43)
        #expect(s1.renderRequest(model).recipe.seed == 43)
        let (s2, _) = press([.char("p"), .char("p")], s1)
        #expect(s2.recipe.seed == 41)
        let (s3, _) = press([.char("r")], s2)
        #expect(s3.recipe.seed != 41 && s3.recipe.seed < 1_000_000)
        // The same random state gives the same "random" seed: the reducer is deterministic.
        #expect(press([.char("r")], s2).0.recipe.seed == s3.recipe.seed)
        // A key that changes nothing visible leaves the request alone.
        let (s4, _) = press([.char("d")], s3)
        #expect(s4.renderRequest(model) == s3.renderRequest(model))
    }

    @Test func psiStepsAndClamps() {
        let (s, _) = press([.char("-"), .char("-"), .char("-")], start)
        #expect(s.recipe.psi == 0.7)
        let (hi, _) = press(Array(repeating: .char("+"), count: 30), start)
        #expect(hi.recipe.psi == 2)
        let bad = run([.setPsi(5)], start)
        #expect(bad.recipe.psi == 1)
        #expect(bad.message?.isError == true)
        #expect(bad.message?.text.contains("between -2 and 2") == true)
    }

    @Test func noiseCyclesAndReseeds() {
        let (s1, _) = press([.char("o")], start)
        #expect(s1.recipe.noise == .const)
        let (s2, _) = press([.char("o")], s1)
        #expect(s2.recipe.noise == .off)
        #expect(s2.recipe.noiseMode == .off)
        let (s3, _) = press([.char("O")], s2)
        #expect(s3.recipe.noise == .seeded)
        #expect(s3.recipe.noiseSeed != nil)
        #expect(s3.recipe.noiseMode == .seeded(s3.recipe.noiseSeed!))
    }

    // MARK: - Undo / redo

    @Test func undoAndRedoWalkTheHistory() {
        let (s, _) = press([.char("n"), .char("+"), .right, .char("o")], start)
        #expect(s.recipe.seed == 43 && s.recipe.psi == 1.1 && s.recipe.offsets.count == 1 && s.recipe.noise == .const)
        let (u1, _) = press([.char("u")], s)
        #expect(u1.recipe.noise == .seeded && u1.recipe.offsets.count == 1)
        let (u3, _) = press([.char("u"), .char("u")], u1)
        #expect(u3.recipe.seed == 43 && u3.recipe.psi == 1 && u3.recipe.offsets.isEmpty)
        let (u4, _) = press([.char("u")], u3)
        #expect(u4.recipe == Recipe(seed: 42))
        let (u5, _) = press([.char("u")], u4)
        #expect(u5.recipe == Recipe(seed: 42))
        #expect(u5.message?.text == "nothing to undo")
        let (r2, _) = press([.char("U"), .char("\u{12}")], u5)
        #expect(r2.recipe.seed == 43 && r2.recipe.psi == 1.1 && r2.recipe.offsets.isEmpty)
        // A new change after undo drops the redo branch.
        let (b, _) = press([.char("n")], r2)
        #expect(!b.history.canRedo)
        #expect(b.recipe.seed == 44)
    }

    @Test func nonLatentKeysDoNotEnterTheHistory() {
        let (s, _) = press([.char("v"), .tab, .down, .char(">"), .char("l")], start)
        #expect(!s.history.canUndo)
    }

    // MARK: - Directions

    @Test func stepsAreInSigmaUnitsOverTheDirectionsLayers() {
        // "pose" is the first direction; it is meant for layers 0-2.
        let (s, _) = press([.right, .right, .right], start)
        #expect(s.recipe.offsets == [DirectionOffset(direction: "pose", amount: 1.5, layers: 0...2)])
        let (s2, _) = press([.left], s)
        #expect(s2.recipe.offset("pose", layers: 0...2, tokens: nil) == 1)
        // Doubling the step size doubles the step.
        let (s3, _) = press([.char(">"), .right], s2)
        #expect(s3.stepSize == 1)
        #expect(s3.recipe.offset("pose", layers: 0...2, tokens: nil) == 2)
        // Stepping back to zero removes the offset.
        let (s4, _) = press([.left, .left], s3)
        #expect(s4.recipe.offsets.isEmpty)
    }

    @Test func layerAndTokenRestrictionsMakeSeparateOffsets() {
        var s = start
        s = press([.down, .right], s).0                        // light, all layers
        #expect(s.recipe.offsets == [DirectionOffset(direction: "light", amount: 0.5)])
        s = press([.char("l")], s).0                            // coarse = layers 0-2 of 8
        #expect(s.editLayers == 0...2)
        s = press([.char("t"), .char("t"), .right, .right], s).0  // token 1 only
        #expect(s.editTokens == [1])
        #expect(s.recipe.offsets.count == 2)
        #expect(s.recipe.offsets[1] == DirectionOffset(direction: "light", amount: 1, layers: 0...2, tokens: [1]))
        #expect(s.recipe.totalOffset("light") == 1.5)
        #expect(s.recipe.offsets[1].label == "+1.00σ L0-2 t1")
        // The painted panel shows the offsets.
        let canvas = Painter.paint(s, model: model, layout: Layout(size: TerminalSize(rows: 40, cols: 120))!, context: PaintContext(renderer: "blocks", rendererReason: "test"))
        #expect(canvas.ops.contains { $0.text.contains("light") && $0.text.contains("+1.50σ") })
        #expect(canvas.ops.contains { $0.text.contains("light +1.00σ L0-2 t1") })
        // Reset one, then all.
        s = press([.char("x")], s).0
        #expect(s.recipe.offsets.isEmpty)
        s = press([.up, .right, .down, .right], s).0
        #expect(s.recipe.offsets.count == 2)
        s = press([.char("X")], s).0
        #expect(s.recipe.offsets.isEmpty)
    }

    @Test func layerPresetsCycleThroughThirds() {
        #expect(model.layers(.coarse) == 0...2 && model.layers(.middle) == 3...5 && model.layers(.fine) == 6...7)
        var seen: [ClosedRange<Int>?] = []
        var s = start
        for _ in 0..<5 {
            s = press([.char("l")], s).0
            seen.append(s.editLayers)
        }
        #expect(seen == [0...2, 3...5, 6...7, 0...7, nil])
        let fourteen = ModelInfo(name: "m", resolution: 64, layerNames: (0..<14).map { "l\($0)" }, layerResolutions: Array(repeating: 4, count: 14),
                                 tokens: 8, heads: 4, directions: [])
        #expect(fourteen.layers(.coarse) == 0...4 && fourteen.layers(.middle) == 5...9 && fourteen.layers(.fine) == 10...13)
    }

    @Test func directionSelectionIsBounded() {
        let (top, _) = press([.up, .up], start)
        #expect(top.selectedDirection == 0)
        let (bottom, _) = press([.end], start)
        #expect(bottom.selectedDirection == 3)
        let (paged, _) = press([.pageDown], start)
        #expect(paged.selectedDirection == 3)
    }

    // MARK: - Style mixing

    @Test func mixingAssignsLayersAndTokensFromSlots() {
        var s = start
        s = press([.char("P")], s).0                  // slot A = 42
        s = press([.char("n"), .char("P")], s).0      // slot B = 43
        #expect(s.recipe.slots == [42, 43])
        s = press([.char("n"), .char("m"), .char("1"), .char("A")], s).0
        #expect(s.recipe.seed == 44)
        #expect(s.recipe.layerSources == [0, 0, 0, nil, nil, nil, nil, nil])
        s = press([.char("3"), .char("B")], s).0
        #expect(s.recipe.layerSources == [0, 0, 0, nil, nil, nil, 1, 1])
        // The render request carries the mixing.
        #expect(s.renderRequest(model).recipe.layerSources == s.recipe.layerSources)
        // A single layer row, cycled with the arrows: own -> A -> B -> own.
        s = press([.up, .char(".")], s).0
        #expect(s.recipe.layerSources[6] == nil && s.recipe.layerSources[7] == 1)
        s = press([.right], s).0
        #expect(s.recipe.layerSource(6) == 0)
        s = press([.right], s).0
        #expect(s.recipe.layerSource(6) == 1)
        s = press([.right], s).0
        #expect(s.recipe.layerSource(6) == nil)
        // Token rows follow the layer rows; the face then shows that token's attention.
        s = press([.end], s).0
        #expect(s.mixCursor == model.numLayers + model.tokens - 1)
        #expect(s.mixFocusToken(model) == 3)
        #expect(s.effectiveView(model) == .heatmap)
        #expect(s.renderRequest(model).kind == .face(attentionLayer: s.attention.layer))
        s = press([.char("B")], s).0
        #expect(s.recipe.tokenSources == [nil, nil, nil, 1])
        // Unpinning A re-points its users to the own seed and shifts B to A.
        s = run([.unpin(0)], s)
        #expect(s.recipe.slots == [43])
        #expect(s.recipe.layerSources == [nil, nil, nil, nil, nil, nil, nil, 0])
        #expect(s.recipe.tokenSources == [nil, nil, nil, 0])
        s = press([.char("c")], s).0
        #expect(!s.recipe.isMixed && s.recipe.layerSources.isEmpty && s.recipe.tokenSources.isEmpty)
    }

    @Test func mixingAnEmptySlotIsAnError() {
        let (s, _) = press([.char("m"), .char("C")], start)
        #expect(s.recipe.layerSources.isEmpty)
        #expect(s.message?.isError == true)
        #expect(s.message?.text.contains("slot C is empty") == true)
        let (s2, _) = press([.right], s)
        #expect(s2.message?.text.contains("no pinned seeds") == true)
    }

    @Test func mixRecipesRenderWithTheEngine() throws {
        let G = try Fixture.generator()
        var s = start
        s = run([.pin(7), .assignLayers(0...2, slot: 0), .assignTokens([1], slot: 0)], s)
        let own = try G.render([Recipe(seed: 42)], directions: nil).images[0]
        let mixed = try G.render([s.recipe], directions: nil).images[0]
        #expect(own != mixed)
    }

    // MARK: - Attention

    @Test func attentionSelectionStaysInBounds() {
        var s = press([.char("a")], start).0
        #expect(s.panel == .attention && s.view == .heatmap)
        #expect(s.attention == AttentionSelection(layer: 4, head: nil, token: 0))
        s = press(Array(repeating: .down, count: 20), s).0
        #expect(s.attention.layer == 7)
        s = press(Array(repeating: .up, count: 20), s).0
        #expect(s.attention.layer == 0)
        s = press([.left], s).0
        #expect(s.attention.token == 3, "tokens wrap around")
        s = press([.right], s).0
        #expect(s.attention.token == 0)
        s = press([.char("2")], s).0
        #expect(s.attention.token == 2)
        s = press([.char("9")], s).0
        #expect(s.attention.token == 2)
        #expect(s.message?.text == "token 9 is outside 0-3")
        s = press([.char("h")], s).0
        #expect(s.attention.head == 0)
        s = press([.char("h"), .char("h")], s).0
        #expect(s.attention.head == nil, "head 1 then the mean")
        s = run([.setHead(2)], s)
        #expect(s.attention.head == nil && s.message?.isError == true)
        s = run([.setAttentionLayer(8)], s)
        #expect(s.attention.layer == 0 && s.message?.text == "layer 8 is outside 0-7")
        #expect(s.renderRequest(model).kind == .face(attentionLayer: 0))
        s = press([.char("v"), .char("v"), .char("v")], s).0
        #expect(s.view == .face, "heatmap -> owner -> sheet -> face")
        #expect(s.renderRequest(model).kind == .face(attentionLayer: nil))
        s = press([.char("v"), .char("v"), .char("v")], s).0
        #expect(s.view == .sheet)
        #expect(s.renderRequest(model).kind == .sheet(layer: 0, cell: 32))
        s = press([.escape], s).0
        #expect(s.view == .face)
    }

    // MARK: - Command line

    @Test func commandLineTypesAndRuns() {
        var s = press([.char(":")] + typed("seed 1234") + [.enter], start).0
        #expect(s.recipe.seed == 1234)
        #expect(s.overlay == nil)
        #expect(s.commandHistory == ["seed 1234"])
        s = press([.char(":")] + typed("psi 0.55x") + [.backspace, .enter], s).0
        #expect(s.recipe.psi == 0.55)
        s = press([.char(":"), .up, .up, .enter], s).0
        #expect(s.recipe.seed == 1234)
        s = press([.char(":")] + typed("frobnicate") + [.enter], s).0
        #expect(s.message == StatusMessage("unknown command 'frobnicate'; ? lists the commands", isError: true))
        s = press([.char(":")] + typed("psi") + [.escape], s).0
        #expect(s.overlay == nil && s.recipe.psi == 0.55)
    }

    @Test func commandsMapToActions() {
        func parse(_ t: String) -> [Action]? { try? CommandParser.parse(t, state: start, model: model).get() }
        #expect(parse("seed 9") == [.setSeed(9)])
        #expect(parse("dir age") == [.selectDirectionNamed("age")])
        #expect(parse("layers 1-3") == [.setEditLayers(1...3)])
        #expect(parse("layers fine") == [.setEditLayers(6...7)])
        #expect(parse("tokens 0,2") == [.setEditTokens([0, 2])])
        #expect(parse("mix 0-3 B") == [.assignLayers(0...3, slot: 1)])
        #expect(parse("mix coarse own") == [.assignLayers(0...2, slot: nil)])
        #expect(parse("mix token 1,3 A") == [.assignTokens([1, 3], slot: 0)])
        #expect(parse("head mean") == [.setHead(nil)])
        #expect(parse("layer b8.conv1") == [.setAttentionLayer(3)])
        #expect(parse("animate bounce 2") == [.setBounceAmplitude(2), .startAnimation(.bounce)])
        #expect(parse("renderer ascii") == [.setRenderer(.ascii)])
        #expect(parse("export") == [.export(.view(path: nil))])
        #expect(parse("export grid 0-3 cols=2 size=32 file=/tmp/g.png")
                == [.export(.grid(seeds: [0, 1, 2, 3], columns: 2, size: 32, base: Recipe(seed: 42), path: "/tmp/g.png"))])
        #expect(parse("export walk -2:2 steps=5")
                == [.export(.walk(base: Recipe(seed: 42), direction: "pose", from: -2, to: 2, steps: 5, layers: 0...2, tokens: nil, size: 128, path: nil))])
        #expect(parse("export mix 1,2 3,4 tokens=1")
                == [.export(.mix(rows: [1, 2], columns: [3, 4], target: .tokens([1]), base: Recipe(seed: 0), size: 128, path: nil))])
        #expect(parse("export attention layer=2 head=mean")
                == [.export(.attention(recipe: Recipe(seed: 42), layer: 2, head: .mean, size: 128, colormap: .inferno, path: nil))])

        func error(_ t: String) -> String? {
            if case .failure(let e) = CommandParser.parse(t, state: start, model: model) { return e.message }
            return nil
        }
        #expect(error("seed x") == "'x' is not a seed (an integer 0...18446744073709551615)")
        #expect(error("layers 5-2") == "layer range '5-2' runs backwards")
        #expect(error("layers 0-9") == "layer range '0-9' is outside 0-7")
        #expect(error("mix 0-3 Z") == "'Z' is not a slot (A-H or 'own')")
        #expect(error("export grid 9-3") == "seeds: seed range '9-3' runs backwards; write 3-9")
        #expect(error("export grid bogus=1") == "export grid: unknown option 'bogus='; see ? for the options")
        #expect(error("export walk steps=0") == "steps=0: expected a whole number 1-256")
        #expect(error("seed") == "usage: :seed N")
    }

    // MARK: - Animation, bookmarks, help

    @Test func bounceAnimationWalksBackAndForthAndStopsOnAnyKey() {
        var s = press([.char(" ")], start).0
        #expect(s.animation?.kind == .bounce)
        var amounts: [Float] = []
        for _ in 0..<60 {
            s = run([.tick], s)
            amounts.append(s.recipe.offset("pose", layers: 0...2, tokens: nil))
        }
        #expect(amounts.max() == 3 && amounts.min() == -3, "± the 3 σ amplitude: \(amounts)")
        #expect(!s.history.canUndo, "ticks are not history entries")
        let shown = s.recipe
        s = press([.char("n")], s).0   // any key only stops
        #expect(s.animation == nil)
        #expect(s.recipe == shown)
        s = press([.char("u")], s).0
        #expect(s.recipe == Recipe(seed: 42), "one undo returns to where the animation started")
    }

    @Test func randomWalkStaysNearTheStart() {
        var s = press([.char("w")], start).0
        for _ in 0..<200 { s = run([.tick], s) }
        #expect(s.recipe.offsets.count == 4)
        #expect(s.recipe.offsets.allSatisfy { abs($0.amount) <= AnimationStep.walkLimit })
        s = run([.stopAnimation], s)
        #expect(s.history.canUndo)
    }

    @Test func bookmarksSaveListAndRestore() {
        var s = press([.char("s")] + typed("smile") + [.enter], start).0
        #expect(s.bookmarks == [Bookmark(name: "smile", recipe: Recipe(seed: 42))])
        s = press([.char("n"), .char("n"), .char("s"), .enter], s).0
        #expect(s.bookmarks.map(\.name) == ["smile", "seed-44"])
        s = press([.char("b"), .up, .enter], s).0
        #expect(s.recipe.seed == 42)
        s = press([.char("u")], s).0
        #expect(s.recipe.seed == 44, "restoring is undoable")
        s = press([.char(":")] + typed("restore nope") + [.enter], s).0
        #expect(s.message?.text == "no bookmark named 'nope'; have smile, seed-44")
        s = press([.backspace], s).0
        #expect(s.bookmarks.map(\.name) == ["seed-44"])
    }

    @Test func helpOverlayTakesKeysUntilClosed() {
        var s = press([.char("?")], start).0
        #expect(s.overlay == .help(scroll: 0))
        s = press([.down, .pageDown], s).0
        #expect(s.overlay == .help(scroll: 11))
        s = press([.char("n")], s).0
        #expect(s.overlay == nil)
        #expect(s.recipe.seed == 42, "the closing key does nothing else")
    }

    @Test func quitAndFileKeysAreEffects() {
        #expect(press([.char("q")], start).1 == [.quit])
        #expect(press([.char("e")], start).1 == [.export(.view(path: nil))])
        #expect(press([.char("S")], start).1 == [.saveSession(path: "latentscope-session.json")])
        var s = start
        s.sessionPath = "/tmp/x.json"
        #expect(press([.char("S")], s).1 == [.saveSession(path: "/tmp/x.json")])
        #expect(press([.char(":")] + typed("save /tmp/y.json") + [.enter], s).1 == [.saveSession(path: "/tmp/y.json")])
    }
}

@Suite struct HelpKeysTests {
    @Test func theHelpLineNamesExactlyTheKeysThatScroll() {
        var state = ExplorerState(model: Fixture.model)
        state.overlay = .help(scroll: 0)
        // Space pages on, as in a pager, and the help line says so.
        #expect(KeyMap.action(for: .char(" "), in: state) == .scrollHelp(10))
        #expect(KeyMap.helpHint == "↑↓ PgUp PgDn Space Home scroll · any other key closes")
        for key in [Key.up, .down, .pageUp, .pageDown, .char(" "), .home] {
            guard case .scrollHelp? = KeyMap.action(for: key, in: state) else {
                Issue.record("\(key) should scroll the help")
                continue
            }
        }
        for key in [Key.char("q"), .char("x"), .escape, .enter, .char("?"), .left] {
            #expect(KeyMap.action(for: key, in: state) == .closeOverlay, "\(key) closes the help")
        }
        // The hint on screen is that text.
        let layout = Layout(size: TerminalSize(rows: 30, cols: 100))!
        let canvas = Painter.paint(state, model: Fixture.model, layout: layout,
                                   context: PaintContext(renderer: "blocks", rendererReason: "test"))
        #expect(canvas.ops.contains { $0.row == layout.hintRow && $0.text.contains("PgDn Space Home scroll · any other key closes") })
        #expect(HelpText.lines(width: 200).contains { $0.contains("Space Home scroll · any other key closes") })
    }
}
