import DatasetImport
import DatasetStore
import Evaluation
import Foundation
import ImageCodec
import SegmentationCore
import TestSupport
import Testing

@Suite("COCO importer and instance evaluation")
struct CocoImporterTests {
  @Test("import a COCO dataset with a results file, evaluate: the numbers equal pycocotools'")
  func importAndEvaluate() throws {
    // The same randomized data the COCOeval conformance test uses, laid out as data/ + labels.json.
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("coco-" + UUID().uuidString).path
    defer { try? FileManager.default.removeItem(atPath: root) }
    try Self.writeOracleDataset(root)
    #expect(CocoImporter.detect(root))
    let store = try DatasetStore(root: root)
    let report = try CocoImporter(root: root, predictions: [("model", "results.json")]).run(into: store)
    #expect(report.problems.isEmpty, "\(report.problems)")
    #expect(report.fields == ["ground_truth", "model"])
    var req = EvaluationRunner.Request(key: "model", predField: "model")
    req.gtField = "ground_truth"
    let result = try EvaluationRunner(store: store).runInstances(req, version: "test")
    let expected = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/expected.json"))) as? [String: Any])
    let stats = try #require(expected["stats"] as? [Double])
    for i in 0..<12 { #expect(abs(result.stats[i] - stats[i]) <= 1e-9, "stat \(i)") }
    #expect(try store.runs().contains { $0.key == "model" && $0.kind == .instance })
    // Boundary AP through the runner, as boundary-iou-api computes it.
    var breq = EvaluationRunner.Request(key: "model_boundary", predField: "model")
    breq.boundary = true
    let bres = try EvaluationRunner(store: store).runInstances(breq, version: "test")
    let bstats = try #require(
      (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/expected_boundary.json"))) as? [String: Any])?["stats"]
        as? [Double])
    for i in 0..<12 { #expect(abs(bres.stats[i] - bstats[i]) <= 1e-9, "boundary stat \(i)") }
    #expect(try store.runs().first { $0.key == "model_boundary" }?.options.contains("boundary") == true)
    // Per-sample TP/FP/FN at IoU 0.5 are stored, equal pycocotools' evalImgs, and sort the view.
    let counts = try #require(expected["image_counts"] as? [String: [Int]])
    let stored = try store.instanceCounts(run: "model")
    #expect(stored.count == counts.count)
    for (img, c) in counts {
      let sample = try store.resolveSample("data/\(img).jpg")
      #expect(stored[sample.id] == CocoEval.Counts(tp: c[0], fp: c[1], fn: c[2]), "image \(img)")
    }
    let worst = try store.sampleIds(ViewExpression.parse("sort:-fp(model) limit:3"))
    let fps = worst.map { stored[$0]?.fp ?? -1 }
    #expect(fps == fps.sorted(by: >) && fps.first == stored.values.map(\.fp).max())
    #expect(try store.count(ViewExpression.parse("fn(model)>0")) == stored.values.filter { $0.fn > 0 }.count)
    // Each sample's instances: matched pairs point at each other.
    for id in stored.keys {
      let ms = try store.instanceMatches(run: "model", sampleId: id)
      #expect(ms.filter { $0.isPrediction && $0.outcome == .tp }.count == stored[id]?.tp)
      #expect(ms.filter { !$0.isPrediction && $0.outcome == .fn }.count == stored[id]?.fn)
      for m in ms where m.outcome == .tp && m.isPrediction {
        #expect(ms.contains { !$0.isPrediction && $0.id == m.matchedId && $0.matchedId == m.id })
      }
    }
  }

  @Test("broken COCO files are reported per problem, and malformed JSON names the file")
  func brokenInput() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("cocobad-" + UUID().uuidString).path
    defer { try? FileManager.default.removeItem(atPath: root) }
    try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
    try FileBytes.writeAtomically(JPEGEncoder.encode(RGBImage(width: 10, height: 8)), to: root + "/data/a.jpg")
    let labels = """
      {"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 8}, {"id": 2, "file_name": "../etc/passwd", "width": 1, "height": 1},
                  {"id": 3, "file_name": "missing.jpg", "width": 4, "height": 4}],
       "categories": [{"id": 5, "name": "cat\\u001b[31m"}],
       "annotations": [
         {"id": 0, "image_id": 1, "category_id": 5, "segmentation": [[1, 1, 5, 1, 5, 5]], "area": 8, "iscrowd": 0},
         {"id": 2, "image_id": 9, "category_id": 5, "segmentation": [[1, 1, 5, 1, 5, 5]], "area": 8, "iscrowd": 0},
         {"id": 3, "image_id": 1, "category_id": 6, "segmentation": [[1, 1, 5, 1, 5, 5]], "area": 8, "iscrowd": 0},
         {"id": 4, "image_id": 1, "category_id": 5, "segmentation": [[1, 1, 5]], "area": 8, "iscrowd": 0},
         {"id": 5, "image_id": 1, "category_id": 5, "segmentation": {"size": [8, 10], "counts": [3, 4]}, "area": 4, "iscrowd": 1}
       ]}
      """
    try labels.write(toFile: root + "/labels.json", atomically: true, encoding: .utf8)
    try "[{\"image_id\": 1, \"category_id\": 5, \"segmentation\": {\"size\": [8, 10], \"counts\": \"00\"}, ".write(
      toFile: root + "/bad.json", atomically: true, encoding: .utf8)
    let store = try DatasetStore(root: root)
    let report = try CocoImporter(root: root, predictions: [("model", "bad.json")]).run(into: store)
    let text = report.problems.map { "\($0.path): \($0.problem)" }.joined(separator: "\n")
    #expect(text.contains("annotation id 0 renumbered to 6"))
    #expect(text.contains("annotation 2 refers to an unknown image"))
    #expect(text.contains("annotation 3 has an unknown category"))
    #expect(text.contains("annotation 4: a polygon needs at least 3 points"))
    #expect(text.contains("annotation 5: RLE counts do not cover the image"))
    #expect(text.contains("../etc/passwd: file_name leaves the image folder"))
    #expect(text.contains("data/missing.jpg: cannot read file"))
    // The results file the user named is a failed request: the command exits 1.
    #expect(report.failedRequests.contains { $0.hasPrefix("--pred model=bad.json:") && $0.contains("bad.json: malformed JSON") }, "\(report.failedRequests)")
    #expect(report.samples == 1)
    #expect(try store.instances(field: "ground_truth").map(\.id) == [6])
    #expect(try store.fields().first?.classes.first?.name == "cat\\x1b[31m")
  }
}

extension CocoImporterTests {
  /// The COCOeval conformance oracle's randomized data (seed 2) laid out as a COCO folder at `root`:
  /// data/ with blank JPEGs of each image's size, labels.json, results.json and expected.json.
  static func writeOracleDataset(_ root: String) throws {
    let oracle = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
      "Conformance/cocoeval_oracle.py"
    ).path
    let r = try Shell.run(["python3", oracle, root, "2"])
    try #require(r.status == 0, "\(r.err)")
    try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
    try FileManager.default.moveItem(atPath: root + "/gt.json", toPath: root + "/labels.json")
    let gt = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/labels.json"))) as? [String: Any])
    for im in try #require(gt["images"] as? [[String: Any]]) {
      let w = try #require(im["width"] as? Int), h = try #require(im["height"] as? Int)
      try FileBytes.writeAtomically(JPEGEncoder.encode(RGBImage(width: w, height: h)), to: root + "/data/" + (try #require(im["file_name"] as? String)))
    }
  }
}
