import Foundation
import SegmentationCore
import Testing

@Suite("Semantic metrics equal numpy implementations of mmseg, torchmetrics and Cityscapes")
struct SemanticConformanceTests {
  @Test func allCasesAgree() throws {
    let dir = try OracleRunner.run("semantic_oracle.py", args: ["20261126"])
    defer { try? FileManager.default.removeItem(at: dir) }
    let cases = try #require(OracleRunner.json(dir.appendingPathComponent("cases.json")) as? [[String: Any]])
    #expect(cases.count >= 37)
    for c in cases {
      let name = c["name"] as? String ?? "?"
      let k = try #require(c["classes"] as? Int)
      let ignore = UInt16(try #require(c["ignore"] as? Int))
      let rzl = c["reduce_zero_label"] as? Bool ?? false
      let files = try #require(c["files"] as? [[String: Any]])
      var m16 = ConfusionMatrix(classCount: k)
      var m8 = ConfusionMatrix(classCount: k)
      for f in files {
        let w = try #require(f["w"] as? Int), h = try #require(f["h"] as? Int)
        var gt = try load(dir, f["gt"], w, h)
        let pred = try load(dir, f["pred"], w, h)
        if rzl { gt = gt.reducingZeroLabel() }
        try m16.accumulate(gt: gt, pred: pred, ignore: [ignore])
        if let g8 = gt.narrowed(), let p8 = pred.narrowed() {
          try m8.accumulate(gt: g8, pred: p8, ignore: [ignore])
        } else {
          m8.add(try ConfusionMatrix.of(gt: gt, pred: pred, classCount: k, ignore: [ignore]))
        }
      }
      #expect(m8 == m16, "8-bit and 16-bit paths differ in \(name)")
      let mm = SemanticMetrics(matrix: m16, dialect: .mmseg)
      let ref = try #require(c["mmseg"] as? [String: Any])
      #expect(agrees(mm.mIoU, ref["mIoU"]), "\(name) mIoU \(mm.mIoU) vs \(String(describing: ref["mIoU"]))")
      #expect(agrees(mm.aAcc, ref["aAcc"]), "\(name) aAcc")
      #expect(agrees(mm.mAcc, ref["mAcc"]), "\(name) mAcc")
      #expect(agrees(mm.mDice, ref["mDice"]), "\(name) mDice")
      #expect(agrees(mm.fwIoU, ref["fwIoU"]), "\(name) fwIoU \(mm.fwIoU) vs \(String(describing: ref["fwIoU"]))")
      for (key, path) in [("iou", \ClassMetrics.iou), ("dice", \.dice), ("precision", \.precision), ("recall", \.recall)] {
        let r = try #require(ref[key] as? [Any])
        for (i, cm) in mm.classes.enumerated() {
          #expect(agrees(cm[keyPath: path], r[i] is NSNull ? nil : r[i]), "\(name) \(key)[\(i)]")
        }
      }
      let gtPixels = try #require(ref["gt_pixels"] as? [Double])
      #expect(mm.classes.map { Double($0.gtPixels) } == gtPixels, "\(name) gt pixels")
      let predPixels = try #require(ref["pred_pixels"] as? [Double])
      #expect(mm.classes.map { Double($0.predPixels) } == predPixels, "\(name) pred pixels")

      if c["outside"] as? Bool == true {
        // Values outside the class map were counted (mmseg's rule), not dropped silently.
        #expect(!m16.unknownGroundTruth.isEmpty, "\(name): no value outside the map was seen")
        continue
      }
      let tm = SemanticMetrics(matrix: m16, dialect: .torchmetrics)
      let tref = try #require(c["torchmetrics"] as? [String: Any])
      #expect(agrees(tm.mIoU, tref["mIoU"]), "\(name) torchmetrics mIoU")
      let cs = SemanticMetrics(matrix: m16, dialect: .cityscapes)
      let cref = try #require(c["cityscapes"] as? [String: Any])
      #expect(agrees(cs.mIoU, cref["mIoU"]), "\(name) cityscapes mIoU")
    }
  }

  func load(_ dir: URL, _ name: Any?, _ w: Int, _ h: Int) throws -> LabelMask {
    let file = try #require(name as? String)
    let data = try Data(contentsOf: dir.appendingPathComponent(file))
    let values = data.withUnsafeBytes { raw in (0..<(w * h)).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) } }
    return LabelMask(width: w, height: h, values16: values)
  }
}
