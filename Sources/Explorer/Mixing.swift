// Mixing: style-mixing edits on a recipe. Slots are pinned seeds (A, B, C...);
// each layer and each style token takes its style from the own seed (nil) or a
// slot. Source lists are kept either empty or full length, so two recipes that
// mix the same way compare equal (and undo sees no phantom changes).

import Engine

extension Recipe {
    /// The slot feeding `layer`, or nil for the own seed.
    func layerSource(_ layer: Int) -> Int? {
        layer < layerSources.count ? layerSources[layer] : nil
    }

    /// The slot feeding style token `token`, or nil for the own seed.
    func tokenSource(_ token: Int) -> Int? {
        token < tokenSources.count ? tokenSources[token] : nil
    }

    /// Sets the source of some layers (out-of-range layers are ignored).
    mutating func setLayerSources(_ layers: ClosedRange<Int>, slot: Int?, layerCount: Int) {
        var s = layerSources + Array(repeating: nil, count: max(0, layerCount - layerSources.count))
        for l in layers where l >= 0 && l < layerCount { s[l] = slot }
        layerSources = s.allSatisfy { $0 == nil } ? [] : s
    }

    /// Sets the source of some style tokens (out-of-range tokens are ignored).
    mutating func setTokenSources(_ tokens: [Int], slot: Int?, tokenCount: Int) {
        var s = tokenSources + Array(repeating: nil, count: max(0, tokenCount - tokenSources.count))
        for t in tokens where t >= 0 && t < tokenCount { s[t] = slot }
        tokenSources = s.allSatisfy { $0 == nil } ? [] : s
    }

    /// Removes slot `k`; layers and tokens fed by it go back to the own seed, later slots move up one.
    mutating func removeSlot(_ k: Int) {
        guard slots.indices.contains(k) else { return }
        slots.remove(at: k)
        func shift(_ s: Int?) -> Int? {
            guard let s else { return nil }
            return s == k ? nil : (s > k ? s - 1 : s)
        }
        layerSources = layerSources.map(shift)
        tokenSources = tokenSources.map(shift)
        if layerSources.allSatisfy({ $0 == nil }) { layerSources = [] }
        if tokenSources.allSatisfy({ $0 == nil }) { tokenSources = [] }
    }

    /// Whether any layer or token comes from a slot.
    var isMixed: Bool { (layerSources + tokenSources).contains { $0 != nil } }
}
