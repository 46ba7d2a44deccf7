/// How many colours the terminal shows; themes are reduced to it.
public enum ColorDepth: Int, Hashable, Sendable, Comparable {
    /// No colour: `NO_COLOR` is set, or the terminal has none.
    case none = 0
    case ansi8 = 8
    case ansi256 = 256
    /// Direct 24-bit colour (a terminal description with RGB, e.g. `xterm-direct`).
    case truecolor = 16_777_216

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// The depth to use, from what curses reports (`COLORS`) and the environment.
    /// `NO_COLOR` (any non-empty value, https://no-color.org) turns colour off.
    public static func detect(terminalColors: Int, environment: [String: String]) -> ColorDepth {
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .none }
        if terminalColors >= 16_777_216 { return .truecolor }
        if terminalColors >= 256 { return .ansi256 }
        if terminalColors >= 8 { return .ansi8 }
        return .none
    }
}

extension Color {
    /// This colour as the nearest one that exists at `depth`.
    public func reduced(to depth: ColorDepth) -> Color {
        switch (self, depth) {
        case (.terminalDefault, _), (_, .none): return depth == .none ? .terminalDefault : self
        case (.rgb, .truecolor): return self
        case (.rgb(let r, let g, let b), .ansi256): return .indexed(Self.nearest256(r, g, b))
        case (.rgb(let r, let g, let b), .ansi8): return .indexed(Self.nearest8(r, g, b))
        case (.indexed(let i), .ansi8) where i >= 8:
            if i < 16 { return .indexed(i - 8) }
            let (r, g, b) = Self.rgbOf256(i)
            return .indexed(Self.nearest8(r, g, b))
        case (.indexed, _): return self
        }
    }

    /// The 6×6×6 cube or the grey ramp of xterm's 256 colours, whichever is closer.
    static func nearest256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let levels: [Int] = [0, 95, 135, 175, 215, 255]
        func level(_ v: UInt8) -> Int {
            levels.indices.min { abs(levels[$0] - Int(v)) < abs(levels[$1] - Int(v)) }!
        }
        let (ri, gi, bi) = (level(r), level(g), level(b))
        let cube = 16 + 36 * ri + 6 * gi + bi
        let cubeDistance = distance((levels[ri], levels[gi], levels[bi]), (Int(r), Int(g), Int(b)))
        let average = (Int(r) + Int(g) + Int(b)) / 3
        let greyIndex = min(23, max(0, (average - 8 + 5) / 10))
        let grey = 8 + 10 * greyIndex
        let greyDistance = distance((grey, grey, grey), (Int(r), Int(g), Int(b)))
        return UInt8(greyDistance < cubeDistance ? 232 + greyIndex : cube)
    }

    /// The nearest of the eight basic colours (by xterm's default values).
    static func nearest8(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let basics: [(Int, Int, Int)] = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
            (229, 229, 229),
        ]
        let target = (Int(r), Int(g), Int(b))
        let best = basics.indices.min { distance(basics[$0], target) < distance(basics[$1], target) }!
        return UInt8(best)
    }

    static func rgbOf256(_ index: UInt8) -> (UInt8, UInt8, UInt8) {
        let i = Int(index)
        if i >= 232 {
            let v = UInt8(8 + 10 * (i - 232))
            return (v, v, v)
        }
        if i >= 16 {
            let levels: [UInt8] = [0, 95, 135, 175, 215, 255]
            let n = i - 16
            return (levels[n / 36], levels[(n / 6) % 6], levels[n % 6])
        }
        let basics: [(UInt8, UInt8, UInt8)] = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
            (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255),
            (255, 0, 255), (0, 255, 255), (255, 255, 255),
        ]
        return basics[i]
    }

    private static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        // Weighted for the eye's greater sensitivity to green.
        let dr = a.0 - b.0
        let dg = a.1 - b.1
        let db = a.2 - b.2
        return 3 * dr * dr + 4 * dg * dg + 2 * db * db
    }
}
