import GRDB
import SegmentationCore

/// An instance annotation or detection to store.
public struct NewInstance: Sendable {
  public let samplePath: String
  public let sourceId: Int
  public let category: Int
  public let isCrowd: Bool
  public let score: Double?
  public let area: Double
  public let rle: CocoRLE
  public init(samplePath: String, sourceId: Int, category: Int, isCrowd: Bool, score: Double?, area: Double, rle: CocoRLE) {
    self.samplePath = samplePath
    self.sourceId = sourceId
    self.category = category
    self.isCrowd = isCrowd
    self.score = score
    self.area = area
    self.rle = rle
  }
}

extension DatasetStore {
  /// Replaces every instance of a field.
  public func replaceInstances(field: String, _ items: [NewInstance]) throws {
    try write { db in
      try db.execute(sql: "DELETE FROM instance WHERE field = ?", arguments: [field])
      var ids: [String: Int64] = [:]
      for r in try Row.fetchAll(db, sql: "SELECT id, path FROM sample") { ids[r["path"]] = r["id"] }
      let ins = try db.makeStatement(sql: "INSERT INTO instance(sample_id, field, source_id, category, iscrowd, score, area, height, width, rle) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      for it in items {
        guard let sid = ids[it.samplePath] else { continue }
        try ins.execute(arguments: [sid, field, it.sourceId, it.category, it.isCrowd, it.score, it.area, it.rle.height, it.rle.width, it.rle.compressed])
      }
    }
  }

  /// Instances of a field as COCOeval inputs (image id = sample id).
  public func instances(field: String, sampleIds: [Int64]? = nil) throws -> [CocoInstance] {
    let keep = sampleIds.map(Set.init)
    return try read { db in
      var out: [CocoInstance] = []
      for r in try Row.fetchAll(db, sql: "SELECT * FROM instance WHERE field = ? ORDER BY id", arguments: [field]) {
        let sid: Int64 = r["sample_id"]
        if let keep, !keep.contains(sid) { continue }
        guard let rle = CocoRLE(compressed: r["rle"], height: r["height"], width: r["width"]) else { continue }
        out.append(CocoInstance(id: r["source_id"] ?? Int(r["id"] as Int64), imageId: Int(sid), categoryId: r["category"], rle: rle, area: r["area"], isCrowd: r["iscrowd"], score: r["score"] ?? 1))
      }
      return out
    }
  }

  /// Instance counts per (field, category).
  public func instanceCounts() throws -> [String: [Int: (instances: Int, samples: Int)]] {
    try read { db in
      var out: [String: [Int: (Int, Int)]] = [:]
      for r in try Row.fetchAll(db, sql: "SELECT field, category, count(*) AS n, count(DISTINCT sample_id) AS s FROM instance GROUP BY field, category") {
        out[r["field"], default: [:]][r["category"]] = (r["n"], r["s"])
      }
      return out
    }.mapValues { $0.mapValues { (instances: $0.0, samples: $0.1) } }
  }

  /// Stores an instance-segmentation run: its summary as JSON, no per-sample matrices.
  public func saveInstanceRun(key: String, gtField: String, predField: String, options: String, version: String, summary: String) throws {
    try write { db in
      try db.execute(sql: "DELETE FROM eval_run WHERE key = ?", arguments: [key])
      try db.execute(
        sql: "INSERT INTO eval_run(key, gt_field, pred_field, dialect, class_count, options, version, kind, summary) VALUES (?, ?, ?, 'coco', 0, ?, ?, 'instance', ?)",
        arguments: [key, gtField, predField, options, version, summary])
    }
  }
}

extension DatasetStore {
  /// Stores extra summary numbers (JSON) with a run.
  public func setRunSummary(key: String, summary: String) throws {
    try write { db in try db.execute(sql: "UPDATE eval_run SET summary = ? WHERE key = ?", arguments: [summary, key]) }
  }
}
