import SegmentationCore

/// The Exif Orientation tag (0x0112): how the stored pixels must be turned to look right.
public enum ExifOrientation: Int, Sendable, Equatable, CaseIterable {
  case up = 1
  case upMirrored = 2
  case down = 3
  case downMirrored = 4
  case leftMirrored = 5
  case right = 6
  case rightMirrored = 7
  case left = 8

  /// Whether applying it swaps width and height.
  public var swapsAxes: Bool { rawValue >= 5 }

  /// Finds the orientation in an APP1 payload starting with "Exif\0\0". Nil when absent or malformed.
  public static func parse(exif: [UInt8]) -> ExifOrientation? {
    guard exif.count >= 14, exif.starts(with: [0x45, 0x78, 0x69, 0x66, 0, 0]) else { return nil }
    let t = Array(exif[6...])  // TIFF header
    let little: Bool
    if t[0] == 0x49 && t[1] == 0x49 { little = true } else if t[0] == 0x4D && t[1] == 0x4D { little = false } else { return nil }
    func u16(_ o: Int) -> Int? {
      guard o >= 0, o + 2 <= t.count else { return nil }
      return little ? Int(t[o]) | Int(t[o + 1]) << 8 : Int(t[o]) << 8 | Int(t[o + 1])
    }
    func u32(_ o: Int) -> Int? {
      guard let a = u16(o), let b = u16(o + 2) else { return nil }
      return little ? a | b << 16 : a << 16 | b
    }
    guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
    for e in 0..<min(count, 512) {
      let o = ifd + 2 + e * 12
      guard let tag = u16(o) else { return nil }
      if tag == 0x0112 {
        guard let type = u16(o + 2), type == 3, let v = u16(o + 8) else { return nil }
        return ExifOrientation(rawValue: v)
      }
    }
    return nil
  }

  /// Builds an APP1 Exif payload holding only this orientation (for tests and exporters).
  public func exifPayload() -> [UInt8] {
    var b: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0, 0]  // "Exif\0\0"
    b += [0x49, 0x49, 42, 0, 8, 0, 0, 0]  // little-endian TIFF, IFD at 8
    b += [1, 0]  // one entry
    b += [0x12, 0x01, 3, 0, 1, 0, 0, 0, UInt8(rawValue), 0, 0, 0]
    b += [0, 0, 0, 0]  // no next IFD
    return b
  }

  /// Turns stored pixels into displayed pixels.
  public func apply(to image: RGBImage) -> RGBImage {
    if self == .up { return image }
    let w = image.width, h = image.height
    let ow = swapsAxes ? h : w, oh = swapsAxes ? w : h
    var out = [UInt8](repeating: 0, count: ow * oh * 3)
    image.pixels.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for y in 0..<h {
          for x in 0..<w {
            let (dx, dy) = destination(x, y, w, h)
            let s = (y * w + x) * 3, d = (dy * ow + dx) * 3
            dst[d] = src[s]
            dst[d + 1] = src[s + 1]
            dst[d + 2] = src[s + 2]
          }
        }
      }
    }
    return RGBImage(width: ow, height: oh, pixels: out)
  }

  /// Where stored pixel (x, y) of a w x h image lands once displayed.
  @inline(__always)
  func destination(_ x: Int, _ y: Int, _ w: Int, _ h: Int) -> (Int, Int) {
    switch self {
    case .up: return (x, y)
    case .upMirrored: return (w - 1 - x, y)
    case .down: return (w - 1 - x, h - 1 - y)
    case .downMirrored: return (x, h - 1 - y)
    case .leftMirrored: return (y, x)
    case .right: return (h - 1 - y, x)
    case .rightMirrored: return (h - 1 - y, w - 1 - x)
    case .left: return (y, w - 1 - x)
    }
  }
}
