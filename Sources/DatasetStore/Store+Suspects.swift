import GRDB
import SegmentationCore

/// A sample's stored verdict in a label-error run.
public struct SuspectSample: Sendable, Equatable {
  public var sampleId: Int64
  /// The ground-truth revision the verdict was computed on.
  public var gtRevision: Int
  public var evidence: LabelEvidence
  public var score: Double
  public var quality: Double
  public var regions: [SuspectRegion]
  /// The ground-truth classes of the mask (the calibration's statistics).
  public var classes: [Int] = []
  /// The revisions of the evidence read (prediction, confidence and probability files): a resumed
  /// run recomputes a sample whose evidence changed.
  public var evidenceSignature: String = ""

  public init(
    sampleId: Int64, gtRevision: Int, evidence: LabelEvidence, score: Double, quality: Double, regions: [SuspectRegion], classes: [Int] = [],
    evidenceSignature: String = ""
  ) {
    self.classes = classes
    self.evidenceSignature = evidenceSignature
    self.sampleId = sampleId
    self.gtRevision = gtRevision
    self.evidence = evidence
    self.score = score
    self.quality = quality
    self.regions = regions
  }
}

extension DatasetStore {
  /// Creates (or updates) a run's description. Its samples are added by `saveSuspects`.
  public func beginSuspectRun(key: String, gtField: String, predFields: [String], evidence: LabelEvidence, version: String, params: String? = nil) throws {
    try write { db in
      try db.execute(
        sql: """
          INSERT INTO suspect_run(key, gt_field, pred_fields, evidence, created, version, params) VALUES (?, ?, ?, ?, datetime('now'), ?, ?)
          ON CONFLICT(key) DO UPDATE SET gt_field = excluded.gt_field, pred_fields = excluded.pred_fields, evidence = excluded.evidence,
            created = excluded.created, version = excluded.version, params = coalesce(excluded.params, suspect_run.params)
          """, arguments: [key, gtField, predFields.joined(separator: "\n"), evidence.rawValue, version, params])
    }
  }

  /// The parameters a run was made with (nil for runs made before they were recorded).
  public func suspectRunParams(key: String) throws -> String? {
    try read { db in try String.fetchOne(db, sql: "SELECT params FROM suspect_run WHERE key = ?", arguments: [key]) }
  }

  /// What a resumed run needs to know of each stored sample: its ground-truth revision and the
  /// signature of the evidence it read.
  public func suspectSignatures(run key: String) throws -> [Int64: (gtRevision: Int, evidence: String)] {
    try read { db in
      var out: [Int64: (Int, String)] = [:]
      for r in try Row.fetchAll(db, sql: "SELECT sample_id, gt_revision, evidence_sig FROM suspect_sample WHERE run_key = ?", arguments: [key]) {
        out[r["sample_id"]] = (r["gt_revision"], (r["evidence_sig"] as String?) ?? "")
      }
      return out
    }
  }

  /// Replaces the stored verdicts of these samples (one transaction).
  public func saveSuspects(key: String, _ rows: [SuspectSample]) throws {
    try write { db in
      // Statements compiled once per batch.
      let clear = try db.cachedStatement(sql: "DELETE FROM suspect_region WHERE run_key = ? AND sample_id = ?")
      let sample = try db.cachedStatement(
        sql: """
          INSERT OR REPLACE INTO suspect_sample(run_key, sample_id, gt_revision, evidence, score, quality, regions, classes, evidence_sig)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          """)
      let region = try db.cachedStatement(
        sql: """
          INSERT INTO suspect_region(run_key, sample_id, idx, x, y, width, height, pixels, given, predicted, kind, score, raw, size_bin)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """)
      for r in rows {
        try clear.execute(arguments: [key, r.sampleId])
        try sample.execute(arguments: [
          key, r.sampleId, r.gtRevision, r.evidence.rawValue, r.score, r.quality, r.regions.count, r.classes.map(String.init).joined(separator: ","),
          r.evidenceSignature,
        ])
        for (i, g) in r.regions.enumerated() {
          try region.execute(arguments: [
            key, r.sampleId, i, g.x, g.y, g.width, g.height, g.pixels, g.given, g.predicted, g.kind.rawValue, g.score, g.raw, g.sizeBin,
          ])
        }
      }
    }
  }

