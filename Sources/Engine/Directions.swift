// Directions.swift: directions in w space that users walk along. A direction is
// a unit vector of wDim values plus σ, the standard deviation along it of what an
// edit moves: the mean of a face's tokens (an edit moves them all at once), over
// sampled faces. Edits are counted in steps: one step moves w by σ along the vector, so edits
// read alike whatever the method that found it, unless the direction carries its
// own step length (attribute directions calibrate theirs to the attribute's range)
// and, optionally, the measured change of the attribute per step (its unit).

import Foundation

/// How a direction was found. The names are the file format's (`method` in a directions
/// index, docs/model-format.md) and the Python pipeline's (directions_io.METHODS); a name
/// another tool writes is kept as it is.
public struct DirectionMethod: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    /// Principal components of w (GANSpace).
    public static let pca: DirectionMethod = "pca"
    /// Eigenvectors of the style affines (SeFa).
    public static let sefa: DirectionMethod = "sefa"
    /// A named attribute, fitted to classifier or landmark labels (InterFaceGAN).
    public static let attribute: DirectionMethod = "attribute"
    /// Saved by the user (`directions save`, the explorer).
    public static let user: DirectionMethod = "user"
    /// Random unit vectors (tests and fuzzing).
    public static let random: DirectionMethod = "random"
}

/// A direction in w space.
public struct Direction: Sendable, Equatable, Codable {
    public var name: String
    /// Unit vector, wDim values.
    public var vector: [Float]
    /// Standard deviation of the model's w along `vector`.
    public var sigma: Float
    /// How it was found.
    public var method: DirectionMethod
    /// Share of the variance of w it explains (PCA) or its eigenvalue share (SeFa).
    public var explained: Float?
    /// Layers the edit is meant for (nil = all).
    public var layers: ClosedRange<Int>?
    /// Style tokens the edit is meant for (nil = all): a named attribute can live in one token.
    public var tokens: [Int]?
    /// The length in w of one step of an edit, when the direction sets its own (nil = σ).
    public var step: Float?
    /// What one step does to the attribute, as measured (e.g. +6.4 years), when known.
    public var unit: DirectionUnit?

    public init(name: String, vector: [Float], sigma: Float, method: DirectionMethod, explained: Float? = nil, layers: ClosedRange<Int>? = nil,
                tokens: [Int]? = nil, step: Float? = nil, unit: DirectionUnit? = nil) {
        self.name = name
        self.vector = vector
        self.sigma = sigma
        self.method = method
        self.explained = explained
        self.layers = layers
        self.tokens = tokens
        self.step = step
        self.unit = unit
    }

    /// How far one step of an edit moves w along `vector`: the direction's own step, else σ.
    public var stepLength: Float { step ?? sigma }

    /// Nil when `tokens` is a usable default token list (1-256 distinct indices >= 0), else why not.
    /// Indices past the model's token count are refused where an edit is built (Recipe).
    public static func tokensProblem(_ tokens: [Int]) -> String? {
        if tokens.isEmpty || tokens.count > 256 { return "tokens lists 1 to 256 token indices, not \(tokens.count)" }
        if let t = tokens.first(where: { $0 < 0 }) { return "token \(t) is negative" }
        if Set(tokens).count != tokens.count { return "tokens \(tokens.prefix(8)) repeat an index" }
        return nil
    }
}

/// The measured effect of one step along a direction on the attribute it edits:
/// `perStep` of `label` (e.g. 6.4 "years", 0.11 "P(female)").
public struct DirectionUnit: Sendable, Equatable, Codable {
    public var label: String
    public var perStep: Float

    public init(label: String, perStep: Float) {
        self.label = label
        self.perStep = perStep
    }

    enum CodingKeys: String, CodingKey {
        case label
        case perStep = "per_step"
    }

    /// Characters a label may use besides ASCII letters and digits: it is printed in
    /// status lines and tables, so nothing that could move the cursor or break a column.
    public static let labelPunctuation = " ()%/._-"
    public static let maxLabelLength = 24

    /// Nil when `label` is usable, else why not: 1-24 ASCII letters, digits and ` ()%/._-`.
    public static func labelProblem(_ label: String) -> String? {
        if label.isEmpty || label.unicodeScalars.count > maxLabelLength { return "a unit label has 1 to \(maxLabelLength) characters" }
        if let bad = label.unicodeScalars.first(where: {
            !($0.isASCII && (CharacterSet.alphanumerics.contains($0) || labelPunctuation.unicodeScalars.contains($0)))
        }) {
            return "the label contains \(SafeTensorsFile.shown(String(bad))); use letters, digits and '\(labelPunctuation)'"
        }
        return nil
    }

