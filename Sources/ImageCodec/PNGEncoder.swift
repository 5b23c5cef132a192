import CPNG
import SegmentationCore

/// Encodes PNG files with libpng.
public enum PNGEncoder {
  /// Options for every encode call.
  public struct Options: Sendable {
    /// zlib level 0-9.
    public var compression: Int = 6
    /// Adam7 interlacing.
    public var interlaced: Bool = false
    public init(compression: Int = 6, interlaced: Bool = false) {
      self.compression = compression
      self.interlaced = interlaced
    }
  }

  /// An 8-bit gray PNG (bitDepth 1, 2, 4 or 8; values must fit) or a 16-bit gray PNG, from a mask.
  public static func encode(_ mask: LabelMask, bitDepth: Int? = nil, options: Options = Options()) throws(ImageCodecError) -> [UInt8] {
    switch mask.storage {
    case .u8(let v):
      return try run(v, mask.width, mask.height, SEGPNG_ENC_GRAY8, bitDepth ?? 8, nil, options)
    case .u16(let v):
      let bytes = v.withUnsafeBytes { Array($0) }
      return try run(bytes, mask.width, mask.height, SEGPNG_ENC_GRAY16, 16, nil, options)
    }
  }

  /// A palette PNG: `indices` are 8-bit palette indices, `palette` up to 256 RGBA entries
  /// (alpha below 255 writes a tRNS chunk).
  public static func encodePalette(width: Int, height: Int, indices: [UInt8], palette: [RGBA], bitDepth: Int = 8, options: Options = Options())
    throws(ImageCodecError) -> [UInt8]
  {
    guard indices.count == width * height else { throw ImageCodecError(path: "<memory>", kind: .encodeFailed("indices size mismatch")) }
    var pal: [UInt8] = []
    for c in palette { pal += [c.r, c.g, c.b, c.a] }
    return try run(indices, width, height, SEGPNG_ENC_PALETTE, bitDepth, pal, options)
  }

  /// An RGB PNG.
  public static func encode(_ image: RGBImage, options: Options = Options()) throws(ImageCodecError) -> [UInt8] {
    try run(image.pixels, image.width, image.height, SEGPNG_ENC_RGB, 8, nil, options)
  }

  /// An RGBA PNG from interleaved RGBA bytes.
  public static func encodeRGBA(width: Int, height: Int, rgba: [UInt8], options: Options = Options()) throws(ImageCodecError) -> [UInt8] {
    guard rgba.count == width * height * 4 else { throw ImageCodecError(path: "<memory>", kind: .encodeFailed("RGBA size mismatch")) }
    return try run(rgba, width, height, SEGPNG_ENC_RGBA, 8, nil, options)
  }

  /// A gray+alpha PNG from interleaved (gray, alpha) bytes.
  public static func encodeGrayAlpha(width: Int, height: Int, ga: [UInt8], options: Options = Options()) throws(ImageCodecError) -> [UInt8] {
    guard ga.count == width * height * 2 else { throw ImageCodecError(path: "<memory>", kind: .encodeFailed("gray+alpha size mismatch")) }
    return try run(ga, width, height, SEGPNG_ENC_GRAYALPHA, 8, nil, options)
  }

  /// A picture as the smaller of its usual encodings: a palette PNG when it has at most 256 colours
  /// (an error map, a mask's colours), else RGB.
  public static func encodeSmallest(_ image: RGBImage, options: Options = Options()) throws(ImageCodecError) -> [UInt8] {
    if let (indices, palette) = indexed(image.pixels, channels: 3) {
      return try encodePalette(width: image.width, height: image.height, indices: indices, palette: palette, options: options)
    }
    return try encode(image, options: options)
  }

  /// A translucent picture (RGBA) as the smallest of its usual encodings: a palette PNG with
  /// transparency when it has at most 256 colour-alpha pairs (a class overlay), RGB when it is
  /// opaque, else RGBA.
  public static func encodeSmallest(width: Int, height: Int, rgba: [UInt8], options: Options = Options()) throws(ImageCodecError) -> [UInt8] {
    guard rgba.count == width * height * 4 else { throw ImageCodecError(path: "<memory>", kind: .encodeFailed("RGBA size mismatch")) }
    if let (indices, palette) = indexed(rgba, channels: 4) {
      return try encodePalette(width: width, height: height, indices: indices, palette: palette, options: options)
    }
    if stride(from: 3, to: rgba.count, by: 4).allSatisfy({ rgba[$0] == 255 }) {
      var rgb = [UInt8](repeating: 0, count: width * height * 3)
      for i in 0..<(width * height) {
        rgb[i * 3] = rgba[i * 4]
        rgb[i * 3 + 1] = rgba[i * 4 + 1]
        rgb[i * 3 + 2] = rgba[i * 4 + 2]
      }
      return try encode(RGBImage(width: width, height: height, pixels: rgb), options: options)
    }
    return try encodeRGBA(width: width, height: height, rgba: rgba, options: options)
  }

  /// Palette indices and the palette (RGBA) of 3- or 4-channel pixels, or nil past 256 colours.
  static func indexed(_ px: [UInt8], channels: Int) -> ([UInt8], [RGBA])? {
    let n = px.count / channels
    var indices = [UInt8](repeating: 0, count: n)
    var lookup: [UInt32: UInt8] = [:]
    var palette: [RGBA] = []
    var lastKey = UInt32.max, lastIndex: UInt8 = 0
    for i in 0..<n {
      let o = i * channels
      let a = channels == 4 ? px[o + 3] : 255
      let key = UInt32(px[o]) << 24 | UInt32(px[o + 1]) << 16 | UInt32(px[o + 2]) << 8 | UInt32(a)
      if key == lastKey {
        indices[i] = lastIndex
        continue
      }
      let index: UInt8
      if let known = lookup[key] {
        index = known
      } else {
        guard palette.count < 256 else { return nil }
        index = UInt8(palette.count)
        lookup[key] = index
        palette.append(RGBA(px[o], px[o + 1], px[o + 2], a))
      }
      indices[i] = index
      lastKey = key
      lastIndex = index
    }
    return (indices, palette)
  }

  private static func run(_ pixels: [UInt8], _ w: Int, _ h: Int, _ layout: Int, _ depth: Int, _ palette: [UInt8]?, _ o: Options) throws(ImageCodecError)
    -> [UInt8]
  {
    var out: UnsafeMutablePointer<UInt8>? = nil
    var size = 0
    var message = [CChar](repeating: 0, count: 256)
    let pal = palette ?? []
    let code = pixels.withUnsafeBufferPointer { px in
      pal.withUnsafeBufferPointer { pp in
        segpng_encode(
          px.baseAddress, UInt32(w), UInt32(h), Int32(layout), Int32(depth),
          pal.isEmpty ? nil : pp.baseAddress, Int32(pal.count / 4), Int32(o.compression), o.interlaced ? 1 : 0,
          &out, &size, &message, 256)
      }
    }
    guard code == 0, let out else {
      throw ImageCodecError(path: "<memory>", kind: .encodeFailed(cString(message)))
    }
    defer { segpng_free(out) }
    return Array(UnsafeBufferPointer(start: out, count: size))
  }
}
