// FuzzSession: a session file on arbitrary bytes. A session that loads is made to
// fit a model, applied to an explorer state, and its recipes are turned into W+
// latents with a real generator (LATENTSCOPE_FUZZ_MODEL, a model folder; the tiny
// test model by default in scripts/fuzz.sh), which is where bad numbers used to trap.

import Engine
import Explorer
import Foundation
import FuzzSupport

/// The generator and the model as the explorer sees it, with four named directions.
// Read once; libFuzzer runs inputs one at a time on one thread.
nonisolated(unsafe) let world: (Generator, ModelInfo, DirectionSet)? = {
    guard let dir = FuzzInput.environmentPath("LATENTSCOPE_FUZZ_MODEL"), let G = try? Generator(modelDirectory: dir) else { return nil }
    var set = DirectionMath.randomDirections(G, count: 4, samples: 200)
    for (i, name) in ["pose", "light", "age", "random3"].enumerated() { set.directions[i].name = name }
    return (G, ModelInfo(config: G.config, directions: set), set)
}()

func parse(_ data: Data) throws {
    let session = try SessionStore.decode(data, path: "fuzz-session.json")
    guard let (G, model, directions) = world else { return }
    let (fitted, _) = SessionStore.validated(session, for: model)
    var state = ExplorerState(model: model, seed: 0)
    SessionStore.apply(fitted, to: &state, model: model)
    _ = state.renderRequest(model)
    for r in [fitted.recipe] + fitted.bookmarks.map(\.recipe) {
        for o in r.offsets { _ = SigmaFormat.signed(o.amount) }
        _ = try G.wPlus(r, directions: directions)
    }
}

@main enum Fuzz { static func main() { FuzzInput.main(parse) } }
