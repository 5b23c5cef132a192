/// Percentile bootstrap confidence intervals, resampling samples (images) with replacement.
///
/// Each resample sums the per-sample true positives, false positives and false negatives of every
/// class and recomputes IoU under the dialect's absent-class policy. Seeded: the same inputs and seed
/// give the same intervals. Does no I/O.
public struct Bootstrap: Sendable {
  /// A two-sided interval.
  public struct Interval: Sendable, Equatable {
    public let low: Double
    public let high: Double
    public init(low: Double, high: Double) {
      self.low = low
      self.high = high
    }
  }

  public var iterations = 1000
  public var level = 0.95
  public var seed: UInt64 = 20_261_126

  public init(iterations: Int = 1000, level: Double = 0.95, seed: UInt64 = 20_261_126) {
    self.iterations = iterations
    self.level = level
    self.seed = seed
  }

  /// Per-sample TP, FP, FN for each class, flattened [sample][class][3].
  /// The dialect's rules (FiftyOne's dropped invalid column and outside pixels) are `classCounts`'.
  static func counts(_ ms: [ConfusionMatrix], dialect: MetricDialect) -> (k: Int, values: [Double]) {
    guard let k = ms.first?.classCount else { return (0, []) }
    var out = [Double](repeating: 0, count: ms.count * k * 3)
    for (i, m) in ms.enumerated() {
      for (c, counts) in m.classCounts(dialect: dialect).enumerated() where c < k {
        out[(i * k + c) * 3] = Double(counts.truePositives)
        out[(i * k + c) * 3 + 1] = Double(counts.falsePositives)
        out[(i * k + c) * 3 + 2] = Double(counts.falseNegatives)
      }
    }
    return (k, out)
  }

  static func ious(_ sums: [Double], k: Int, zeroDivIsZero: Bool) -> [Double] {
    (0..<k).map { c in
      let d = sums[c * 3] + sums[c * 3 + 1] + sums[c * 3 + 2]
      return d == 0 ? (zeroDivIsZero ? 0 : .nan) : sums[c * 3] / d
    }
  }

  static func mean(_ v: [Double], zeroDivIsZero: Bool) -> Double {
    zeroDivIsZero ? SemanticMetrics.mean(v) : SemanticMetrics.nanMean(v)
  }

  /// Intervals for mIoU and each class's IoU of a set of per-sample matrices.
  public func intervals(_ matrices: [ConfusionMatrix], dialect: MetricDialect = .mmseg) -> (mIoU: Interval, classes: [Interval]) {
    let (k, values) = Bootstrap.counts(matrices, dialect: dialect)
    let n = matrices.count
    guard n > 0, k > 0 else { return (Interval(low: .nan, high: .nan), []) }
    let zero = dialect == .torchmetrics
    var rng = SplitMix64(seed: seed)
    var miou: [Double] = []
    var perClass = [[Double]](repeating: [], count: k)
    var sums = [Double](repeating: 0, count: k * 3)
    for _ in 0..<iterations {
      for j in 0..<sums.count { sums[j] = 0 }
      for _ in 0..<n {
        let s = Int(rng.next() % UInt64(n))
        let base = s * k * 3
        for j in 0..<(k * 3) { sums[j] += values[base + j] }
      }
      let iou = Bootstrap.ious(sums, k: k, zeroDivIsZero: zero)
      miou.append(Bootstrap.mean(iou, zeroDivIsZero: zero))
      for c in 0..<k { perClass[c].append(iou[c]) }
    }
    return (percentile(miou), perClass.map(percentile))
  }

  /// Paired intervals for the change B - A (mIoU and each class), resampling the samples both runs
  /// evaluated; `a[i]` and `b[i]` must be the same sample.
  public func differenceIntervals(_ a: [ConfusionMatrix], _ b: [ConfusionMatrix], dialect: MetricDialect = .mmseg) -> (mIoU: Interval, classes: [Interval]) {
    precondition(a.count == b.count, "paired bootstrap needs the same samples")
    let (k, va) = Bootstrap.counts(a, dialect: dialect)
    let (_, vb) = Bootstrap.counts(b, dialect: dialect)
    let n = a.count
    guard n > 0, k > 0 else { return (Interval(low: .nan, high: .nan), []) }
    let zero = dialect == .torchmetrics
    var rng = SplitMix64(seed: seed)
    var dm: [Double] = []
    var dc = [[Double]](repeating: [], count: k)
    var sa = [Double](repeating: 0, count: k * 3), sb = sa
    for _ in 0..<iterations {
      for j in 0..<sa.count {
        sa[j] = 0
        sb[j] = 0
      }
      for _ in 0..<n {
        let base = Int(rng.next() % UInt64(n)) * k * 3
        for j in 0..<(k * 3) {
          sa[j] += va[base + j]
          sb[j] += vb[base + j]
        }
      }
      let ia = Bootstrap.ious(sa, k: k, zeroDivIsZero: zero), ib = Bootstrap.ious(sb, k: k, zeroDivIsZero: zero)
      dm.append(Bootstrap.mean(ib, zeroDivIsZero: zero) - Bootstrap.mean(ia, zeroDivIsZero: zero))
      for c in 0..<k { dc[c].append(ib[c] - ia[c]) }
    }
    return (percentile(dm), dc.map(percentile))
  }

  /// The central `level` interval of the non-NaN values (NaN when there are none).
  func percentile(_ v: [Double]) -> Interval { Self.percentile(v, level: level) }

  /// The central `level` interval of the non-NaN values, linear between order statistics (NaN when
  /// there are none).
  public static func percentile(_ v: [Double], level: Double) -> Interval {
    let s = v.filter { !$0.isNaN }.sorted()
    guard !s.isEmpty else { return Interval(low: .nan, high: .nan) }
    let alpha = (1 - level) / 2
    func at(_ q: Double) -> Double {
      let pos = q * Double(s.count - 1)
      let lo = Int(pos.rounded(.down)), hi = min(s.count - 1, lo + 1)
      return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
    }
    return Interval(low: at(alpha), high: at(1 - alpha))
  }
}
