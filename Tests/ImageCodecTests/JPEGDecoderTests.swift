import ImageCodec
import SegmentationCore
import Testing

func close(_ a: RGB, _ b: RGB, _ tol: Int = 4) -> Bool {
  abs(Int(a.r) - Int(b.r)) <= tol && abs(Int(a.g) - Int(b.g)) <= tol && abs(Int(a.b) - Int(b.b)) <= tol
}

/// Four 16x16 quadrants in distinct colours: easy to follow through rotations and JPEG loss.
func quadrants(_ w: Int = 32, _ h: Int = 32) -> RGBImage {
  var img = RGBImage(width: w, height: h)
  for y in 0..<h {
    for x in 0..<w {
      let c: RGB
      switch (x < w / 2, y < h / 2) {
      case (true, true): c = RGB(255, 0, 0)
      case (false, true): c = RGB(0, 255, 0)
      case (true, false): c = RGB(0, 0, 255)
      case (false, false): c = RGB(255, 255, 0)
      }
      img[x: x, y: y] = c
    }
  }
  return img
}

@Suite("JPEG decoding")
struct JPEGDecoderTests {
  @Test func rgb() throws {
    let d = try JPEGDecoder.decode(JPEGEncoder.encode(quadrants(), quality: 100))
    #expect(d.image.width == 32 && d.image.height == 32 && d.components == 3)
    #expect(close(d.image[x: 4, y: 4], RGB(255, 0, 0)))
    #expect(close(d.image[x: 28, y: 4], RGB(0, 255, 0)))
    #expect(close(d.image[x: 4, y: 28], RGB(0, 0, 255)))
    #expect(close(d.image[x: 28, y: 28], RGB(255, 255, 0)))
    #expect(d.orientation == .up && !d.orientationApplied)
  }

  @Test func grayscale() throws {
    let px = (0..<(16 * 16)).map { $0 < 128 ? UInt8(40) : UInt8(220) }
    let d = try JPEGDecoder.decode(JPEGEncoder.encodeGray(width: 16, height: 16, pixels: px, quality: 100))
    #expect(d.components == 1)
    #expect(close(d.image[x: 3, y: 2], RGB(40, 40, 40), 2))
    #expect(close(d.image[x: 3, y: 13], RGB(220, 220, 220), 2))
  }

  @Test("CMYK and YCCK (Adobe, inverted) decode to RGB", arguments: [false, true])
  func cmyk(ycck: Bool) throws {
    // Adobe convention: stored 255 = no ink. Left half: no cyan, full magenta+yellow, no black = red.
    // Right half: no ink at all but 50% black = mid grey.
    var px: [UInt8] = []
    for _ in 0..<16 { for x in 0..<16 { px += x < 8 ? [255, 0, 0, 255] : [255, 255, 255, 128] } }
    let d = try JPEGDecoder.decode(JPEGEncoder.encodeCMYK(width: 16, height: 16, cmyk: px, quality: 100, ycck: ycck))
    #expect(d.components == 4)
    #expect(close(d.image[x: 2, y: 8], RGB(255, 0, 0), 6))
    #expect(close(d.image[x: 13, y: 8], RGB(128, 128, 128), 6))
  }

  @Test("DCT downscaling", arguments: [(JPEGScale.full, 1920, 1080), (.half, 960, 540), (.quarter, 480, 270), (.eighth, 240, 135)])
  func scaling(scale: JPEGScale, w: Int, h: Int) throws {
    let j = try JPEGEncoder.encode(RGBImage(width: 1920, height: 1080, fill: RGB(30, 60, 90)), quality: 80)
    let d = try JPEGDecoder.decode(j, scale: scale)
    #expect(d.image.width == w && d.image.height == h)
    #expect(d.storedWidth == 1920 && d.storedHeight == 1080)
    #expect(close(d.image[x: w / 2, y: h / 2], RGB(30, 60, 90), 3))
  }

  @Test("Exif orientation is applied and reported", arguments: ExifOrientation.allCases)
  func orientation(o: ExifOrientation) throws {
    let src = quadrants(48, 32)
    let j = try JPEGEncoder.encode(src, quality: 100, orientation: o)
    let d = try JPEGDecoder.decode(j)
    #expect(d.orientation == o)
    let expected = o.apply(to: src)
    #expect(d.image.width == (o.swapsAxes ? 32 : 48))
    #expect(d.image.width == expected.width && d.image.height == expected.height)
    for (x, y) in [(3, 3), (d.image.width - 4, 3), (3, d.image.height - 4), (d.image.width - 4, d.image.height - 4)] {
      #expect(close(d.image[x: x, y: y], expected[x: x, y: y], 6), "orientation \(o) at \(x),\(y)")
    }
    let raw = try JPEGDecoder.decode(j, applyOrientation: false)
    #expect(raw.image.width == 48 && raw.orientation == o)
  }

  @Test("orientation 6 turns the stored image 90 degrees clockwise")
  func rightIsClockwise() {
    // Stored 2x1: [A B]. Displayed 1x2: A on top, B below.
    let img = RGBImage(width: 2, height: 1, pixels: [1, 1, 1, 2, 2, 2])
    let r = ExifOrientation.right.apply(to: img)
    #expect(r.width == 1 && r.height == 2)
    #expect(r.pixels == [1, 1, 1, 2, 2, 2])
    let l = ExifOrientation.left.apply(to: img)
    #expect(l.pixels == [2, 2, 2, 1, 1, 1])
  }

  @Test func exifParsingBigEndianAndMalformed() {
    var be: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0, 0, 0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 2]
    be += [0x01, 0x0F, 0, 2, 0, 0, 0, 4, 0, 0, 0, 0]  // Make tag, ignored
    be += [0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0]
    #expect(ExifOrientation.parse(exif: be) == .left)
    #expect(ExifOrientation.parse(exif: Array(be.prefix(20))) == nil)
    #expect(ExifOrientation.parse(exif: [1, 2, 3]) == nil)
  }
}
