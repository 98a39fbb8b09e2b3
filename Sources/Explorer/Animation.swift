// Animation: the continuous walks, one step per tick. The app sends a tick only
// when the previous frame is on screen, so the walk runs as fast as frames can be
// made and never queues up behind the generator.

import Engine

enum AnimationStep {
    /// How many directions the random walk moves at once.
    static let walkedDirections = 8
    /// Random walk: the pull back towards the start per tick (an Ornstein-Uhlenbeck process),
    /// so the face wanders around the start instead of drifting off to implausible regions.
    static let walkDecay: Float = 0.96
    /// Random walk: no direction wanders further than this many σ.
    static let walkLimit: Float = 4

    /// Advances `animation` by one tick and returns the recipe to show.
    static func advance(_ animation: inout Animation, state: ExplorerState, model: ModelInfo, rng: inout SeedRandom) -> Recipe {
        animation.ticks += 1
        var r = animation.base
        switch animation.kind {
        case .bounce:
            guard model.directions.indices.contains(state.selectedDirection) else { return r }
            let d = model.directions[state.selectedDirection]
            // Half a step per tick: smooth at 15-30 frames per second with the default step of 0.5 σ.
            let speed = max(state.stepSize * 0.5, 0.01)
            let amplitude = max(state.bounceAmplitude, speed)
            animation.phase += animation.heading * speed
            if animation.phase >= amplitude { animation.phase = amplitude; animation.heading = -1 }
            if animation.phase <= -amplitude { animation.phase = -amplitude; animation.heading = 1 }
            let layers = state.stepLayers(model), tokens = state.stepTokens(model)
            r.addOffset(d.name, delta: animation.phase, layers: layers, tokens: tokens)
        case .randomWalk:
            let n = min(walkedDirections, model.directions.count)
            if animation.walk.count != n { animation.walk = Array(repeating: 0, count: n) }
            let speed = max(state.stepSize * 0.4, 0.02)
            for i in 0..<n {
                let x = animation.walk[i] * walkDecay + rng.normal() * speed
                animation.walk[i] = min(max(x, -walkLimit), walkLimit)
                let d = model.directions[i]
                r.addOffset(d.name, delta: animation.walk[i], layers: d.layers, tokens: d.tokens)
            }
        }
        return r
    }
}
