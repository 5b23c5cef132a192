import DatasetStore
import Foundation
import SegmentationCore

/// Clusters of similar images (k-means on the stored image embeddings) and, with an evaluation run,
/// what the model does on each.
public struct ImageClusters: Sendable {
  public let store: DatasetStore
  public init(store: DatasetStore) { self.store = store }

  /// How many clusters.
  public enum KChoice: Sendable, Equatable {
    case fixed(Int)
    /// The k from 2 to 12 with the best silhouette on a subsample of 1,000 images.
    case auto
  }

  /// The largest k `auto` tries.
  public static let autoRange = 2...12
  /// Embeddings are projected to this many dimensions before k-means.
  public static let projectedDimensions = 32

  public struct Made: Sendable {
    public var k: Int
    /// The silhouette of each k tried (auto), else empty.
    public var silhouettes: [(k: Int, silhouette: Double)]
    public var members: [ClusterMembership]
  }

  /// Clusters `signatures` and stores the clusters (replacing the stored ones). Clusters are numbered
  /// from 1, largest first; each sample's distance is the cosine distance of its embedding to its
  /// cluster's mean direction.
  public func make(_ signatures: [StoredSignature], k choice: KChoice, seed: UInt64 = 20_261_204) throws -> Made {
    guard let d = signatures.first?.embedding.count, d > 0 else { throw StoreError.invalid("no image signatures to cluster") }
    let sigs = signatures.filter { $0.embedding.count == d }
    let points = PointSet(values: sigs.flatMap(\.embedding), dimensions: d)
    let projected = points.projected(to: Self.projectedDimensions, seed: seed)
    let result: KMeans.Result
    var scores: [(k: Int, silhouette: Double)] = []
    switch choice {
    case .fixed(let k):
      guard k >= 1 else { throw StoreError.invalid("--k must be at least 1") }
      result = KMeans.fit(projected, k: k, seed: seed)
    case .auto:
      if sigs.count < 4 {
        result = KMeans.fit(projected, k: 1, seed: seed)
      } else {
        let upper = min(Self.autoRange.upperBound, sigs.count - 1)
        (result, scores) = KMeans.chooseK(projected, range: Self.autoRange.lowerBound...max(Self.autoRange.lowerBound, upper), seed: seed)
      }
    }
    // Number clusters by size, largest first (ties by first member).
    var sizes = [Int](repeating: 0, count: result.k)
    for a in result.assignment { sizes[a] += 1 }
    let order = (0..<result.k).filter { sizes[$0] > 0 }.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
    var number = [Int](repeating: 0, count: result.k)
    for (n, c) in order.enumerated() { number[c] = n + 1 }
    // Mean directions in the full embedding.
    var centres = [[Double]](repeating: [Double](repeating: 0, count: d), count: result.k)
    for (i, s) in sigs.enumerated() {
      let c = result.assignment[i]
      for j in 0..<d { centres[c][j] += Double(s.embedding[j]) }
    }
    for c in 0..<result.k {
      let norm = centres[c].reduce(0) { $0 + $1 * $1 }.squareRoot()
      if norm > 0 { centres[c] = centres[c].map { $0 / norm } }
    }
    let members = sigs.enumerated().map { i, s in
      let c = result.assignment[i]
      var dot = 0.0
      for j in 0..<d { dot += Double(s.embedding[j]) * centres[c][j] }
      return ClusterMembership(sampleId: s.sampleId, cluster: number[c], distance: max(0, 1 - dot))
    }
    try store.saveClusters(members, k: order.count)
    return Made(k: order.count, silhouettes: scores, members: members)
  }

  /// One cluster as the report shows it.
  public struct Cluster: Sendable {
    public var id: Int
    /// Members, nearest the centre first.
    public var sampleIds: [Int64]
    /// The three members nearest the centre.
    public var exemplars: [Int64]
    /// The ground-truth classes in most members: (class name, members holding it), most first.
    public var classes: [(name: String, samples: Int)]
    /// With a run: the cluster's mIoU (as `eval --view cluster:N` reports it) and its bootstrap interval.
    public var miou: Double?
    public var interval: (low: Double, high: Double)?
    /// With a run: the class whose IoU differs most from the whole set's.
    public var differing: (name: String, iou: Double, overall: Double)?
    /// Members the run evaluated.
    public var evaluated: Int
  }

