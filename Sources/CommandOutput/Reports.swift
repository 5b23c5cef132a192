import DatasetImport
import DatasetStore
import Foundation
import SegmentationCore
import Workflows

/// `segscope info --json`.
public struct InfoReport: Encodable, Sendable {
  public struct Index: Encodable, Sendable {
    public let indexed: Int
    public let masks: Int
    public let complete: Bool
  }
  public struct ClassEntry: Encodable, Sendable {
    public let id: Int
    public let name: Nullable<String>
    public let pixels: Int
    public let instances: Int
    public let samples: Int
    public let ignore: Bool
  }
  public struct Field: Encodable, Sendable {
    public let name: String
    public let kind: FieldKind
    public let role: FieldRole
    public let classes: [ClassEntry]
  }
  public struct Problem: Encodable, Sendable {
    public let path: String
    public let problem: String
  }

  public let samples: Int
  public let index: Index
  public let fields: [Field]
  public let problems: [Problem]

  /// Everything `info` reports, read from the store (class counts from the indexing pass).
  public static func of(_ store: DatasetStore) throws -> InfoReport {
    let indexer = HistogramIndexer(store: store)
    let totals = try indexer.totals()
    let instances = try store.instanceCounts()
    let coverage = try indexer.coverage()
    let fields = try store.fields().map { f -> Field in
      var classes = f.classes.map { c in
        let t = totals[f.name]?[c.value], n = instances[f.name]?[c.value]
        return ClassEntry(
          id: c.value, name: Nullable(c.name), pixels: t?.pixels ?? 0, instances: n?.instances ?? 0, samples: t?.samples ?? n?.samples ?? 0, ignore: c.isIgnore)
      }
      // Values present in masks but missing from the class map are listed too, by id.
      let named = Set(f.classes.map(\.value))
      for v in (totals[f.name] ?? [:]).keys.filter({ !named.contains($0) }).sorted() {
        classes.append(
          ClassEntry(
            id: v, name: Nullable(nil), pixels: totals[f.name]?[v]?.pixels ?? 0, instances: 0, samples: totals[f.name]?[v]?.samples ?? 0, ignore: false))
      }
      return Field(name: f.name, kind: f.kind, role: f.role, classes: classes)
    }
    return InfoReport(
      samples: try store.sampleCount(), index: Index(indexed: coverage.indexed, masks: coverage.total, complete: coverage.indexed >= coverage.total),
      fields: fields, problems: try store.problems().map { Problem(path: $0.path, problem: $0.problem) })
  }
}

/// One sample of `segscope query --json`.
public struct QueryRow: Encodable, Sendable {
  public let id: Int64
  public let path: String
  public let width: Int
  public let height: Int
  public let split: Nullable<String>

  public init(_ r: SampleRow) {
    id = r.id
    path = r.path
    width = r.width
    height = r.height
    split = Nullable(r.split)
  }
}

/// One flag of `segscope flags --json`.
public struct FlagReport: Encodable, Sendable {
  public let id: Int64
  public let sampleId: Int64
  public let path: String
  public let field: String
  public let region: String
  public let suggestedClass: Nullable<String>
  public let note: String
  public let state: String
  public let author: String
  public let createdAt: String

  enum CodingKeys: String, CodingKey {
    case id, path, field, region, note, state, author
    case sampleId = "sample_id", suggestedClass = "suggested_class", createdAt = "created_at"
  }

  public init(_ f: RegionFlag, path: String, suggestedClass: String?) {
    id = f.id
    sampleId = f.sampleId
    self.path = path
    field = f.field
    region = f.regionText
    self.suggestedClass = Nullable(suggestedClass)
    note = f.note
    state = f.state.rawValue
    author = f.author
    createdAt = f.createdAt
  }
}

/// `segscope review --json`.
public struct ReviewReport: Encodable, Sendable {
  public let queue: String
  public let view: String
  public let samples: Int
  public let reviewed: Int
  public let ok: Int
  public let needsFix: Int
  public let skip: Int
  public let next: Nullable<String>

  enum CodingKeys: String, CodingKey {
    case queue, view, samples, reviewed, ok, skip, next
    case needsFix = "needs_fix"
  }

  public init(queue: String, view: String, samples: Int, reviewed: Int, counts: [Verdict: Int], next: String?) {
    self.queue = queue
    self.view = view
    self.samples = samples
    self.reviewed = reviewed
    ok = counts[.ok] ?? 0
    needsFix = counts[.needsFix] ?? 0
    skip = counts[.skip] ?? 0
    self.next = Nullable(next)
  }
}