    /// What `steps` steps change, as measured: "+9.6 years", "-0.22 P(female)".
    public func change(_ steps: Float) -> String { Self.signed(steps * perStep) + " " + label }

    /// A change as it reads on screen: signed, two decimals below 1, one below 100, none above.
    public static func signed(_ x: Float) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x < 0 ? "-inf" : "+inf") }
        let m = abs(x)
        let text = String(format: "%.\(m < 1 ? 2 : (m < 100 ? 1 : 0))f", Double(m))
        return (Double(text) == 0 ? "" : (x < 0 ? "-" : "+")) + text
    }

    /// Nil when `perStep` is usable (finite), else why not.
    public static func perStepProblem(_ perStep: Float) -> String? {
        perStep.isFinite ? nil : "per_step is \(perStep), expected a finite number"
    }
}

/// An ordered, named collection of directions.
public struct DirectionSet: Sendable, DirectionLookup {
    public var directions: [Direction]

    public init(_ directions: [Direction]) { self.directions = directions }

    /// By name, or by index ("3" is the fourth direction).
    public func find(_ key: String) -> Direction? {
        if let d = directions.first(where: { $0.name == key }) { return d }
        if let i = Int(key), directions.indices.contains(i) { return directions[i] }
        return nil
    }

    public func direction(named key: String) -> (vector: [Float], step: Float)? {
        find(key).map { ($0.vector, $0.stepLength) }
    }

    public var names: [String] { directions.map(\.name) }
}

extension DirectionSet {
    /// This set with the directions matching `isReplaced`, and any with a name
    /// in `new`, removed, and `new` inserted where the first removed one stood
    /// (appended when none was removed), so recomputing one method keeps the
    /// other directions, and their indices, where they were.
    public func replacing(where isReplaced: (Direction) -> Bool, with new: [Direction]) -> DirectionSet {
        let names = Set(new.map(\.name))
        func gone(_ d: Direction) -> Bool { isReplaced(d) || names.contains(d.name) }
        let at = directions.firstIndex(where: gone).map { i in directions[..<i].filter { !gone($0) }.count }
        var kept = directions.filter { !gone($0) }
        kept.insert(contentsOf: new, at: at ?? kept.count)
        return DirectionSet(kept)
    }

    /// This set followed by `other`'s directions; names already taken stay
    /// with this set, and are returned as `shadowed`.
    public func appending(_ other: DirectionSet) -> (set: DirectionSet, shadowed: [String]) {
        let taken = Set(names)
        let shadowed = other.directions.filter { taken.contains($0.name) }.map(\.name)
        return (DirectionSet(directions + other.directions.filter { !taken.contains($0.name) }), shadowed)
    }
}

/// Rules for direction names: they are typed on command lines and in the explorer.
public enum DirectionName {
    public static let allowedPunctuation = "_-.|+"

    /// Nil when `name` is usable, else why not. 1-64 characters: letters,
    /// digits and `_-.|+`; not all digits (a number selects by index).
    public static func problem(_ name: String) -> String? {
        if name.isEmpty || name.count > 64 { return "a direction name has 1 to 64 characters" }
        if name.allSatisfy(\.isNumber) { return "'\(name)' is a number, which selects a direction by index; add a letter" }
        if let bad = name.first(where: { !($0.isASCII && ($0.isLetter || $0.isNumber)) && !allowedPunctuation.contains($0) }) {
            return "'\(name)' contains '\(bad)'; use letters, digits and \(allowedPunctuation.map { "'\($0)'" }.joined(separator: " "))"
        }
        return nil
    }
}

public enum DirectionMath {
    /// Token sets of `count` consecutive seeds from `firstSeed`, un-truncated,
    /// as rows of wDim: [count*tokens][wDim].
    public static func sampleW(_ G: Generator, count: Int, firstSeed: UInt64 = WSampler.defaultFirstSeed) -> [Float] {
        var s = WSampler(G.weights)
        return s.sample(firstSeed: firstSeed, seeds: count)
    }

