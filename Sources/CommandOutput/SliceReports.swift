import DatasetStore
import Foundation
import SegmentationCore
import Slices
import Workflows

/// `segscope clusters --json`: each cluster with its samples (nearest the centre first), and with a
/// run its mIoU on `eval`'s scale and a bootstrap interval.
public struct ClustersReport: Encodable, Sendable {
  public struct ClassShare: Encodable, Sendable {
    public let name: String
    /// Members whose ground truth holds the class.
    public let samples: Int
  }
  public struct Differing: Encodable, Sendable {
    public let name: String
    public let iou: Double
    public let overall_iou: Double
  }
  public struct Cluster: Encodable, Sendable {
    public let id: Int
    public let samples: [String]
    public let size: Int
    public let evaluated: Int
    public let miou: Nullable<Double>
    public let ci: Nullable<[Double]>
    public let exemplars: [String]
    public let classes: [ClassShare]
    /// The class whose IoU differs most from the whole set's.
    public let differing_class: Nullable<Differing>
  }
  public struct Score: Encodable, Sendable {
    public let k: Int
    public let silhouette: Double
  }
  public let clusters: [Cluster]
  public let k: Int
  public let method: String
  public let silhouettes: [Score]
  public let run: Nullable<String>
  public let mIoU: Nullable<Double>

  public init(_ r: ImageClusters.Report, made: ImageClusters.Made?, rows: [Int64: SampleRow]) {
    func path(_ id: Int64) -> String { rows[id]?.path ?? "?" }
    clusters = r.clusters.map { c in
      Cluster(
        id: c.id, samples: c.sampleIds.map(path), size: c.sampleIds.count, evaluated: c.evaluated, miou: Nullable(number: c.miou),
        ci: Nullable(c.interval.map { [$0.low, $0.high] }), exemplars: c.exemplars.map(path),
        classes: c.classes.map { ClassShare(name: $0.name, samples: $0.samples) },
        differing_class: Nullable(c.differing.map { Differing(name: $0.name, iou: $0.iou, overall_iou: $0.overall) }))
    }
    k = r.clusters.count
    method = made.map { $0.silhouettes.isEmpty ? "k-means" : "k-means, k by silhouette" } ?? "stored"
    silhouettes = made?.silhouettes.map { Score(k: $0.k, silhouette: ($0.silhouette * 1e6).rounded() / 1e6) } ?? []
    run = Nullable(r.run)
    mIoU = Nullable(number: r.overallMIoU)
  }

  /// The text report: one block per cluster, worst mIoU first when there is a run.
  public func text() -> String {
    var out = "\(k) clusters (\(method))"
    if let m = mIoU.value, let run = run.value { out += "; run \(Sanitize.forTerminal(run)): mIoU \(ClassNaming.percent(m)) on all clustered samples" }
    out += "\n"
    for c in clusters {
      out += "cluster \(c.id): \(c.size) samples"
      if let m = c.miou.value {
        out += ", mIoU \(ClassNaming.percent(m))"
        if let ci = c.ci.value { out += " [\(ClassNaming.percent(ci[0])), \(ClassNaming.percent(ci[1]))]" }
      }
      out += "\n"
      if let d = c.differing_class.value {
        out += "  most different: \(Sanitize.forTerminal(d.name)) IoU \(ClassNaming.percent(d.iou)) (all: \(ClassNaming.percent(d.overall_iou)))\n"
      }
      if !c.classes.isEmpty {
        out += "  classes: " + c.classes.map { "\(Sanitize.forTerminal($0.name)) \($0.samples)" }.joined(separator: ", ") + "\n"
      }
      out += "  nearest the centre: " + c.exemplars.map(Sanitize.forTerminal).joined(separator: "  ") + "\n"
    }
    return out
  }
}

/// `segscope slices --json`: the slices where the run is significantly worse, worst first.
public struct SlicesReport: Encodable, Sendable {
  public struct Entry: Encodable, Sendable {
    public let name: String
    /// A view expression selecting the slice (`query`, `eval --view`, the app's view).
    public let definition: String
    public let samples: [String]
    public let size: Int
    public let miou: Double
    public let rest_miou: Double
    /// rest_miou − miou.
    public let gap: Double
    /// 95% bootstrap interval of the gap.
    public let ci: [Double]
    public let p: Double
    /// Benjamini–Hochberg q-value across every candidate tested.
    public let q: Double
    /// The same finding in other words: slices with nearly the same samples (Jaccard >= 0.9).
    public let alternatives: [Alternative]
  }
  public struct Alternative: Encodable, Sendable {
    public let name: String
    public let definition: String
  }
  public let run: String
  public let samples: Int
  public let mIoU: Nullable<Double>
  public let tested: Int
  public let significant: Int
  public let fdr: Double
  public let slices: [Entry]
  public let notes: [String]

  public init(_ o: SliceFinder.Outcome, fdr: Double, rows: [Int64: SampleRow]) {
    func path(_ id: Int64) -> String { rows[id]?.path ?? "?" }
    run = o.run
    samples = o.samples
    mIoU = Nullable(number: o.overallMIoU)
    tested = o.tested
    significant = o.significant
    self.fdr = fdr
    notes = o.notes
    slices = o.slices.map {
      Entry(
        name: $0.name, definition: $0.definition.text, samples: $0.sampleIds.map(path), size: $0.sampleIds.count, miou: $0.miou, rest_miou: $0.restMIoU,
        gap: $0.gap, ci: [$0.interval.low, $0.interval.high], p: $0.p, q: $0.q,
        alternatives: $0.alternatives.map { Alternative(name: $0.name, definition: $0.definition.text) })
    }
  }

  public func text() -> String {
    var out =
      "run \(Sanitize.forTerminal(run)): \(samples) samples, mIoU \(mIoU.value.map(ClassNaming.percent) ?? "-"); \(tested) candidate slices tested, \(significant) significant at FDR \(fdr) (Benjamini-Hochberg)\n"
    if slices.isEmpty { out += "no slice is significantly worse than the rest\n" }
    for (i, s) in slices.enumerated() {
      let pc = ClassNaming.percent
      out += "\(i + 1). \(Sanitize.forTerminal(s.name))\n"
      out +=
        "    \(s.size) samples, mIoU \(pc(s.miou)) vs \(pc(s.rest_miou)) on the rest: gap \(pc(s.gap)) [\(pc(s.ci[0])), \(pc(s.ci[1]))], q \(String(format: "%.2g", s.q))\n"
      out += "    view: \(Sanitize.forTerminal(s.definition))\n"
      for a in s.alternatives { out += "    same samples: \(Sanitize.forTerminal(a.name)) (\(Sanitize.forTerminal(a.definition)))\n" }
    }
    for n in notes { out += "note: \(n)\n" }
    return out
  }
}
