import Foundation
import SegmentationCore
import Testing

@Suite("Cityscapes iIoU equals the official script's definition")
struct CityscapesConformanceTests {
  @Test(arguments: [4, 5] as [Int])
  func iIoU(seed: Int) throws {
    let dir = try OracleRunner.run("cityscapes_iiou_oracle.py", args: [String(seed)])
    defer { try? FileManager.default.removeItem(at: dir) }
    let root = try #require(OracleRunner.json(dir.appendingPathComponent("cases.json")) as? [String: Any])
    // labelId -> trainId, everything else ignored.
    let train: [Int: Int] = [
      7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10, 24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18,
    ]
    func toTrain(_ m: LabelMask) -> LabelMask {
      LabelMask(width: m.width, height: m.height, values: m.values16.map { UInt8(train[Int($0)] ?? 255) })
    }
    var matrix = ConfusionMatrix(classCount: 19)
    var iiou = CityscapesInstanceIoU()
    for f in try #require(root["files"] as? [[String: Any]]) {
      let w = try #require(f["w"] as? Int), h = try #require(f["h"] as? Int)
      let inst = try load(dir, f["inst"], w, h), pred = toTrain(try load(dir, f["pred"], w, h))
      let labels = toTrain(LabelMask(width: w, height: h, values16: inst.values16.map { $0 > 1000 ? $0 / 1000 : $0 }))
      try matrix.accumulate(gt: labels, pred: pred)
      iiou.accumulate(instanceIds: inst, prediction: pred)
    }
    let expected = try #require(root["iiou"] as? [String: Any])
    let ours = iiou.perClass(matrix)
    for (label, t) in CityscapesInstanceIoU.trainIdOfLabel {
      #expect(agrees(ours[t] ?? .nan, expected[String(label)] is NSNull ? nil : expected[String(label)]), "labelId \(label): \(ours[t] ?? .nan)")
    }
  }

  func load(_ dir: URL, _ name: Any?, _ w: Int, _ h: Int) throws -> LabelMask {
    let data = try Data(contentsOf: dir.appendingPathComponent(try #require(name as? String)))
    return LabelMask(
      width: w, height: h,
      values16: data.withUnsafeBytes { raw in (0..<(w * h)).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) } })
  }
}
