import Foundation
import ImageCodec
import SegmentationCore
import TestSupport
import Testing

@Suite("COCO export read back by pycocotools")
struct CocoExportConformanceTests {
  @Test("every class mask of every sample comes back pixel for pixel, with pycocotools' areas and boxes")
  func roundTrip() throws {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("cocoexp-" + UUID().uuidString).path
    defer { try? FileManager.default.removeItem(atPath: base) }
    let demo = base + "/demo", export = base + "/export", check = base + "/check"
    try FileManager.default.createDirectory(atPath: check, withIntermediateDirectories: true)
    let g = try Shell.run([Binary.path, "demo", "--dir", demo, "--samples", "8", "--size", "96x64", "--print"])
    try #require(g.status == 0, "\(g.err)")
    let e = try Shell.run([Binary.path, "export", demo, "--format", "coco", "--out", export, "--view", "split=train"])
    // Sample 13 does not exist with 8 samples; every mask is readable, so the export succeeds.
    try #require(e.status == 0, "\(e.err)")
    let c = try Shell.run(["python3", OracleRunner.root.appendingPathComponent("coco_export_check.py").path, check, export])
    try #require(c.status == 0, "\(c.err)")
    let report = try #require(OracleRunner.json(URL(fileURLWithPath: check + "/report.json")) as? [String: Any])
    #expect(report["bad_area"] as? Int == 0 && report["bad_bbox"] as? Int == 0 && report["overlaps"] as? Int == 0)
    let images = try #require(report["images"] as? [[String: Any]])
    #expect(images.count == 6)  // 8 samples, every fifth in val
    for im in images {
      let file = try #require(im["file_name"] as? String)
      let w = try #require(im["w"] as? Int), h = try #require(im["h"] as? Int)
      let data = try Data(contentsOf: URL(fileURLWithPath: check + "/" + (try #require(im["labels"] as? String))))
      let back = data.withUnsafeBytes { raw in (0..<(w * h)).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) } }
      let stem = String(file.dropLast(4)).replacingOccurrences(of: "__", with: "/")
      let mask = try ImageLoader.loadMask(path: demo + "/labels/" + stem + ".png")
      // Ignored (255) pixels have no annotation.
      #expect(mask.values16.map { $0 == 255 ? 65535 : $0 } == back, "\(file)")
    }
  }
}
