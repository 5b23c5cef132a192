import Dispatch

/// Embeddings of a set of samples in one flat array, with the searches curation needs: the k nearest
/// neighbours of every sample (for uniqueness and near duplicates), the nearest to one query, and a
/// PCA projection (for candidates and the map).
///
/// All-pairs search on the full embedding would cost n² x d; instead the neighbours are looked for in
/// a PCA projection (`reduced` components; a projection never makes two points farther apart, so a
/// true near neighbour stays near), then the best candidates are re-ranked by the full distance.
public struct EmbeddingSpace: Sendable {
  public let count: Int
  public let dims: Int
  /// `count * dims` values, row-major.
  public let values: [Float]

  public init(rows: [[Float]]) {
    count = rows.count
    dims = rows.first?.count ?? 0
    var v: [Float] = []
    v.reserveCapacity(count * dims)
    for r in rows {
      precondition(r.count == dims, "embeddings of different lengths")
      v += r
    }
    values = v
  }

  public init(count: Int, dims: Int, values: [Float]) {
    precondition(values.count == count * dims)
    self.count = count
    self.dims = dims
    self.values = values
  }

  public func row(_ i: Int) -> ArraySlice<Float> { values[(i * dims)..<((i + 1) * dims)] }

  /// Cosine distance `1 - a·b` of rows i and j (rows are unit length).
  public func distance(_ i: Int, _ j: Int) -> Float {
    values.withUnsafeBufferPointer { v in max(0, 1 - Self.dot(v.baseAddress! + i * dims, v.baseAddress! + j * dims, dims)) }
  }

  /// The dot product of two float runs, 8 lanes at a time (a plain loop is not vectorised: float
  /// addition is not reassociated without permission).
  @inline(__always) static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>()
    var k = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    while k + 8 <= n {
      acc += ra.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self)
      k += 8
    }
    var s = acc.sum()
    while k < n {
      s += a[k] * b[k]
      k += 1
    }
    return s
  }

  /// Cosine distance from `query` to every row.
  public func distances(to query: [Float]) -> [Float] {
    precondition(query.count == dims)
    var out = [Float](repeating: 0, count: count)
    values.withUnsafeBufferPointer { v in
      query.withUnsafeBufferPointer { q in
        for i in 0..<count { out[i] = max(0, 1 - Self.dot(v.baseAddress! + i * dims, q.baseAddress!, dims)) }
      }
    }
    return out
  }

  /// A neighbour and its distance.
  public struct Neighbour: Sendable, Equatable {
    public let index: Int
    public let distance: Float
    public init(index: Int, distance: Float) {
      self.index = index
      self.distance = distance
    }
  }

  /// The `k` nearest other rows of every row, nearest first, by full cosine distance; ties by index.
  /// A small set (n² x dims under `exactBelow`) is searched exactly; a larger one takes candidates
  /// from the PCA projection (`candidates` per row), re-ranked by the full distance.
  public func nearestNeighbours(k: Int, candidates: Int = 24, reduced: Int = 48, exactBelow: Int = 200_000_000) -> [[Neighbour]] {
    guard count > 1, k > 0 else { return Array(repeating: [], count: count) }
    let c = min(count - 1, max(k, candidates))
    let exact = count * count * dims < exactBelow
    let projection = exact ? nil : PCA.fit(self, components: min(reduced, dims))
    let low = projection?.project(self) ?? values
    let r = projection?.components ?? dims
    // Squared norms of the projected rows: |a-b|² = |a|² + |b|² - 2 a·b.
    let norms = (0..<count).map { i -> Float in
      var s: Float = 0
      for k in 0..<r { s += low[i * r + k] * low[i * r + k] }
      return s
    }
    let result = ResultRows(count: count)
    let n = count
    let chunk = 64
    DispatchQueue.concurrentPerform(iterations: (n + chunk - 1) / chunk) { block in
      var dots = [Float](repeating: 0, count: n)
      for i in (block * chunk)..<min(n, (block + 1) * chunk) {
        low.withUnsafeBufferPointer { lp in
          let base = lp.baseAddress!
          let a = base + i * r
          let ni = norms[i]
          dots.withUnsafeMutableBufferPointer { d in
            norms.withUnsafeBufferPointer { np in
              for j in 0..<n { d[j] = ni + np[j] - 2 * Self.dot(a, base + j * r, r) }
            }
          }
        }
        // The c smallest, by a bounded insertion.
        var best: [(Float, Int)] = []
        best.reserveCapacity(c + 1)
        for j in 0..<n where j != i {
          let d = dots[j]
          if best.count == c, d >= best[c - 1].0 { continue }
          var at = best.count
          while at > 0 && best[at - 1].0 > d { at -= 1 }
          best.insert((d, j), at: at)
          if best.count > c { best.removeLast() }
        }
        var exact = best.map { Neighbour(index: $0.1, distance: distance(i, $0.1)) }
        exact.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.index < $1.index }
        result.set(i, Array(exact.prefix(k)))
      }
    }
    return result.rows()
  }
}

/// Rows written from several threads, each index once.
final class ResultRows: @unchecked Sendable {
  private var storage: [[EmbeddingSpace.Neighbour]]
  private let lock = DispatchQueue(label: "segscope.rows")
  init(count: Int) { storage = Array(repeating: [], count: count) }
  func set(_ i: Int, _ row: [EmbeddingSpace.Neighbour]) { lock.sync { storage[i] = row } }
  func rows() -> [[EmbeddingSpace.Neighbour]] { lock.sync { storage } }
}

