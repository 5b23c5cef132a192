import Evaluation
import Foundation
import ImageCodec
import SegmentationCore
import Testing

@Suite("FiftyOne's contour band (--bandwidth) equals OpenCV's findContours + drawContours")
struct ContourBandConformanceTests {
  @Test("band pixels and the band's confusion matrix", arguments: ["5", "17"])
  func randomizedMasks(seed: String) throws {
    let dir = try OracleRunner.run("contour_band_oracle.py", args: [seed])
    defer { try? FileManager.default.removeItem(at: dir) }
    let root = try #require(OracleRunner.json(dir.appendingPathComponent("cases.json")) as? [String: Any])
    let cases = try #require(root["cases"] as? [[String: Any]])
    #expect(cases.count == 60)
    var mismatched: [String] = []
    for c in cases {
      let name = try #require(c["name"] as? String)
      let w = try #require(c["w"] as? Int), h = try #require(c["h"] as? Int)
      let bandwidth = try #require(c["bandwidth"] as? Int)
      let gt = try load16(dir, c["gt"], w, h), pred = try load16(dir, c["pred"], w, h)
      let expected = try Data(contentsOf: dir.appendingPathComponent(try #require(c["band"] as? String))).map { $0 != 0 }
      let ours = ContourBand.mask(groundTruth: gt, bandwidth: bandwidth)
      if ours != expected {
        let diff = zip(ours, expected).enumerated().filter { $0.element.0 != $0.element.1 }.prefix(5).map {
          "(\($0.offset % w),\($0.offset / w)) ours=\($0.element.0)"
        }
        mismatched.append("\(name) \(w)x\(h) bw=\(bandwidth): \(diff.joined(separator: " "))")
        continue
      }
      // The confusion matrix over band pixels only, as FiftyOne builds it.
      let values = try #require(c["values"] as? [Int])
      let (g, p) = try ContourBand.restrict(gt: gt, pred: pred, bandwidth: bandwidth)
      #expect(g.count == (c["band_pixels"] as? Int), "\(name)")
      var cm = [[Int]](repeating: [Int](repeating: 0, count: values.count), count: values.count)
      let index = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($0.element, $0.offset) })
      for (a, b) in zip(g.values16, p.values16) { cm[index[Int(a)]!][index[Int(b)]!] += 1 }
      #expect(cm == (c["confusion"] as? [[Int]]), "\(name)")
    }
    #expect(mismatched.isEmpty, "\(mismatched.count) bands differ from OpenCV \(root["opencv"] ?? ""): \(mismatched.prefix(6).joined(separator: "; "))")
  }

  @Test("the evaluator's --bandwidth counts exactly the band's pixels (16-bit PNGs on disk)")
  func evaluatorUsesTheBand() throws {
    let dir = try OracleRunner.run("contour_band_oracle.py", args: ["29"])
    defer { try? FileManager.default.removeItem(at: dir) }
    let root = try #require(OracleRunner.json(dir.appendingPathComponent("cases.json")) as? [String: Any])
    for c in try #require(root["cases"] as? [[String: Any]]).prefix(25) {
      let name = try #require(c["name"] as? String)
      let w = try #require(c["w"] as? Int), h = try #require(c["h"] as? Int)
      let values = try #require(c["values"] as? [Int])
      let k = (values.filter { $0 != 255 }.max() ?? 0) + 1
      let gtPath = dir.appendingPathComponent(name + "_gt.png").path, predPath = dir.appendingPathComponent(name + "_pred.png").path
      try FileBytes.writeAtomically(try PNGEncoder.encode(load16(dir, c["gt"], w, h)), to: gtPath)
      try FileBytes.writeAtomically(try PNGEncoder.encode(load16(dir, c["pred"], w, h)), to: predPath)
      var ev = SemanticEvaluator(classCount: k, ignore: [255])
      ev.bandwidth = try #require(c["bandwidth"] as? Int)
      let result = ev.evaluateOne(MaskPair(sampleId: name, groundTruth: gtPath, prediction: predPath))
      let m = try #require(result.matrix, "\(name): \(result.problem ?? "")")
      let expected = try #require(c["confusion"] as? [[Int]])
      for (gi, g) in values.enumerated() where g < k {
        for (pi, p) in values.enumerated() where p < k {
          #expect(Int(m[g, p]) == expected[gi][pi], "\(name) cell (\(g), \(p))")
        }
      }
      // FiftyOne's own numbers on the band: micro accuracy, precision and recall without class 0.
      let fo = try #require(c["fiftyone"] as? [String: Any])
      let metrics = SemanticMetrics(matrix: m, dialect: .fiftyone)
      #expect(agrees(metrics.microAccuracy, fo["accuracy"]), "\(name) accuracy \(metrics.microAccuracy) vs \(fo["accuracy"] ?? "nil")")
      #expect(agrees(metrics.microPrecision, fo["precision"]), "\(name) precision")
      #expect(agrees(metrics.microRecall, fo["recall"]), "\(name) recall")
    }
  }

  @Test("a prediction of another size is refused, as without a band")
  func sizeMismatch() {
    #expect(throws: AccumulateError.sizeMismatch(gt: (4, 4), pred: (3, 4))) {
      try ContourBand.restrict(gt: LabelMask(width: 4, height: 4), pred: LabelMask(width: 3, height: 4), bandwidth: 2)
    }
  }

  func load16(_ dir: URL, _ name: Any?, _ w: Int, _ h: Int) throws -> LabelMask {
    let data = try Data(contentsOf: dir.appendingPathComponent(try #require(name as? String)))
    return LabelMask(
      width: w, height: h,
      values16: data.withUnsafeBytes { raw in (0..<(w * h)).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) } })
  }
}
