import SegmentationCore
import Testing

@testable import Slices

@Suite("k-means, silhouette, per-sample counts, Benjamini-Hochberg")
struct SlicesTests {
  /// Three tight blobs in 8 dimensions, 40 points each, shuffled.
  func blobs(seed: UInt64) -> (PointSet, [Int]) {
    var rng = SplitMix64(seed: seed)
    var values: [Float] = []
    var truth: [Int] = []
    let centres: [[Float]] = [[5, 0, 0, 0, 0, 0, 0, 0], [0, 5, 0, 0, 0, 0, 0, 0], [0, 0, 5, 5, 0, 0, 0, 0]]
    for i in 0..<120 {
      let b = (i * 7) % 3
      truth.append(b)
      for j in 0..<8 { values.append(centres[b][j] + Float(rng.unit() - 0.5)) }
    }
    return (PointSet(values: values, dimensions: 8), truth)
  }

  @Test("k-means recovers three separated blobs; every point gets one cluster; the same seed gives the same clusters")
  func kmeansBlobs() {
    let (points, truth) = blobs(seed: 1)
    let r = KMeans.fit(points, k: 3, seed: 7)
    #expect(r.assignment.count == 120 && r.assignment.allSatisfy { (0..<3).contains($0) })
    // The clustering equals the truth up to renaming.
    var mapping: [Int: Int] = [:]
    for (a, t) in zip(r.assignment, truth) {
      if let m = mapping[a] { #expect(m == t) } else { mapping[a] = t }
    }
    #expect(Set(mapping.values).count == 3)
    #expect(KMeans.fit(points, k: 3, seed: 7) == r)
  }

  @Test("auto k by silhouette picks 3 for three blobs, and the silhouette of the truth is near 1")
  func chooseK() {
    let (points, truth) = blobs(seed: 2)
    let (best, scores) = KMeans.chooseK(points, range: 2...6, seed: 3)
    #expect(best.k == 3, "\(scores)")
    #expect(scores.map(\.k) == [2, 3, 4, 5, 6])
    #expect(KMeans.silhouette(points, assignment: truth, k: 3, subset: Array(0..<120)) > 0.8)
    // A wrong split scores lower.
    let wrong = truth.map { $0 == 2 ? 1 : $0 }
    #expect(KMeans.silhouette(points, assignment: wrong, k: 3, subset: Array(0..<120)) < 0.6)
  }

  @Test("projection keeps distances within 35% at 32 dimensions")
  func projection() {
    var rng = SplitMix64(seed: 5)
    let points = PointSet(values: (0..<(50 * 200)).map { _ in Float(rng.unit()) }, dimensions: 200)
    let p = points.projected(to: 32, seed: 9)
    #expect(p.dimensions == 32 && p.count == 50)
    for (i, j) in [(0, 1), (2, 3), (10, 40), (5, 6)] {
      let a = Double(KMeans.distanceMatrix(points, [i, j])[1]), b = Double(KMeans.distanceMatrix(p, [i, j])[1])
      #expect(abs(b / a - 1) < 0.35, "\(a) -> \(b)")
    }
  }

  /// A random confusion matrix with some absent classes and outside-the-map pixels.
  func matrix(_ rng: inout SplitMix64, k: Int) -> ConfusionMatrix {
    var counts = [UInt64](repeating: 0, count: k * (k + 1))
    for g in 0..<k where rng.unit() < 0.7 {
      for p in 0...k where rng.unit() < (p == g ? 0.95 : 0.3) { counts[g * (k + 1) + p] = UInt64(rng.next() % 500) }
    }
    var m = ConfusionMatrix(classCount: k, counts: counts)
    if rng.unit() < 0.5 { m.outside[1] = UInt64(rng.next() % 50) }
    return m
  }

  @Test("the mIoU of any subset from per-sample counts equals SemanticMetrics on the summed matrices, in every dialect", arguments: MetricDialect.allCases)
  func countsEqualMetrics(dialect: MetricDialect) {
    var rng = SplitMix64(seed: 11)
    let ms = (0..<60).map { _ in matrix(&rng, k: 6) }
    let counts = SampleCounts(matrices: ms, classCount: 6, dialect: dialect)
    for subset in [Array(0..<60), Array(0..<7), [3, 9, 27, 44], Array(stride(from: 1, to: 60, by: 2))] {
      var sum = ConfusionMatrix(classCount: 6)
      for i in subset { sum.add(ms[i]) }
      let expected = SemanticMetrics(matrix: sum, dialect: dialect).mIoU
      #expect(counts.miou(subset) == expected || (counts.miou(subset).isNaN && expected.isNaN), "\(dialect) \(subset.count)")
    }
  }

  @Test("the gap test: a worse group gets a small p and an interval above 0; two halves of one population do not")
  func gapTest() {
    var rng = SplitMix64(seed: 21)
    // Samples: class 0 with TP t and union 100, class 1 never right (IoU 0), so mIoU = t / 200; the
    // first 30 are worse (t about 50, the rest about 80): a gap of about 0.15.
    var ms: [ConfusionMatrix] = []
    for i in 0..<120 {
      let tp = UInt64((i < 30 ? 50 : 80) + Int(rng.next() % 11) - 5)
      ms.append(ConfusionMatrix(classCount: 2, counts: [tp, 100 - tp, 0, 0, 0, 0]))
    }
    let counts = SampleCounts(matrices: ms, classCount: 2, dialect: .mmseg)
    let worse = counts.gapTest(slice: Array(0..<30), rest: Array(30..<120))
    #expect(worse.gap > 0.12 && worse.p < 1e-6)
    let iv = counts.gapInterval(slice: Array(0..<30), rest: Array(30..<120), iterations: 300, seed: 1)
    #expect(iv.low > 0.1 && iv.high < 0.2 && iv.low < worse.gap && worse.gap < iv.high)
    let same = counts.gapTest(slice: Array(stride(from: 30, to: 120, by: 2)), rest: Array(stride(from: 31, to: 120, by: 2)))
    #expect(same.p > 0.01)
  }

  @Test("Benjamini-Hochberg q-values, checked by hand")
  func benjaminiHochberg() {
    // p sorted: 0.005 (rank 1), 0.01 (2), 0.03 (3), 0.04 (4); q = min over ranks >= r of p * 4 / rank.
    let q = BenjaminiHochberg.qValues([0.01, 0.04, 0.03, 0.005])
    let expected = [0.02, 0.04, 0.04, 0.02]
    for (a, b) in zip(q, expected) { #expect(abs(a - b) < 1e-12) }
    #expect(BenjaminiHochberg.qValues([]) == [])
    #expect(BenjaminiHochberg.qValues([0.9, 0.8]) == [0.9, 0.9])
  }

  @Test("candidates: too small or too large sets and repeated sets are left out; tails round thresholds as printed")
  func candidates() {
    var b = CandidateBuilder(universe: (1...40).map(Int64.init), minSize: 5)
    b.add("few", [.tag("few")], family: "tag:few") { $0 < 4 }
    b.add("most", [.tag("most")], family: "tag:most") { $0 < 37 }
    b.add("half", [.tag("half")], family: "tag:half") { $0 < 20 }
    b.add("half again", [.tag("again")], family: "tag:again") { $0 < 20 }
    #expect(b.out.map(\.name) == ["half"])
    var values: [Int: Double] = [:]
    for i in 0..<40 { values[i] = Double(i) / 40 + 0.000_01 }
    b.tails(.brightness, values: values, low: "dark", high: "bright")
    let dark = b.out.first { $0.name.hasPrefix("dark") && $0.members.count == 8 }
    #expect(dark?.filters == [.metric(.brightness, .lt, 0.2)])
    for c in b.out {
      guard case .metric(_, let op, let t)? = c.filters.first else { continue }
      #expect(c.members == (0..<40).filter { op == .lt ? values[$0]! < t : values[$0]! >= t })
    }
  }
}
