import DatasetImport
import DatasetStore
import Evaluation
import Foundation
import ImageCodec
import SegmentationCore
import Testing

@Suite("Cityscapes and CVAT colour-mask importers")
struct CityscapesAndRGBTests {
  func tempRoot(_ name: String) -> String { FileManager.default.temporaryDirectory.appendingPathComponent(name + "-" + UUID().uuidString).path }

  @Test("labelIds are read as trainIds; void and ignoreInEval ids are ignored; predictions are labelIds too")
  func cityscapes() throws {
    let root = tempRoot("cs")
    defer { try? FileManager.default.removeItem(atPath: root) }
    let stem = "frankfurt_000000_000294"
    for d in ["leftImg8bit/val/frankfurt", "gtFine/val/frankfurt", "results"] {
      try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true)
    }
    let w = 8, h = 4
    try FileBytes.writeAtomically(PNGEncoder.encode(RGBImage(width: w, height: h)), to: "\(root)/leftImg8bit/val/frankfurt/\(stem)_leftImg8bit.png")
    // Row 0: road (7); row 1: car (26); row 2: unlabeled (0); row 3: static (4, ignoreInEval).
    let gt = (0..<(w * h)).map { i -> UInt8 in [7, 26, 0, 4][i / w] }
    try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: w, height: h, values: gt)), to: "\(root)/gtFine/val/frankfurt/\(stem)_gtFine_labelIds.png")
    // Two cars in row 1 (ids 26000 and 26001), the rest plain label ids.
    let inst = (0..<(w * h)).map { i -> UInt16 in i / w == 1 ? (i % w < 5 ? 26000 : 26001) : UInt16(gt[i]) }
    try FileBytes.writeAtomically(
      PNGEncoder.encode(LabelMask(width: w, height: h, values16: inst)), to: "\(root)/gtFine/val/frankfurt/\(stem)_gtFine_instanceIds.png")
    // Prediction: road read as sidewalk (8) in half the row, cars right, the rest anything.
    let pred = (0..<(w * h)).map { i -> UInt8 in i < 4 ? 8 : (i < w ? 7 : (i < 2 * w ? 26 : 7)) }
    try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: w, height: h, values: pred)), to: "\(root)/results/\(stem)_pred.png")
    #expect(CityscapesImporter.detect(root))
    let store = try DatasetStore(root: root)
    let report = try CityscapesImporter(root: root, predictions: [("psp", "results")]).run(into: store)
    #expect(report.samples == 1 && report.problems.isEmpty, "\(report.problems)")
    #expect(try store.count(ViewExpression.parse("split=val")) == 1)
    _ = try HistogramIndexer(store: store).run()
    #expect(try store.count(ViewExpression.parse("class:car=8")) == 1)  // trainId 13, 8 pixels
    let (run, m, problems, _) = try EvaluationRunner(store: store).run(.init(key: "psp", predField: "psp"), version: "t")
    #expect(problems.isEmpty && run.classCount == 19)
    #expect(m[0, 1] == 4 && m[0, 0] == 4 && m[13, 13] == 8 && m.ignoredPixels == 16)
    // Both cars fully predicted and no car false positives: car iIoU is 1.
    let summary = try #require(store.runs().first { $0.key == "psp" }?.summary)
    #expect(summary.contains("\"13\":1.0"))
    #expect(report.fields == ["ground_truth", "instance_ids", "psp"])
  }

  @Test("CVAT colour masks through labelmap.txt; colours off the map are counted and reported")
  func cvatColours() throws {
    let root = tempRoot("cvat")
    defer { try? FileManager.default.removeItem(atPath: root) }
    for d in ["JPEGImages", "SegmentationClass", "ImageSets/Segmentation"] {
      try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true)
    }
    try "# label:color_rgb:parts:actions\nbackground:0,0,0::\nperson:192,128,128::\ncar:128,128,128::\n".write(
      toFile: root + "/labelmap.txt", atomically: true, encoding: .utf8)
    try "a\n".write(toFile: root + "/ImageSets/Segmentation/default.txt", atomically: true, encoding: .utf8)
    let w = 10, h = 5
    try FileBytes.writeAtomically(JPEGEncoder.encode(RGBImage(width: w, height: h)), to: root + "/JPEGImages/a.jpg")
    var px = RGBImage(width: w, height: h)
    for y in 0..<h { for x in 0..<w { px[x: x, y: y] = x < 4 ? RGB(192, 128, 128) : (x == 9 ? RGB(1, 2, 3) : RGB(0, 0, 0)) } }
    try FileBytes.writeAtomically(PNGEncoder.encode(px), to: root + "/SegmentationClass/a.png")
    #expect(VOCImporter.detectCVAT(root))
    let store = try DatasetStore(root: root)
    let report = try VOCImporter(root: root, colorMasks: true).run(into: store)
    #expect(report.samples == 1 && report.problems.isEmpty, "\(report.problems)")
    let (_, problems) = try HistogramIndexer(store: store).run()
    #expect(problems.contains { $0.0 == "SegmentationClass/a.png" && $0.1.contains("5 pixels of colours not in the colour map: #010203 (5 px)") })
    #expect(try store.count(ViewExpression.parse("class:person=20")) == 1)
    #expect(try store.fields().first?.classes.map(\.name) == ["background", "person", "car", "unknown colour"])
  }
}