  public struct Report: Sendable {
    public var clusters: [Cluster]
    public var run: String?
    public var overallMIoU: Double?
  }

  /// The stored clusters, with the run's metrics when one is given. Clusters with the lowest mIoU
  /// first when there is a run, else by number.
  public func report(run: EvalRun?, iterations: Int = 1000, seed: UInt64 = 20_261_204) throws -> Report {
    let members = try store.clusters()
    guard !members.isEmpty else { throw StoreError.invalid("no clusters stored; run segscope clusters PATH first") }
    var byCluster: [Int: [ClusterMembership]] = [:]
    for m in members { byCluster[m.cluster, default: []].append(m) }
    let gt = try groundTruthField(run: run)
    let histograms = try gt.map { try store.classHistograms(field: $0.name) } ?? [:]
    let names = gt?.classNamesByValue ?? [:]
    let ignore = gt?.ignoredValues ?? [255]
    var matrices: [Int64: ConfusionMatrix] = [:]
    var dialect = MetricDialect.mmseg
    var overall: SemanticMetrics? = nil
    if let run {
      matrices = try store.sampleMatrices(run: run)
      dialect = try run.metricDialect()
      var total = ConfusionMatrix(classCount: run.classCount)
      for id in Set(members.map(\.sampleId)) { if let m = matrices[id] { total.add(m) } }
      overall = SemanticMetrics(matrix: total, dialect: dialect)
    }
    var out: [Cluster] = []
    for id in byCluster.keys.sorted() {
      let ms = byCluster[id] ?? []
      let ids = ms.map(\.sampleId)
      var counts: [Int: Int] = [:]
      for s in ids { for e in histograms[s] ?? [] where e.pixels > 0 && !ignore.contains(e.value) { counts[e.value, default: 0] += 1 } }
      let classes = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5).map {
        (name: names[$0.key] ?? String($0.key), samples: $0.value)
      }
      var c = Cluster(id: id, sampleIds: ids, exemplars: Array(ids.prefix(3)), classes: classes, miou: nil, interval: nil, differing: nil, evaluated: 0)
      if let run, let overall {
        let mats = ids.compactMap { matrices[$0] }
        c.evaluated = mats.count
        if !mats.isEmpty {
          var sum = ConfusionMatrix(classCount: run.classCount)
          for m in mats { sum.add(m) }
          let metrics = SemanticMetrics(matrix: sum, dialect: dialect)
          c.miou = metrics.mIoU
          let iv = Bootstrap(iterations: iterations, seed: seed &+ UInt64(id)).intervals(mats, dialect: dialect).mIoU
          c.interval = (iv.low, iv.high)
          var best: (Int, Double)? = nil
          for (k, cm) in metrics.classes.enumerated() where k < overall.classes.count {
            let a = cm.iou, b = overall.classes[k].iou
            guard !a.isNaN, !b.isNaN, !ignore.contains(k) else { continue }
            if best == nil || abs(a - b) > abs(best!.1) { best = (k, a - b) }
          }
          if let (k, _) = best { c.differing = (names[k] ?? String(k), metrics.classes[k].iou, overall.classes[k].iou) }
        }
      }
      out.append(c)
    }
    if run != nil { out.sort { ($0.miou ?? .infinity, $0.id) < ($1.miou ?? .infinity, $1.id) } }
    return Report(clusters: out, run: run?.key, overallMIoU: overall?.mIoU)
  }

  func groundTruthField(run: EvalRun?) throws -> FieldInfo? {
    let fields = try store.fields()
    if let run { return fields.first { $0.name == run.gtField } }
    return fields.first { $0.role == .groundTruth && $0.kind == .semantic }
  }
}
