import ImageCodec
import SegmentationCore
import Testing

@Suite("PNG decoding against hand-built files")
struct PNGDecoderTests {
  @Test("1, 2 and 4-bit gray unpack to exact values", arguments: [1, 2, 4])
  func lowBitGray(bits: Int) throws {
    let w = 7, h = 3
    let maxV = (1 << bits) - 1
    let values = (0..<(w * h)).map { UInt8(($0 * 5 + 1) % (maxV + 1)) }
    let rows = (0..<h).map { pack(Array(values[($0 * w)..<($0 * w + w)]), bits: bits) }
    let png = try PNGDecoder.decode(rawPNG(width: w, height: h, bitDepth: UInt8(bits), colorType: 0, rows: rows))
    #expect(png.bitDepth == bits)
    #expect(png.colorType == .gray)
    let mask = try png.labelMask()
    #expect(mask.values16 == values.map(UInt16.init))
    // For display, low depths are scaled to the full 0-255 range.
    let rgb = png.rgbImage()
    #expect(Int(rgb[x: 0, y: 0].r) == Int(values[0]) * (255 / maxV))
  }

  @Test func eightBitGray() throws {
    let values: [UInt8] = [0, 1, 2, 255, 254, 13, 7, 100]
    let png = try PNGDecoder.decode(rawPNG(width: 4, height: 2, bitDepth: 8, colorType: 0, rows: [Array(values[0..<4]), Array(values[4..<8])]))
    #expect(try png.labelMask() == LabelMask(width: 4, height: 2, values: values))
  }

  @Test("16-bit gray keeps exact values, no gamma, no 8-bit reduction")
  func sixteenBit() throws {
    let values: [UInt16] = [0, 1000, 30000, 60000, 65535, 26001]
    let row = values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    let png = try PNGDecoder.decode(rawPNG(width: 6, height: 1, bitDepth: 16, colorType: 0, rows: [row]))
    let mask = try png.labelMask()
    #expect(mask.bitDepth == 16)
    #expect(mask.values16 == values)
  }

  @Test("palette PNGs give indices and the palette, with tRNS alpha")
  func palette() throws {
    var plte: [UInt8] = []
    for i in 0..<256 { plte += [UInt8(i), UInt8(255 - i), UInt8((i * 7) & 0xFF)] }
    let indices: [UInt8] = [0, 1, 13, 255, 20, 13]
    let png = try PNGDecoder.decode(
      rawPNG(width: 3, height: 2, bitDepth: 8, colorType: 3, rows: [Array(indices[0..<3]), Array(indices[3..<6])], plte: plte, trns: [0, 128]))
    #expect(png.colorType == .palette)
    #expect(try png.labelMask().values16 == indices.map(UInt16.init))  // 13 stays 13, never 101
    #expect(png.palette.count == 256)
    #expect(png.palette[0] == RGBA(0, 255, 0, 0))
    #expect(png.palette[1] == RGBA(1, 254, 7, 128))
    #expect(png.palette[13] == RGBA(13, 242, 91, 255))
    #expect(png.rgbImage()[x: 2, y: 0] == RGB(13, 242, 91))
  }

  @Test func fourBitPalette() throws {
    let plte: [UInt8] = [0, 0, 0, 128, 0, 0, 0, 128, 0]
    let idx: [UInt8] = [0, 1, 2, 1, 0]
    let png = try PNGDecoder.decode(rawPNG(width: 5, height: 1, bitDepth: 4, colorType: 3, rows: [pack(idx, bits: 4)], plte: plte))
    #expect(try png.labelMask().values16 == idx.map(UInt16.init))
    #expect(png.bitDepth == 4)
  }

  @Test("RGB, RGBA and gray+alpha keep their channels")
  func colour() throws {
    let rgb = try PNGDecoder.decode(rawPNG(width: 2, height: 1, bitDepth: 8, colorType: 2, rows: [[10, 20, 30, 40, 50, 60]]))
    #expect(rgb.channels == 3)
    #expect(rgb.samples == .u8([10, 20, 30, 40, 50, 60]))
    #expect(rgb.rgbImage().pixels == [10, 20, 30, 40, 50, 60])
    let rgba = try PNGDecoder.decode(rawPNG(width: 1, height: 2, bitDepth: 8, colorType: 6, rows: [[1, 2, 3, 4], [5, 6, 7, 8]]))
    #expect(rgba.channels == 4)
    #expect(rgba.samples == .u8([1, 2, 3, 4, 5, 6, 7, 8]))
    #expect(rgba.rgbImage().pixels == [1, 2, 3, 5, 6, 7])
    let ga = try PNGDecoder.decode(rawPNG(width: 2, height: 1, bitDepth: 8, colorType: 4, rows: [[9, 255, 200, 0]]))
    #expect(ga.channels == 2)
    #expect(ga.samples == .u8([9, 255, 200, 0]))
    #expect(ga.rgbImage().pixels == [9, 9, 9, 200, 200, 200])
    #expect(throws: ImageCodecError.self) { try rgb.labelMask() }
  }

