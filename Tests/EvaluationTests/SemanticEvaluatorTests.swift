import Evaluation
import Foundation
import ImageCodec
import SegmentationCore
import Testing

/// The evaluator on mask files: the class map rule, the "other" column, sizes and broken files.
@Suite("SemanticEvaluator on mask files")
struct SemanticEvaluatorTests {
  func write(_ dir: String, _ name: String, _ values: [UInt16], width: Int) throws -> String {
    let path = dir + "/" + name
    try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: width, height: values.count / width, values16: values)), to: path)
    return path
  }

  @Test("values outside the class map: ground truth in the outside row, predictions in the other column, both reported")
  func outsideValues() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evaltest-" + UUID().uuidString).path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let gt = try write(dir, "gt.png", [0, 1, 2, 40000, 255, 1], width: 3)
    let pred = try write(dir, "pred.png", [0, 1, 65535, 2, 0, 7], width: 3)
    let e = SemanticEvaluator(classCount: 3).evaluateOne(MaskPair(sampleId: "1", groundTruth: gt, prediction: pred))
    let m = try #require(e.matrix)
    #expect(e.problem == nil)
    #expect(m[0, 0] == 1 && m[1, 1] == 1 && m[2, 3] == 1 && m[1, 3] == 1)
    #expect(m.unknownGroundTruth == [40000: 1] && m.outside == [2: 1] && m.ignoredPixels == 1)
    #expect(e.outsidePredictions == [65535: 1, 7: 1])
    // mmseg counts the outside pixel's prediction (class 2) as a false positive.
    let mm = SemanticMetrics(matrix: m, dialect: .mmseg)
    #expect(mm.classes[2].falsePositives == 1 && mm.classes[2].truePositives == 0)
    #expect(SemanticMetrics(matrix: m, dialect: .fiftyone).classes[2].falsePositives == 0)
  }

  @Test("a prediction of another size fails its sample with a message, unless resizing is asked for")
  func sizes() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evaltest-" + UUID().uuidString).path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let gt = try write(dir, "gt.png", [0, 0, 1, 1], width: 2)
    let pred = try write(dir, "pred.png", [0, 1], width: 1)
    var ev = SemanticEvaluator(classCount: 2)
    let failed = ev.evaluateOne(MaskPair(sampleId: "1", groundTruth: gt, prediction: pred))
    #expect(failed.matrix == nil && failed.problem?.contains("prediction is 1x2 but the ground truth is 2x2") == true)
    ev.resizePredictions = true
    #expect(ev.evaluateOne(MaskPair(sampleId: "1", groundTruth: gt, prediction: pred)).matrix?.total == 4)
    let broken = ev.evaluateOne(MaskPair(sampleId: "1", groundTruth: gt, prediction: dir + "/missing.png"))
    #expect(broken.matrix == nil && broken.problem?.contains("missing.png") == true)
  }
}
