import DemoScenes
import CJPEG
import CPNG
import ImageCodec
import SegmentationCore

/// Decode speed: the C shim straight into a preallocated buffer (what libpng / libjpeg-turbo cost)
/// against the Swift API (allocation, typed errors, result types included).
enum DecodeBench {
  static func run(rounds: Int) throws {
    let scene = DemoScene.generate(seed: 7, width: 1024, height: 1024)
    let maskPNG = try PNGEncoder.encode(scene.groundTruth)
    let photo = DemoScene.generate(seed: 8, width: 1920, height: 1080).image
    let jpeg = try JPEGEncoder.encode(photo, quality: 90)
    print("inputs: 1024x1024 8-bit gray label PNG (\(maskPNG.count) bytes), 1920x1080 JPEG q90 (\(jpeg.count) bytes)")

    var sink = 0
    let rawPNG = { sink &+= cPNG(maskPNG) }
    let swiftPNG = { sink &+= (try? PNGDecoder.decode(maskPNG))?.width ?? 0 }
    let fastPNG = { sink &+= FastMaskDecoder.decode(maskPNG)?.width ?? 0 }
    let rawJ1 = { sink &+= cJPEG(jpeg, 1) }
    let swiftJ1 = { sink &+= (try? JPEGDecoder.decode(jpeg))?.image.width ?? 0 }
    let rawJ8 = { sink &+= cJPEG(jpeg, 8) }
    let swiftJ8 = { sink &+= (try? JPEGDecoder.decode(jpeg, scale: .eighth))?.image.width ?? 0 }
    let t = interleavedMedians(rounds: rounds, [rawPNG, swiftPNG, rawJ1, swiftJ1, rawJ8, swiftJ8, fastPNG])
    func line(_ name: String, _ c: Double, _ s: Double) {
      print("\(name): C \(fmt(c)) ms, Swift API \(fmt(s)) ms, overhead \(fmt((s / c - 1) * 100, 1))%")
    }
    line("PNG 1024x1024 gray8      ", t[0], t[1])
    print("PNG 1024x1024 gray8 fast mask decoder (libdeflate): \(fmt(t[6])) ms, \(fmt(t[0] / t[6], 2))x libpng")
    line("JPEG 1920x1080 full      ", t[2], t[3])
    line("JPEG 1920x1080 1/8 scale ", t[4], t[5])
    if sink == 42 { print("") }
  }

  /// libpng through the shim into a reused buffer.
  static func cPNG(_ data: [UInt8]) -> Int {
    var info = segpng_info()
    var code: Int32 = 0
    var err = [CChar](repeating: 0, count: 256)
    return data.withUnsafeBufferPointer { buf -> Int in
      guard let r = segpng_open(buf.baseAddress, buf.count, UInt64.max, &info, &code, &err, 256) else { return 0 }
      defer { segpng_close(r) }
      let out = UnsafeMutablePointer<UInt8>.allocate(capacity: Int(info.rowbytes) * Int(info.height))
      defer { out.deallocate() }
      return segpng_read(r, out, &err, 256) == 0 ? Int(info.width) : 0
    }
  }

  static func cJPEG(_ data: [UInt8], _ scale: Int32) -> Int {
    var info = segjpeg_info()
    var code: Int32 = 0
    var err = [CChar](repeating: 0, count: 256)
    return data.withUnsafeBufferPointer { buf -> Int in
      guard let r = segjpeg_open(buf.baseAddress, buf.count, scale, 1, UInt64.max, &info, &code, &err, 256) else { return 0 }
      defer { segjpeg_close(r) }
      let out = UnsafeMutablePointer<UInt8>.allocate(capacity: Int(info.output_width) * Int(info.output_height) * 3)
      defer { out.deallocate() }
      return segjpeg_read(r, out, &err, 256) == 0 ? Int(info.output_width) : 0
    }
  }
}
