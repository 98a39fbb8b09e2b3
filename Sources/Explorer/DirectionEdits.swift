// DirectionEdits: moving a recipe along directions. An edit is keyed by
// (direction, layers, tokens): stepping the same direction over the same layers
// accumulates in one offset, a different layer range makes a separate one, so
// "pose on layers 0-4" and "colour on 10-13" can both be active and shown.

import Engine
import Foundation

extension Recipe {
    /// The offset along `direction` over exactly these layers and tokens (0 when none).
    func offset(_ direction: String, layers: ClosedRange<Int>?, tokens: [Int]?) -> Float {
        offsets.first { $0.direction == direction && $0.layers == layers && $0.tokens == tokens }?.amount ?? 0
    }

    /// The sum of every offset along `direction`, whatever its layers and tokens.
    func totalOffset(_ direction: String) -> Float {
        offsets.filter { $0.direction == direction }.reduce(0) { $0 + $1.amount }
    }

    /// Sets the offset along `direction` over these layers and tokens, clamped to ±maxOffset and
    /// rounded to 1/10000 σ (so +0.1 ten times is exactly 1); an offset of 0 is removed.
    mutating func setOffset(_ direction: String, amount: Float, layers: ClosedRange<Int>?, tokens: [Int]?) {
        let a = (Self.clampedOffset(amount) * 10000).rounded() / 10000
        if let i = offsets.firstIndex(where: { $0.direction == direction && $0.layers == layers && $0.tokens == tokens }) {
            if a == 0 { offsets.remove(at: i) } else { offsets[i].amount = a }
        } else if a != 0 {
            offsets.append(DirectionOffset(direction: direction, amount: a, layers: layers, tokens: tokens))
        }
    }

    /// Adds `delta` σ along `direction` over these layers and tokens.
    mutating func addOffset(_ direction: String, delta: Float, layers: ClosedRange<Int>?, tokens: [Int]?) {
        setOffset(direction, amount: offset(direction, layers: layers, tokens: tokens) + delta, layers: layers, tokens: tokens)
    }

    /// Removes every offset along `direction`.
    mutating func resetOffsets(_ direction: String) {
        offsets.removeAll { $0.direction == direction }
    }
}

extension DirectionOffset {
    /// "+1.50σ" with " L0-4" and " t1,2" when the edit is restricted.
    var label: String { label(nil) }

    /// The same for the direction `info` describes: "+1.50 L0-4" when it has its own step length.
    func label(_ info: DirectionInfo?) -> String {
        var s = info?.amountLabel(amount) ?? SigmaFormat.signed(amount)
        if let l = layers { s += " L\(l.lowerBound)-\(l.upperBound)" }
        if let t = tokens { s += " t" + t.map(String.init).joined(separator: ",") }
        return s
    }
}

/// How σ amounts read on screen.
public enum SigmaFormat {
    /// "+1.50σ", "-0.25σ", "0σ".
    public static func signed(_ a: Float) -> String {
        if a == 0 { return "0σ" }
        return (a < 0 ? "-" : "+") + magnitude(a) + "σ"
    }

    /// "+1.50", "-0.25", "0": an offset in steps of a direction that sets its own step length.
    static func signedSteps(_ a: Float) -> String {
        if a == 0 { return "0" }
        return (a < 0 ? "-" : "+") + magnitude(a)
    }

    /// "0.50" style fixed two decimals without a sign.
    static func plain(_ a: Float) -> String {
        let text = magnitude(a)
        return (a < 0 && text != "0.00" ? "-" : "") + text
    }

    /// |a| with two decimals. Values from files can be anything: beyond what hundredths in an Int
    /// hold, or NaN, they are written in Swift's own notation instead of trapping in the conversion.
    private static func magnitude(_ a: Float) -> String {
        let scaled = (abs(a) * 100).rounded()
        guard scaled.isFinite, scaled < 1e15 else { return a.isNaN ? "nan" : "\(abs(a))" }
        let hundredths = Int(scaled)
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }
}

