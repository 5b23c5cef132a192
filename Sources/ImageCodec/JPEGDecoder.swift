import CJPEG
import SegmentationCore

/// DCT-domain downscaling factors libjpeg applies while decoding (cheap thumbnails).
public enum JPEGScale: Int, Sendable, CaseIterable {
  case full = 1
  case half = 2
  case quarter = 4
  case eighth = 8
}

/// A decoded JPEG, oriented for display.
public struct JPEGImage: Sendable, Equatable {
  /// The pixels after scaling and after the Exif orientation was applied (if asked).
  public let image: RGBImage
  /// The Exif orientation found in the file (`.up` when absent).
  public let orientation: ExifOrientation
  /// Whether `orientation` was applied to `image`.
  public let orientationApplied: Bool
  /// The stored (unscaled, unrotated) size.
  public let storedWidth: Int
  public let storedHeight: Int
  /// 1 gray, 3 colour, 4 CMYK/YCCK.
  public let components: Int
  public let progressive: Bool
}

/// Decodes JPEG files with libjpeg-turbo.
public enum JPEGDecoder {
  /// Decodes JPEG bytes to RGB. With `applyOrientation`, the Exif orientation is applied so that the
  /// pixels match what viewers (and annotation tools) show. A truncated or corrupt stream throws.
  public static func decode(
    _ data: [UInt8], path: String = "<memory>", scale: JPEGScale = .full, applyOrientation: Bool = true,
    limits: DecodeLimits = .default
  ) throws(ImageCodecError) -> JPEGImage {
    if data.isEmpty { throw ImageCodecError(path: path, kind: .empty) }
    if ImageFormat.sniff(data) != .jpeg {
      throw ImageCodecError(path: path, kind: .wrongFormat(expected: "JPEG", found: ImageFormat.describe(data)))
    }
    let info = UnsafeMutablePointer<segjpeg_info>.allocate(capacity: 1)
    defer { info.deallocate() }
    var message = [CChar](repeating: 0, count: 256)
    var code: Int32 = 0
    let result: Result<(RGBImage, segjpeg_info), ImageCodecError> = data.withUnsafeBufferPointer { buf in
      guard let reader = segjpeg_open(buf.baseAddress, buf.count, Int32(scale.rawValue), 1, UInt64(max(0, limits.maxPixels)), info, &code, &message, 256) else {
        if code == Int32(SEGJPEG_ERR_TOO_LARGE) {
          return .failure(
            ImageCodecError(path: path, kind: .tooLarge(width: Int(info.pointee.image_width), height: Int(info.pointee.image_height), limit: limits.maxPixels)))
        }
        return .failure(ImageCodecError(path: path, kind: .corrupt(cString(message))))
      }
      defer { segjpeg_close(reader) }
      let w = Int(info.pointee.output_width), h = Int(info.pointee.output_height)
      // The pixels, and a second copy when the Exif orientation is applied.
      do throws(ImageCodecError) { try MemoryBudget.check(width: w, height: h, bytesPerPixel: applyOrientation ? 6 : 3, path: path) } catch {
        return .failure(error)
      }
      let n = w * h * 3
      var rc: Int32 = 0
      let px = [UInt8](unsafeUninitializedCapacity: max(n, 1)) { b, count in
        rc = segjpeg_read(reader, b.baseAddress, &message, 256)
        count = rc == 0 ? n : 0
      }
      if rc != 0 { return .failure(ImageCodecError(path: path, kind: .corrupt(cString(message)))) }
      return .success((RGBImage(width: w, height: h, pixels: px), info.pointee))
    }
    let (image, p) = try result.get()
    let orientation = JPEGMarkers.exifPayload(data).flatMap(ExifOrientation.parse(exif:)) ?? .up
    let oriented = applyOrientation ? orientation.apply(to: image) : image
    return JPEGImage(
      image: oriented, orientation: orientation, orientationApplied: applyOrientation && orientation != .up,
      storedWidth: Int(p.image_width), storedHeight: Int(p.image_height), components: Int(p.components),
      progressive: p.progressive != 0)
  }

  /// Decodes a JPEG file.
  public static func decode(path: String, scale: JPEGScale = .full, applyOrientation: Bool = true, limits: DecodeLimits = .default) throws(ImageCodecError)
    -> JPEGImage
  {
    try decode(FileBytes.read(path), path: path, scale: scale, applyOrientation: applyOrientation, limits: limits)
  }
}

/// Encodes JPEG files (used by exporters and to build test fixtures).
public enum JPEGEncoder {
  /// Encodes RGB. `orientation` other than `.up` writes an Exif APP1 with that tag.
  public static func encode(_ image: RGBImage, quality: Int = 90, orientation: ExifOrientation = .up) throws(ImageCodecError) -> [UInt8] {
    try run(image.pixels, image.width, image.height, 3, quality, 0, orientation)
  }

  /// Encodes 8-bit grayscale.
  public static func encodeGray(width: Int, height: Int, pixels: [UInt8], quality: Int = 90) throws(ImageCodecError) -> [UInt8] {
    try run(pixels, width, height, 1, quality, 0, .up)
  }

  /// Encodes CMYK samples in the Adobe convention (stored value 255 = no ink), optionally as YCCK.
  public static func encodeCMYK(width: Int, height: Int, cmyk: [UInt8], quality: Int = 95, ycck: Bool = false) throws(ImageCodecError) -> [UInt8] {
    try run(cmyk, width, height, 4, quality, ycck ? 5 : 0, .up)
  }

  private static func run(_ px: [UInt8], _ w: Int, _ h: Int, _ ch: Int, _ q: Int, _ cs: Int, _ o: ExifOrientation) throws(ImageCodecError) -> [UInt8] {
    guard px.count == w * h * ch else { throw ImageCodecError(path: "<memory>", kind: .encodeFailed("pixel count mismatch")) }
    var out: UnsafeMutablePointer<UInt8>? = nil
    var size = 0
    var message = [CChar](repeating: 0, count: 256)
    let exif = o == .up ? [] : o.exifPayload()
    let code = px.withUnsafeBufferPointer { p in
      exif.withUnsafeBufferPointer { e in
        segjpeg_encode(
          p.baseAddress, UInt32(w), UInt32(h), Int32(ch), Int32(q), Int32(cs), exif.isEmpty ? nil : e.baseAddress, UInt32(exif.count), &out, &size, &message,
          256)
      }
    }
    guard code == 0, let out else { throw ImageCodecError(path: "<memory>", kind: .encodeFailed(cString(message))) }
    defer { segjpeg_free(out) }
    return Array(UnsafeBufferPointer(start: out, count: size))
  }
}
