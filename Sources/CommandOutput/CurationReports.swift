import Curation
import DatasetStore
import Foundation
import SegmentationCore
import Workflows

/// `segscope duplicates --json`: exact groups, near pairs and leaks, paths as `query --json` prints them.
public struct DuplicatesReport: Encodable, Sendable {
  public struct Near: Encodable, Sendable {
    public let a: String
    public let b: String
    public let distance: Double
  }
  public struct Leak: Encodable, Sendable {
    public let a: String
    public let b: String
    public let split_a: String
    public let split_b: String
    public let distance: Double
  }
  public let exact: [[String]]
  public let near: [Near]
  public let leaks: [Leak]
  public let threshold: Double
  /// Groups as views number them (`group:N`), each a list of paths.
  public let groups: [[String]]

  public init(_ d: Curator.Duplicates, rows: [Int64: SampleRow]) {
    func path(_ id: Int64) -> String { rows[id]?.path ?? "?" }
    exact = d.exact.map { $0.map(path) }
    near = d.near.map { Near(a: path($0.a), b: path($0.b), distance: Self.round($0.distance)) }
    leaks = d.leaks.map {
      Leak(a: path($0.a), b: path($0.b), split_a: rows[$0.a]?.split ?? "", split_b: rows[$0.b]?.split ?? "", distance: Self.round($0.distance))
    }
    threshold = d.threshold
    var byGroup: [Int: [String]] = [:]
    for m in d.members { byGroup[m.group, default: []].append(path(m.sampleId)) }
    groups = byGroup.keys.sorted().map { byGroup[$0] ?? [] }
  }

  static func round(_ v: Double) -> Double { (v * 1e6).rounded() / 1e6 }

  /// The text report: groups with their members, then the leaks.
  public func text(top: Int) -> String {
    var out = "\(exact.count) groups of exact copies, \(near.count) near-duplicate pairs (threshold \(threshold)), \(leaks.count) pairs across splits\n"
    for (i, g) in groups.prefix(top).enumerated() {
      out += "group \(i + 1): " + g.map(Sanitize.forTerminal).joined(separator: "  ") + "\n"
    }
    if groups.count > top { out += "... and \(groups.count - top) more groups (--top, or the view group:N)\n" }
    if !leaks.isEmpty {
      out += "leaks (the same image in two splits):\n"
      for l in leaks.prefix(top) {
        out += "  \(Sanitize.forTerminal(l.a)) [\(l.split_a)]  \(Sanitize.forTerminal(l.b)) [\(l.split_b)]  distance \(String(format: "%.4f", l.distance))\n"
      }
      if leaks.count > top { out += "  ... and \(leaks.count - top) more (the view leak lists their samples)\n" }
    }
    return out
  }
}

/// `segscope similar --json` and `segscope uniqueness --json`.
public struct SimilarReport: Encodable, Sendable {
  public struct Entry: Encodable, Sendable {
    public let path: String
    public let distance: Double
  }
  public let samples: [Entry]
  public init(_ list: [(sampleId: Int64, distance: Double)], rows: [Int64: SampleRow]) {
    samples = list.map { Entry(path: rows[$0.sampleId]?.path ?? "?", distance: DuplicatesReport.round($0.distance)) }
  }
}

public struct UniquenessReport: Encodable, Sendable {
  public struct Entry: Encodable, Sendable {
    public let path: String
    public let uniqueness: Double
  }
  /// Most unique first.
  public let samples: [Entry]
  public init(_ values: [Int64: Double], rows: [Int64: SampleRow]) {
    samples = values.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map {
      Entry(path: rows[$0.key]?.path ?? "?", uniqueness: DuplicatesReport.round($0.value))
    }
  }
}

/// `segscope uncertainty --json` and `segscope next --json`.
public struct UncertaintyReport: Encodable, Sendable {
  public struct Entry: Encodable, Sendable {
    public let path: String
    public let score: Double
    public let least_confidence: Nullable<Double>
    public let low_share: Nullable<Double>
    public let disagreement: Nullable<Double>
  }
  /// Most uncertain first.
  public let samples: [Entry]
  public init(_ scores: [Uncertainty.Score], rows: [Int64: SampleRow]) {
    func r(_ v: Double?) -> Nullable<Double> { Nullable(v.map(DuplicatesReport.round)) }
    samples = scores.map {
      Entry(
        path: rows[$0.sampleId]?.path ?? "?", score: DuplicatesReport.round($0.score), least_confidence: r($0.leastConfidence), low_share: r($0.lowShare),
        disagreement: r($0.disagreement))
    }
  }

  public func text(top: Int) -> String {
    var out = "  score  least-conf  low-share  disagree  path\n"
    func f(_ v: Nullable<Double>) -> String { v.value.map { String(format: "%.3f", $0) } ?? "-" }
    for e in samples.prefix(top) {
      out +=
        "  \(String(format: "%.3f", e.score))  \(f(e.least_confidence).leftPadded(10))  \(f(e.low_share).leftPadded(9))  \(f(e.disagreement).leftPadded(8))  \(Sanitize.forTerminal(e.path))\n"
    }
    return out
  }
}
