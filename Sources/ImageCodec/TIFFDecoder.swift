import CTIFF
import SegmentationCore

/// A decoded TIFF: 8- or 16-bit samples, interleaved, or 8-bit RGBA from libtiff's RGBA reader.
public struct TIFFImage: Sendable, Equatable {
  public enum Samples: Sendable, Equatable {
    case u8([UInt8])
    case u16([UInt16])
  }

  public let width: Int
  public let height: Int
  /// Samples per pixel in `samples`.
  public let channels: Int
  public let bitDepth: Int
  /// TIFF photometric interpretation (0 min-is-white, 1 min-is-black, 2 RGB, 3 palette).
  public let photometric: Int
  public let samples: Samples
  /// Palette colours (photometric 3).
  public let palette: [RGB]

  /// The image as a label mask: one channel, values exact (palette indices kept).
  public func labelMask(path: String) throws(ImageCodecError) -> LabelMask {
    guard channels == 1 else {
      throw ImageCodecError(path: path, kind: .unsupported("expected a single-channel label mask, got a TIFF with \(channels) samples per pixel"))
    }
    switch samples {
    case .u8(let v): return LabelMask(width: width, height: height, values: v)
    case .u16(let v): return LabelMask(width: width, height: height, values16: v)
    }
  }

  /// The image as 8-bit RGB for display. 16-bit samples are contrast-stretched between their 1st
  /// and 99th percentiles, as microscopy viewers show them (values often sit far below 65535);
  /// palettes are expanded; min-is-white is inverted; extra channels (alpha) are dropped.
  public func rgbImage() -> RGBImage {
    let n = width * height
    var out = [UInt8](repeating: 0, count: n * 3)
    let colour = channels >= 3
    switch samples {
    case .u8(let s):
      for i in 0..<n {
        if photometric == 3 {
          let c = Int(s[i]) < palette.count ? palette[Int(s[i])] : RGB(0, 0, 0)
          out[i * 3] = c.r
          out[i * 3 + 1] = c.g
          out[i * 3 + 2] = c.b
        } else if colour {
          for k in 0..<3 { out[i * 3 + k] = s[i * channels + k] }
        } else {
          let v = photometric == 0 ? 255 - s[i * channels] : s[i * channels]
          out[i * 3] = v
          out[i * 3 + 1] = v
          out[i * 3 + 2] = v
        }
      }
    case .u16(let s):
      let used = colour ? 3 : 1
      let (lo, hi) = TIFFImage.percentiles(s, channels: channels, used: used, n: n)
      let span = Double(max(1, Int(hi) - Int(lo)))
      func stretch(_ v: UInt16) -> UInt8 {
        let t = (Double(Int(v) - Int(lo)) / span).clamped(0, 1)
        return UInt8((t * 255).rounded())
      }
      for i in 0..<n {
        if colour {
          for k in 0..<3 { out[i * 3 + k] = stretch(s[i * channels + k]) }
        } else {
          var v = stretch(s[i * channels])
          if photometric == 0 { v = 255 - v }
          out[i * 3] = v
          out[i * 3 + 1] = v
          out[i * 3 + 2] = v
        }
      }
    }
    return RGBImage(width: width, height: height, pixels: out)
  }

  /// The 1st and 99th percentiles of the first `used` channels (nearest rank, over a histogram).
  static func percentiles(_ s: [UInt16], channels: Int, used: Int, n: Int) -> (UInt16, UInt16) {
    var hist = [Int](repeating: 0, count: 65536)
    for i in 0..<n { for k in 0..<used { hist[Int(s[i * channels + k])] += 1 } }
    let total = n * used
    guard total > 0 else { return (0, 65535) }
    let loRank = total / 100, hiRank = max(0, total - 1 - total / 100)
    var lo: UInt16 = 0, hi: UInt16 = 65535
    var seen = 0
    var gotLo = false
    for v in 0..<65536 {
      seen += hist[v]
      if !gotLo && seen > loRank {
        lo = UInt16(v)
        gotLo = true
      }
      if seen > hiRank {
        hi = UInt16(v)
        break
      }
    }
    return (lo, hi)
  }
}

extension Double {
  fileprivate func clamped(_ a: Double, _ b: Double) -> Double { Swift.min(b, Swift.max(a, self)) }
}

/// Decodes TIFF files with libtiff: 8/16-bit gray and RGB(A), palette, stripped or tiled, any
/// compression libtiff reads (none, LZW, deflate, PackBits, JPEG). Multi-page and floating-point
/// files are refused with a message saying so.
public enum TIFFDecoder {
  /// What the first directory of a TIFF file says, read by path without decoding pixels.
  public static func header(path: String) throws(ImageCodecError) -> (info: segtiff_info, pages: Int) {
    var info = segtiff_info()
    var message = [CChar](repeating: 0, count: 256)
    guard let t = segtiff_open_path(path, &info, &message, 256) else {
      throw ImageCodecError(path: path, kind: .corrupt(tiffMessage(message)))
    }
    segtiff_close(t)
    return (info, Int(info.pages))
  }

