import DatasetStore
import Foundation
import SegmentationCore

/// Two semantic runs compared on the samples both evaluated: per-class IoU with paired bootstrap
/// intervals of the difference, and the samples whose mIoU dropped most (`runs --compare`).
public struct RunComparison: Sendable {
  public struct ClassRow: Sendable {
    public let name: String
    public let before: Double
    public let after: Double
    public var delta: Double { after - before }
    public let interval: Bootstrap.Interval
  }

  public let before: EvalRun
  public let after: EvalRun
  public let dialect: MetricDialect
  public let commonSamples: Int
  public let classes: [ClassRow]
  public let mIoU: (before: Double, after: Double, interval: Bootstrap.Interval)
  /// The samples whose mIoU dropped, worst first (at most ten): path and mIoU change (negative).
  /// Empty when none got worse.
  public let worse: [(path: String, delta: Double)]

  public init(store: DatasetStore, before a: EvalRun, after b: EvalRun, iterations: Int) throws {
    guard a.classCount == b.classCount else { throw StoreError.invalid("runs \(a.key) and \(b.key) have different class counts") }
    let dialect = try a.metricDialect()
    let ma = try store.sampleMatrices(run: a), mb = try store.sampleMatrices(run: b)
    let common = ma.keys.filter { mb[$0] != nil }.sorted()
    let la = common.compactMap { ma[$0] }, lb = common.compactMap { mb[$0] }
    let sa = SemanticMetrics(matrix: ConfusionMatrix.sum(la, classCount: a.classCount), dialect: dialect)
    let sb = SemanticMetrics(matrix: ConfusionMatrix.sum(lb, classCount: b.classCount), dialect: dialect)
    let ci = Bootstrap(iterations: iterations).differenceIntervals(la, lb, dialect: dialect)
    let names = ClassNaming.names(store, field: a.gtField, count: a.classCount)
    self.before = a
    self.after = b
    self.dialect = dialect
    commonSamples = common.count
    classes = (0..<a.classCount).map { c in
      ClassRow(
        name: names[c], before: sa.classes[c].iou, after: sb.classes[c].iou,
        interval: ci.classes.indices.contains(c) ? ci.classes[c] : Bootstrap.Interval(low: .nan, high: .nan))
    }
    mIoU = (sa.mIoU, sb.mIoU, ci.mIoU)
    var changes: [(Int64, Double)] = []
    for id in common {
      guard let x = ma[id], let y = mb[id] else { continue }
      let dx = SemanticMetrics(matrix: x, dialect: dialect).mIoU, dy = SemanticMetrics(matrix: y, dialect: dialect).mIoU
      if !dx.isNaN && !dy.isNaN { changes.append((id, dy - dx)) }
    }
    let top = Array(Self.worse(changes).prefix(10))
    let paths = try store.samplePaths(ids: top.map(\.0))
    worse = top.map { (paths[$0.0] ?? "sample \($0.0)", $0.1) }
  }
}

extension RunComparison {
  /// The samples whose mIoU dropped from run A to run B (B - A < 0), worst first: what `runs
  /// --compare` lists and the app's `W` opens. Samples that did not change or improved are not in it.
  public static func worse<ID>(_ changes: [(ID, Double)]) -> [(ID, Double)] {
    changes.filter { $0.1 < 0 }.sorted { $0.1 < $1.1 }
  }

  /// The two runs' confusion matrices summed over the same samples: those both evaluated (within
  /// `ids` when given). A comparison of two runs is made on these, so that a change is the model's
  /// and not a difference of samples.
  public static func pairedMatrices(store: DatasetStore, a: EvalRun, b: EvalRun, within ids: [Int64]? = nil) throws -> (
    a: ConfusionMatrix, b: ConfusionMatrix, samples: Int
  ) {
    let ma = try store.sampleMatrices(run: a), mb = try store.sampleMatrices(run: b)
    let keep = ids.map(Set.init)
    let common = ma.keys.filter { mb[$0] != nil && (keep?.contains($0) ?? true) }.sorted()
    return (
      ConfusionMatrix.sum(common.compactMap { ma[$0] }, classCount: a.classCount), ConfusionMatrix.sum(common.compactMap { mb[$0] }, classCount: b.classCount),
      common.count
    )
  }
}

/// The options of a stored semantic run that change what was counted, as words for a listing.
public struct RunOptions: Decodable, Sendable {
  public var bandwidth: Int?
  public var reduceZeroLabel: Bool?
  public var boundary: Bool?
  enum CodingKeys: String, CodingKey { case bandwidth, boundary, reduceZeroLabel = "reduce_zero_label" }

  /// "GT contour band 3 px", "reduce_zero_label", "boundary IoU".
  public static func notes(_ run: EvalRun) -> [String] {
    guard let o = try? JSONDecoder().decode(RunOptions.self, from: Data(run.options.utf8)) else { return [] }
    var notes: [String] = []
    if let b = o.bandwidth { notes.append("GT contour band \(b) px") }
    if o.reduceZeroLabel == true { notes.append("reduce_zero_label") }
    if o.boundary == true { notes.append("boundary IoU") }
    return notes
  }
}
