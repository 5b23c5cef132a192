/// Per-class numbers of a semantic evaluation.
public struct ClassMetrics: Sendable, Equatable {
  public let classId: Int
  public let iou: Double
  public let dice: Double
  public let precision: Double
  /// Recall, which mmseg calls class accuracy (Acc).
  public let recall: Double
  public let gtPixels: UInt64
  public let predPixels: UInt64
  public let truePositives: UInt64
  public let falsePositives: UInt64
  public let falseNegatives: UInt64
}

/// The result of a semantic evaluation under one dialect. NaN marks an undefined value.
public struct SemanticMetrics: Sendable, Equatable {
  public let dialect: MetricDialect
  public let classes: [ClassMetrics]
  /// Overall pixel accuracy: sum of TP over all counted pixels.
  public let aAcc: Double
  public let mAcc: Double
  public let mIoU: Double
  public let mDice: Double
  /// Frequency-weighted IoU.
  public let fwIoU: Double
  /// Pixels counted.
  public let pixels: UInt64
  /// FiftyOne's micro accuracy / precision / recall (fiftyone dialect only, else NaN).
  public let microAccuracy: Double
  public let microPrecision: Double
  public let microRecall: Double

  /// Computes every metric from a (summed) confusion matrix.
  public init(matrix m: ConfusionMatrix, dialect: MetricDialect = .mmseg) {
    self.dialect = dialect
    let k = m.classCount
    let zeroDivIsZero = dialect == .torchmetrics
    func div(_ a: Double, _ b: Double) -> Double {
      if b == 0 { return zeroDivIsZero ? 0 : .nan }
      return a / b
    }
    var classes: [ClassMetrics] = []
    classes.reserveCapacity(k)
    var totalTP: UInt64 = 0
    var n: UInt64 = 0
    // The dialect's rules for the invalid column and outside ground truth are in `classCounts`.
    for (c, counts) in m.classCounts(dialect: dialect).enumerated() {
      let tp = counts.truePositives, fp = counts.falsePositives, fn = counts.falseNegatives
      n &+= counts.gtPixels
      totalTP &+= tp
      let dtp = Double(tp), dfp = Double(fp), dfn = Double(fn)
      classes.append(
        ClassMetrics(
          classId: c,
          iou: div(dtp, dtp + dfp + dfn),
          dice: div(2 * dtp, 2 * dtp + dfp + dfn),
          precision: div(dtp, dtp + dfp),
          recall: div(dtp, dtp + dfn),
          gtPixels: counts.gtPixels, predPixels: counts.predPixels, truePositives: tp, falsePositives: fp, falseNegatives: fn))
    }
    self.classes = classes
    self.pixels = n
    self.aAcc = n == 0 ? (zeroDivIsZero ? 0 : .nan) : Double(totalTP) / Double(n)
    let means = zeroDivIsZero ? SemanticMetrics.mean : SemanticMetrics.nanMean
    self.mAcc = means(classes.map(\.recall))
    self.mIoU = means(classes.map(\.iou))
    self.mDice = means(classes.map(\.dice))
    var fw = 0.0
    if n > 0 {
      for c in classes where !c.iou.isNaN { fw += Double(c.gtPixels) / Double(n) * c.iou }
    }
    self.fwIoU = n == 0 ? .nan : fw
    if dialect == .fiftyone && k > 1 {
      // accuracy = sum TPc / (N - C[0][0]); precision = sum TPc / sum colsum_c; recall = sum TPc / sum rowsum_c; c != 0
      var tp: UInt64 = 0, cols: UInt64 = 0, rows: UInt64 = 0
      for c in 1..<k {
        tp &+= classes[c].truePositives
        cols &+= classes[c].predPixels
        rows &+= classes[c].gtPixels
      }
      let denomAcc = n - m[0, 0]
      microAccuracy = denomAcc == 0 ? .nan : Double(tp) / Double(denomAcc)
      microPrecision = cols == 0 ? .nan : Double(tp) / Double(cols)
      microRecall = rows == 0 ? .nan : Double(tp) / Double(rows)
    } else {
      microAccuracy = .nan
      microPrecision = .nan
      microRecall = .nan
    }
  }

  /// numpy's `nanmean`: the mean of the non-NaN values, NaN if there are none.
  public static func nanMean(_ v: [Double]) -> Double {
    var s = 0.0, n = 0
    for x in v where !x.isNaN {
      s += x
      n += 1
    }
    return n == 0 ? .nan : s / Double(n)
  }

  /// The plain mean (NaN for an empty list).
  public static func mean(_ v: [Double]) -> Double {
    v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count)
  }

  /// Equality that treats NaN as equal to NaN.
  public static func == (a: SemanticMetrics, b: SemanticMetrics) -> Bool {
    func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
    return a.dialect == b.dialect && a.classes.count == b.classes.count && same(a.mIoU, b.mIoU) && same(a.aAcc, b.aAcc)
      && same(a.mAcc, b.mAcc) && same(a.fwIoU, b.fwIoU) && a.pixels == b.pixels
  }
}