  public func suspectRuns() throws -> [SuspectRun] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT key, gt_field, pred_fields, evidence, created, version FROM suspect_run ORDER BY created DESC, key").map { r in
        try SuspectRun(
          key: r["key"], gtField: r["gt_field"], predFields: (r["pred_fields"] as String).split(separator: "\n").map(String.init),
          evidence: StoredWord.decode(LabelEvidence.self, r["evidence"], table: "suspect_run", column: "evidence"), created: r["created"], version: r["version"]
        )
      }
    }
  }

  /// A run's samples, most suspicious first (ties by sample id), with their regions.
  public func suspects(run key: String, limit: Int? = nil) throws -> [SuspectSample] {
    // The same check and message as suspect(RUN) in a view.
    _ = try suspectRunKey(key)
    return try read { db in
      let rows = try Row.fetchAll(
        db,
        sql:
          "SELECT sample_id, gt_revision, evidence, score, quality, classes, evidence_sig FROM suspect_sample WHERE run_key = ? ORDER BY score DESC, sample_id LIMIT ?",
        arguments: [key, limit ?? -1])
      var regions: [Int64: [SuspectRegion]] = [:]
      let ids = Set(rows.map { $0["sample_id"] as Int64 })
      let cursor = try Row.fetchCursor(
        db,
        sql:
          "SELECT sample_id, x, y, width, height, pixels, given, predicted, kind, score, raw, size_bin FROM suspect_region WHERE run_key = ? ORDER BY sample_id, idx",
        arguments: [key])
      while let r = try cursor.next() {
        let sid: Int64 = r["sample_id"]
        guard ids.contains(sid) else { continue }
        regions[sid, default: []].append(try Self.region(r))
      }
      return try rows.map { r in
        try SuspectSample(
          sampleId: r["sample_id"], gtRevision: r["gt_revision"],
          evidence: StoredWord.decode(LabelEvidence.self, r["evidence"], table: "suspect_sample", column: "evidence"), score: r["score"],
          quality: r["quality"], regions: regions[r["sample_id"]] ?? [],
          classes: ((r["classes"] as String?) ?? "").split(separator: ",").compactMap { Int($0) }, evidenceSignature: (r["evidence_sig"] as String?) ?? "")
      }
    }
  }

  /// Records that a region's label is right: it is removed from every run's stored verdict of the
  /// sample now, and left out when a run is made again (`isDismissed`).
  public func dismissSuspect(sampleId: Int64, region: SuspectRegion) throws {
    try write { db in
      try db.execute(
        sql: "INSERT OR IGNORE INTO suspect_dismissal(sample_id, given, predicted, x, y, width, height, created) VALUES (?, ?, ?, ?, ?, ?, ?, datetime('now'))",
        arguments: [sampleId, region.given, region.predicted, region.x, region.y, region.width, region.height])
      let runs = try String.fetchAll(db, sql: "SELECT run_key FROM suspect_sample WHERE sample_id = ?", arguments: [sampleId])
      for run in runs {
        let rows = try Row.fetchAll(
          db,
          sql: "SELECT idx, x, y, width, height, pixels, given, predicted, kind, score FROM suspect_region WHERE run_key = ? AND sample_id = ? ORDER BY idx",
          arguments: [run, sampleId])
        var kept: [Double] = []
        for r in rows {
          let other = try Self.region(r)
          if Self.sameRegion(other, region) {
            try db.execute(sql: "DELETE FROM suspect_region WHERE run_key = ? AND sample_id = ? AND idx = ?", arguments: [run, sampleId, r["idx"] as Int])
          } else {
            kept.append(other.score)
          }
        }
        try db.execute(
          sql: "UPDATE suspect_sample SET score = ?, regions = ? WHERE run_key = ? AND sample_id = ?",
          arguments: [LabelErrorCalibration.combine(kept), kept.count, run, sampleId])
      }
    }
  }

  /// A dismissed region with when it was dismissed.
  public struct Dismissal: Sendable, Equatable {
    public var sampleId: Int64
    public var region: SuspectRegion
    public var created: String
  }

  /// Every dismissal, oldest first.
  public func dismissalList() throws -> [Dismissal] {
    try read { db in
      try Row.fetchAll(
        db, sql: "SELECT sample_id, given, predicted, x, y, width, height, created FROM suspect_dismissal ORDER BY created, sample_id, y, x"
      ).map { Dismissal(sampleId: $0["sample_id"], region: try Self.region($0), created: $0["created"]) }
    }
  }

  /// Takes back dismissals of a sample: the one matching `region` (the same classes and box), or
  /// all of them when `region` is nil. Returns what was restored; the caller checks the sample
  /// again so that the regions come back into the runs.
  @discardableResult
  public func restoreDismissals(sampleId: Int64, region: SuspectRegion? = nil) throws -> [SuspectRegion] {
    try write { db in
      let rows = try Row.fetchAll(
        db, sql: "SELECT given, predicted, x, y, width, height FROM suspect_dismissal WHERE sample_id = ?", arguments: [sampleId])
      var restored: [SuspectRegion] = []
      for r in rows {
        let d = try Self.region(r)
        if let region,
          !(d.given == region.given && d.predicted == region.predicted && d.x == region.x && d.y == region.y && d.width == region.width
            && d.height == region.height) && !Self.sameRegion(d, region)
        {
          continue
        }
        try db.execute(
          sql: "DELETE FROM suspect_dismissal WHERE sample_id = ? AND given = ? AND predicted = ? AND x = ? AND y = ? AND width = ? AND height = ?",
          arguments: [sampleId, d.given, d.predicted, d.x, d.y, d.width, d.height])
        restored.append(d)
      }
      return restored
    }
  }

  /// The label-error runs that have a verdict for a sample.
  public func suspectRuns(of sampleId: Int64) throws -> [String] {
    try read { db in try String.fetchAll(db, sql: "SELECT run_key FROM suspect_sample WHERE sample_id = ? ORDER BY run_key", arguments: [sampleId]) }
  }

  /// The regions of a sample that a reviewer said are labelled right.
  public func dismissals(sampleId: Int64) throws -> [SuspectRegion] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT given, predicted, x, y, width, height FROM suspect_dismissal WHERE sample_id = ?", arguments: [sampleId]).map(
        Self.region)
    }
  }

  /// Every dismissal, by sample (a run made again leaves these regions out).
  public func allDismissals() throws -> [Int64: [SuspectRegion]] {
    try read { db in
      var out: [Int64: [SuspectRegion]] = [:]
      for r in try Row.fetchAll(db, sql: "SELECT sample_id, given, predicted, x, y, width, height FROM suspect_dismissal") {
        out[r["sample_id"], default: []].append(try Self.region(r))
      }
      return out
    }
  }

  /// A region from a row of suspect_region (or suspect_dismissal, which has no pixels, kind or score).
  /// A dismissal has no kind (NULL): it reads as a swap, which nothing looks at.
  static func region(_ r: Row) throws -> SuspectRegion {
    let kind = try (r["kind"] as String?).map { try StoredWord.decode(SuspectKind.self, $0, table: "suspect_region", column: "kind") } ?? .swap
    return SuspectRegion(
      x: r["x"], y: r["y"], width: r["width"], height: r["height"], pixels: r["pixels"] ?? 0, given: r["given"], predicted: r["predicted"],
      kind: kind, score: r["score"] ?? 0, raw: r["raw"] ?? r["score"] ?? 0,
      sizeBin: r["size_bin"] ?? 0)
  }

  /// Two findings are the same region when they name the same classes and their boxes overlap by
  /// half or more (intersection over union), so a recomputed region that moved a little stays dismissed.
  public static func sameRegion(_ a: SuspectRegion, _ b: SuspectRegion) -> Bool {
    guard a.given == b.given, a.predicted == b.predicted else { return false }
    let ix = max(0, min(a.x + a.width, b.x + b.width) - max(a.x, b.x))
    let iy = max(0, min(a.y + a.height, b.y + b.height) - max(a.y, b.y))
    let inter = Double(ix * iy)
    let union = Double(a.width * a.height + b.width * b.height) - inter
    return union > 0 && inter / union >= 0.5
  }

  /// The samples a run has a verdict for.
  public func suspectSampleIds(run key: String) throws -> [Int64] {
    try read { db in try Int64.fetchAll(db, sql: "SELECT sample_id FROM suspect_sample WHERE run_key = ?", arguments: [key]) }
  }

  /// Removes samples from a run.
  public func forgetSuspects(key: String, sampleIds: [Int64]) throws {
    try write { db in
      for sid in sampleIds {
        try db.execute(sql: "DELETE FROM suspect_region WHERE run_key = ? AND sample_id = ?", arguments: [key, sid])
        try db.execute(sql: "DELETE FROM suspect_sample WHERE run_key = ? AND sample_id = ?", arguments: [key, sid])
      }
    }
  }

  /// Deletes a label-error run.
  public func deleteSuspectRun(key: String) throws {
    try write { db in
      try db.execute(sql: "DELETE FROM suspect_region WHERE run_key = ?", arguments: [key])
      try db.execute(sql: "DELETE FROM suspect_sample WHERE run_key = ?", arguments: [key])
      try db.execute(sql: "DELETE FROM suspect_run WHERE key = ?", arguments: [key])
    }
  }
}
