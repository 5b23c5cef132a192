import Foundation
import SegmentationCore
import Testing

@Suite("Boundary IoU equals boundary-iou-api's mask_to_boundary (numpy transcription)")
struct BoundaryConformanceTests {
  @Test func randomizedBlockMasks() throws {
    let dir = try OracleRunner.run("boundary_oracle.py", args: ["11"])
    defer { try? FileManager.default.removeItem(at: dir) }
    let cases = try #require(OracleRunner.json(dir.appendingPathComponent("cases.json")) as? [[String: Any]])
    #expect(cases.count == 18)  // 14 randomized, 4 where half-to-even rounding of d decides
    for c in cases {
      let k = try #require(c["classes"] as? Int)
      var b = BoundaryIoU(classCount: k)
      for f in try #require(c["files"] as? [[String: Any]]) {
        let w = try #require(f["w"] as? Int), h = try #require(f["h"] as? Int)
        try b.accumulate(gt: load(dir, f["gt"], w, h), pred: load(dir, f["pred"], w, h))
      }
      let inter = try #require(c["intersection"] as? [Double]), union = try #require(c["union"] as? [Double])
      #expect(b.intersection.map { Double($0) } == inter, "\(c["name"] ?? "") intersection")
      #expect(b.union.map { Double($0) } == union, "\(c["name"] ?? "") union")
    }
  }

  @Test func dilationRoundsHalfToEven() {
    #expect(BoundaryIoU.dilation(width: 1, height: 1) == 1)
    #expect(BoundaryIoU.dilation(width: 1024, height: 512) == 23)
    #expect(BoundaryIoU.dilation(width: 1920, height: 1080) == 44)
  }

  func load(_ dir: URL, _ name: Any?, _ w: Int, _ h: Int) throws -> LabelMask {
    let data = try Data(contentsOf: dir.appendingPathComponent(try #require(name as? String)))
    return LabelMask(
      width: w, height: h,
      values16: data.withUnsafeBytes { raw in (0..<(w * h)).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) } })
  }
}
