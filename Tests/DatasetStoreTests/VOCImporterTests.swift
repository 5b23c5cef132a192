import DatasetImport
import DatasetStore
import Evaluation
import Foundation
import ImageCodec
import SegmentationCore
import Testing

@Suite("PASCAL VOC importer")
struct VOCImporterTests {
  @Test("palette indices, void 255, split lists, predictions, and per-file problems")
  func voc() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("voc-" + UUID().uuidString).path
    defer { try? FileManager.default.removeItem(atPath: root) }
    for d in ["JPEGImages", "SegmentationClass", "ImageSets/Segmentation", "preds"] {
      try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true)
    }
    let palette = (0..<256).map { i -> RGBA in
      let c = RGB(hex: VOCImporter.color(i)) ?? RGB(0, 0, 0)
      return RGBA(c.r, c.g, c.b)
    }
    let w = 20, h = 10
    for (n, stem) in ["2007_000001", "2007_000002", "2007_000003"].enumerated() {
      try FileBytes.writeAtomically(JPEGEncoder.encode(RGBImage(width: w, height: h, fill: RGB(90, 90, 90))), to: "\(root)/JPEGImages/\(stem).jpg")
      // Left half background, right half person (15), a void border column.
      var idx = [UInt8](repeating: 0, count: w * h)
      for y in 0..<h { for x in 0..<w { idx[y * w + x] = x >= 10 ? 15 : (x == 9 ? 255 : 0) } }
      try FileBytes.writeAtomically(PNGEncoder.encodePalette(width: w, height: h, indices: idx, palette: palette), to: "\(root)/SegmentationClass/\(stem).png")
      var pred = idx.map { $0 == 255 ? UInt8(0) : $0 }
      if n == 1 { pred = pred.map { $0 == 15 ? 8 : $0 } }  // a person predicted as cat
      try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: w, height: h, values: pred)), to: "\(root)/preds/\(stem).png")
    }
    try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: w, height: h)), to: "\(root)/SegmentationClass/orphan.png")
    try "2007_000001\n2007_000002\n".write(toFile: root + "/ImageSets/Segmentation/train.txt", atomically: true, encoding: .utf8)
    try "2007_000003\n2007_999999\n".write(toFile: root + "/ImageSets/Segmentation/val.txt", atomically: true, encoding: .utf8)
    try "2007_000001\n2007_000002\n2007_000003\n".write(toFile: root + "/ImageSets/Segmentation/trainval.txt", atomically: true, encoding: .utf8)

    #expect(VOCImporter.detect(root))
    let store = try DatasetStore(root: root)
    let report = try VOCImporter(root: root, predictions: [("deeplab", "preds")]).run(into: store)
    #expect(report.samples == 3)
    let problems = report.problems.map { "\($0.path): \($0.problem)" }
    #expect(problems.contains("SegmentationClass/orphan.png: ground_truth mask has no image in JPEGImages"))
    #expect(problems.contains("JPEGImages/2007_999999.jpg: listed in ImageSets/Segmentation but missing"))
    #expect(try store.count(ViewExpression.parse("split=train")) == 2)
    #expect(try store.count(ViewExpression.parse("split=val")) == 1)
    _ = try HistogramIndexer(store: store).run()
    // Index 15 is read as 15 (person), never as a gray level.
    #expect(try store.count(ViewExpression.parse("class:person>=90")) == 3)
    let gt = try #require(store.fields().first { $0.name == "ground_truth" })
    #expect(gt.classes.first { $0.value == 255 }?.isIgnore == true)
    #expect(gt.classes.first { $0.value == 15 }?.color == "#c08080")
    let (run, m, problemsEval, _) = try EvaluationRunner(store: store).run(.init(key: "deeplab", predField: "deeplab"), version: "test")
    #expect(problemsEval.isEmpty && run.classCount == 21)
    #expect(m.ignoredPixels == 30)
    #expect(m[15, 15] == 200 && m[15, 8] == 100)
    #expect(try store.sampleIds(ViewExpression.parse("sort:miou(deeplab) limit:1")).count == 1)
  }
}
