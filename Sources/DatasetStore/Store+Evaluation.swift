#if canImport(Glibc)
  import Glibc
#endif
import GRDB
import SegmentationCore

/// One sample's result, to store.
public struct SampleResult: Sendable {
  public let sampleId: Int64
  public let matrix: ConfusionMatrix?
  public let problem: String?
  /// Boundary IoU counts, when the run asked for them.
  public let boundary: BoundaryIoU?
  public init(sampleId: Int64, matrix: ConfusionMatrix?, problem: String?, boundary: BoundaryIoU? = nil) {
    self.sampleId = sampleId
    self.matrix = matrix
    self.problem = problem
    self.boundary = boundary
  }
}

extension DatasetStore {
  /// Stores a whole semantic run (replacing a run of the same key, which stays until this one is
  /// complete), with every sample's matrix and per-class IoU.
  @discardableResult
  public func saveRun(
    key: String, gtField: String, predField: String, dialect: MetricDialect, classCount: Int, options: String, version: String, results: [SampleResult]
  ) throws -> Int64 {
    let id = try beginRun(key: key, gtField: gtField, predField: predField, dialect: dialect, classCount: classCount, options: options, version: version)
    do {
      try appendRunSamples(runId: id, dialect: dialect, results)
      try finishRun(runId: id, key: key)
    } catch {
      try? discardRun(runId: id)
      throw error
    }
    return id
  }

  /// Starts a semantic run that is written in parts (so that an evaluation keeps only a batch of
  /// per-sample results in memory). Until `finishRun`, it has a private key and kind "pending", and
  /// `runs()` does not list it; a run of the same key stays as it was. Pending runs that a killed
  /// process left for more than a day are removed here.
  public func beginRun(key: String, gtField: String, predField: String, dialect: MetricDialect, classCount: Int, options: String, version: String) throws
    -> Int64
  {
    try write { db in
      try db.execute(
        sql: "INSERT INTO eval_run(key, gt_field, pred_field, dialect, class_count, options, version, kind) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
        arguments: [PendingRun.key(for: key), gtField, predField, dialect.rawValue, classCount, options, version])
      return db.lastInsertedRowID
    }
  }

  /// Adds per-sample results to a pending run, in one transaction.
  public func appendRunSamples(runId: Int64, dialect: MetricDialect, _ results: [SampleResult]) throws {
    try write { db in
      let ins = try db.makeStatement(
        sql:
          "INSERT INTO eval_sample(run_id, sample_id, miou, accuracy, matrix, problem, ignored, boundary, acc_fo, precision_fo, recall_fo) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
      )
      let cls = try db.makeStatement(sql: "INSERT INTO eval_class(run_id, sample_id, class, iou, tp, fp, fn) VALUES (?, ?, ?, ?, ?, ?, ?)")
      for r in results {
        guard let m = r.matrix else {
          try ins.execute(arguments: [runId, r.sampleId, nil, nil, nil, r.problem, 0, nil, nil, nil, nil])
          continue
        }
        let metrics = SemanticMetrics(matrix: m, dialect: dialect)
        // FiftyOne's per-sample fields: each sample's own micro numbers (its Dice is a running total
        // in FiftyOne, issue #8195, and is not copied).
        func fo(_ v: Double) -> Double? { dialect == .fiftyone && !v.isNaN ? v : nil }
        try ins.execute(arguments: [
          runId, r.sampleId, metrics.mIoU.isNaN ? nil : metrics.mIoU, metrics.aAcc.isNaN ? nil : metrics.aAcc, MatrixBlob.encode(m), nil,
          Int64(m.ignoredPixels), r.boundary.map(MatrixBlob.encodeBoundary), fo(metrics.microAccuracy), fo(metrics.microPrecision),
          fo(metrics.microRecall),
        ])
        for c in metrics.classes where c.truePositives + c.falsePositives + c.falseNegatives > 0 {
          try cls.execute(arguments: [
            runId, r.sampleId, c.classId, c.iou.isNaN ? nil : c.iou, Int64(c.truePositives), Int64(c.falsePositives), Int64(c.falseNegatives),
          ])
        }
      }
    }
  }

  /// Removes pending runs whose process is gone (killed part way: kill -9, a crash, a power cut),
  /// with what they wrote. A pending run of a live process, here or on another host, is left alone;
  /// one of another host is removed after a day. Returns how many were removed.
  @discardableResult
  public func removeStalePendingRuns() throws -> Int {
    let pending: [(Int64, String, Bool)] = try read { db in
      try Row.fetchAll(db, sql: "SELECT id, key, created_at < datetime('now', '-1 day') AS old FROM eval_run WHERE kind = 'pending'").map {
        ($0["id"], $0["key"], $0["old"])
      }
    }
    let stale = pending.filter { PendingRun.isStale(key: $0.1, old: $0.2) }.map(\.0)
    guard !stale.isEmpty else { return 0 }
    try write { db in
      for id in stale { try db.execute(sql: "DELETE FROM eval_run WHERE id = ? AND kind = 'pending'", arguments: [id]) }
    }
    return stale.count
  }

