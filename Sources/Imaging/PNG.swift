// PNGCodec: PNG encoding and decoding through libpng's simplified API, plus
// file read/write on top of it (writes go through AtomicFile).

import CPNG

/// PNG files in and out, via libpng.
///
/// Decoding accepts any PNG libpng reads (grey, palette, 16-bit, interlaced, with
/// alpha) and always yields 8-bit sRGB; 16-bit data without colour-space chunks is
/// taken to be sRGB-encoded. Alpha is composited onto **black**, the same colour as
/// a fresh `RGBImage` and the terminal background the explorer draws on.
public enum PNGCodec {
    /// Encodes an image as an 8-bit RGB PNG.
    /// Throws `ImagingError.encodeFailed` for an empty image or when libpng reports an error.
    public static func encode(_ image: RGBImage) throws -> [UInt8] {
        guard !image.isEmpty else {
            throw ImagingError.encodeFailed(reason: "image is \(image.width)x\(image.height); PNG needs at least 1x1")
        }
        // libpng keeps dimensions and row strides in 31 bits.
        guard image.width <= Int(Int32.max) / 3, image.height <= Int(Int32.max) else {
            throw ImagingError.encodeFailed(reason: "image \(image.width)x\(image.height) is too large for PNG")
        }
        // Deflate can expand incompressible data slightly, so start a little above the raw
        // size; if libpng still needs more it reports the exact size and we retry once.
        let raw = image.pixels.count
        var capacity = raw + raw / 16 + image.height + 4096
        for _ in 0..<2 {
            var png = makeImage(width: image.width, height: image.height)
            var out = [UInt8](repeating: 0, count: capacity)
            var size = png_alloc_size_t(capacity)
            let ok = out.withUnsafeMutableBytes { dst in
                image.pixels.withUnsafeBytes { src in
                    png_image_write_to_memory(&png, dst.baseAddress, &size, 0, src.baseAddress, 0, nil)
                }
            }
            if ok != 0 {
                out.removeSubrange(Int(size)...)
                return out
            }
            if failed(png) || Int(size) <= capacity {
                throw ImagingError.encodeFailed(reason: libpngMessage(&png, fallback: "libpng could not write the image"))
            }
            capacity = Int(size)
        }
        throw ImagingError.encodeFailed(reason: "libpng kept asking for a larger output buffer")
    }

    /// Decodes PNG bytes into an 8-bit RGB image (alpha composited onto black).
    /// Throws `ImagingError.decodeFailed` with libpng's message for garbage or truncated data.
    public static func decode(_ bytes: [UInt8]) throws -> RGBImage {
        // Checked here so the common mistake (not a PNG at all) gets a plain message.
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else {
            throw ImagingError.decodeFailed(reason: bytes.isEmpty ? "no data" : "not a PNG file (bad signature)")
        }

        var png = png_image()
        png.version = png_uint_32(PNG_IMAGE_VERSION)
        defer { png_image_free(&png) }

        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&png, $0.baseAddress, $0.count) }
        guard begun != 0 else {
            throw ImagingError.decodeFailed(reason: libpngMessage(&png, fallback: "libpng could not read the header"))
        }

        let width = Int(png.width), height = Int(png.height)
        let (stride, o1) = width.multipliedReportingOverflow(by: 3)
        let (count, o2) = stride.multipliedReportingOverflow(by: height)
        // A small corrupt header can claim gigapixels; refuse before allocating.
        guard !o1, !o2, stride <= Int(Int32.max), count <= 1 << 30 else {
            throw ImagingError.decodeFailed(reason: "image \(width)x\(height) is too large")
        }

        png.format = png_uint_32(PNG_FORMAT_RGB)
        // libpng would otherwise treat untagged 16-bit data as linear light and brighten
        // it when reducing to 8 bits; image tools write sRGB-encoded 16-bit data.
        png.flags |= png_uint_32(PNG_IMAGE_FLAG_16BIT_sRGB)
        var pixels = [UInt8](repeating: 0, count: count)
        var background = png_color(red: 0, green: 0, blue: 0)
        let finished = pixels.withUnsafeMutableBytes { dst in
            png_image_finish_read(&png, &background, dst.baseAddress, png_int_32(stride), nil)
        }
        guard finished != 0 else {
            throw ImagingError.decodeFailed(reason: libpngMessage(&png, fallback: "libpng could not read the image data"))
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Reads and decodes the PNG file at `path`.
    /// Throws `ImagingError.readFailed` naming the path and the cause.
    public static func read(path: String) throws -> RGBImage {
        let bytes = try FileIO.readAll(path: path)
        do {
            return try decode(bytes)
        } catch let error as ImagingError {
            throw ImagingError.readFailed(path: path, reason: error.description)
        }
    }

    /// Encodes `image` and writes it to `path` through `AtomicFile`: a regular file is
    /// replaced atomically (temporary file in the same directory, fsync, rename), a device
    /// or FIFO is written directly. Throws `ImagingError.writeFailed` when the directory
    /// does not exist or is not writable, a folder is in the way, or the disk is full;
    /// never leaves a partial file at `path`.
    public static func write(_ image: RGBImage, to path: String) throws {
        let bytes: [UInt8]
        do {
            bytes = try encode(image)
        } catch let error as ImagingError {
            throw ImagingError.writeFailed(path: path, reason: error.description)
        }
        try AtomicFile.write(bytes, to: path)
    }

    // MARK: - libpng plumbing

    private static func makeImage(width: Int, height: Int) -> png_image {
        var png = png_image()
        png.version = png_uint_32(PNG_IMAGE_VERSION)
        png.width = png_uint_32(width)
        png.height = png_uint_32(height)
        png.format = png_uint_32(PNG_FORMAT_RGB)
        return png
    }

    /// Mirrors the PNG_IMAGE_FAILED macro, which Swift cannot import.
    private static func failed(_ png: png_image) -> Bool {
        (png.warning_or_error & 0x03) > 1
    }

    /// libpng's own error text from `png_image.message`, prefixed so users know its source.
    private static func libpngMessage(_ png: inout png_image, fallback: String) -> String {
        let text = withUnsafeBytes(of: &png.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? fallback : "libpng: \(text)"
    }
}
