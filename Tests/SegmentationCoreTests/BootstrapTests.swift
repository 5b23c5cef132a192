import SegmentationCore
import Testing

@Suite("Bootstrap intervals and mask transforms")
struct BootstrapTests {
  func matrices(_ seed: UInt64, _ n: Int) -> [ConfusionMatrix] {
    var rng = SplitMix64(seed: seed)
    return (0..<n).map { _ in
      var m = ConfusionMatrix(classCount: 3)
      for c in 0..<3 {
        m[c, c] = UInt64(rng.int(50, 500))
        m[c, (c + 1) % 3] = UInt64(rng.int(0, 100))
      }
      return m
    }
  }

  @Test("seeded, and the interval holds the full-data estimate")
  func intervals() {
    let ms = matrices(1, 40)
    let a = Bootstrap(iterations: 400).intervals(ms), b = Bootstrap(iterations: 400).intervals(ms)
    #expect(a.mIoU == b.mIoU)
    let point = SemanticMetrics(matrix: ConfusionMatrix.sum(ms, classCount: 3)).mIoU
    #expect(a.mIoU.low <= point && point <= a.mIoU.high)
    #expect(a.mIoU.high - a.mIoU.low > 0 && a.mIoU.high - a.mIoU.low < 0.2)
    #expect(Bootstrap(iterations: 400, seed: 9).intervals(ms).mIoU != a.mIoU)
  }

  @Test("a run compared with itself differs by exactly zero")
  func pairedDifference() {
    let ms = matrices(2, 30)
    let d = Bootstrap(iterations: 200).differenceIntervals(ms, ms)
    #expect(d.mIoU == Bootstrap.Interval(low: 0, high: 0))
    let worse = ms.map { m -> ConfusionMatrix in
      var w = m
      w[0, 1] += 200
      return w
    }
    let d2 = Bootstrap(iterations: 200).differenceIntervals(ms, worse)
    #expect(d2.mIoU.high < 0 && d2.classes[0].high < 0)
  }

  @Test func nearestResizeNeverInventsValues() {
    let m = LabelMask(width: 3, height: 2, values: [1, 2, 3, 4, 5, 6])
    let up = m.resizedNearest(width: 6, height: 4)
    #expect(up.values16 == [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6])
    #expect(up.resizedNearest(width: 3, height: 2) == m)
    #expect(LabelMask(width: 2, height: 1, values: [0, 1]).reducingZeroLabel().values16 == [255, 0])
    #expect(LabelMask(width: 2, height: 1, values16: [255, 256]).reducingZeroLabel().values16 == [255, 255])
  }
}

@Suite("One set of counting rules: eval's numbers, the bootstrap and the slice search count pixels alike")
struct ClassCountsTests {
  /// Two classes; ground truth 0 has 3 pixels predicted as no class (the invalid column), and 4 pixels
  /// of a value outside the class map were predicted as class 1.
  func matrix() -> ConfusionMatrix {
    var m = ConfusionMatrix(classCount: 2)
    m[0, 0] = 10
    m[0, 1] = 2
    m[0, 2] = 3
    m[1, 1] = 5
    m[1, 0] = 1
    m.outside[1] = 4
    return m
  }

  @Test("mmseg counts the invalid column as missed and outside pixels as false positives; FiftyOne drops both")
  func dialects() {
    let mm = matrix().classCounts(dialect: .mmseg)
    #expect(mm[0] == ClassCounts(truePositives: 10, gtPixels: 15, predPixels: 11))
    #expect(mm[1] == ClassCounts(truePositives: 5, gtPixels: 6, predPixels: 11))
    #expect(mm[1].falsePositives == 6 && mm[0].falseNegatives == 5 && mm[1].union == 12)
    let fo = matrix().classCounts(dialect: .fiftyone)
    #expect(fo[0] == ClassCounts(truePositives: 10, gtPixels: 12, predPixels: 11))
    #expect(fo[1] == ClassCounts(truePositives: 5, gtPixels: 6, predPixels: 7))
    for d in MetricDialect.allCases {
      let m = SemanticMetrics(matrix: matrix(), dialect: d)
      for (c, counts) in matrix().classCounts(dialect: d).enumerated() {
        #expect(m.classes[c].truePositives == counts.truePositives && m.classes[c].falsePositives == counts.falsePositives)
        #expect(m.classes[c].falseNegatives == counts.falseNegatives)
      }
    }
  }

  @Test("a bootstrap over one sample is that sample's own mIoU in every dialect (FiftyOne's rules included)")
  func bootstrapFollowsTheDialect() {
    for d in MetricDialect.allCases {
      let point = SemanticMetrics(matrix: matrix(), dialect: d).mIoU
      let ci = Bootstrap(iterations: 50).intervals([matrix()], dialect: d).mIoU
      #expect(abs(ci.low - point) < 1e-12 && abs(ci.high - point) < 1e-12, "\(d): \(ci) vs \(point)")
    }
  }
}