  /// Why a TIFF with this header cannot be used as an image or mask, or nil.
  static func refusal(_ i: segtiff_info, forMask: Bool) -> String? {
    if i.pages > 1 { return "multi-page TIFF (a stack): only single-page files are read; save each page as its own file" }
    if i.sample_format == 3 { return "floating-point TIFF samples (a probability map?): segscope reads 8- and 16-bit integer images and masks" }
    if i.sample_format == 2 { return "signed-integer TIFF samples are not read (use unsigned 8- or 16-bit)" }
    if forMask {
      if i.bits != 8 && i.bits != 16 { return "\(i.bits)-bit TIFF mask: label masks must be 8- or 16-bit" }
      if i.spp != 1 { return "TIFF mask has \(i.spp) samples per pixel: label masks must have one channel" }
    }
    return nil
  }

  /// Decodes TIFF bytes. `path` only names the file in errors.
  public static func decode(_ data: [UInt8], path: String = "<memory>", limits: DecodeLimits = .default, forMask: Bool = false) throws(ImageCodecError)
    -> TIFFImage
  {
    if data.isEmpty { throw ImageCodecError(path: path, kind: .empty) }
    var info = segtiff_info()
    var message = [CChar](repeating: 0, count: 256)
    // libtiff's own buffers (a strip, a tile) are capped like the image itself.
    let maxAlloc = UInt64(max(1 << 20, min(limits.maxPixels, Int.max / 8) * 8))
    let result: Result<TIFFImage, ImageCodecError> = data.withUnsafeBufferPointer { buf in
      guard let t = segtiff_open_memory(buf.baseAddress, buf.count, maxAlloc, &info, &message, 256) else {
        return .failure(ImageCodecError(path: path, kind: .corrupt(tiffMessage(message))))
      }
      defer { segtiff_close(t) }
      let w = Int(info.width), h = Int(info.height)
      guard w > 0, h > 0 else { return .failure(ImageCodecError(path: path, kind: .corrupt("TIFF has zero size"))) }
      guard w <= limits.maxPixels / h else { return .failure(ImageCodecError(path: path, kind: .tooLarge(width: w, height: h, limit: limits.maxPixels))) }
      if let why = refusal(info, forMask: forMask) { return .failure(ImageCodecError(path: path, kind: .unsupported(why))) }
      do throws(ImageCodecError) {
        try MemoryBudget.check(width: w, height: h, bytesPerPixel: max(4, Int(info.spp) * Int(info.bits) / 8) + 3, path: path)
      } catch { return .failure(error) }
      let direct = (info.bits == 8 || info.bits == 16) && [0, 1, 2, 3].contains(info.photometric) && info.spp >= 1 && info.spp <= 4
      if !direct {
        // YCbCr, JPEG-in-TIFF, CMYK, 1-bit and the like: through libtiff's RGBA reader (photos only).
        guard !forMask else {
          return .failure(
            ImageCodecError(
              path: path,
              kind: .unsupported("TIFF mask with photometric \(info.photometric) and \(info.bits)-bit samples: label masks must be 8- or 16-bit gray")))
        }
        var rgba = [UInt32](repeating: 0, count: w * h)
        let code = segtiff_read_rgba(t, &rgba, &message, 256)
        guard code == Int32(SEGTIFF_OK) else {
          return .failure(
            ImageCodecError(
              path: path, kind: code == Int32(SEGTIFF_ERR_UNSUPPORTED) ? .unsupported("TIFF: " + tiffMessage(message)) : .corrupt(tiffMessage(message))))
        }
        var px = [UInt8](repeating: 0, count: w * h * 3)
        for i in 0..<(w * h) {
          px[i * 3] = UInt8(truncatingIfNeeded: rgba[i])
          px[i * 3 + 1] = UInt8(truncatingIfNeeded: rgba[i] >> 8)
          px[i * 3 + 2] = UInt8(truncatingIfNeeded: rgba[i] >> 16)
        }
        return .success(TIFFImage(width: w, height: h, channels: 3, bitDepth: 8, photometric: 2, samples: .u8(px), palette: []))
      }
      let ch = Int(info.spp)
      let count = w * h * ch
      var code: Int32 = 0
      let samples: TIFFImage.Samples
      if info.bits == 16 {
        samples = .u16(
          [UInt16](unsafeUninitializedCapacity: count) { b, n in
            code = b.withMemoryRebound(to: UInt8.self) { segtiff_read(t, $0.baseAddress, count * 2, &message, 256) }
            n = code == 0 ? count : 0
          })
      } else {
        samples = .u8(
          [UInt8](unsafeUninitializedCapacity: count) { b, n in
            code = segtiff_read(t, b.baseAddress, count, &message, 256)
            n = code == 0 ? count : 0
          })
      }
      guard code == 0 else { return .failure(ImageCodecError(path: path, kind: .corrupt(tiffMessage(message)))) }
      var palette: [RGB] = []
      if info.palette_size > 0 {
        withUnsafeBytes(of: info.palette) { raw in
          for i in 0..<Int(info.palette_size) { palette.append(RGB(raw[i * 3], raw[i * 3 + 1], raw[i * 3 + 2])) }
        }
      }
      return .success(
        TIFFImage(width: w, height: h, channels: ch, bitDepth: Int(info.bits), photometric: Int(info.photometric), samples: samples, palette: palette))
    }
    return try result.get()
  }
}

private func tiffMessage(_ buf: [CChar]) -> String {
  var s = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  // libtiff names the stream it was given; the caller names the file.
  if s.hasPrefix("<memory>: ") { s.removeFirst(10) }
  return s.isEmpty ? "libtiff could not read the file" : s
}
