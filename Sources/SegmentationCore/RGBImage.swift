/// An 8-bit RGB image, rows top to bottom, pixels interleaved as R, G, B.
///
/// A plain value: does no I/O.
public struct RGBImage: Sendable, Equatable {
  /// Width in pixels.
  public let width: Int
  /// Height in pixels.
  public let height: Int
  /// `width * height * 3` bytes.
  public var pixels: [UInt8]

  /// Wraps existing pixels; `pixels.count` must equal `width * height * 3`.
  public init(width: Int, height: Int, pixels: [UInt8]) {
    precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3, "RGBImage size mismatch")
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// A `width` x `height` image filled with one colour.
  public init(width: Int, height: Int, fill: RGB = RGB(0, 0, 0)) {
    var px = [UInt8](repeating: 0, count: width * height * 3)
    if fill != RGB(0, 0, 0) {
      for i in 0..<(width * height) {
        px[i * 3] = fill.r
        px[i * 3 + 1] = fill.g
        px[i * 3 + 2] = fill.b
      }
    }
    self.init(width: width, height: height, pixels: px)
  }

  /// The colour at (x, y).
  @inlinable
  public subscript(x x: Int, y y: Int) -> RGB {
    get {
      let i = (y * width + x) * 3
      return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
    }
    set {
      let i = (y * width + x) * 3
      pixels[i] = newValue.r
      pixels[i + 1] = newValue.g
      pixels[i + 2] = newValue.b
    }
  }
}

/// An 8-bit RGB colour.
public struct RGB: Sendable, Hashable, CustomStringConvertible {
  public var r: UInt8
  public var g: UInt8
  public var b: UInt8

  @inlinable
  public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
    self.r = r
    self.g = g
    self.b = b
  }

  /// Parses `#rrggbb` (the `#` is optional). Returns nil for anything else.
  public init?(hex: String) {
    var s = Substring(hex)
    if s.hasPrefix("#") { s = s.dropFirst() }
    guard s.count == 6, let v = UInt32(s, radix: 16) else { return nil }
    self.init(UInt8(v >> 16), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF))
  }

  /// `#rrggbb`.
  public var description: String {
    let hex = (Int(r) << 16) | (Int(g) << 8) | Int(b)
    let s = String(hex, radix: 16)
    return "#" + String(repeating: "0", count: 6 - s.count) + s
  }
}
