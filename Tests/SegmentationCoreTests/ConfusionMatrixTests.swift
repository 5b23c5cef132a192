import DemoScenes
import SegmentationCore
import Testing

@Suite("Confusion matrix accumulation")
struct ConfusionMatrixTests {
  // 4x4 hand-built masks, 3 classes, 255 ignored.
  let gt = LabelMask(
    width: 4, height: 4,
    values: [
      0, 0, 1, 1,
      0, 0, 1, 1,
      2, 2, 255, 255,
      2, 2, 2, 255,
    ])
  let pred = LabelMask(
    width: 4, height: 4,
    values: [
      0, 1, 1, 1,
      0, 0, 1, 7,
      2, 0, 1, 2,
      2, 2, 2, 0,
    ])

  @Test func exactCounts() throws {
    let m = try ConfusionMatrix.of(gt: gt, pred: pred, classCount: 3)
    // row 0: gt 0 -> pred 0,1,0,0 = three 0s, one 1
    #expect(m[0, 0] == 3 && m[0, 1] == 1 && m[0, 2] == 0 && m[0, 3] == 0)
    // row 1: gt 1 -> 1,1,1,7 = three 1s, one invalid
    #expect(m[1, 1] == 3 && m[1, 3] == 1)
    // row 2: gt 2 -> 2,0,2,2,2 = four 2s, one 0
    #expect(m[2, 2] == 4 && m[2, 0] == 1)
    #expect(m.ignoredPixels == 3)
    #expect(m.total == 13)
  }

  @Test("the 16-bit path gives the same matrix as the 8-bit path")
  func sixteenBitAgrees() throws {
    let g16 = LabelMask(width: 4, height: 4, values16: gt.values16)
    let p16 = LabelMask(width: 4, height: 4, values16: pred.values16)
    #expect(try ConfusionMatrix.of(gt: g16, pred: p16, classCount: 3) == ConfusionMatrix.of(gt: gt, pred: pred, classCount: 3))
  }

  @Test func unknownGroundTruthIsCountedApart() throws {
    let g = LabelMask(width: 3, height: 1, values: [0, 9, 9])
    let p = LabelMask(width: 3, height: 1, values: [0, 0, 1])
    let m = try ConfusionMatrix.of(gt: g, pred: p, classCount: 2)
    #expect(m.unknownGroundTruth == [9: 2])
    #expect(m.total == 1)
  }

  @Test func sizeMismatchIsAnError() {
    #expect(throws: AccumulateError.self) {
      try ConfusionMatrix.of(gt: LabelMask(width: 2, height: 2), pred: LabelMask(width: 2, height: 3), classCount: 2)
    }
  }

  @Test func sumsAdd() throws {
    let a = try ConfusionMatrix.of(gt: gt, pred: pred, classCount: 3)
    let s = ConfusionMatrix.sum([a, a], classCount: 3)
    #expect(s[2, 2] == 8 && s.ignoredPixels == 6)
  }

  @Test func largeClassIdsIn16Bit() throws {
    let g = LabelMask(width: 2, height: 1, values16: [1100, 3])
    let p = LabelMask(width: 2, height: 1, values16: [1100, 1201])
    let m = try ConfusionMatrix.of(gt: g, pred: p, classCount: 1201)
    #expect(m[1100, 1100] == 1)
    #expect(m[3, 1201] == 1)  // 1201 is outside [0, K): invalid column
  }
}

@Suite("Semantic metrics and dialects")
struct SemanticMetricsTests {
  // gt rows x pred cols, 3 classes + invalid column.
  let m = ConfusionMatrix(
    classCount: 3,
    counts: [
      5, 1, 0, 0,
      2, 3, 0, 1,
      0, 0, 0, 0,  // class 2 absent from GT, never predicted
    ])

  @Test func mmsegSkipsAbsentClasses() {
    let r = SemanticMetrics(matrix: m, dialect: .mmseg)
    // class 0: TP 5, FP 2, FN 1 -> IoU 5/8; class 1: TP 3, FP 1, FN 3 -> 3/7
    #expect(r.classes[0].iou == 5.0 / 8)
    #expect(r.classes[1].iou == 3.0 / 7)
    #expect(r.classes[2].iou.isNaN)
    #expect(r.mIoU == (5.0 / 8 + 3.0 / 7) / 2)
    #expect(r.aAcc == 8.0 / 12)
    #expect(r.classes[1].recall == 3.0 / 6)
    #expect(r.classes[0].dice == 10.0 / 13)
    #expect(r.fwIoU == 6.0 / 12 * 5.0 / 8 + 6.0 / 12 * 3.0 / 7)
  }

  @Test func torchmetricsCountsAbsentAsZero() {
    let r = SemanticMetrics(matrix: m, dialect: .torchmetrics)
    #expect(r.classes[2].iou == 0)
    #expect(r.mIoU == (5.0 / 8 + 3.0 / 7 + 0) / 3)
  }

  @Test("a class predicted but absent from GT has IoU 0 and Acc NaN under NaN-skip")
  func predictedButAbsent() {
    let m2 = ConfusionMatrix(classCount: 2, counts: [3, 1, 0, 0, 0, 0])
    let r = SemanticMetrics(matrix: m2, dialect: .mmseg)
    #expect(r.classes[1].iou == 0)
    #expect(r.classes[1].recall.isNaN)
  }

  @Test func fiftyoneDropsInvalidAndExcludesBackground() {
    let r = SemanticMetrics(matrix: m, dialect: .fiftyone)
    // Invalid column dropped: rows 6, 5, 0. N = 11. Class 0 excluded.
    #expect(r.microAccuracy == 3.0 / (11 - 5))
    #expect(r.microPrecision == 3.0 / 4)
    #expect(r.microRecall == 3.0 / 5)
  }

  @Test func emptyMatrixIsAllNaN() {
    let r = SemanticMetrics(matrix: ConfusionMatrix(classCount: 2))
    #expect(r.mIoU.isNaN && r.aAcc.isNaN)
  }

  @Test func sanitizeRemovesEscapes() {
    #expect(Sanitize.forTerminal("a\u{1B}[2Jb\n\u{9B}c\u{202E}") == "a\\x1b[2Jb\\x0a\\x9bc\\u{202e}")
    #expect(Sanitize.forTerminal("plain ünïcode 街") == "plain ünïcode 街")
  }
}

@Suite("Fast 8-bit accumulation agrees with the plain 16-bit loop")
struct AccumulationPathTests {
  @Test("on scene masks with long runs", arguments: [1, 2, 3, 4, 5] as [UInt64])
  func sceneMasks(seed: UInt64) throws {
    let scene = DemoScene.generate(seed: seed, width: 203, height: 97)
    for model in DemoModel.allCases {
      let pred = model.predict(scene.trueLabels, seed: seed)
      let fast = try ConfusionMatrix.of(gt: scene.groundTruth, pred: pred, classCount: 10)
      let plain = try ConfusionMatrix.of(
        gt: LabelMask(width: 203, height: 97, values16: scene.groundTruth.values16),
        pred: LabelMask(width: 203, height: 97, values16: pred.values16), classCount: 10)
      #expect(fast == plain)
      #expect(fast.total + fast.ignoredPixels == 203 * 97)
    }
  }
}
