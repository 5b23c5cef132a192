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
      let ins = try db.makeStatement(
        sql: "INSERT INTO instance(sample_id, field, source_id, category, iscrowd, score, area, height, width, rle) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
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
        out.append(
          CocoInstance(
            id: r["source_id"] ?? Int(r["id"] as Int64), imageId: Int(sid), categoryId: r["category"], rle: rle, area: r["area"], isCrowd: r["iscrowd"],
            score: r["score"] ?? 1))
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
  public func saveInstanceRun(
    key: String, gtField: String, predField: String, options: String, version: String, summary: String,
    matches: [CocoEval.InstanceMatch] = [], counts: [Int: CocoEval.Counts] = [:]
  ) throws {
    try write { db in
      try db.execute(sql: "DELETE FROM eval_run WHERE key = ?", arguments: [key])
      try db.execute(
        sql:
          "INSERT INTO eval_run(key, gt_field, pred_field, dialect, class_count, options, version, kind, summary) VALUES (?, ?, ?, 'coco', 0, ?, ?, 'instance', ?)",
        arguments: [key, gtField, predField, options, version, summary])
      let run = db.lastInsertedRowID
      // Per sample TP/FP/FN (sortable: sort:-fp(RUN)), and what became of every instance.
      let sample = try db.makeStatement(sql: "INSERT INTO eval_sample(run_id, sample_id, tp, fp, fn) VALUES (?, ?, ?, ?, ?)")
      for (image, c) in counts.sorted(by: { $0.key < $1.key }) {
        sample.setUncheckedArguments([run, Int64(image), c.tp, c.fp, c.fn])
        try sample.execute()
      }
      let inst = try db.makeStatement(
        sql: "INSERT OR REPLACE INTO eval_instance(run_id, side, instance_id, sample_id, category, matched_id, iou, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      for m in matches {
        inst.setUncheckedArguments([run, m.isPrediction ? "pred" : "gt", m.id, Int64(m.imageId), m.categoryId, m.matchedId, m.iou, m.outcome.rawValue])
        try inst.execute()
      }
    }
  }

  /// Stores a panoptic run (its numbers as JSON), replacing one of the same key.
  public func savePanopticRun(key: String, groundTruth: String, prediction: String, version: String, summary: String) throws {
    try write { db in
      try db.execute(sql: "DELETE FROM eval_run WHERE key = ?", arguments: [key])
      try db.execute(
        sql:
          "INSERT INTO eval_run(key, gt_field, pred_field, dialect, class_count, options, version, kind, summary) VALUES (?, ?, ?, 'panopticapi', 0, '{}', ?, 'panoptic', ?)",
        arguments: [key, groundTruth, prediction, version, summary])
    }
  }

  /// What became of each instance of a sample in an instance run (ground truth first, by id).
  public func instanceMatches(run key: String, sampleId: Int64) throws -> [CocoEval.InstanceMatch] {
    let run = try runId(named: key)
    return try read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM eval_instance WHERE run_id = ? AND sample_id = ? ORDER BY side, instance_id", arguments: [run, sampleId]).map {
        r in
        try CocoEval.InstanceMatch(
          imageId: Int(r["sample_id"] as Int64), id: r["instance_id"], categoryId: r["category"], isPrediction: (r["side"] as String) == "pred",
          matchedId: r["matched_id"], iou: r["iou"],
          outcome: StoredWord.decode(CocoEval.InstanceMatch.Outcome.self, r["outcome"], table: "eval_instance", column: "outcome"))
      }
    }
  }

  /// Per-sample TP/FP/FN of an instance run.
  public func instanceCounts(run key: String, ids: [Int64]? = nil) throws -> [Int64: CocoEval.Counts] {
    let run = try runId(named: key)
    let keep = ids.map(Set.init)
    return try read { db in
      var out: [Int64: CocoEval.Counts] = [:]
      for r in try Row.fetchAll(db, sql: "SELECT sample_id, tp, fp, fn FROM eval_sample WHERE run_id = ? AND tp IS NOT NULL", arguments: [run]) {
        let id: Int64 = r["sample_id"]
        if let keep, !keep.contains(id) { continue }
        out[id] = CocoEval.Counts(tp: r["tp"], fp: r["fp"], fn: r["fn"])
      }
      return out
    }
  }
}

extension DatasetStore {
  /// Stores extra summary numbers (JSON) with a run.
  public func setRunSummary(key: String, summary: String) throws {
    try write { db in try db.execute(sql: "UPDATE eval_run SET summary = ? WHERE key = ?", arguments: [summary, key]) }
  }
}