  /// Makes a pending run the run of `key`, replacing the previous one, in one transaction.
  public func finishRun(runId: Int64, key: String) throws {
    try write { db in
      try db.execute(sql: "DELETE FROM eval_run WHERE key = ? AND id != ?", arguments: [key, runId])
      try db.execute(sql: "UPDATE eval_run SET key = ?, kind = 'semantic', created_at = CURRENT_TIMESTAMP WHERE id = ?", arguments: [key, runId])
    }
  }

  /// Removes a pending run and what was written of it.
  public func discardRun(runId: Int64) throws {
    try write { db in try db.execute(sql: "DELETE FROM eval_run WHERE id = ? AND kind = 'pending'", arguments: [runId]) }
  }

  /// A run's stored dialect; an unknown word is an error naming the run.
  static func runDialect(_ raw: String, key: String) throws -> RunDialect {
    guard let d = RunDialect(rawValue: raw) else {
      throw StoreError.invalid(UnknownWordError(place: "the database's eval_run.dialect of run '\(key)'", value: raw).description)
    }
    return d
  }

  /// Every run, oldest first.
  public func runs() throws -> [EvalRun] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM eval_run WHERE kind != 'pending' ORDER BY id").map {
        try EvalRun(
          id: $0["id"], key: $0["key"], gtField: $0["gt_field"], predField: $0["pred_field"],
          dialect: Self.runDialect($0["dialect"], key: $0["key"]), classCount: $0["class_count"],
          options: $0["options"], version: $0["version"], createdAt: $0["created_at"],
          kind: StoredWord.decode(RunKind.self, $0["kind"], table: "eval_run", column: "kind"),
          summary: $0["summary"])
      }
    }
  }

  /// Deletes a run.
  public func deleteRun(_ key: String) throws {
    _ = try runId(named: key)
    try write { db in try db.execute(sql: "DELETE FROM eval_run WHERE key = ?", arguments: [key]) }
  }

  /// The summed confusion matrix of a run over some samples (all when nil): no mask is read again.
  public func matrix(run: EvalRun, sampleIds: [Int64]? = nil) throws -> (ConfusionMatrix, evaluated: Int, failed: Int) {
    guard run.kind == .semantic, run.classCount > 0 else {
      throw StoreError.invalid("run '\(run.key)' is an instance-segmentation run: it has AP, not a confusion matrix")
    }
    let k = run.classCount
    let keep = sampleIds.map(Set.init)
    return try read { db in
      var total = ConfusionMatrix(classCount: k)
      var n = 0, failed = 0
      let rows = try Row.fetchCursor(db, sql: "SELECT sample_id, matrix, ignored FROM eval_sample WHERE run_id = ?", arguments: [run.id])
      while let r = try rows.next() {
        if let keep, !keep.contains(r["sample_id"]) { continue }
        guard let blob: [UInt8] = (r["matrix"] as Data?).map({ Array($0) }) else {
          failed += 1
          continue
        }
        if var m = MatrixBlob.decode(blob, classCount: k), let ignored = MatrixBlob.ignored(r["ignored"]) {
          m.ignoredPixels = ignored
          total.add(m)
          n += 1
        } else {
          failed += 1
        }
      }
      return (total, n, failed)
    }
  }

  /// Per-sample results of a run: (sample id, mIoU or nil, problem).
  public func sampleResults(run: EvalRun) throws -> [(sampleId: Int64, miou: Double?, problem: String?)] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT sample_id, miou, problem FROM eval_sample WHERE run_id = ? ORDER BY miou IS NULL, miou", arguments: [run.id]).map {
        (sampleId: $0["sample_id"], miou: $0["miou"], problem: $0["problem"])
      }
    }
  }

  /// Samples ranked by the pixel count of one confusion cell (ground truth g predicted as p).
  public func cellRanking(run: EvalRun, gt g: Int, pred p: Int, limit: Int = 1000) throws -> [(sampleId: Int64, pixels: UInt64)] {
    guard run.classCount > 0 else { return [] }
    let k = run.classCount
    return try read { db in
      var out: [(Int64, UInt64)] = []
      let rows = try Row.fetchCursor(db, sql: "SELECT sample_id, matrix FROM eval_sample WHERE run_id = ? AND matrix IS NOT NULL", arguments: [run.id])
      while let r = try rows.next() {
        guard let data = r["matrix"] as Data?, let m = MatrixBlob.decode(Array(data), classCount: k) else { continue }
        let v = m[g, p]
        if v > 0 { out.append((r["sample_id"], v)) }
      }
      return out.sorted { $0.1 > $1.1 }.prefix(limit).map { (sampleId: $0.0, pixels: $0.1) }
    }
  }
}

