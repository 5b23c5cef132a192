/// One class's pixel counts in a confusion matrix as a dialect counts them: the one place the rules
/// live that `SemanticMetrics`, the bootstrap intervals and the slice search all apply.
///
/// - FiftyOne drops pixels whose prediction is not a class (the invalid column) from the ground
///   truth's row.
/// - Pixels whose ground truth is outside the class map: mmseg's histograms (and the other dialects)
///   still count what was predicted on them, a false positive of that class; FiftyOne drops them with
///   their prediction.
public struct ClassCounts: Sendable, Equatable {
  public var truePositives: UInt64
  /// Ground-truth pixels of the class that count (the row, less the invalid column for FiftyOne).
  public var gtPixels: UInt64
  /// Pixels predicted as the class that count (the column, plus those on outside ground truth
  /// unless FiftyOne).
  public var predPixels: UInt64

  public init(truePositives: UInt64, gtPixels: UInt64, predPixels: UInt64) {
    self.truePositives = truePositives
    self.gtPixels = gtPixels
    self.predPixels = predPixels
  }

  public var falsePositives: UInt64 { predPixels - truePositives }
  public var falseNegatives: UInt64 { gtPixels - truePositives }
  /// TP + FP + FN: the denominator of IoU.
  public var union: UInt64 { predPixels + gtPixels - truePositives }
}

extension ConfusionMatrix {
  /// Each class's counts (`classCount` of them) under `dialect`'s rules.
  public func classCounts(dialect: MetricDialect) -> [ClassCounts] {
    let k = classCount
    let (rows, cols, diag) = marginals()
    let dropInvalid = dialect == .fiftyone
    let countOutside = dialect != .fiftyone
    return (0..<k).map { c in
      ClassCounts(
        truePositives: diag[c], gtPixels: dropInvalid ? rows[c] - self[c, k] : rows[c], predPixels: cols[c] &+ (countOutside ? outside[c] ?? 0 : 0))
    }
  }
}
