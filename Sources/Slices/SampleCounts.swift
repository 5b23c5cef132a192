import Dispatch
import Foundation
import Parallel
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
    for m in matrices {
      // The dialect's rules for the invalid column and outside ground truth: `classCounts`, as eval's.
      for (c, counts) in m.classCounts(dialect: dialect).enumerated() where c < classCount && counts.union > 0 {
        classes.append(Int32(c))
        tp.append(Double(counts.truePositives))
        union.append(Double(counts.union))
      }
      offsets.append(classes.count)
    }
  }

  /// Summed TP and union per class over `members` (indices, repeats counted again).
  func sums<C: Collection>(_ members: C) -> (tp: [Double], union: [Double]) where C.Element == Int {
    var t = [Double](repeating: 0, count: classCount), u = t
    offsets.withUnsafeBufferPointer { off in
      classes.withUnsafeBufferPointer { cls in
        tp.withUnsafeBufferPointer { tps in
          union.withUnsafeBufferPointer { uns in
            t.withUnsafeMutableBufferPointer { st in
              u.withUnsafeMutableBufferPointer { su in
                for i in members {
                  for e in off[i]..<off[i + 1] {
                    let c = Int(cls[e])
                    st[c] += tps[e]
                    su[c] += uns[e]
                  }
                }
              }
            }
          }
        }
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
  /// The resamples run in `chunks` seeded streams on all cores (the same seed gives the same interval
  /// on any machine).
  public func gapInterval(slice: [Int], rest: [Int], iterations: Int, level: Double = 0.95, seed: UInt64, chunks: Int = 8) -> (
    low: Double, high: Double
  ) {
    guard !slice.isEmpty, !rest.isEmpty, iterations > 0 else { return (.nan, .nan) }
    let slots = ResultSlots<[Double]>(count: chunks)
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
      var rng = SplitMix64(seed: seed &+ UInt64(chunk) &* 0x9E37_79B9)
      var gaps: [Double] = []
      var draw = [Int](repeating: 0, count: max(slice.count, rest.count))
      func resampled(_ g: [Int]) -> Double {
        let n = UInt64(g.count)
        for j in 0..<g.count { draw[j] = g[Int(rng.next() % n)] }
        let (t, u) = draw.withUnsafeBufferPointer { sums(UnsafeBufferPointer(rebasing: $0[0..<g.count])) }
        return miou(tp: t, union: u)
      }
      let count = iterations / chunks + (chunk < iterations % chunks ? 1 : 0)
      for _ in 0..<count {
        let s = resampled(slice)
        let r = resampled(rest)
        if !(r - s).isNaN { gaps.append(r - s) }
      }
      slots.set(chunk, gaps)
    }
    let iv = Bootstrap.percentile(slots.values().flatMap { $0 ?? [] }, level: level)
    return (iv.low, iv.high)
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
