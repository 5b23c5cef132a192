import GRDB
import SegmentationCore

/// A named review queue: a view expression (worst first, usually) and how far the reviewers got.
public struct ReviewQueue: Sendable, Equatable {
  public let name: String
  public let expression: String
  public let createdAt: String
  /// The sample the reviewer was on when they left (resume point).
  public let position: Int64?
}

extension DatasetStore {
  /// The verdicts a reviewer can give.
  public static let verdicts = Verdict.allCases.map(\.rawValue)

  /// Creates a queue, or changes its expression when `expression` is given for an existing one.
  /// Returns the queue as stored.
  @discardableResult
  public func openQueue(_ name: String, expression: String?) throws -> ReviewQueue {
    guard !name.isEmpty, !name.contains(where: { $0.isWhitespace }) else { throw StoreError.invalid("a queue name is one word, got '\(name)'") }
    return try write { db in
      if let expression {
        try db.execute(
          sql: "INSERT INTO review_queue(name, expr) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET expr = excluded.expr", arguments: [name, expression])
      }
      guard let r = try Row.fetchOne(db, sql: "SELECT * FROM review_queue WHERE name = ?", arguments: [name]) else {
        throw StoreError.invalid(
          "no review queue '\(name)' (give --view EXPR to create it; queues: \(try String.fetchAll(db, sql: "SELECT name FROM review_queue ORDER BY name").joined(separator: ", ")))"
        )
      }
      return ReviewQueue(name: r["name"], expression: r["expr"], createdAt: r["created_at"], position: r["position"])
    }
  }

  /// Every queue, by name.
  public func queues() throws -> [ReviewQueue] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM review_queue ORDER BY name").map {
        ReviewQueue(name: $0["name"], expression: $0["expr"], createdAt: $0["created_at"], position: $0["position"])
      }
    }
  }

  /// Records a verdict (replacing an earlier one for the sample). Committed before this returns.
  public func setVerdict(queue: String, sampleId: Int64, _ verdict: Verdict) throws {
    let author = DatasetStore.author
    try write { db in
      try db.execute(
        sql:
          "INSERT INTO review_verdict(queue, sample_id, verdict, author) VALUES (?, ?, ?, ?) ON CONFLICT(queue, sample_id) DO UPDATE SET verdict = excluded.verdict, author = excluded.author, at = CURRENT_TIMESTAMP",
        arguments: [queue, sampleId, verdict.rawValue, author])
      try db.execute(sql: "UPDATE review_queue SET position = ? WHERE name = ?", arguments: [sampleId, queue])
    }
  }

  /// Remembers where the reviewer is.
  public func setQueuePosition(_ queue: String, sampleId: Int64) throws {
    try write { db in try db.execute(sql: "UPDATE review_queue SET position = ? WHERE name = ?", arguments: [sampleId, queue]) }
  }

  /// The verdicts of a queue by sample.
  public func verdicts(queue: String) throws -> [Int64: Verdict] {
    try read { db in
      var out: [Int64: Verdict] = [:]
      for r in try Row.fetchAll(db, sql: "SELECT sample_id, verdict FROM review_verdict WHERE queue = ?", arguments: [queue]) {
        if let v = Verdict(rawValue: r["verdict"] as String) { out[r["sample_id"]] = v }
      }
      return out
    }
  }
}

extension DatasetStore {
  /// A sample named on a command line: its id, its path, its stem, or a unique part of its path.
  public func resolveSample(_ text: String) throws -> SampleRow {
    let found: [SampleRow] = try read { db in
      func rows(_ sql: String, _ arg: any DatabaseValueConvertible) throws -> [SampleRow] {
        try Row.fetchAll(db, sql: "SELECT id, path, stem, width, height, split FROM sample WHERE \(sql) LIMIT 2", arguments: [arg]).map {
          SampleRow(id: $0["id"], path: $0["path"], stem: $0["stem"], width: $0["width"] ?? 0, height: $0["height"] ?? 0, split: $0["split"])
        }
      }
      if let id = Int64(text) {
        let r = try rows("id = ?", id)
        if !r.isEmpty { return r }
      }
      for (sql, arg) in [("path = ?", text), ("stem = ?", text)] {
        let r = try rows(sql, arg)
        if !r.isEmpty { return r }
      }
      return try rows("instr(path, ?) > 0", text)
    }
    guard let first = found.first else { throw StoreError.notFound("sample '\(text)'") }
    guard found.count == 1 else { throw StoreError.invalid("'\(text)' names more than one sample; give its id or full path") }
    return first
  }
}
