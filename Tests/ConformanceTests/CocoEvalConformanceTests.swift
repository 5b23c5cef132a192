import Foundation
import SegmentationCore
import Testing

@Suite("COCO mask AP equals pycocotools COCOeval")
struct CocoEvalConformanceTests {
  @Test("12 summary numbers and per-category AP on randomized data", arguments: [1, 2, 3] as [Int])
  func matchesPycocotools(seed: Int) throws {
    let dir = try OracleRunner.run("cocoeval_oracle.py", args: [String(seed)])
    defer { try? FileManager.default.removeItem(at: dir) }
    let gt = try #require(OracleRunner.json(dir.appendingPathComponent("gt.json")) as? [String: Any])
    let results = try #require(OracleRunner.json(dir.appendingPathComponent("results.json")) as? [[String: Any]])
    let expected = try #require(OracleRunner.json(dir.appendingPathComponent("expected.json")) as? [String: Any])
    var sizes: [Int: (Int, Int)] = [:]
    for img in try #require(gt["images"] as? [[String: Any]]) {
      sizes[try #require(img["id"] as? Int)] = (try #require(img["height"] as? Int), try #require(img["width"] as? Int))
    }
    func rle(_ seg: Any?, _ h: Int, _ w: Int) throws -> CocoRLE {
      if let polys = seg as? [[Double]] { return CocoRLE.polygons(polys, height: h, width: w) }
      let d = try #require(seg as? [String: Any])
      if let s = d["counts"] as? String { return try #require(CocoRLE(compressed: s, height: h, width: w)) }
      let c = try #require(d["counts"] as? [Int])
      return CocoRLE(height: h, width: w, counts: c.map(UInt32.init))
    }
    var gts: [CocoInstance] = []
    for a in try #require(gt["annotations"] as? [[String: Any]]) {
      let img = try #require(a["image_id"] as? Int)
      let (h, w) = try #require(sizes[img])
      gts.append(
        CocoInstance(
          id: try #require(a["id"] as? Int), imageId: img, categoryId: try #require(a["category_id"] as? Int),
          rle: try rle(a["segmentation"], h, w), area: try #require((a["area"] as? NSNumber)?.doubleValue),
          isCrowd: (a["iscrowd"] as? Int ?? 0) == 1))
    }
    var dts: [CocoInstance] = []
    let boxAreas = (results.first?["bbox"] as? [Double])?.isEmpty == false
    for (i, r) in results.enumerated() {
      let img = try #require(r["image_id"] as? Int)
      let (h, w) = try #require(sizes[img])
      let m = try rle(r["segmentation"], h, w)
      // loadRes: when the first result has a non-empty bbox, every result's area is its box's area.
      var area = Double(m.area)
      if boxAreas, let bb = r["bbox"] as? [Double], bb.count == 4 { area = bb[2] * bb[3] }
      dts.append(
        CocoInstance(
          id: i + 1, imageId: img, categoryId: try #require(r["category_id"] as? Int), rle: m, area: area,
          score: try #require((r["score"] as? NSNumber)?.doubleValue)))
    }
    let cats = try #require(gt["categories"] as? [[String: Any]]).compactMap { $0["id"] as? Int }
    let result = CocoEval.evaluate(gts: gts, dts: dts, imageIds: Array(sizes.keys), categoryIds: cats)
    let stats = try #require(expected["stats"] as? [Double])
    let names = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]
    for i in 0..<12 { #expect(abs(result.stats[i] - stats[i]) <= 1e-9, "\(names[i]): \(result.stats[i]) vs \(stats[i])") }
    let perCat = try #require(expected["per_category"] as? [String: Double])
    for (c, v) in perCat { #expect(abs((result.perCategoryAP[Int(c) ?? -1] ?? -9) - v) <= 1e-9, "category \(c)") }
    // Per-image TP/FP/FN and each instance's match at IoU 0.5, as evalImgs has them.
    let counts = try #require(expected["image_counts"] as? [String: [Int]])
    for (img, c) in counts {
      let got = result.imageCounts[Int(img) ?? -1]
      #expect(got == CocoEval.Counts(tp: c[0], fp: c[1], fn: c[2]), "image \(img): \(String(describing: got)) vs \(c)")
    }
    func outcome(_ m: CocoEval.InstanceMatch) -> String {
      m.outcome == .ignored ? "ignored" : String(m.matchedId ?? 0)
    }
    let dtMatch = try #require(expected["dt_match"] as? [String: Any])
    let gtMatch = try #require(expected["gt_match"] as? [String: Any])
    let mine = Dictionary(
      result.matches.filter { $0.outcome != .beyondMaxDets }.map { (($0.isPrediction ? "d" : "g") + String($0.id), outcome($0)) },
      uniquingKeysWith: { a, _ in a })
    #expect(mine.count == dtMatch.count + gtMatch.count)
    for (id, v) in dtMatch { #expect(mine["d" + id] == "\(v)", "prediction \(id)") }
    for (id, v) in gtMatch { #expect(mine["g" + id] == "\(v)", "ground truth \(id)") }
    // Boundary AP, as boundary-iou-api's COCOeval(iouType="boundary").
    var bp = CocoEval.Params()
    bp.boundary = true
    let boundary = CocoEval.evaluate(gts: gts, dts: dts, imageIds: Array(sizes.keys), categoryIds: cats, params: bp)
    let bstats = try #require((OracleRunner.json(dir.appendingPathComponent("expected_boundary.json")) as? [String: Any])?["stats"] as? [Double])
    for i in 0..<12 { #expect(abs(boundary.stats[i] - bstats[i]) <= 1e-9, "boundary \(names[i]): \(boundary.stats[i]) vs \(bstats[i])") }
    // Matched pairs point at each other and their IoU reaches the threshold.
    for m in result.matches where m.outcome == .tp && m.isPrediction { #expect(m.iou >= 0.5 - 1e-12) }
  }

  @Test func thresholdsLikeNumpy() {
    let t = CocoEval.linspace(0.5, 0.95, 10)
    #expect(t.count == 10 && t[0] == 0.5 && t[9] == 0.95 && t.contains(0.75))
    #expect(CocoEval.linspace(0, 1, 101)[100] == 1)
  }
}