    /// σ of the samples (rows of wDim) projected on each unit vector:
    /// one sgemm for the projections, moments in Double.
    public static func sigmas(of vectors: [[Float]], samples: [Float], wDim: Int) -> [Float] {
        let n = samples.count / wDim, k = vectors.count
        guard n > 0, k > 0 else { return vectors.map { _ in 0 } }
        let v = vectors.flatMap { $0 }
        precondition(v.count == k * wDim, "sigmas: every vector needs \(wDim) values")
        var p = [Float](repeating: 0, count: n * k)   // [n][k]
        samples.withUnsafeBufferPointer { sp in v.withUnsafeBufferPointer { vp in p.withUnsafeMutableBufferPointer { pp in
            sgemm(pp.baseAddress!, ldc: k, sp.baseAddress!, lda: wDim, vp.baseAddress!, ldb: wDim, transB: true, m: n, n: k, k: wDim)
        } } }
        return (0..<k).map { j in
            var s = 0.0, ss = 0.0
            for r in 0..<n { let x = Double(p[r * k + j]); s += x; ss += x * x }
            let mean = s / Double(n)
            return Float(max(ss / Double(n) - mean * mean, 0).squareRoot())
        }
    }

    /// Each seed's token mean: samples [seeds * tokens][wDim] (as WSampler gives them) -> [seeds][wDim].
    public static func tokenMeans(_ samples: UnsafeBufferPointer<Float>, tokens: Int, wDim: Int) -> [Float] {
        precondition(tokens > 0 && samples.count % (tokens * wDim) == 0, "tokenMeans: not whole token sets of \(tokens) x \(wDim)")
        let seeds = samples.count / (tokens * wDim)
        var out = [Float](repeating: 0, count: seeds * wDim)
        for s in 0..<seeds {
            for t in 0..<tokens {
                let row = (s * tokens + t) * wDim
                for i in 0..<wDim { out[s * wDim + i] += samples[row + i] }
            }
            for i in 0..<wDim { out[s * wDim + i] /= Float(tokens) }
        }
        return out
    }

    /// σ of edits along each unit vector: of the sampled faces' token means
    /// (samples as WSampler gives them, every token of each seed).
    public static func editSigmas(of vectors: [[Float]], samples: [Float], tokens: Int, wDim: Int) -> [Float] {
        let means = samples.withUnsafeBufferPointer { tokenMeans($0, tokens: tokens, wDim: wDim) }
        return sigmas(of: vectors, samples: means, wDim: wDim)
    }

    /// Unit vectors drawn from a seed (isotropic): the baseline every other method must beat.
    public static func randomUnitVectors(count: Int, wDim: Int, seed: UInt64) -> [[Float]] {
        var rng = SeedRandom(seed: seed, stream: .z)
        return (0..<count).map { _ in normalized(rng.normals(wDim)) }
    }

    public static func normalized(_ v: [Float]) -> [Float] {
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return n > 0 ? v.map { $0 / n } : v
    }

    /// The mean of a token set's tokens (wDim values).
    public static func tokenMean(_ w: WTokens) -> [Float] {
        w.values.withUnsafeBufferPointer { tokenMeans($0, tokens: w.tokens, wDim: w.wDim) }
    }

    /// A direction from one face to another: the difference of the two seeds'
    /// token-mean w (un-truncated), normalised, with σ measured on sampled faces.
    /// Walking +1 from seed A along it moves every token by σ toward B's mean.
    /// Throws when both seeds have the same token mean.
    public static func fromSeeds(_ G: Generator, name: String, from a: UInt64, to b: UInt64, sigmaSeeds: Int = 1000) throws -> Direction {
        let ma = tokenMean(G.w(seed: a)), mb = tokenMean(G.w(seed: b))
        let diff = zip(mb, ma).map { $0 - $1 }
        guard diff.contains(where: { $0 != 0 }) else {
            throw LinearAlgebraError(message: "seeds \(a) and \(b) have the same mean w; there is no direction between them")
        }
        let v = normalized(diff)
        let sigma = editSigmas(of: [v], samples: sampleW(G, count: sigmaSeeds), tokens: G.config.tokens, wDim: G.config.wDim)[0]
        return Direction(name: name, vector: v, sigma: sigma, method: .user)
    }

    /// Random directions with measured σ.
    public static func randomDirections(_ G: Generator, count: Int = 16, samples: Int = 2000) -> DirectionSet {
        let w = sampleW(G, count: samples)
        let vs = randomUnitVectors(count: count, wDim: G.config.wDim, seed: 0x5EED)
        let sig = editSigmas(of: vs, samples: w, tokens: G.config.tokens, wDim: G.config.wDim)
        return DirectionSet(zip(vs, sig).enumerated().map { Direction(name: "random\($0.offset)", vector: $0.element.0, sigma: $0.element.1, method: .random) })
    }
}
