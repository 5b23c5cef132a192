import Foundation
import ImageCodec
import SegmentationCore
import Testing

/// A scratch folder removed when the test ends.
final class TempDir {
  let path: String
  init() {
    path = NSTemporaryDirectory() + "segscope-test-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(atPath: path) }
  func write(_ name: String, _ bytes: [UInt8]) -> String {
    let p = path + "/" + name
    _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
    return p
  }
}

@Suite("Corrupt, truncated, mislabeled and oversized files give errors, never crashes")
struct BadInputTests {
  let mask = LabelMask(width: 64, height: 48, values: (0..<(64 * 48)).map { UInt8(($0 / 7) % 21) })

  @Test func truncatedPNG() throws {
    let good = try PNGEncoder.encode(mask, options: .init(compression: 0))
    for cut in [good.count / 2, good.count - 13, 40, 9] {
      let err = #expect(throws: ImageCodecError.self) { try PNGDecoder.decode(Array(good.prefix(cut)), path: "m.png") }
      guard case .corrupt = err?.kind else {
        Issue.record("expected corrupt at cut \(cut), got \(String(describing: err))")
        continue
      }
      #expect(err?.description.hasPrefix("m.png: ") == true)
    }
  }

  @Test func corruptCRC() throws {
    var bad = try PNGEncoder.encode(mask)
    bad[bad.count / 2] ^= 0x5A  // inside IDAT
    let err = #expect(throws: ImageCodecError.self) { try PNGDecoder.decode(bad, path: "bad.png") }
    #expect(err?.description.contains("bad.png") == true)
  }

  @Test func garbageAndEmpty() {
    let e1 = #expect(throws: ImageCodecError.self) { try PNGDecoder.decode([UInt8]("hello world, not an image".utf8), path: "x.png") }
    #expect(e1?.kind == .wrongFormat(expected: "PNG", found: "not an image"))
    let e2 = #expect(throws: ImageCodecError.self) { try PNGDecoder.decode([], path: "e.png") }
    #expect(e2?.kind == .empty)
  }

  @Test("a JPEG named .png is refused with the reason")
  func mislabeled() throws {
    let dir = TempDir()
    let jpeg = try JPEGEncoder.encode(RGBImage(width: 8, height: 8, fill: RGB(200, 10, 10)))
    let path = dir.write("mask_001.png", jpeg)
    let err = #expect(throws: ImageCodecError.self) { try ImageLoader.loadMask(path: path) }
    #expect(err?.kind == .wrongFormat(expected: "PNG", found: "a JPEG file"))
    #expect(err?.description.contains("mask_001.png: expected a PNG file but the content is a JPEG file") == true)
    let png = dir.write("photo.jpg", try PNGEncoder.encode(mask))
    let err2 = #expect(throws: ImageCodecError.self) { try ImageLoader.loadImage(path: png) }
    #expect(err2?.kind == .wrongFormat(expected: "JPEG", found: "a PNG file"))
    // A correctly named JPEG mask is refused too: lossy masks invent class values.
    let jm = dir.write("mask.jpg", jpeg)
    #expect(throws: ImageCodecError.self) { try ImageLoader.loadMask(path: jm) }
  }

  @Test func missingFile() {
    let err = #expect(throws: ImageCodecError.self) { try ImageLoader.loadImage(path: "/nonexistent/dir/a.png") }
    guard case .unreadable = err?.kind else {
      Issue.record("expected unreadable")
      return
    }
    #expect(err?.description.hasPrefix("/nonexistent/dir/a.png: cannot read file") == true)
  }

  @Test("a PNG header announcing 4 gigapixels is refused before allocation")
  func pngBomb() {
    // IHDR says 65536 x 65536 gray; the IDAT is tiny. Decoding must stop at the header.
    let bomb = rawPNG(width: 65536, height: 65536, bitDepth: 8, colorType: 0, rows: [[0]])
    let err = #expect(throws: ImageCodecError.self) { try PNGDecoder.decode(bomb, path: "bomb.png") }
    #expect(err?.kind == .tooLarge(width: 65536, height: 65536, limit: 200_000_000))
    #expect(err?.description.contains("over the limit") == true)
  }

  @Test func configurableLimit() throws {
    let small = try PNGEncoder.encode(LabelMask(width: 10, height: 10))
    #expect(throws: ImageCodecError.self) { try PNGDecoder.decode(small, limits: DecodeLimits(maxPixels: 99)) }
    #expect(try PNGDecoder.decode(small, limits: DecodeLimits(maxPixels: 100)).width == 10)
    let jpeg = try JPEGEncoder.encode(RGBImage(width: 10, height: 10))
    let err = #expect(throws: ImageCodecError.self) { try JPEGDecoder.decode(jpeg, limits: DecodeLimits(maxPixels: 99)) }
    #expect(err?.kind == .tooLarge(width: 10, height: 10, limit: 99))
  }

