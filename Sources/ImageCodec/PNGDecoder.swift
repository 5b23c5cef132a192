import CPNG
import SegmentationCore

/// Decodes PNG files with libpng, keeping label values exact.
public enum PNGDecoder {
  /// Header facts, read without decoding pixels.
  public struct Header: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let bitDepth: Int
    public let colorType: PNGImage.ColorType
    public let interlaced: Bool
  }

  /// The colour type of the header (libpng refuses others; one it let through is a corrupt file).
  static func colorType(_ value: Int, path: String) throws(ImageCodecError) -> PNGImage.ColorType {
    guard let t = PNGImage.ColorType(rawValue: value) else { throw ImageCodecError(path: path, kind: .corrupt("unknown PNG colour type \(value)")) }
    return t
  }

  /// Reads just the header. Cheap: no pixel decoding and no pixel-limit check.
  public static func header(_ data: [UInt8], path: String = "<memory>") throws(ImageCodecError) -> Header {
    try withReader(data, path: path, limits: DecodeLimits(maxPixels: .max)) { _, p throws(ImageCodecError) in
      try Header(
        width: Int(p.width), height: Int(p.height), bitDepth: Int(p.bit_depth), colorType: colorType(Int(p.color_type), path: path),
        interlaced: p.interlaced != 0)
    }
  }

  /// Decodes PNG bytes. `path` only names the file in errors.
  public static func decode(_ data: [UInt8], path: String = "<memory>", limits: DecodeLimits = .default) throws(ImageCodecError) -> PNGImage {
    try withReader(data, path: path, limits: limits) { reader, p throws(ImageCodecError) in
      let w = Int(p.width), h = Int(p.height), ch = Int(p.channels)
      // The samples, and the RGB picture a photo becomes.
      try MemoryBudget.check(width: w, height: h, bytesPerPixel: ch * Int(p.out_bit_depth) / 8 + 3, path: path)
      let total = Int(p.rowbytes) * h
      var message = [CChar](repeating: 0, count: 256)
      var code: Int32 = 0
      let samples: PNGImage.Samples
      if p.out_bit_depth == 16 {
        samples = .u16(
          [UInt16](unsafeUninitializedCapacity: max(w * h * ch, 1)) { b, n in
            code = b.withMemoryRebound(to: UInt8.self) { segpng_read(reader, $0.baseAddress, &message, 256) }
            n = code == 0 ? w * h * ch : 0
          })
      } else {
        samples = .u8(
          [UInt8](unsafeUninitializedCapacity: max(total, 1)) { b, n in
            code = segpng_read(reader, b.baseAddress, &message, 256)
            n = code == 0 ? total : 0
          })
      }
      if code != 0 { throw ImageCodecError(path: path, kind: .corrupt(cString(message))) }
      var palette: [RGBA] = []
      if p.palette_size > 0 {
        withUnsafeBytes(of: p.palette) { raw in
          for i in 0..<Int(p.palette_size) {
            palette.append(RGBA(raw[i * 4], raw[i * 4 + 1], raw[i * 4 + 2], raw[i * 4 + 3]))
          }
        }
      }
      return try PNGImage(
        width: w, height: h, bitDepth: Int(p.bit_depth),
        colorType: colorType(Int(p.color_type), path: path),
        channels: ch, interlaced: p.interlaced != 0, samples: samples, palette: palette)
    }
  }

  /// Decodes a PNG file.
  public static func decode(path: String, limits: DecodeLimits = .default) throws(ImageCodecError) -> PNGImage {
    let data = try FileBytes.read(path)
    return try decode(data, path: path, limits: limits)
  }

  /// Decodes a single-channel PNG file as a label mask (palette indices, exact 16-bit values).
  public static func decodeMask(path: String, limits: DecodeLimits = .default) throws(ImageCodecError) -> LabelMask {
    try decode(path: path, limits: limits).labelMask(path: path)
  }

  /// Opens a libpng reader over `data` for the duration of `body`.
  private static func withReader<R>(
    _ data: [UInt8], path: String, limits: DecodeLimits,
    _ body: (OpaquePointer, segpng_info) throws(ImageCodecError) -> R
  ) throws(ImageCodecError) -> R {
    if data.isEmpty { throw ImageCodecError(path: path, kind: .empty) }
    if ImageFormat.sniff(data) != .png {
      throw ImageCodecError(path: path, kind: .wrongFormat(expected: "PNG", found: ImageFormat.describe(data)))
    }
    let info = UnsafeMutablePointer<segpng_info>.allocate(capacity: 1)
    defer { info.deallocate() }
    var message = [CChar](repeating: 0, count: 256)
    var code: Int32 = 0
    let maxPixels = UInt64(max(0, limits.maxPixels))
    let result: Result<R, ImageCodecError> = data.withUnsafeBufferPointer { buf in
      guard let reader = segpng_open(buf.baseAddress, buf.count, maxPixels, info, &code, &message, 256) else {
        if code == Int32(SEGPNG_ERR_TOO_LARGE) {
          let (w, h) = ihdrSize(data)
          return .failure(ImageCodecError(path: path, kind: .tooLarge(width: w, height: h, limit: limits.maxPixels)))
        }
        return .failure(ImageCodecError(path: path, kind: .corrupt(cString(message))))
      }
      defer { segpng_close(reader) }
      do throws(ImageCodecError) {
        return .success(try body(reader, info.pointee))
      } catch {
        return .failure(error)
      }
    }
    return try result.get()
  }

  /// Width and height straight from the IHDR bytes (for the size in a too-large error).
  private static func ihdrSize(_ d: [UInt8]) -> (Int, Int) {
    guard d.count >= 24 else { return (0, 0) }
    let w = Int(d[16]) << 24 | Int(d[17]) << 16 | Int(d[18]) << 8 | Int(d[19])
    let h = Int(d[20]) << 24 | Int(d[21]) << 16 | Int(d[22]) << 8 | Int(d[23])
    return (w, h)
  }
}