import Foundation

extension DatasetStore {
  /// Per-sample mIoU of a run for some samples.
  public func sampleMIoU(run key: String, ids: [Int64]) throws -> [Int64: Double] {
    try sampleColumn("miou", run: key, ids: ids)
  }

  /// Per-sample pixel accuracy of a run for some samples.
  public func sampleAccuracy(run key: String, ids: [Int64]) throws -> [Int64: Double] {
    try sampleColumn("accuracy", run: key, ids: ids)
  }

  public func sampleColumn(_ column: String, run key: String, ids: [Int64]) throws -> [Int64: Double] {
    let runId = try runId(named: key)
    return try read { db in
      var out: [Int64: Double] = [:]
      for r in try DatasetStore.rows(
        db, ids, prefix: [runId], sql: { "SELECT sample_id, \(column) AS v FROM eval_sample WHERE run_id = ? AND sample_id IN (\($0))" })
      {
        if let m: Double = r["v"] { out[r["sample_id"]] = m }
      }
      return out
    }
  }

  /// Tags of some samples.
  public func tags(ids: [Int64]) throws -> [Int64: [String]] {
    try read { db in
      var out: [Int64: [String]] = [:]
      for r in try DatasetStore.rows(db, ids, sql: { "SELECT sample_id, tag FROM tag WHERE sample_id IN (\($0)) ORDER BY tag" }) {
        out[r["sample_id"], default: []].append(r["tag"])
      }
      return out
    }
  }
}

extension DatasetStore {
  /// Per-sample matrices of a run (samples that failed are absent).
  public func sampleMatrices(run: EvalRun) throws -> [Int64: ConfusionMatrix] {
    guard run.kind == .semantic, run.classCount > 0 else { throw StoreError.invalid("run '\(run.key)' is an instance-segmentation run") }
    let k = run.classCount
    return try read { db in
      var out: [Int64: ConfusionMatrix] = [:]
      let rows = try Row.fetchCursor(db, sql: "SELECT sample_id, matrix, ignored FROM eval_sample WHERE run_id = ? AND matrix IS NOT NULL", arguments: [run.id])
      while let r = try rows.next() {
        guard let data = r["matrix"] as Data?, var m = MatrixBlob.decode(Array(data), classCount: k), let ignored = MatrixBlob.ignored(r["ignored"]) else {
          continue
        }
        m.ignoredPixels = ignored
        out[r["sample_id"]] = m
      }
      return out
    }
  }
}

extension DatasetStore {
  /// Summed boundary IoU counts of a run over some samples; nil when the run did not count them.
  public func boundary(run: EvalRun, sampleIds: [Int64]? = nil) throws -> BoundaryIoU? {
    guard run.classCount > 0 else { return nil }
    let keep = sampleIds.map(Set.init)
    let k = run.classCount
    return try read { db in
      var total: BoundaryIoU? = nil
      let rows = try Row.fetchCursor(db, sql: "SELECT sample_id, boundary FROM eval_sample WHERE run_id = ? AND boundary IS NOT NULL", arguments: [run.id])
      while let r = try rows.next() {
        if let keep, !keep.contains(r["sample_id"]) { continue }
        guard let data = r["boundary"] as Data?, let b = MatrixBlob.decodeBoundary(Array(data), classCount: k) else { continue }
        if total == nil { total = BoundaryIoU(classCount: k) }
        total?.add(b)
      }
      return total
    }
  }
}

/// The private key of a run being written: KEY, "pending", the host and process that write it, a UUID.
enum PendingRun {
  static func host() -> String {
    var buf = [CChar](repeating: 0, count: 256)
    gethostname(&buf, 255)
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  static func key(for key: String) -> String {
    [key, "pending", host(), String(getpid()), UUID().uuidString].joined(separator: "\u{1}")
  }

  /// Whether the process that wrote a pending run is gone.
  static func isStale(key: String, old: Bool) -> Bool {
    let parts = key.split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init)
    // Keys of older versions (KEY, pending, UUID) name no process: stale after a day.
    guard parts.count >= 5, let pid = Int32(parts[3]) else { return old }
    guard parts[2] == host() else { return old }
    return kill(pid, 0) != 0 && errno == ESRCH
  }
}
