import DatasetImport
import DatasetStore
import Foundation
import SegmentationCore
import Workflows

/// `segscope eval --format json` of an instance (COCO) run.
public struct InstanceReport: Encodable, Sendable {
  public struct ClassAP: Encodable, Sendable {
    public let id: Int
    public let name: String
    public let ap: Double
  }
  public struct SampleCounts: Encodable, Sendable {
    public let id: Int
    public let path: String
    public let tp: Int
    public let fp: Int
    public let fn: Int
  }

  public let iouType: String
  public let stats: [String: Double]
  public let classes: [ClassAP]
  public let samples: Int
  public let perSample: [SampleCounts]

  /// pycocotools' 12 numbers, by name.
  public static let statNames = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]

  public init(boundary: Bool, result: CocoEval.Result, classes: [ClassInfo], paths: [Int64: String]) {
    iouType = boundary ? "boundary" : "segm"
    stats = Dictionary(uniqueKeysWithValues: zip(Self.statNames, result.stats))
    self.classes = classes.map { ClassAP(id: $0.value, name: $0.name, ap: result.perCategoryAP[$0.value] ?? -1) }
    samples = result.imageCounts.count
    perSample = result.imageCounts.keys.sorted().map { id in
      let c = result.imageCounts[id] ?? CocoEval.Counts()
      return SampleCounts(id: id, path: paths[Int64(id)] ?? "", tp: c.tp, fp: c.fp, fn: c.fn)
    }
  }

  enum CodingKeys: String, CodingKey { case dialect, iouType = "iou_type", classes, matchIoU = "match_iou", samples, perSample = "per_sample" }

  /// The 12 numbers sit at the top level beside the other keys, as they always have.
  struct StatKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode("coco", forKey: .dialect)
    try c.encode(iouType, forKey: .iouType)
    try c.encode(classes, forKey: .classes)
    try c.encode(0.5, forKey: .matchIoU)
    try c.encode(samples, forKey: .samples)
    try c.encode(perSample, forKey: .perSample)
    var s = encoder.container(keyedBy: StatKey.self)
    for (k, v) in stats { try s.encode(v, forKey: StatKey(stringValue: k)) }
  }
}

/// `segscope eval --boundary --format json`: boundary IoU per class and its mean.
public struct BoundaryReport: Encodable, Sendable {
  public let boundaryIoU: [Nullable<Double>]
  public let mBIoU: Nullable<Double>
  enum CodingKeys: String, CodingKey { case boundaryIoU = "boundary_iou", mBIoU }

  public init(_ b: BoundaryIoU) {
    boundaryIoU = b.perClass.map { Nullable(number: $0) }
    mBIoU = Nullable(number: b.mean)
  }
}

/// `segscope pq --json`, also the summary stored with a panoptic run.
public struct PanopticReport: Encodable, Sendable {
  public struct Group: Encodable, Sendable {
    public let pq: Nullable<Double>
    public let sq: Nullable<Double>
    public let rq: Nullable<Double>
    public let n: Int
  }
  public struct ClassEntry: Encodable, Sendable {
    public let id: Int
    public let name: String
    public let pq: Double
    public let sq: Double
    public let rq: Double
    public let tp: Int
    public let fp: Int
    public let fn: Int
  }
  public struct Problem: Encodable, Sendable {
    public let path: String
    public let problem: String
  }

  public let images: Int
  public let all: Group
  public let things: Group
  public let stuff: Group
  public let classes: [ClassEntry]
  public let problems: [Problem]

  enum CodingKeys: String, CodingKey { case images, all = "All", things = "Things", stuff = "Stuff", classes, problems }

  public init(_ report: PanopticEvaluator.Report) {
    images = report.images
    func group(_ things: Bool?) -> Group {
      let (a, _) = report.quality.average(things: things)
      return Group(pq: Nullable(number: a.pq), sq: Nullable(number: a.sq), rq: Nullable(number: a.rq), n: a.n)
    }
    all = group(nil)
    things = group(true)
    stuff = group(false)
    let (_, per) = report.quality.average()
    classes = per.keys.sorted().compactMap { c in
      guard let v = per[c] else { return nil }
      let st = report.quality.perCategory[c] ?? PanopticQuality.Stat()
      return ClassEntry(id: c, name: report.names[c] ?? "", pq: v.pq, sq: v.sq, rq: v.rq, tp: st.tp, fp: st.fp, fn: st.fn)
    }
    problems = report.problems.map { Problem(path: $0.0, problem: $0.1) }
  }
}
