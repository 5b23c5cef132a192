import Foundation
import SegmentationCore

/// Each sample's true positives and union (TP + FP + FN) per class, counted the way `SemanticMetrics`
/// counts them under a dialect, kept sparse (only the classes a sample touches). The mIoU of any set
/// of samples is then a sum over its members, equal to `SemanticMetrics(matrix: their summed
/// matrices).mIoU`.
public struct SampleCounts: Sendable {
  public let classCount: Int
  /// torchmetrics: a class with an empty union counts as IoU 0 and the mean is over every class;
  /// the other dialects leave it out (numpy's nanmean).
  public let zeroDivIsZero: Bool
  var offsets: [Int] = [0]
  var classes: [Int32] = []
  var tp: [Double] = []
  var union: [Double] = []
  public var count: Int { offsets.count - 1 }

  public init(matrices: [ConfusionMatrix], classCount: Int, dialect: MetricDialect) {
    self.classCount = classCount
    self.zeroDivIsZero = dialect == .torchmetrics
    let dropInvalid = dialect == .fiftyone
    let countOutside = dialect != .fiftyone
    for m in matrices {
      let (rows, cols, diag) = m.marginals()
      for c in 0..<min(classCount, m.classCount) {
        let t = diag[c]
        let rowSum = dropInvalid ? rows[c] - m[c, m.classCount] : rows[c]
        let col = cols[c] &+ (countOutside ? m.outside[c] ?? 0 : 0)
        let u = Double(col - t) + Double(rowSum - t) + Double(t)
        guard u > 0 else { continue }
        classes.append(Int32(c))
        tp.append(Double(t))
        union.append(u)
      }
      offsets.append(classes.count)
    }
  }

  /// Summed TP and union per class over `members` (indices, repeats counted again).
  func sums(_ members: [Int]) -> (tp: [Double], union: [Double]) {
    var t = [Double](repeating: 0, count: classCount), u = t
    for i in members {
      for e in offsets[i]..<offsets[i + 1] {
        let c = Int(classes[e])
        t[c] += tp[e]
        u[c] += union[e]
      }
    }
    return (t, u)
  }

  /// mIoU from summed counts, with the dialect's absent-class rule and `SemanticMetrics`' order of
  /// summation.
  func miou(tp t: [Double], union u: [Double]) -> Double {
    var s = 0.0
    var n = 0
    for c in 0..<classCount {
      if u[c] == 0 {
        if zeroDivIsZero { n += 1 }
        continue
      }
      s += t[c] / u[c]
      n += 1
    }
    return n == 0 ? .nan : s / Double(n)
  }

  public func miou(_ members: [Int]) -> Double {
    let (t, u) = sums(members)
    return miou(tp: t, union: u)
  }

  /// The mIoU of `members` and its variance by linearisation (the delta method for a mean of ratio
  /// estimators): each sample's influence is the sum over classes of (TP − IoU · union) / total
  /// union, divided by the number of classes averaged; the variance is n/(n−1) times the sum of the
  /// squared influences.
  public func estimate(_ members: [Int]) -> (miou: Double, variance: Double) {
    let (t, u) = sums(members)
    let m = miou(tp: t, union: u)
    var averaged = 0
    for c in 0..<classCount where u[c] > 0 || zeroDivIsZero { averaged += 1 }
    guard averaged > 0, members.count > 1 else { return (m, .nan) }
    var iou = [Double](repeating: 0, count: classCount)
    for c in 0..<classCount where u[c] > 0 { iou[c] = t[c] / u[c] }
    var squares = 0.0
    let k = Double(averaged)
    for i in members {
      var z = 0.0
      for e in offsets[i]..<offsets[i + 1] {
        let c = Int(classes[e])
        z += (tp[e] - iou[c] * union[e]) / u[c]
      }
      z /= k
      squares += z * z
    }
    let n = Double(members.count)
    return (m, squares * n / (n - 1))
  }

  /// One-sided p-value that `slice`'s mIoU is below `rest`'s (disjoint sets), from a z-test on the
  /// linearised variances; also the gap (rest − slice).
  public func gapTest(slice: [Int], rest: [Int]) -> (gap: Double, z: Double, p: Double, sliceMIoU: Double, restMIoU: Double) {
    let a = estimate(slice), b = estimate(rest)
    let gap = b.miou - a.miou
    let se = (a.variance + b.variance).squareRoot()
    guard gap.isFinite, se.isFinite else { return (gap, .nan, 1, a.miou, b.miou) }
    let z = se > 0 ? gap / se : (gap > 0 ? .infinity : gap < 0 ? -.infinity : 0)
    return (gap, z, 0.5 * erfc(z / 2.0.squareRoot()), a.miou, b.miou)
  }

  /// A percentile bootstrap interval of the gap (rest − slice), resampling each group with
  /// replacement on its own (stratified). Seeded.
  public func gapInterval(slice: [Int], rest: [Int], iterations: Int, level: Double = 0.95, seed: UInt64) -> (low: Double, high: Double) {
    guard !slice.isEmpty, !rest.isEmpty, iterations > 0 else { return (.nan, .nan) }
    var rng = SplitMix64(seed: seed)
    var gaps: [Double] = []
    gaps.reserveCapacity(iterations)
    var draw = [Int](repeating: 0, count: max(slice.count, rest.count))
    func resampled(_ g: [Int]) -> Double {
      for j in 0..<g.count { draw[j] = g[Int(rng.next() % UInt64(g.count))] }
      return miou(Array(draw[0..<g.count]))
    }
    for _ in 0..<iterations {
      let s = resampled(slice)
      let r = resampled(rest)
      let gap = r - s
      if !gap.isNaN { gaps.append(gap) }
    }
    return Self.percentile(gaps, level: level)
  }

  static func percentile(_ v: [Double], level: Double) -> (low: Double, high: Double) {
    let s = v.sorted()
    guard !s.isEmpty else { return (.nan, .nan) }
    func at(_ q: Double) -> Double {
      let pos = q * Double(s.count - 1)
      let lo = Int(pos.rounded(.down)), hi = min(s.count - 1, lo + 1)
      return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
    }
    let alpha = (1 - level) / 2
    return (at(alpha), at(1 - alpha))
  }
}

/// Benjamini–Hochberg (1995): q-values that keep the expected share of false discoveries among the
/// tests called significant at q <= alpha below alpha.
public enum BenjaminiHochberg {
  public static func qValues(_ p: [Double]) -> [Double] {
    let m = p.count
    guard m > 0 else { return [] }
    let order = p.indices.sorted { p[$0] < p[$1] }
    var q = [Double](repeating: 1, count: m)
    var running = 1.0
    for rank in stride(from: m, through: 1, by: -1) {
      let i = order[rank - 1]
      running = min(running, p[i] * Double(m) / Double(rank))
      q[i] = min(1, running)
    }
    return q
  }
}
