import DatasetStore
import ImageCodec
import SegmentationCore

/// Duplicates and leaks, similar samples and uniqueness, from the stored image signatures.
public struct Curator: Sendable {
  public let store: DatasetStore
  public init(store: DatasetStore) { self.store = store }

  /// The default near-duplicate threshold on the embedding's cosine distance, calibrated on look-alike
  /// street scenes (`segscope-bench duplicates`): a recompressed, resized, cropped, brightened or
  /// blurred copy lies below it; two different frames of one street lie above it.
  public static let defaultThreshold = 0.04
  /// Pairs whose pHashes differ in at most this many bits are candidates too (confirmed by the
  /// embedding; a hash match alone is not enough on look-alike images).
  public static let hashCandidateBits = 12

  public struct Duplicates: Sendable {
    /// Groups of byte-identical files (sample ids, two or more each).
    public var exact: [[Int64]]
    /// Near-duplicate pairs (exact copies excluded), closest first.
    public var near: [DuplicatePair]
    /// Groups (exact and near together, by transitivity) and whether each spans splits.
    public var members: [DuplicateMembership]
    /// Pairs in different splits, closest first.
    public var leaks: [DuplicatePair]
    public var threshold: Double
    public var samples: Int
  }

  /// The signatures of `ids` (or every present sample), made first where missing.
  public func signatures(ids: [Int64]? = nil, progress: (@Sendable (Int, Int) -> Void)? = nil, shouldStop: (@Sendable () -> Bool)? = nil) throws
    -> ([StoredSignature], [String])
  {
    let outcome = try SignatureIndexer(store: store).run(ids: ids, progress: progress, shouldStop: shouldStop)
    return (try store.signatures(ids: ids), outcome.problems)
  }

