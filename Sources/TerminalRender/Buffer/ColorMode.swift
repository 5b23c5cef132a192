import SegmentationCore

/// How many colours the terminal shows.
public enum ColorMode: String, Sendable, CaseIterable {
  /// 24-bit `38;2;r;g;b`.
  case truecolor
  /// xterm 256 colours; only indices 16-255 are used (0-15 are themed by the user).
  case palette256 = "256"
  /// The 16 ANSI colours.
  case ansi16 = "16"
  /// No colour at all (NO_COLOR, TERM=dumb): shading glyphs and attributes only.
  case none
}

/// Colour reduction for terminals without truecolor.
public enum ColorQuantizer {
  static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

  @inline(__always) static func cubeIndex(_ v: Int) -> Int { v < 48 ? 0 : (v < 115 ? 1 : (v - 35) / 40) }

  /// The nearest xterm-256 index in 16...255 (cube or grey ramp), by 2ΔR² + 4ΔG² + 3ΔB².
  public static func index256(_ c: RGB) -> UInt8 {
    let r = Int(c.r), g = Int(c.g), b = Int(c.b)
    let ri = cubeIndex(r), gi = cubeIndex(g), bi = cubeIndex(b)
    let cr = cubeLevels[ri], cg = cubeLevels[gi], cb = cubeLevels[bi]
    let avg = (r + g + b) / 3
    let gray = max(0, min(23, (avg - 3) / 10))
    let gv = 8 + 10 * gray
    func dist(_ x: Int, _ y: Int, _ z: Int) -> Int { 2 * (r - x) * (r - x) + 4 * (g - y) * (g - y) + 3 * (b - z) * (b - z) }
    let cubeD = dist(cr, cg, cb), grayD = dist(gv, gv, gv)
    return grayD < cubeD ? UInt8(232 + gray) : UInt8(16 + 36 * ri + 6 * gi + bi)
  }

  /// The RGB value an xterm-256 index shows.
  public static func rgb(of index: UInt8) -> RGB {
    let i = Int(index)
    if i >= 232 {
      let v = UInt8(8 + 10 * (i - 232))
      return RGB(v, v, v)
    }
    if i >= 16 {
      let n = i - 16
      return RGB(UInt8(cubeLevels[n / 36]), UInt8(cubeLevels[(n / 6) % 6]), UInt8(cubeLevels[n % 6]))
    }
    return ansi16[i]
  }

  /// Typical xterm values of the 16 ANSI colours.
  public static let ansi16: [RGB] = [
    RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0), RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229),
    RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0), RGB(255, 255, 0), RGB(92, 92, 255), RGB(255, 0, 255), RGB(0, 255, 255), RGB(255, 255, 255),
  ]

  /// The nearest of the 16 ANSI colours (index 0-15).
  public static func index16(_ c: RGB) -> UInt8 {
    var best = 0, bestD = Int.max
    for (i, a) in ansi16.enumerated() {
      let dr = Int(c.r) - Int(a.r), dg = Int(c.g) - Int(a.g), db = Int(c.b) - Int(a.b)
      let d = 2 * dr * dr + 4 * dg * dg + 3 * db * db
      if d < bestD {
        bestD = d
        best = i
      }
    }
    return UInt8(best)
  }

  /// Luminance 0-255 (Rec. 601).
  @inline(__always) public static func luma(_ c: RGB) -> Int { (299 * Int(c.r) + 587 * Int(c.g) + 114 * Int(c.b)) / 1000 }
}
