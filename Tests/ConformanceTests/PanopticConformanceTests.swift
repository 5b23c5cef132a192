import DatasetImport
import Foundation
import SegmentationCore
import Testing

@Suite("Panoptic Quality equals panopticapi's pq_compute")
struct PanopticConformanceTests {
  @Test("PQ, SQ, RQ for all, things and stuff, and per category, on randomized COCO panoptic data", arguments: [1, 2, 3, 4] as [Int])
  func matchesPanopticapi(seed: Int) throws {
    let dir = try OracleRunner.run("panoptic_oracle.py", args: [String(seed)])
    defer { try? FileManager.default.removeItem(at: dir) }
    let report = try PanopticEvaluator(
      groundTruthJSON: dir.appendingPathComponent("gt.json").path, groundTruthFolder: dir.appendingPathComponent("gt").path,
      predictionJSON: dir.appendingPathComponent("pred.json").path, predictionFolder: dir.appendingPathComponent("pred").path
    ).run()
    #expect(report.problems.isEmpty, "\(report.problems)")
    #expect(report.images == 15)
    let expected = try #require(OracleRunner.json(dir.appendingPathComponent("expected.json")) as? [String: Any])
    for (name, things) in [("All", nil), ("Things", true), ("Stuff", false)] as [(String, Bool?)] {
      let e = try #require(expected[name] as? [String: Any])
      let (avg, _) = report.quality.average(things: things)
      #expect(agrees(avg.pq, e["pq"]) && agrees(avg.sq, e["sq"]) && agrees(avg.rq, e["rq"]), "\(name): \(avg) vs \(e)")
      #expect(avg.n == (e["n"] as? Int))
    }
    let (_, per) = report.quality.average()
    for (cat, v) in try #require(expected["per_class"] as? [String: [String: Double]]) {
      let mine = try #require(per[Int(cat) ?? -1])
      #expect(agrees(mine.pq, v["pq"]) && agrees(mine.sq, v["sq"]) && agrees(mine.rq, v["rq"]), "category \(cat)")
    }
  }

  @Test("a prediction PNG that disagrees with its JSON, a missing prediction and a path out of the folder are reported; the rest counts")
  func badImages() throws {
    let dir = try OracleRunner.run("panoptic_oracle.py", args: ["5"])
    defer { try? FileManager.default.removeItem(at: dir) }
    let predJSON = dir.appendingPathComponent("pred.json")
    var pred = try #require(OracleRunner.json(predJSON) as? [String: Any])
    var anns = try #require(pred["annotations"] as? [[String: Any]])
    // Image 1: a segment listed that is not in the PNG; image 2: no prediction; image 3: escapes.
    var segs = anns[0]["segments_info"] as? [[String: Any]] ?? []
    segs.append(["id": 16_000_000, "category_id": 1])
    anns[0]["segments_info"] = segs
    anns[2]["file_name"] = "../gt/0003.png"
    anns.remove(at: 1)
    pred["annotations"] = anns
    try JSONSerialization.data(withJSONObject: pred).write(to: predJSON)
    let report = try PanopticEvaluator(
      groundTruthJSON: dir.appendingPathComponent("gt.json").path, groundTruthFolder: dir.appendingPathComponent("gt").path,
      predictionJSON: predJSON.path, predictionFolder: dir.appendingPathComponent("pred").path
    ).run()
    #expect(report.images == 12)
    #expect(report.problems.contains { $0.1.contains("in the prediction JSON and not in its PNG") })
    #expect(report.problems.contains { $0.0 == "image 2" && $0.1.contains("no prediction") })
    #expect(report.problems.contains { $0.1.contains("leaves") })
  }
}
