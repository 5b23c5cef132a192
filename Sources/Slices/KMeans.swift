import Dispatch
import Foundation
import Parallel
import SegmentationCore

/// Points in a flat row-major buffer: `count` rows of `dimensions` floats.
public struct PointSet: Sendable {
  public var values: [Float]
  public let dimensions: Int
  public var count: Int { dimensions == 0 ? 0 : values.count / dimensions }

  public init(values: [Float], dimensions: Int) {
    precondition(dimensions > 0 && values.count % dimensions == 0)
    self.values = values
    self.dimensions = dimensions
  }

  @inlinable func squaredDistance(_ i: Int, _ centres: [Float], _ c: Int) -> Float {
    var s: Float = 0
    let d = dimensions
    values.withUnsafeBufferPointer { v in
      centres.withUnsafeBufferPointer { m in
        let a = i * d, b = c * d
        for j in 0..<d {
          let x = v[a + j] - m[b + j]
          s += x * x
        }
      }
    }
    return s
  }

  /// The rows projected on `dimensions` seeded Gaussian directions (Johnson–Lindenstrauss): distances
  /// are kept within a few percent, and k-means and silhouettes get several times cheaper.
  public func projected(to target: Int, seed: UInt64) -> PointSet {
    guard target < dimensions else { return self }
    var rng = SplitMix64(seed: seed)
    var matrix = [Float](repeating: 0, count: dimensions * target)
    for i in 0..<matrix.count {
      // Box–Muller from two uniforms.
      let u1 = max(1e-12, rng.unit()), u2 = rng.unit()
      matrix[i] = Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)) / Float(target).squareRoot()
    }
    var out = [Float](repeating: 0, count: count * target)
    let d = dimensions
    values.withUnsafeBufferPointer { v in
      matrix.withUnsafeBufferPointer { m in
        out.withUnsafeMutableBufferPointer { o in
          for r in 0..<count {
            for j in 0..<d {
              let x = v[r * d + j]
              if x == 0 { continue }
              let row = j * target
              for t in 0..<target { o[r * target + t] += x * m[row + t] }
            }
          }
        }
      }
    }
    return PointSet(values: out, dimensions: target)
  }
}

/// Lloyd's k-means with k-means++ seeding (Arthur & Vassilvitskii 2007). Seeded: the same points and
/// seed give the same clusters.
public enum KMeans {
  public struct Result: Sendable, Equatable {
    /// The cluster of each point, 0..<k.
    public var assignment: [Int]
    /// k rows of centres.
    public var centres: [Float]
    /// Sum of squared distances to the assigned centres.
    public var inertia: Double
    public var k: Int
  }

  public static func fit(_ points: PointSet, k requested: Int, seed: UInt64, maxIterations: Int = 60) -> Result {
    let n = points.count, d = points.dimensions
    let k = max(1, min(requested, n))
    guard n > 0 else { return Result(assignment: [], centres: [], inertia: 0, k: 0) }
    var rng = SplitMix64(seed: seed)
    // k-means++: the first centre at random, each next one with probability proportional to the
    // squared distance to the nearest centre chosen so far.
    var centres = [Float](repeating: 0, count: k * d)
    func copy(_ i: Int, to c: Int) { for j in 0..<d { centres[c * d + j] = points.values[i * d + j] } }
    copy(Int(rng.next() % UInt64(n)), to: 0)
    var nearest = [Float](repeating: .infinity, count: n)
    for c in 1..<max(1, k) {
      var total: Double = 0
      for i in 0..<n {
        nearest[i] = min(nearest[i], points.squaredDistance(i, centres, c - 1))
        total += Double(nearest[i])
      }
      var target = rng.unit() * total
      var pick = n - 1
      if total > 0 {
        for i in 0..<n {
          target -= Double(nearest[i])
          if target <= 0 {
            pick = i
            break
          }
        }
      } else {
        pick = Int(rng.next() % UInt64(n))
      }
      copy(pick, to: c)
    }
    var assignment = [Int](repeating: -1, count: n)
    var inertia = 0.0
    for _ in 0..<maxIterations {
      var changed = false
      inertia = 0
      for i in 0..<n {
        var best = 0
        var bestD = Float.infinity
        for c in 0..<k {
          let dist = points.squaredDistance(i, centres, c)
          if dist < bestD {
            bestD = dist
            best = c
          }
        }
        inertia += Double(bestD)
        if assignment[i] != best {
          assignment[i] = best
          changed = true
        }
      }
      if !changed { break }
      // New centres: the means; an emptied cluster takes the point farthest from its centre.
      var sums = [Double](repeating: 0, count: k * d)
      var counts = [Int](repeating: 0, count: k)
      for i in 0..<n {
        let c = assignment[i]
        counts[c] += 1
        for j in 0..<d { sums[c * d + j] += Double(points.values[i * d + j]) }
      }
      for c in 0..<k where counts[c] > 0 {
        for j in 0..<d { centres[c * d + j] = Float(sums[c * d + j] / Double(counts[c])) }
      }
      for c in 0..<k where counts[c] == 0 {
        var far = 0
        var farD: Float = -1
        for i in 0..<n {
          let dist = points.squaredDistance(i, centres, assignment[i])
          if dist > farD {
            farD = dist
            far = i
          }
        }
        copy(far, to: c)
        assignment[far] = c
      }
    }
    return Result(assignment: assignment, centres: centres, inertia: inertia, k: k)
  }