  @Test("a JPEG header announcing 65500 x 65500 is refused before decoding")
  func jpegBomb() throws {
    var j = try JPEGEncoder.encode(RGBImage(width: 16, height: 16))
    let sof = try #require((0..<(j.count - 1)).first { j[$0] == 0xFF && j[$0 + 1] == 0xC0 })
    j[sof + 5] = 0xFF; j[sof + 6] = 0xDC  // height 65500
    j[sof + 7] = 0xFF; j[sof + 8] = 0xDC  // width 65500
    let err = #expect(throws: ImageCodecError.self) { try JPEGDecoder.decode(j, path: "bomb.jpg") }
    #expect(err?.kind == .tooLarge(width: 65500, height: 65500, limit: 200_000_000))
  }

  @Test("a truncated JPEG is an error, not a half-grey image")
  func truncatedJPEG() throws {
    var img = RGBImage(width: 64, height: 64)
    for y in 0..<64 { for x in 0..<64 { img[x: x, y: y] = RGB(UInt8(x * 4), UInt8(y * 4), 128) } }
    let good = try JPEGEncoder.encode(img, quality: 95)
    #expect(try JPEGDecoder.decode(good).image.width == 64)
    let err = #expect(throws: ImageCodecError.self) { try JPEGDecoder.decode(Array(good.prefix(good.count * 2 / 3)), path: "cut.jpg") }
    guard case .corrupt(let why) = err?.kind else {
      Issue.record("expected corrupt, got \(String(describing: err))")
      return
    }
    #expect(why.contains("Premature end"))
    // Header-only truncation fails in libjpeg's error_exit, which must not call exit().
    #expect(throws: ImageCodecError.self) { try JPEGDecoder.decode(Array(good.prefix(30)), path: "cut.jpg") }
  }

  @Test func corruptJPEGData() throws {
    var j = try JPEGEncoder.encode(RGBImage(width: 64, height: 64, fill: RGB(10, 200, 30)))
    let sos = try #require((0..<(j.count - 1)).first { j[$0] == 0xFF && j[$0 + 1] == 0xDA })
    for i in stride(from: sos + 20, to: j.count - 4, by: 3) { j[i] = 0xFF }  // markers inside entropy data
    #expect(throws: ImageCodecError.self) { try JPEGDecoder.decode(j, path: "x.jpg") }
  }
}

@Suite("Files that are not files, and pictures larger than memory")
struct SpecialFileTests {
  @Test("devices, FIFOs and folders are refused at once, naming the path")
  func notRegularFiles() throws {
    let dir = TempDir()
    let fifo = dir.path + "/pipe.png"
    #expect(mkfifo(fifo, 0o600) == 0)
    for path in ["/dev/zero", fifo, dir.path] {
      let t0 = Date()
      let err = #expect(throws: ImageCodecError.self) { try FileBytes.read(path) }
      #expect(err?.path == path)
      #expect(Date().timeIntervalSince(t0) < 2, "\(path) took too long")
      #expect(throws: ImageCodecError.self) { try ImageHeader.read(path: path) }
    }
  }

  @Test("a raised pixel limit cannot make a decoder allocate more than the machine has: an error, not an abort")
  func memoryBudget() throws {
    // A valid 16x16 JPEG whose frame header is rewritten to say 65500 x 65500.
    var jpeg = try JPEGEncoder.encode(RGBImage(width: 16, height: 16))
    var i = 2
    while i + 9 < jpeg.count {
      let m = jpeg[i + 1]
      if (0xC0...0xC2).contains(m) {
        for (k, b) in [UInt8(0xFF), 0xDC, 0xFF, 0xDC].enumerated() { jpeg[i + 5 + k] = b }
        break
      }
      i += 2 + (Int(jpeg[i + 2]) << 8 | Int(jpeg[i + 3]))
    }
    let limits = DecodeLimits(maxPixels: 65500 * 65500 + 1)
    let t0 = Date()
    let err = #expect(throws: ImageCodecError.self) { try JPEGDecoder.decode(jpeg, path: "huge.jpg", limits: limits) }
    #expect(Date().timeIntervalSince(t0) < 5)
    guard case .outOfMemory(let needed, let available) = err?.kind else {
      Issue.record("expected outOfMemory, got \(String(describing: err))")
      return
    }
    #expect(needed >= 65500 * 65500 * 3 && available == MemoryBudget.available)
    #expect(err?.description.contains("huge.jpg: decoding needs") == true)
    #expect(MemoryBudget.available < 65500 * 65500 * 3)
  }
}

@Suite("Inputs the fuzzers found")
struct FuzzRegressionTests {
  static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fuzz/corpus").path

  @Test("a TIFF tile declared far larger than its image is refused before its buffer is allocated")
  func hugeTile() throws {
    let path = Self.corpus + "/tiff/regression-oom-huge-tile.tif"
    let err = #expect(throws: ImageCodecError.self) { try TIFFDecoder.decode(FileBytes.read(path), path: path, limits: DecodeLimits(maxPixels: 4_000_000)) }
    #expect(err?.description.contains("over the limit") == true, "\(String(describing: err))")
  }
}