  @Test("interlaced files decode to the same pixels as plain ones")
  func interlaced() throws {
    let w = 13, h = 11
    let values = (0..<(w * h)).map { UInt8(($0 * 37) & 0xFF) }
    let mask = LabelMask(width: w, height: h, values: values)
    let plain = try PNGEncoder.encode(mask)
    let adam7 = try PNGEncoder.encode(mask, options: .init(interlaced: true))
    #expect(plain != adam7)
    let a = try PNGDecoder.decode(adam7)
    #expect(a.interlaced)
    #expect(try a.labelMask() == mask)
    let rgbValues = (0..<(w * h * 3)).map { UInt8(($0 * 11) & 0xFF) }
    let img = RGBImage(width: w, height: h, pixels: rgbValues)
    #expect(try PNGDecoder.decode(PNGEncoder.encode(img, options: .init(interlaced: true))).rgbImage() == img)
  }

  @Test func headerOnly() throws {
    let h = try PNGDecoder.header(rawPNG(width: 3, height: 2, bitDepth: 16, colorType: 0, rows: [[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]))
    #expect(h.width == 3 && h.height == 2 && h.bitDepth == 16 && h.colorType == .gray)
  }
}

@Suite("The smallest PNG for a picture shown once")
struct SmallestPNGTests {
  /// RGBA pixels as the decoder gives them back (palette entries looked up).
  static func rgba(_ png: PNGImage) -> [UInt8] {
    guard case .u8(let s) = png.samples else { return [] }
    switch png.colorType {
    case .palette:
      return s.flatMap { (i: UInt8) -> [UInt8] in
        let c = png.palette[Int(i)]
        return [c.r, c.g, c.b, c.a]
      }
    case .rgb:
      var out: [UInt8] = []
      for i in stride(from: 0, to: s.count, by: 3) { out += [s[i], s[i + 1], s[i + 2], 255] }
      return out
    case .rgba: return s
    default: return []
    }
  }

  @Test("few colours go as a palette (with transparency), many as RGB or RGBA; every pixel comes back")
  func roundTrip() throws {
    let w = 37, h = 23
    // A class layer: three colours at two alphas and transparent.
    var layer = [UInt8](repeating: 0, count: w * h * 4)
    for i in 0..<(w * h) where i % 5 != 0 { layer.replaceSubrange((i * 4)..<(i * 4 + 4), with: [UInt8(i % 3 * 80), 40, 200, i % 7 == 0 ? 255 : 128]) }
    let small = try PNGDecoder.decode(PNGEncoder.encodeSmallest(width: w, height: h, rgba: layer))
    #expect(small.colorType == .palette && Self.rgba(small) == layer)
    // A photo-like translucent picture: more than 256 colours.
    var photo: [UInt8] = []
    for i in 0..<(w * h) {
      let a: UInt8 = i % 2 == 0 ? 255 : 90
      photo += [UInt8(i % 251), UInt8(i * 7 % 256), UInt8(i * 13 % 256), a]
    }
    let full = try PNGDecoder.decode(PNGEncoder.encodeSmallest(width: w, height: h, rgba: photo))
    #expect(full.colorType == .rgba && Self.rgba(full) == photo)
    let opaque = photo.enumerated().map { $0.offset % 4 == 3 ? 255 : $0.element }
    let rgb = try PNGDecoder.decode(PNGEncoder.encodeSmallest(width: w, height: h, rgba: opaque))
    #expect(rgb.colorType == .rgb && Self.rgba(rgb) == opaque)
    // An error map (a few opaque colours) from an RGB picture.
    var mapPixels: [UInt8] = []
    for i in 0..<(w * h) { mapPixels += i % 3 == 0 ? [46, 160, 67] : [218, 54, 51] }
    let map = RGBImage(width: w, height: h, pixels: mapPixels)
    let decoded = try PNGDecoder.decode(PNGEncoder.encodeSmallest(map))
    #expect(decoded.colorType == .palette && decoded.rgbImage() == map)
    #expect(try PNGEncoder.encodeSmallest(map).count < PNGEncoder.encode(map).count)
  }
}
