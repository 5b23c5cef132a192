import ImageCodec
import SegmentationCore
import Testing

@Suite("PNG encoding round-trips bit-exactly")
struct PNGEncoderTests {
  @Test func gray8() throws {
    let m = LabelMask(width: 5, height: 4, values: (0..<20).map { UInt8($0 * 13) })
    let d = try PNGDecoder.decode(PNGEncoder.encode(m))
    #expect(d.bitDepth == 8 && d.colorType == .gray)
    #expect(try d.labelMask() == m)
  }

  @Test("packed low bit depths", arguments: [1, 2, 4])
  func lowDepth(bits: Int) throws {
    let m = LabelMask(width: 9, height: 3, values: (0..<27).map { UInt8($0 % (1 << bits)) })
    let d = try PNGDecoder.decode(PNGEncoder.encode(m, bitDepth: bits))
    #expect(d.bitDepth == bits)
    #expect(try d.labelMask() == m)
  }

  @Test func gray16() throws {
    let m = LabelMask(width: 4, height: 2, values16: [0, 1, 255, 256, 1000, 26001, 33002, 65535])
    let d = try PNGDecoder.decode(PNGEncoder.encode(m))
    #expect(d.bitDepth == 16)
    #expect(try d.labelMask() == m)
  }

  @Test("palette with its table, including void 255 and transparency")
  func palette() throws {
    var pal: [RGBA] = []
    for i in 0..<256 {
      let alpha: UInt8 = i == 0 ? 0 : 255
      pal.append(RGBA(UInt8(i), UInt8((i * 3) & 0xFF), UInt8(255 - i), alpha))
    }
    let idx: [UInt8] = [0, 1, 2, 13, 255, 21]
    let bytes = try PNGEncoder.encodePalette(width: 3, height: 2, indices: idx, palette: pal)
    let d = try PNGDecoder.decode(bytes)
    #expect(d.colorType == .palette)
    #expect(d.palette == pal)
    #expect(d.samples == .u8(idx))
  }

  @Test func rgbAndRGBA() throws {
    let img = RGBImage(width: 3, height: 2, pixels: (0..<18).map { UInt8($0 * 14) })
    #expect(try PNGDecoder.decode(PNGEncoder.encode(img)).rgbImage() == img)
    let rgba = (0..<24).map { UInt8($0 * 10) }
    let d = try PNGDecoder.decode(PNGEncoder.encodeRGBA(width: 3, height: 2, rgba: rgba))
    #expect(d.samples == .u8(rgba))
    let ga: [UInt8] = [1, 2, 3, 4]
    #expect(try PNGDecoder.decode(PNGEncoder.encodeGrayAlpha(width: 2, height: 1, ga: ga)).samples == .u8(ga))
  }

  @Test func refusesBadArguments() {
    #expect(throws: ImageCodecError.self) { try PNGEncoder.encodePalette(width: 2, height: 2, indices: [0], palette: [RGBA(0, 0, 0)]) }
    #expect(throws: ImageCodecError.self) { try PNGEncoder.encodePalette(width: 1, height: 1, indices: [0], palette: []) }
  }
}
