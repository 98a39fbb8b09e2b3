// SeFa.swift: closed-form directions (Shen & Zhou, "Closed-Form Factorization
// of Latent Semantics in GANs", CVPR 2021). What reads w in a layer is its
// style affine, the value projection value.weight [Cin, wDim]: a direction n
// changes that layer's styles by A n. The directions that change the styles
// most are the top eigenvectors of AᵀA, with A the chosen layers' affines
// stacked: [ΣCin, wDim].
//
// Normalisation, as in the reference implementation (genforce/sefa,
// factorize_weight): each output channel's weight vector, i.e. each row of
// value.weight (the wDim weights that produce one style channel), is scaled
// to unit L2 norm before stacking, so no channel dominates by its scale.
// Unlike the reference, AᵀA is decomposed with a symmetric solver (dsyev) and
// the eigenvectors are sorted by eigenvalue, largest first.
//
// Sample-free: the decomposition takes milliseconds. Only σ (the unit of the
// edit) needs w samples, measured along each direction.

import CBLAS
import Foundation

/// Which W+ layers a SeFa decomposition (and its edits) covers.
public enum LayerSelection: Sendable, Equatable, CustomStringConvertible {
    case all
    /// StyleGAN's coarse styles: resolutions 4² and 8².
    case coarse
    /// 16² and 32².
    case middle
    /// 64² and above.
    case fine
    case range(ClosedRange<Int>)

    /// Parses "all", "coarse", "middle", "fine", "a-b" or "a".
    public init?(_ s: String) {
        switch s.lowercased() {
        case "all": self = .all
        case "coarse": self = .coarse
        case "middle": self = .middle
        case "fine": self = .fine
        default:
            let parts = s.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            if parts.count == 1, let a = parts[0] { self = .range(a...a) }
            else if parts.count == 2, let a = parts[0], let b = parts[1], a <= b { self = .range(a...b) }
            else { return nil }
        }
    }

    public var description: String {
        switch self {
        case .all: "all"
        case .coarse: "coarse"
        case .middle: "middle"
        case .fine: "fine"
        case .range(let r): r.lowerBound == r.upperBound ? "\(r.lowerBound)" : "\(r.lowerBound)-\(r.upperBound)"
        }
    }

    /// The layer indices for a model, or an error naming what the model has.
    public func layers(in config: ModelConfig) throws -> ClosedRange<Int> {
        let L = config.numLayers
        func byResolution(_ ok: (Int) -> Bool, _ what: String) throws -> ClosedRange<Int> {
            let idx = config.layers.indices.filter { ok(config.layers[$0].res) }
            guard let a = idx.first, let b = idx.last else {
                throw LinearAlgebraError(message: "the model has no \(self) layers (\(what)); its layers run from \(config.layers.first!.res)² to \(config.resolution)²")
            }
            return a...b
        }
        switch self {
        case .all: return 0...(L - 1)
        case .coarse: return try byResolution({ $0 <= 8 }, "resolutions 4² and 8²")
        case .middle: return try byResolution({ $0 >= 16 && $0 <= 32 }, "resolutions 16² and 32²")
        case .fine: return try byResolution({ $0 >= 64 }, "resolutions 64² and above")
        case .range(let r):
            guard r.lowerBound >= 0, r.upperBound < L else {
                throw LinearAlgebraError(message: "layers \(self) are out of range 0...\(L - 1)")
            }
            return r
        }
    }

    /// The name stem of its directions: "sefa", "sefa-coarse", "sefa-2to5-".
    public var namePrefix: String {
        switch self {
        case .all: "sefa"
        case .coarse, .middle, .fine: "sefa-\(self)"
        case .range(let r): "sefa-\(r.lowerBound)to\(r.upperBound)-"
        }
    }
}

/// Eigenvectors of AᵀA for a set of layers.
public struct SeFaResult: Sendable {
    public let layers: ClosedRange<Int>
    /// Unit directions in w, largest eigenvalue first.
    public let vectors: [[Float]]
    /// Eigenvalues of AᵀA, descending.
    public let eigenvalues: [Double]

    /// Each eigenvalue's share of their sum (the trace of AᵀA = the number of rows).
    public var shares: [Double] {
        let s = eigenvalues.reduce(0) { $0 + max($1, 0) }
        return eigenvalues.map { s > 0 ? max($0, 0) / s : 0 }
    }
}

public enum SeFa {
    /// A = the chosen layers' value.weight rows, each scaled to unit norm: [rows][wDim].
    public static func stackedAffines(_ weights: GeneratorWeights, layers: ClosedRange<Int>) -> [Double] {
        let wd = weights.config.wDim
        var a: [Double] = []
        for l in layers {
            let v = weights.layers[l].value   // [Cin, wDim]
            for r in 0..<(v.count / wd) {
                let row = v[r * wd ..< (r + 1) * wd].map(Double.init)
                let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm > 0 { a += row.map { $0 / norm } }   // a dead channel has no direction to contribute
            }
        }
        return a
    }

    /// Eigen-decomposition of AᵀA for `layers`.
    public static func factorize(_ weights: GeneratorWeights, layers: ClosedRange<Int>) throws -> SeFaResult {
        let wd = weights.config.wDim
        let a = stackedAffines(weights, layers: layers)
        let rows = a.count / wd
        guard rows > 0 else { throw LinearAlgebraError(message: "SeFa: layers \(layers) have no non-zero style weights") }
        // AᵀA (upper triangle) in one dsyrk.
        var gram = [Double](repeating: 0, count: wd * wd)
        a.withUnsafeBufferPointer { ap in
            gram.withUnsafeMutableBufferPointer { g in
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(wd), Int32(rows), 1, ap.baseAddress!, Int32(wd),
                            0, g.baseAddress!, Int32(wd))
            }
        }
        let eig = try SymmetricEigen(symmetric: gram, n: wd)
        return SeFaResult(layers: layers, vectors: eig.vectors.map { $0.map(Float.init) }, eigenvalues: eig.values)
    }

    /// The top `k` SeFa directions of a layer selection, σ measured on the token
    /// means of `sigmaSeeds` seeds (what an edit moves). Names: prefix + index
    /// (`sefa0`, `sefa-coarse0`, `sefa-2to5-0`); the layer range is saved as
    /// the directions' default layers (none for `.all`).
    public static func directions(_ weights: GeneratorWeights, selection: LayerSelection, k: Int, prefix: String? = nil,
                                  sigmaSeeds: Int = 1000) throws -> [Direction] {
        let layers = try selection.layers(in: weights.config)
        let r = try factorize(weights, layers: layers)
        let n = min(k, r.vectors.count)
        let vs = Array(r.vectors.prefix(n))
        var sampler = WSampler(weights)
        let samples = sampler.sample(seeds: sigmaSeeds)
        let sig = DirectionMath.editSigmas(of: vs, samples: samples, tokens: weights.config.tokens, wDim: weights.config.wDim)
        let shares = r.shares
        let stem = prefix ?? selection.namePrefix
        return (0..<n).map {
            Direction(name: "\(stem)\($0)", vector: vs[$0], sigma: sig[$0], method: .sefa, explained: Float(shares[$0]),
                      layers: selection == .all ? nil : layers)
        }
    }
}
