import SegmentationCore

/// A decoded PNG with its samples exactly as stored: palette indices stay indices, 16-bit samples stay
/// 16-bit, sub-byte gray samples are unpacked to one value per byte without scaling.
public struct PNGImage: Sendable, Equatable {
  /// PNG colour types.
  public enum ColorType: Int, Sendable {
    case gray = 0
    case rgb = 2
    case palette = 3
    case grayAlpha = 4
    case rgba = 6
  }

  /// Sample storage: 8-bit (also for 1/2/4-bit files) or 16-bit host-endian.
  public enum Samples: Sendable, Equatable {
    case u8([UInt8])
    case u16([UInt16])
  }

  public let width: Int
  public let height: Int
  /// Bit depth as stored in the file (1, 2, 4, 8 or 16).
  public let bitDepth: Int
  public let colorType: ColorType
  /// Samples per pixel in `samples` (1 gray/palette, 2 gray+alpha, 3 RGB, 4 RGBA).
  public let channels: Int
  /// Whether the file was Adam7-interlaced.
  public let interlaced: Bool
  /// Row-major, channel-interleaved samples.
  public let samples: Samples
  /// The palette with alpha from tRNS (palette images only).
  public let palette: [RGBA]

  /// The image as a label mask: gray and palette images only (palette images give their indices).
  public func labelMask(path: String = "<memory>") throws(ImageCodecError) -> LabelMask {
    guard channels == 1 else {
      let what = colorType == .rgb || colorType == .rgba ? "an RGB colour mask (needs a colour map)" : "a gray+alpha image"
      throw ImageCodecError(path: path, kind: .unsupported("expected a single-channel label mask, got \(what)"))
    }
    switch samples {
    case .u8(let v): return LabelMask(width: width, height: height, values: v)
    case .u16(let v): return LabelMask(width: width, height: height, values16: v)
    }
  }

  /// The image as 8-bit RGB for display: palettes expanded, low bit depths scaled to 0-255,
  /// 16-bit reduced to its high byte, alpha dropped.
  public func rgbImage() -> RGBImage {
    let n = width * height
    var out = [UInt8](repeating: 0, count: n * 3)
    switch samples {
    case .u8(let s):
      let scale: Int = (colorType == .gray || colorType == .grayAlpha) ? (bitDepth < 8 ? 255 / ((1 << bitDepth) - 1) : 1) : 1
      s.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
          switch colorType {
          case .palette:
            for i in 0..<n {
              let idx = Int(src[i])
              if idx < palette.count {
                let c = palette[idx]
                dst[i * 3] = c.r
                dst[i * 3 + 1] = c.g
                dst[i * 3 + 2] = c.b
              }
            }
          case .gray, .grayAlpha:
            for i in 0..<n {
              let v = UInt8(truncatingIfNeeded: Int(src[i * channels]) * scale)
              dst[i * 3] = v
              dst[i * 3 + 1] = v
              dst[i * 3 + 2] = v
            }
          case .rgb, .rgba:
            for i in 0..<n {
              dst[i * 3] = src[i * channels]
              dst[i * 3 + 1] = src[i * channels + 1]
              dst[i * 3 + 2] = src[i * channels + 2]
            }
          }
        }
      }
    case .u16(let s):
      for i in 0..<n {
        if channels >= 3 {
          out[i * 3] = UInt8(s[i * channels] >> 8)
          out[i * 3 + 1] = UInt8(s[i * channels + 1] >> 8)
          out[i * 3 + 2] = UInt8(s[i * channels + 2] >> 8)
        } else {
          let v = UInt8(s[i * channels] >> 8)
          out[i * 3] = v
          out[i * 3 + 1] = v
          out[i * 3 + 2] = v
        }
      }
    }
    return RGBImage(width: width, height: height, pixels: out)
  }
}

/// An RGBA palette entry.
public struct RGBA: Sendable, Hashable {
  public var r: UInt8
  public var g: UInt8
  public var b: UInt8
  public var a: UInt8

  public init(_ r: UInt8, _ g: UInt8, _ b: UInt8, _ a: UInt8 = 255) {
    self.r = r
    self.g = g
    self.b = b
    self.a = a
  }
}