/// Principal components of embeddings, by subspace iteration on the covariance of (at most 4,000
/// evenly spread) rows.
public struct PCA: Sendable {
  public let mean: [Float]
  /// `components` unit vectors of `dims` values, strongest first.
  public let basis: [Float]
  public let components: Int
  public let dims: Int
  /// The variance along each component.
  public let variances: [Float]

  public static func fit(_ space: EmbeddingSpace, components wanted: Int, sampleLimit: Int = 4000, iterations: Int = 25) -> PCA {
    let d = space.dims, n = space.count
    let k = max(1, min(wanted, d))
    let step = max(1, n / max(1, sampleLimit))
    let picked = Array(stride(from: 0, to: n, by: step))
    var mean = [Float](repeating: 0, count: d)
    for i in picked { for j in 0..<d { mean[j] += space.values[i * d + j] } }
    if !picked.isEmpty { for j in 0..<d { mean[j] /= Float(picked.count) } }
    // Covariance (d x d), accumulated in Double for stability.
    var cov = [Double](repeating: 0, count: d * d)
    var centred = [Double](repeating: 0, count: d)
    for i in picked {
      for j in 0..<d { centred[j] = Double(space.values[i * d + j] - mean[j]) }
      cov.withUnsafeMutableBufferPointer { cv in
        for a in 0..<d {
          let ca = centred[a]
          if ca == 0 { continue }
          for b in a..<d { cv[a * d + b] += ca * centred[b] }
        }
      }
    }
    let m = Double(max(1, picked.count - 1))
    for a in 0..<d {
      for b in a..<d {
        cov[a * d + b] /= m
        cov[b * d + a] = cov[a * d + b]
      }
    }
    // Subspace iteration from a fixed start (deterministic): Q <- orthonormal(C Q).
    var q = [Double](repeating: 0, count: d * k)
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    for i in 0..<(d * k) {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      q[i] = Double(Int64(bitPattern: seed >> 11) % 1000) / 1000 - 0.5
    }
    // Gram-Schmidt over the columns; a column that vanishes (the data has fewer directions than
    // asked for) is replaced by a unit vector orthogonal to the ones before it.
    func orthonormalise(_ q: inout [Double]) {
      for c in 0..<k {
        var fresh = 0
        while true {
          for p in 0..<c {
            var dot = 0.0
            for r in 0..<d { dot += q[r * k + c] * q[r * k + p] }
            for r in 0..<d { q[r * k + c] -= dot * q[r * k + p] }
          }
          var norm = 0.0
          for r in 0..<d { norm += q[r * k + c] * q[r * k + c] }
          norm = norm.squareRoot()
          if norm > 1e-9 || fresh >= d {
            for r in 0..<d { q[r * k + c] = norm > 1e-9 ? q[r * k + c] / norm : 0 }
            break
          }
          for r in 0..<d { q[r * k + c] = r == fresh ? 1 : 0 }
          fresh += 1
        }
      }
    }
    orthonormalise(&q)
    // next = cov · q (d x k), row by row.
    func multiply(_ q: [Double]) -> [Double] {
      var next = [Double](repeating: 0, count: d * k)
      cov.withUnsafeBufferPointer { cv in
        q.withUnsafeBufferPointer { qp in
          next.withUnsafeMutableBufferPointer { np in
            for r in 0..<d {
              for t in 0..<d {
                let a = cv[r * d + t]
                if a == 0 { continue }
                for c in 0..<k { np[r * k + c] += a * qp[t * k + c] }
              }
            }
          }
        }
      }
      return next
    }
    for _ in 0..<iterations {
      q = multiply(q)
      orthonormalise(&q)
    }
    // Rayleigh quotients, then strongest first.
    let cq = multiply(q)
    var order: [(Double, Int)] = []
    for c in 0..<k {
      var s = 0.0
      for r in 0..<d { s += q[r * k + c] * cq[r * k + c] }
      order.append((s, c))
    }
    order.sort { $0.0 > $1.0 }
    var basis = [Float](repeating: 0, count: k * d)
    for (rank, (_, c)) in order.enumerated() {
      // A fixed sign: the largest entry positive, so that maps do not flip between runs.
      var big = 0.0
      for r in 0..<d where abs(q[r * k + c]) > abs(big) { big = q[r * k + c] }
      let sign: Double = big < 0 ? -1 : 1
      for r in 0..<d { basis[rank * d + r] = Float(sign * q[r * k + c]) }
    }
    return PCA(mean: mean, basis: basis, components: k, dims: d, variances: order.map { Float(max(0, $0.0)) })
  }

  /// Every row of `space` in the components (`count * components` values).
  public func project(_ space: EmbeddingSpace) -> [Float] {
    precondition(space.dims == dims)
    var out = [Float](repeating: 0, count: space.count * components)
    space.values.withUnsafeBufferPointer { v in
      basis.withUnsafeBufferPointer { bp in
        var centred = [Float](repeating: 0, count: dims)
        for i in 0..<space.count {
          for j in 0..<dims { centred[j] = v[i * dims + j] - mean[j] }
          for c in 0..<components {
            var s: Float = 0
            for j in 0..<dims { s += centred[j] * bp[c * dims + j] }
            out[i * components + c] = s
          }
        }
      }
    }
    return out
  }
}
