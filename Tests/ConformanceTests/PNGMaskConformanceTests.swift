import Foundation
import ImageCodec
import SegmentationCore
import Testing

/// Masks written by Pillow and OpenCV (gray 1/8/16-bit, palette 1/2/4/8-bit, zlib levels 0-9, every
/// zlib strategy, text and tRNS chunks): the fast decoder, libpng and numpy read the same values.
@Suite("Mask PNGs from Pillow and OpenCV: fast decoder = libpng = numpy")
struct PNGMaskConformanceTests {
  @Test func everyWrittenMaskAgrees() throws {
    let dir = try OracleRunner.run("png_oracle.py")
    defer { try? FileManager.default.removeItem(at: dir) }
    let entries = try #require(OracleRunner.json(dir.appendingPathComponent("files.json")) as? [[String: Any]])
    #expect(entries.count >= 200)
    var fastTaken = 0
    for e in entries {
      let name = try #require(e["name"] as? String)
      let w = try #require(e["width"] as? Int), h = try #require(e["height"] as? Int)
      let path = dir.appendingPathComponent("files/\(name).png").path
      let data = try FileBytes.read(path)
      let raw = try Data(contentsOf: dir.appendingPathComponent("files/\(name).bin"))
      let written = raw.withUnsafeBytes { b in (0..<(w * h)).map { UInt16(littleEndian: b.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) } }
      let reference = try PNGDecoder.decode(data, path: path).labelMask(path: path)
      #expect(reference.values16 == written, "\(name): libpng differs from numpy")
      if let fast = FastMaskDecoder.decode(data) {
        fastTaken += 1
        #expect(fast == reference, "\(name): the fast decoder differs from libpng")
      }
      #expect(try ImageLoader.loadMask(path: path).values16 == written, "\(name): the loader differs from numpy")
    }
    // Every one of these is a plain non-interlaced gray or palette file: the fast path takes them all.
    #expect(fastTaken == entries.count, "the fast path declined \(entries.count - fastTaken) of \(entries.count) ordinary masks")
  }
}
