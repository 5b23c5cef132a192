import DatasetStore
import SegmentationCore
import Workflows

/// `segscope mistakes --json`: the run's evidence, its samples (most suspicious first) and their
/// suspect regions. `path` is the sample's path as `query --json` gives it.
public struct MistakesReport: Encodable, Sendable {
  public struct Sample: Encodable, Sendable {
    public let id: Int64
    public let path: String
    public let score: Double
    public let quality: Double
    public let evidence: String
    public let regions: Int
  }
  public struct Region: Encodable, Sendable {
    public let id: Int64
    public let path: String
    public let x: Int
    public let y: Int
    public let width: Int
    public let height: Int
    public let pixels: Int
    /// Class names (the class map's, or "class N").
    public let given: String
    public let predicted: String
    public let given_value: Int
    public let predicted_value: Int
    public let kind: String
    public let score: Double
  }
  public let run: String
  public let evidence: String
  public let evidence_note: String
  public let samples: [Sample]
  public let regions: [Region]

  public init(run: SuspectRun, samples: [SuspectSample], paths: [Int64: String], className: (Int) -> String) {
    self.run = run.key
    evidence = run.evidence.rawValue
    var notes = Set(samples.map(\.evidence))
    if notes.isEmpty { notes = [run.evidence] }
    evidence_note = notes.sorted().map(\.explanation).joined(separator: "; ")
    self.samples = samples.map {
      Sample(id: $0.sampleId, path: paths[$0.sampleId] ?? "", score: $0.score, quality: $0.quality, evidence: $0.evidence.rawValue, regions: $0.regions.count)
    }
    var regions: [Region] = []
    for s in samples {
      for g in s.regions {
        regions.append(
          Region(
            id: s.sampleId, path: paths[s.sampleId] ?? "", x: g.x, y: g.y, width: g.width, height: g.height, pixels: g.pixels, given: className(g.given),
            predicted: className(g.predicted), given_value: g.given, predicted_value: g.predicted, kind: g.kind.rawValue, score: g.score))
      }
    }
    regions.sort { $0.score != $1.score ? $0.score > $1.score : ($0.id, $0.y, $0.x) < ($1.id, $1.y, $1.x) }
    self.regions = regions
  }
}

/// The text report of `segscope mistakes`: the evidence, then the top samples and regions.
public enum MistakesText {
  public static func render(_ report: MistakesReport, top: Int) -> String {
    var out = "label-error run '\(Sanitize.forTerminal(report.run))': \(report.samples.count) samples checked\n"
    out += "evidence: \(report.evidence_note)\n"
    let suspicious = report.samples.filter { $0.score >= 0.5 }.count
    out += "\(suspicious) samples score 0.5 or more; \(report.regions.count) suspect regions\n\n"
    out += "most suspicious samples (score: 1 = surely mislabeled; quality: softmin label quality, 1 = clean)\n"
    out += "  rank  score  quality  regions  id      path\n"
    for (i, s) in report.samples.prefix(top).enumerated() {
      out +=
        "  " + pad(String(i + 1), 4) + "  " + pad(fmt(s.score), 5) + "  " + pad(fmt(s.quality), 7) + "  " + pad(String(s.regions), 7) + "  "
        + String(s.id).padding(toLength: 6, withPad: " ", startingAt: 0) + "  " + Sanitize.forTerminal(s.path) + "\n"
    }
    if !report.regions.isEmpty {
      out += "\nmost suspicious regions\n"
      out += "  score  kind      given -> predicted              box (x,y wxh)         pixels  path\n"
      for g in report.regions.prefix(top) {
        let classes = Sanitize.forTerminal(g.given) + " -> " + Sanitize.forTerminal(g.predicted)
        out +=
          "  " + pad(fmt(g.score), 5) + "  " + g.kind.padding(toLength: 8, withPad: " ", startingAt: 0) + "  "
          + classes.padding(toLength: 30, withPad: " ", startingAt: 0) + "  "
          + "\(g.x),\(g.y) \(g.width)x\(g.height)".padding(toLength: 20, withPad: " ", startingAt: 0)
          + "  " + pad(String(g.pixels), 6) + "  " + Sanitize.forTerminal(g.path) + "\n"
      }
    }
    return out
  }

  static func fmt(_ v: Double) -> String {
    let r = (v * 1000).rounded() / 1000
    var s = String(r)
    while s.count < 5 && s.contains(".") { s += "0" }
    return s
  }

  static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
}
