// Vector.swift: explicit 8-wide SIMD helpers for the element-wise hot loops
// (axpy rows, scaling, exp). The compiler does not always vectorise pointer
// loops on its own; these do, and fall back to scalars for the tail.

typealias F8 = SIMD8<Float>

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> F8 { UnsafeRawPointer(p).loadUnaligned(as: F8.self) }
@inline(__always) func store8(_ v: F8, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self) }

/// y = a * x (n values).
@inline(__always) func vscale(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ a: Float, _ n: Int) {
    var i = 0
    let av = F8(repeating: a)
    while i + 8 <= n { store8(av * load8(x + i), y + i); i += 8 }
    while i < n { y[i] = a * x[i]; i += 1 }
}

/// y += a * x (n values).
@inline(__always) func vaxpy(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ a: Float, _ n: Int) {
    var i = 0
    let av = F8(repeating: a)
    while i + 8 <= n { store8(load8(y + i) + av * load8(x + i), y + i); i += 8 }
    while i < n { y[i] += a * x[i]; i += 1 }
}

/// z = x * y element-wise.
@inline(__always) func vmul(_ z: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    while i + 8 <= n { store8(load8(x + i) * load8(y + i), z + i); i += 8 }
    while i < n { z[i] = x[i] * y[i]; i += 1 }
}

/// y += x element-wise.
@inline(__always) func vadd(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    while i + 8 <= n { store8(load8(y + i) + load8(x + i), y + i); i += 8 }
    while i < n { y[i] += x[i]; i += 1 }
}

/// d = x - m, and acc += d * d (the centring and variance passes of a norm in one).
@inline(__always) func vcentreSquare(_ d: UnsafeMutablePointer<Float>, _ acc: UnsafeMutablePointer<Float>,
                                     _ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    while i + 8 <= n { let v = load8(x + i) - load8(m + i); store8(v, d + i); store8(load8(acc + i) + v * v, acc + i); i += 8 }
    while i < n { let v = x[i] - m[i]; d[i] = v; acc[i] += v * v; i += 1 }
}

/// exp of 8 floats: Cephes' expf (range reduction by ln 2, degree-6 polynomial), within 2 ulp of libm for |x| < 87.
@inline(__always) func exp8(_ x: F8) -> F8 {
    let lo = F8(repeating: -87.3), hi = F8(repeating: 88.3)
    var x = x.replacing(with: lo, where: x .< lo).replacing(with: hi, where: x .> hi)
    // Round x·log2(e) to an integer k with the 1.5·2^23 trick: k then sits in
    // the low mantissa bits of t, which gives 2^k by integer ops on the bits.
    let t = x * 1.442_695_04 + 12_582_912.0
    let n = t - 12_582_912.0
    x = x - n * 0.693_359_375 + n * 2.121_944_4e-4
    let z = x * x
    var p: F8 = F8(repeating: 1.987_569_15e-4)
    p = p * x + 1.398_199_950_7e-3
    p = p * x + 8.333_451_907_3e-3
    p = p * x + 4.166_579_589_4e-2
    p = p * x + 1.666_666_545_9e-1
    p = p * x + 5.000_000_120_1e-1
    p = p * z + x + 1
    let k = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
    return p * unsafeBitCast((k &+ 127) &<< 23, to: F8.self)
}

/// Element-wise maximum (pointwiseMax is not always specialised).
@inline(__always) func vmax8(_ a: F8, _ b: F8) -> F8 { a.replacing(with: b, where: b .> a) }

/// x = exp(x - m) in place, with m per element (the column max).
@inline(__always) func vexpSub(_ x: UnsafeMutablePointer<Float>, _ m: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    while i + 8 <= n { store8(exp8(load8(x + i) - load8(m + i)), x + i); i += 8 }
    while i < n {
        var t = F8(repeating: 0)
        t[0] = x[i] - m[i]
        x[i] = exp8(t)[0]
        i += 1
    }
}
