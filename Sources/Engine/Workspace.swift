// Workspace.swift: the buffers of the forward pass, allocated once and reused
// for every layer and call (no allocation per layer per frame).
//   ImageBuffers  one image in flight: activations and the RGB skip image
//   Lane          one worker's scratch for a band of rows of one layer

/// A zero-filled float buffer that lives as long as its owner.
struct Buffer {
    let base: UnsafeMutablePointer<Float>
    init(_ count: Int) {
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }
    func free() { base.deallocate() }
}

/// The state of one image between layers: activations x (input of the next
/// layer) and y (output being written), [C][P]; the RGB image so far, and the
/// one the next toRGB layer writes, [3][P].
final class ImageBuffers {
    var x, y, image, nextImage: UnsafeMutablePointer<Float>
    /// Whether a toRGB layer has run (the first one has no image to upsample).
    var hasImage = false
    private let buffers: [Buffer]

    init(config c: ModelConfig) {
        let act = c.layers.map { max($0.cin, $0.cout) * $0.pixels }.max() ?? 1
        let rgb = 3 * c.resolution * c.resolution
        buffers = [Buffer(act), Buffer(act), Buffer(rgb), Buffer(rgb)]
        (x, y, image, nextImage) = (buffers[0].base, buffers[1].base, buffers[2].base, buffers[3].base)
    }

    deinit { buffers.forEach { $0.free() } }

    func swapActivations() { swap(&x, &y) }
    func swapImages() { swap(&image, &nextImage); hasImage = true }
}

/// One worker's scratch, sized for a whole image at the largest layer; a band
/// uses the front of each buffer.
final class Lane {
    let up, norm, mod: UnsafeMutablePointer<Float>        // [Cin][band pixels]
    let v: UnsafeMutablePointer<Float>                     // [T][Cin]
    let col: UnsafeMutablePointer<Float>                   // im2col of one block of rows
    let attn: UnsafeMutablePointer<Float>                  // [heads][T][band pixels]
    let scratch: UnsafeMutablePointer<Float>               // 2 * columnBlock
    let row: UnsafeMutablePointer<Float>                   // one source row (upsampling)
    let map: UnsafeMutablePointer<Float>                   // one attention map (blur); 1 float without blur
    private let buffers: [Buffer]

    init(config c: ModelConfig) {
        let cinP = c.layers.map { $0.cin * $0.pixels }.max() ?? 1
        let maxCin = c.layers.map(\.cin).max() ?? 1
        let P = c.resolution * c.resolution
        let col = c.layers.filter { !$0.isToRGB }.map { s in
            let k = s.cin * 9
            return k * s.res * convRowsPerBlock(k: k, size: s.res)
        }.max() ?? 1
        let blurredP = c.layers.filter { c.attentionBlur(at: $0.res) > 0 }.map(\.pixels).max() ?? 0
        let sizes = [cinP, cinP, cinP, c.tokens * maxCin, col,
                     c.heads * c.tokens * P, 2 * columnBlock, c.resolution, blurredP]
        buffers = sizes.map(Buffer.init)
        (up, norm, mod) = (buffers[0].base, buffers[1].base, buffers[2].base)
        (v, self.col, attn, scratch, row) = (buffers[3].base, buffers[4].base, buffers[5].base, buffers[6].base, buffers[7].base)
        map = buffers[8].base
    }

    deinit { buffers.forEach { $0.free() } }
}

/// Rows of output per im2col block: at least 128 columns, so sgemm's kernel
/// has a wide enough panel for the weights it streams, and more while the block
/// stays under about 32k floats (128 KiB, in L2 while sgemm packs it).
func convRowsPerBlock(k: Int, size s: Int) -> Int {
    min(s, max((128 + s - 1) / s, 32_768 / (k * s)))
}
