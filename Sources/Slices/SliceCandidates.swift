import DatasetStore
import Foundation
import SegmentationCore

/// A set of samples described by view filters: a candidate slice.
struct SliceCandidate: Sendable {
  var name: String
  var filters: [ViewExpression.Filter]
  /// What it is a bin of ("brightness", "class:3", ...): two bins of one feature are not paired.
  var family: String
  /// Thresholds of one measure in one direction form a chain of nested sets: only the chain's most
  /// significant cut is listed (every cut counts as a test).
  var chain: String?
  /// Indices into the universe, increasing.
  var members: [Int]
  var bits: [UInt64]

  init(name: String, filters: [ViewExpression.Filter], family: String, chain: String? = nil, members: [Int], universe: Int) {
    self.name = name
    self.filters = filters
    self.family = family
    self.chain = chain
    self.members = members
    bits = [UInt64](repeating: 0, count: (universe + 63) / 64)
    for m in members { bits[m >> 6] |= 1 << UInt64(m & 63) }
  }

  /// Whether every member of `self` is in `other`.
  func isSubset(of other: SliceCandidate) -> Bool {
    for w in 0..<bits.count where bits[w] & ~other.bits[w] != 0 { return false }
    return true
  }

  func intersection(_ other: SliceCandidate) -> [Int] {
    var out: [Int] = []
    for w in 0..<bits.count {
      var x = bits[w] & other.bits[w]
      while x != 0 {
        let t = x.trailingZeroBitCount
        out.append(w * 64 + t)
        x &= x - 1
      }
    }
    return out
  }

  func contains(_ i: Int) -> Bool { bits[i >> 6] & (1 << UInt64(i & 63)) != 0 }
}

/// What the store knows of each sample of the universe, turned into candidate slices.
struct CandidateBuilder {
  let universe: [Int64]
  let minSize: Int
  var out: [SliceCandidate] = []
  var seen = Set<[UInt64]>()

  init(universe: [Int64], minSize: Int) {
    self.universe = universe
    self.minSize = minSize
  }

  /// Adds the samples where `holds` is true, unless too small, too large or a set already listed
  /// (the simpler definition, added first, is kept).
  mutating func add(_ name: String, _ filters: [ViewExpression.Filter], family: String, chain: String? = nil, _ holds: (Int) -> Bool) {
    let members = (0..<universe.count).filter(holds)
    add(SliceCandidate(name: name, filters: filters, family: family, chain: chain, members: members, universe: universe.count))
  }

  mutating func add(_ c: SliceCandidate) {
    guard c.members.count >= minSize, universe.count - c.members.count >= minSize else { return }
    guard seen.insert(c.bits).inserted else { return }
    out.append(c)
  }

  /// `value` at quantile q of the sorted values.
  static func quantile(_ sorted: [Double], _ q: Double) -> Double {
    sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.down))))]
  }

  /// The quantiles where tails are cut: every half percent up to the median from either end (a set
  /// that repeats the previous cut's samples is dropped).
  static let lowCuts = (1...100).map { Double($0) / 200 }
  static let highCuts = (100...199).map { Double($0) / 200 }

  /// Lower and upper tails of a measure: below each of `lowCuts` and at or above each of `highCuts`,
  /// thresholds rounded to 4 decimals (as the definition prints them). Each direction is a chain.
  mutating func tails(_ metric: ViewExpression.Metric, values: [Int: Double], low: String, high: String) {
    let sorted = values.values.sorted()
    guard sorted.count >= 2 * minSize else { return }
    for q in Self.lowCuts {
      let t = ViewExpression.rounded(Self.quantile(sorted, q))
      add("\(low) (\(metric.text) < \(ViewExpression.number(t)))", [.metric(metric, .lt, t)], family: metric.text, chain: metric.text + "<") {
        (values[$0] ?? .nan) < t
      }
    }
    for q in Self.highCuts {
      let t = ViewExpression.rounded(Self.quantile(sorted, q))
      add("\(high) (\(metric.text) >= \(ViewExpression.number(t)))", [.metric(metric, .ge, t)], family: metric.text, chain: metric.text + ">=") {
        (values[$0] ?? .nan) >= t
      }
    }
  }
}