/// `segscope revisions --json`.
public struct RevisionsReport: Encodable, Sendable {
  public struct Revision: Encodable, Sendable {
    public let revision: Int
    public let path: String
    public let author: Nullable<String>
    public let createdAt: Nullable<String>
    public let note: Nullable<String>
    public let changedPixels: Int
    /// Pixels gained (or lost, negative) per class name.
    public let delta: [String: Int]

    enum CodingKeys: String, CodingKey {
      case revision, path, author, note, delta
      case createdAt = "created_at", changedPixels = "changed_pixels"
    }
  }

  public let sample: String
  public let field: String
  public let revisions: [Revision]

  public init(sample: String, field: String, revisions: [MaskRevision], className: (Int) -> String) {
    self.sample = sample
    self.field = field
    self.revisions = revisions.map { r in
      var delta: [String: Int] = [:]
      for (v, n) in r.diff?.delta ?? [:] { delta[className(v)] = n }
      return Revision(
        revision: r.revision, path: r.path, author: Nullable(r.author), createdAt: Nullable(r.createdAt), note: Nullable(r.note),
        changedPixels: r.diff?.changedPixels ?? 0, delta: delta)
    }
  }
}

/// `segscope eval --format json` of a semantic run.
public struct SemanticReport: Encodable, Sendable {
  public struct ClassEntry: Encodable, Sendable {
    public let id: Int
    public let name: String
    public let iou: Nullable<Double>
    public let dice: Nullable<Double>
    public let precision: Nullable<Double>
    public let recall: Nullable<Double>
    public let gtPixels: UInt64
    public let predPixels: UInt64

    enum CodingKeys: String, CodingKey {
      case id, name, iou, dice, precision, recall
      case gtPixels = "gt_pixels", predPixels = "pred_pixels"
    }
  }

  public let dialect: MetricDialect
  public let policy: String
  public let samples: Int
  public let bandwidth: Int?
  /// FiftyOne's micro accuracy, precision and recall (fiftyone dialect only).
  public let accuracy: Nullable<Double>?
  public let precision: Nullable<Double>?
  public let recall: Nullable<Double>?
  public let mIoU: Nullable<Double>
  public let aAcc: Nullable<Double>
  public let mAcc: Nullable<Double>
  public let mDice: Nullable<Double>
  public let fwIoU: Nullable<Double>
  public let classes: [ClassEntry]
  /// Rows = ground truth, K + 1 columns (the last: predictions outside the classes). Up to 64 classes.
  public let confusion: [[UInt64]]?
  /// Larger class maps: the non-zero cells, [gt, pred, pixels].
  public let confusionSparse: [[UInt64]]?

  enum CodingKeys: String, CodingKey {
    case dialect, policy, samples, bandwidth, accuracy, precision, recall, mIoU, aAcc, mAcc, mDice, fwIoU, classes, confusion
    case confusionSparse = "confusion_sparse"
  }

  public init(_ m: SemanticMetrics, matrix: ConfusionMatrix, names: [String], samples: Int, bandwidth: Int?) {
    dialect = m.dialect
    policy = m.dialect.policy
    self.samples = samples
    self.bandwidth = bandwidth
    let fo = m.dialect == .fiftyone
    accuracy = fo ? Nullable(number: m.microAccuracy) : nil
    precision = fo ? Nullable(number: m.microPrecision) : nil
    recall = fo ? Nullable(number: m.microRecall) : nil
    mIoU = Nullable(number: m.mIoU)
    aAcc = Nullable(number: m.aAcc)
    mAcc = Nullable(number: m.mAcc)
    mDice = Nullable(number: m.mDice)
    fwIoU = Nullable(number: m.fwIoU)
    classes = m.classes.map { c in
      ClassEntry(
        id: c.classId, name: c.classId < names.count ? names[c.classId] : "class \(c.classId)", iou: Nullable(number: c.iou), dice: Nullable(number: c.dice),
        precision: Nullable(number: c.precision), recall: Nullable(number: c.recall), gtPixels: c.gtPixels, predPixels: c.predPixels)
    }
    if matrix.isDense {
      confusion = (0..<matrix.classCount).map { g in (0..<matrix.columns).map { matrix[g, $0] } }
      confusionSparse = nil
    } else {
      var cells: [[UInt64]] = []
      matrix.forEachNonZero { cells.append([UInt64($0), UInt64($1), $2]) }
      confusionSparse = cells.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
      confusion = nil
    }
  }
}
