import DemoScenes
import Foundation
import ImageCodec
import SegmentationCore
import TerminalRender
import TestSupport
import Testing

/// Decodes sixel bytes with ImageMagick (the oracle) and returns the pixels.
func decodeSixel(_ bytes: [UInt8]) throws -> RGBImage {
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("six-" + UUID().uuidString)
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: dir) }
  let six = dir.appendingPathComponent("in.six"), png = dir.appendingPathComponent("out.png")
  try Data(bytes).write(to: six)
  let r = try Shell.run(["/usr/bin/convert", "sixel:" + six.path, png.path])
  guard r.status == 0 else { throw OracleFailure(message: "convert failed: \(r.err)") }
  return try PNGDecoder.decode(path: png.path).rgbImage()
}

struct OracleFailure: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
}

func psnr(_ a: RGBImage, _ b: RGBImage) -> Double {
  var se = 0.0
  for i in 0..<a.pixels.count {
    let d = Double(a.pixels[i]) - Double(b.pixels[i])
    se += d * d
  }
  let mse = se / Double(a.pixels.count)
  return mse == 0 ? 99 : 10 * log10(255 * 255 / mse)
}

@Suite("Sixel encoder, checked by decoding with ImageMagick")
struct SixelTests {
  @Test("a tiny image encodes to a known string")
  func golden() {
    let img = RGBImage(
      width: 5, height: 2,
      pixels: [
        255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 0, 0, 255,
        255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 0, 0, 255,
      ])
    let s = String(decoding: SixelEncoder().encode(ComposedImage(image: img)), as: UTF8.self)
    #expect(s == "\u{1B}P0;0;0q\"1;1;5;2#0;2;100;0;0#1;2;0;0;100#0!4B$#1!4?B-\u{1B}\\")
  }

  @Test("class colours survive exactly (within 1/255) and are never dithered")
  func exactClassColours() throws {
    let scene = DemoScene.generate(seed: 11, width: 120, height: 90)
    var pal: [UInt16: RGB] = [:]
    for (i, c) in DemoClasses.table.enumerated() { pal[UInt16(i)] = c.color }
    let composed = MaskComposer.colorize(scene.groundTruth, palette: ClassPalette(colors: pal))
    let decoded = try decodeSixel(SixelEncoder().encode(composed))
    #expect(decoded.width == 120 && decoded.height == 90)
    var worst = 0
    for i in 0..<composed.image.pixels.count { worst = max(worst, abs(Int(decoded.pixels[i]) - Int(composed.image.pixels[i]))) }
    #expect(worst <= 1)
  }

  @Test("overlay outlines stay exact while the photo is quantized and dithered")
  func overlayOutlines() throws {
    let scene = DemoScene.generate(seed: 12, width: 160, height: 120)
    let composed = MaskComposer.overlay(scene.image, scene.groundTruth, palette: ClassPalette(), options: .init(alpha: 0.4, outlines: true))
    let decoded = try decodeSixel(SixelEncoder(registers: 256, dither: true).encode(composed))
    var worst = 0
    for i in 0..<composed.exact.count where composed.exact[i] {
      for ch in 0..<3 { worst = max(worst, abs(Int(decoded.pixels[i * 3 + ch]) - Int(composed.image.pixels[i * 3 + ch]))) }
    }
    #expect(worst <= 1)
    #expect(psnr(decoded, composed.image) > 28)
  }

  @Test("photo PSNR is at least img2sixel's on the same input")
  func photoQualityAgainstImg2sixel() throws {
    try #require(Shell.has("img2sixel"), "img2sixel (libsixel-bin) is needed for this comparison")
    let photo = DemoScene.generate(seed: 21, width: 320, height: 240).image
    let ours = try decodeSixel(SixelEncoder(registers: 256, dither: false).encode(ComposedImage(image: photo)))
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("img2six-" + UUID().uuidString)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let png = dir.appendingPathComponent("p.png")
    try Data(PNGEncoder.encode(photo)).write(to: png)
    let theirs = try Shell.run(["img2sixel", "-p", "256", "-d", "none", png.path])
    let decodedTheirs = try decodeSixel(Array(theirs.out))
    let a = psnr(ours, photo), b = psnr(decodedTheirs, photo)
    print("sixel PSNR 320x240 photo, 256 registers, no dither: segscope \(a) dB, img2sixel \(b) dB")
    #expect(a >= b)
  }

  @Test func kittyChunksAndBase64() {
    let img = RGBImage(width: 1, height: 1, pixels: [255, 0, 0])
    #expect(String(decoding: KittyEncoder.encode(img), as: UTF8.self) == "\u{1B}_Ga=T,f=24,s=1,v=1,q=2,m=0;/wAA\u{1B}\\")
    let big = RGBImage(width: 64, height: 64)
    let s = String(decoding: KittyEncoder.encode(big), as: UTF8.self)
    #expect(s.components(separatedBy: "\u{1B}_G").count - 1 == 4)  // 12288 bytes -> 16384 base64 chars -> 4 chunks
    #expect(s.hasSuffix("m=0;" + String(repeating: "A", count: 4096) + "\u{1B}\\"))
  }
}