  /// Finds exact and near duplicates among `sigs` and, with `save`, stores them for views.
  public func duplicates(_ sigs: [StoredSignature], threshold: Double = defaultThreshold, save: Bool = true) throws -> Duplicates {
    let rows = try store.samples(ids: sigs.map(\.sampleId))
    let splits = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0.split ?? "") })
    let paths = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, store.absolutePath($0.path)) })
    // Exact: same hash and size, then the same bytes.
    var byHash: [String: [Int]] = [:]
    for (i, s) in sigs.enumerated() { byHash["\(s.contentHash):\(s.fileSize)", default: []].append(i) }
    var union = UnionFind(count: sigs.count)
    var exactGroups: [[Int64]] = []
    var exactPair = Set<Pair>()
    for (_, members) in byHash.sorted(by: { $0.key < $1.key }) where members.count > 1 {
      // Confirm byte equality against each distinct content seen in the bucket.
      var contents: [([UInt8], [Int])] = []
      for m in members {
        guard let bytes = try? FileBytes.read(paths[sigs[m].sampleId] ?? "") else { continue }
        if let k = contents.firstIndex(where: { $0.0 == bytes }) { contents[k].1.append(m) } else { contents.append((bytes, [m])) }
      }
      for (_, same) in contents where same.count > 1 {
        exactGroups.append(same.map { sigs[$0].sampleId }.sorted())
        for a in same {
          for b in same where a < b {
            union.join(a, b)
            exactPair.insert(Pair(a, b))
          }
        }
      }
    }
    // Near: candidates from close pHashes and from the embedding's nearest neighbours, confirmed by
    // the full embedding distance.
    let space = EmbeddingSpace(rows: sigs.map(\.embedding))
    // Only confirmed pairs are kept: on look-alike images the hash candidates can be many.
    var confirmed = Set<Pair>()
    let hashes = sigs.map(\.phash)
    for i in 0..<sigs.count {
      let h = hashes[i]
      for j in (i + 1)..<max(i + 1, sigs.count) where ImageSignature.hamming(h, hashes[j]) <= Self.hashCandidateBits {
        if Double(space.distance(i, j)) <= threshold { confirmed.insert(Pair(i, j)) }
      }
    }
    for (i, row) in space.nearestNeighbours(k: 8).enumerated() {
      for n in row where Double(n.distance) <= threshold { confirmed.insert(Pair(i, n.index)) }
    }
    let candidates = confirmed.union(exactPair)
    var near: [DuplicatePair] = []
    var pairs: [DuplicatePair] = []
    for p in candidates.sorted() {
      let d = Double(space.distance(p.a, p.b))
      let exact = exactPair.contains(p)
      guard exact || d <= threshold else { continue }
      let pair = DuplicatePair(a: sigs[p.a].sampleId, b: sigs[p.b].sampleId, exact: exact, distance: exact ? 0 : d)
      pairs.append(pair)
      if !exact { near.append(pair) }
      union.join(p.a, p.b)
    }
    near.sort { $0.distance != $1.distance ? $0.distance < $1.distance : ($0.a, $0.b) < ($1.a, $1.b) }
    // Groups, numbered from 1 in the order of their smallest sample id.
    var groupsOf: [Int: [Int]] = [:]
    for i in 0..<sigs.count { groupsOf[union.find(i), default: []].append(i) }
    let groups = groupsOf.values.filter { $0.count > 1 }.map { $0.sorted { sigs[$0].sampleId < sigs[$1].sampleId } }.sorted {
      sigs[$0[0]].sampleId < sigs[$1[0]].sampleId
    }
    let exactSets = exactGroups.map(Set.init)
    var members: [DuplicateMembership] = []
    for (n, g) in groups.enumerated() {
      let ids = g.map { sigs[$0].sampleId }
      let leak = Set(ids.map { splits[$0] ?? "" }).count > 1
      let exact = exactSets.contains(Set(ids))
      for id in ids { members.append(DuplicateMembership(sampleId: id, group: n + 1, exact: exact, leak: leak)) }
    }
    let leaks = pairs.filter { (splits[$0.a] ?? "") != (splits[$0.b] ?? "") }.sorted {
      $0.distance != $1.distance ? $0.distance < $1.distance : ($0.a, $0.b) < ($1.a, $1.b)
    }
    if save { try store.saveDuplicates(members, pairs: pairs, threshold: threshold, samples: sigs.count) }
    return Duplicates(exact: exactGroups.sorted { $0[0] < $1[0] }, near: near, members: members, leaks: leaks, threshold: threshold, samples: sigs.count)
  }

  /// The samples nearest to `sample`, nearest first, itself excluded. With ground truth on both
  /// sides, the mask layout counts for a fifth of the distance.
  public func similar(to sample: Int64, in sigs: [StoredSignature], limit: Int) throws -> [(sampleId: Int64, distance: Double)] {
    guard let q = sigs.first(where: { $0.sampleId == sample }) else { throw StoreError.notFound("signature of sample \(sample)") }
    let space = EmbeddingSpace(rows: sigs.map(\.embedding))
    let d = space.distances(to: q.embedding)
    var out: [(Int64, Double)] = []
    for (i, s) in sigs.enumerated() where s.sampleId != sample {
      var dist = Double(d[i])
      if let a = q.layout, let b = s.layout, a.count == b.count { dist = 0.8 * dist + 0.2 * Double(ImageSignature.distance(a, b)) }
      out.append((s.sampleId, dist))
    }
    out.sort { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
    return Array(out.prefix(max(0, limit)))
  }

  /// FiftyOne's uniqueness: the distances to the 3 nearest neighbours weighted 0.6/0.3/0.1, divided
  /// by the largest such value, so it lies in [0, 1]. With `save`, stored for views.
  public func uniqueness(_ sigs: [StoredSignature], save: Bool = true) throws -> [Int64: Double] {
    let space = EmbeddingSpace(rows: sigs.map(\.embedding))
    let weights = [0.6, 0.3, 0.1]
    var raw: [Double] = []
    for row in space.nearestNeighbours(k: 3) {
      var s = 0.0, w = 0.0
      for (n, weight) in zip(row, weights) {
        s += weight * Double(n.distance)
        w += weight
      }
      raw.append(w > 0 ? s / w : 0)
    }
    let top = raw.max() ?? 0
    // Float rounding leaves identical images ~1e-7 apart: a set whose largest spread is no more than
    // that has no unique sample (dividing by it would call every copy fully unique).
    var out: [Int64: Double] = [:]
    for (i, s) in sigs.enumerated() { out[s.sampleId] = top > 1e-5 ? raw[i] / top : 0 }
    if save { try store.saveUniqueness(out) }
    return out
  }
}

/// An unordered pair of indices, smaller first.
struct Pair: Hashable, Comparable {
  let a: Int
  let b: Int
  init(_ x: Int, _ y: Int) {
    a = min(x, y)
    b = max(x, y)
  }
  static func < (l: Pair, r: Pair) -> Bool { (l.a, l.b) < (r.a, r.b) }
}

/// Disjoint sets with path halving.
struct UnionFind {
  var parent: [Int]
  init(count: Int) { parent = Array(0..<count) }
  mutating func find(_ x: Int) -> Int {
    var x = x
    while parent[x] != x {
      parent[x] = parent[parent[x]]
      x = parent[x]
    }
    return x
  }
  mutating func join(_ a: Int, _ b: Int) {
    let ra = find(a), rb = find(b)
    if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
  }
}
