/// How far a review queue got: verdicts over the queue's samples.
public struct ReviewProgress: Sendable {
  public let ids: [Int64]
  public let verdicts: [Int64: Verdict]
  public init(ids: [Int64], verdicts: [Int64: Verdict]) {
    self.ids = ids
    self.verdicts = verdicts
  }
  public var reviewed: Int { ids.filter { verdicts[$0] != nil }.count }
  public var counts: [Verdict: Int] { ids.compactMap { verdicts[$0] }.reduce(into: [:]) { $0[$1, default: 0] += 1 } }
  public var nextUnreviewed: Int64? { ids.first { verdicts[$0] == nil } }
  /// "12/40 reviewed (ok 8, needs-fix 3, skip 1)".
  public var summary: String {
    let c = counts
    return "\(reviewed)/\(ids.count) reviewed (ok \(c[.ok] ?? 0), needs-fix \(c[.needsFix] ?? 0), skip \(c[.skip] ?? 0))"
  }
}