  /// The mean silhouette (Rousseeuw 1987) of an assignment over the points `subset` (indices), with
  /// distances among those points only, as scikit-learn's `silhouette_score(sample_size=)` does.
  /// A point alone in its cluster scores 0.
  public static func silhouette(_ points: PointSet, assignment: [Int], k: Int, subset: [Int]) -> Double {
    silhouette(distances: distanceMatrix(points, subset), labels: subset.map { assignment[$0] }, k: k)
  }

  /// Euclidean distances among the points `subset`, row-major m x m.
  static func distanceMatrix(_ p: PointSet, _ subset: [Int]) -> [Float] {
    let m = subset.count, d = p.dimensions
    var out = [Float](repeating: 0, count: m * m)
    p.values.withUnsafeBufferPointer { v in
      for a in 0..<m {
        let i = subset[a] * d
        for b in (a + 1)..<max(a + 1, m) {
          let j = subset[b] * d
          var s: Float = 0
          for t in 0..<d {
            let x = v[i + t] - v[j + t]
            s += x * x
          }
          out[a * m + b] = s.squareRoot()
          out[b * m + a] = out[a * m + b]
        }
      }
    }
    return out
  }

  static func silhouette(distances: [Float], labels: [Int], k: Int) -> Double {
    let m = labels.count
    guard m > 1, k > 1 else { return 0 }
    var total = 0.0
    var sums = [Double](repeating: 0, count: k)
    var counts = [Int](repeating: 0, count: k)
    for a in 0..<m {
      for c in 0..<k {
        sums[c] = 0
        counts[c] = 0
      }
      for b in 0..<m where b != a {
        sums[labels[b]] += Double(distances[a * m + b])
        counts[labels[b]] += 1
      }
      let own = labels[a]
      guard counts[own] > 0 else { continue }
      let inside = sums[own] / Double(counts[own])
      var outside = Double.infinity
      for c in 0..<k where c != own && counts[c] > 0 { outside = min(outside, sums[c] / Double(counts[c])) }
      guard outside.isFinite else { continue }
      let s = max(inside, outside)
      if s > 0 { total += (outside - inside) / s }
    }
    return total / Double(m)
  }

  /// The k in `range` whose clustering has the highest silhouette, with the clustering of every
  /// point for that k and every k's score. Each k is fitted on a seeded subsample of at most
  /// `fitSize` points (all cores, one k each) and scored on its first `sampleSize` points; the chosen
  /// k is then fitted on all the points.
  public static func chooseK(_ points: PointSet, range: ClosedRange<Int>, seed: UInt64, sampleSize: Int = 1000, fitSize: Int = 4000) -> (
    best: Result, scores: [(k: Int, silhouette: Double)]
  ) {
    let n = points.count
    var rng = SplitMix64(seed: seed ^ 0x5111_0E77)
    var order = Array(0..<n)
    for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
    let fitting = Array(order.prefix(fitSize))
    let sample = PointSet(
      values: fitting.flatMap { i in points.values[(i * points.dimensions)..<((i + 1) * points.dimensions)] }, dimensions: points.dimensions)
    let scored = Array(0..<min(sampleSize, fitting.count))
    let distances = distanceMatrix(sample, scored)
    let ks = range.filter { $0 <= n }
    let slots = ResultSlots<Double>(count: ks.count)
    DispatchQueue.concurrentPerform(iterations: ks.count) { j in
      let r = fit(sample, k: ks[j], seed: seed &+ UInt64(ks[j]))
      slots.set(j, silhouette(distances: distances, labels: scored.map { r.assignment[$0] }, k: r.k))
    }
    let scores = zip(ks, slots.values()).map { (k: $0, silhouette: $1 ?? -1) }
    guard let best = scores.max(by: { $0.silhouette != $1.silhouette ? $0.silhouette < $1.silhouette : $0.k > $1.k }) else {
      return (fit(points, k: 1, seed: seed), [])
    }
    return (fit(points, k: best.k, seed: seed &+ UInt64(best.k)), scores)
  }
}
