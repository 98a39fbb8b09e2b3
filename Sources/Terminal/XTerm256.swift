// Nearest colour in the xterm 256-colour palette, for terminals without 24-bit colour.
//
// Only indices 16-255 are used: the 6x6x6 cube (16-231) and the 24-step grey ramp
// (232-255) have fixed RGB values in every xterm-compatible terminal, while 0-15 follow
// the user's theme and cannot be relied on to be any particular colour.

/// An 8-bit-per-channel colour as drawn in a terminal cell.
public struct TerminalColor: Hashable, Sendable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    public var description: String { "(\(r),\(g),\(b))" }
}

/// The xterm 256-colour palette.
public enum XTerm256 {
    /// Channel values of the 6x6x6 cube's six steps.
    public static let cubeLevels: [UInt8] = [0, 95, 135, 175, 215, 255]

    /// The palette index (16…255) nearest to `color` by squared RGB distance.
    /// On a tie the cube entry wins, so pure black and white map to 16 and 231.
    public static func nearestIndex(_ color: TerminalColor) -> UInt8 {
        let r = Int(color.r), g = Int(color.g), b = Int(color.b)
        let ri = nearestCubeStep(r), gi = nearestCubeStep(g), bi = nearestCubeStep(b)
        let cube = TerminalColor(cubeLevels[ri], cubeLevels[gi], cubeLevels[bi])
        let cubeIndex = 16 + 36 * ri + 6 * gi + bi

        // Grey ramp entry k has value 8 + 10k; start from the mean and round to the nearest step.
        let mean = (r + g + b) / 3
        let greyStep = min(23, max(0, (mean - 8 + 5) / 10))
        let greyValue = UInt8(8 + 10 * greyStep)
        let grey = TerminalColor(greyValue, greyValue, greyValue)

        return distance(color, grey) < distance(color, cube) ? UInt8(232 + greyStep) : UInt8(cubeIndex)
    }

    /// The RGB value of palette entry `index`. Entries 0-15 get xterm's default values,
    /// which the user's theme may change.
    public static func color(ofIndex index: UInt8) -> TerminalColor {
        switch index {
        case 0..<16:
            let base: [(UInt8, UInt8, UInt8)] = [
                (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
                (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255),
                (255, 0, 255), (0, 255, 255), (255, 255, 255),
            ]
            let entry = base[Int(index)]
            return TerminalColor(entry.0, entry.1, entry.2)
        case 16...231:
            let n = Int(index) - 16
            return TerminalColor(cubeLevels[n / 36], cubeLevels[(n / 6) % 6], cubeLevels[n % 6])
        default:
            let value = UInt8(8 + 10 * (Int(index) - 232))
            return TerminalColor(value, value, value)
        }
    }

    /// The cube step whose level is nearest to `value`. The steps are uneven (0, 95, then
    /// every 40), so the midpoints are 48 and 115, then 155, 195, 235.
    static func nearestCubeStep(_ value: Int) -> Int {
        if value < 48 { return 0 }
        if value < 115 { return 1 }
        return min(5, (value - 35) / 40)
    }

    static func distance(_ a: TerminalColor, _ b: TerminalColor) -> Int {
        let dr = Int(a.r) - Int(b.r), dg = Int(a.g) - Int(b.g), db = Int(a.b) - Int(b.b)
        return dr * dr + dg * dg + db * db
    }
}
