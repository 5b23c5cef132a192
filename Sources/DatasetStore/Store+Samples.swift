import Foundation
import GRDB
import SegmentationCore

/// A sample as stored.

/// A mask file to record for a sample.
public struct MaskEntry: Sendable, Equatable {
  public let field: String
  public let path: String
  public let width: Int
  public let height: Int
  public let bitDepth: Int
  public init(field: String, path: String, width: Int, height: Int, bitDepth: Int) {
    self.field = field
    self.path = path
    self.width = width
    self.height = height
    self.bitDepth = bitDepth
  }
}

/// A sample found by an importer.
public struct NewSample: Sendable, Equatable {
  public let path: String
  public let stem: String
  public let width: Int
  public let height: Int
  public let split: String?
  public let orientation: Int
  public let masks: [MaskEntry]
  public init(path: String, stem: String, width: Int, height: Int, split: String?, orientation: Int = 1, masks: [MaskEntry]) {
    self.path = path
    self.stem = stem
    self.width = width
    self.height = height
    self.split = split
    self.orientation = orientation
    self.masks = masks
  }
}

/// A mask field (ground truth or a prediction) and its classes.
public struct FieldInfo: Sendable, Equatable {
  public let name: String
  public let kind: FieldKind
  public let role: FieldRole
  public let classes: [ClassInfo]
  /// How the field's files become class ids.
  public var decoding: MaskDecoding = .identity
  /// The folder its masks were imported from: relative to the dataset root, or absolute.
  public var root: String? = nil
  /// Whether the field names its classes. A field whose only entries are ignore values (255 by
  /// default) has no class map: its values are classes named by number.
  public var hasClassMap: Bool { classes.contains { !$0.isIgnore } }
  /// The values that are not classes: the class map's ignore entries, and 255.
  public var ignoredValues: Set<Int> { Set(classes.filter(\.isIgnore).map(\.value)).union([255]) }
  /// The names of the classes (ignore entries left out), by value.
  public var classNamesByValue: [Int: String] {
    Dictionary(classes.filter { !$0.isIgnore }.map { ($0.value, $0.name) }, uniquingKeysWith: { a, _ in a })
  }
}

/// One class of a field.
public struct ClassInfo: Sendable, Equatable {
  public let value: Int
  public let name: String
  public let color: String?
  public let isIgnore: Bool
  public init(value: Int, name: String, color: String? = nil, isIgnore: Bool = false) {
    self.value = value
    self.name = name
    self.color = color
    self.isIgnore = isIgnore
  }
}

/// What a re-import changed.
public struct ImportCounts: Sendable, Equatable {
  public var added = 0
  public var updated = 0
  public var vanished: [String] = []
  /// Mask files whose size or modification time changed since the last import: their class
  /// histograms are dropped, so that the next indexing pass reads them again.
  public var changedMasks: [String] = []
  public init() {}
}

extension DatasetStore {
  /// Rows of a query over many sample ids, run in chunks of 500 bound parameters: `sql` gets the
  /// placeholder list for one chunk; `prefix` arguments come before the ids.
  static func rows(_ db: Database, _ ids: [Int64], prefix: [Int64] = [], sql: (String) -> String) throws -> [Row] {
    var out: [Row] = []
    for start in stride(from: 0, to: ids.count, by: 500) {
      let part = Array(ids[start..<min(ids.count, start + 500)])
      let marks = part.map { _ in "?" }.joined(separator: ",")
      out += try Row.fetchAll(db, sql: sql(marks), arguments: StatementArguments(prefix + part))
    }
    return out
  }

  /// Creates or updates a mask field and replaces its class table.
  public func defineField(_ name: String, kind: FieldKind = .semantic, role: FieldRole, root: String?, classes: [ClassInfo], decoding: MaskDecoding? = nil)
    throws
  {
    try write { db in
      try db.execute(
        sql:
          "INSERT INTO mask_field(name, kind, role, root) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, role = excluded.role, root = excluded.root",
        arguments: [name, kind.rawValue, role.rawValue, root])
      if let decoding { try db.execute(sql: "UPDATE mask_field SET decoding = ? WHERE name = ?", arguments: [decoding.serialized, name]) }
      try db.execute(sql: "DELETE FROM class WHERE field = ?", arguments: [name])
      for c in classes {
        try db.execute(
          sql: "INSERT INTO class(field, value, name, color, is_ignore) VALUES (?, ?, ?, ?, ?)", arguments: [name, c.value, c.name, c.color, c.isIgnore])
      }
    }
  }

  /// Inserts new samples and updates known ones (by path) in one transaction; samples of earlier
  /// imports that are not in `samples` are marked absent and reported as vanished.
  public func upsertSamples(_ samples: [NewSample]) throws -> ImportCounts {
    try write { db in
      var counts = ImportCounts()
      try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS seen(path TEXT PRIMARY KEY)")
      try db.execute(sql: "DELETE FROM seen")
      let findSample = try db.makeStatement(sql: "SELECT id FROM sample WHERE path = ?")
      let insertSample = try db.makeStatement(sql: "INSERT INTO sample(path, stem, width, height, split, orientation, present) VALUES (?, ?, ?, ?, ?, ?, 1)")
      let updateSample = try db.makeStatement(sql: "UPDATE sample SET stem = ?, width = ?, height = ?, split = ?, orientation = ?, present = 1 WHERE id = ?")
      let upsertMask = try db.makeStatement(
        sql:
          "INSERT INTO mask(sample_id, field, revision, path, width, height, bit_depth, file_sig) VALUES (?, ?, 0, ?, ?, ?, ?, ?) ON CONFLICT(sample_id, field, revision) DO UPDATE SET path = excluded.path, width = excluded.width, height = excluded.height, bit_depth = excluded.bit_depth, file_sig = excluded.file_sig"
      )
      // What the mask file was at the last import, and whether a correction (revision > 0) stands
      // over it: a changed file matters only where the imported revision is the current one.
      let previous = try db.makeStatement(
        sql:
          "SELECT path, file_sig, (SELECT max(revision) FROM mask r WHERE r.sample_id = m.sample_id AND r.field = m.field) AS newest FROM mask m WHERE sample_id = ? AND field = ? AND revision = 0"
      )
      let dropHistogram = try db.makeStatement(sql: "DELETE FROM mask_histogram WHERE field = ? AND sample_id = ?")
      let insertSeen = try db.makeStatement(sql: "INSERT OR IGNORE INTO seen(path) VALUES (?)")
      for s in samples {
        try insertSeen.execute(arguments: [s.path])
        let id: Int64
        let known = try Int64.fetchOne(findSample, arguments: [s.path])
        if let existing = known {
          try updateSample.execute(arguments: [s.stem, s.width, s.height, s.split, s.orientation, existing])
          id = existing
          counts.updated += 1
        } else {
          try insertSample.execute(arguments: [s.path, s.stem, s.width, s.height, s.split, s.orientation])
          id = db.lastInsertedRowID
          counts.added += 1
        }
        for m in s.masks {
          let sig = DatasetStore.fileSignature(absolutePath(m.path))
          // A sample added just now has no earlier mask to compare with.
          if known != nil, let row = try Row.fetchOne(previous, arguments: [id, m.field]) {
            let oldPath: String = row["path"], oldSig: String? = row["file_sig"], newest: Int = row["newest"] ?? 0
            if newest == 0 && (oldPath != m.path || (oldSig != nil && oldSig != sig)) {
              try dropHistogram.execute(arguments: [m.field, id])
              counts.changedMasks.append(m.path)
            }
          }
          try upsertMask.execute(arguments: [id, m.field, m.path, m.width, m.height, m.bitDepth, sig])
        }
      }
      counts.vanished = try String.fetchAll(db, sql: "SELECT path FROM sample WHERE present = 1 AND path NOT IN (SELECT path FROM seen) ORDER BY path")
      try db.execute(sql: "UPDATE sample SET present = 0 WHERE path NOT IN (SELECT path FROM seen)")
      if !counts.changedMasks.isEmpty { try DatasetStore.histogramsChanged(db) }
      return counts
    }
  }

  /// Replaces the problems of a stage.
  public func replaceProblems(stage: String, _ problems: [(path: String, problem: String)]) throws {
    let items = problems.map { [$0.path, $0.problem] }
    try write { db in
      try db.execute(sql: "DELETE FROM problem WHERE stage = ?", arguments: [stage])
      for p in items { try db.execute(sql: "INSERT INTO problem(path, problem, stage) VALUES (?, ?, ?)", arguments: [p[0], p[1], stage]) }
    }
  }

  /// Every recorded problem, oldest first.
  public func problems() throws -> [(path: String, problem: String, stage: String)] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT path, problem, stage FROM problem ORDER BY id").map {
        (path: $0["path"], problem: $0["problem"], stage: $0["stage"]) as (String, String, String)
      }
    }.map { (path: $0.0, problem: $0.1, stage: $0.2) }
  }

  /// Number of samples present.
  public func sampleCount() throws -> Int {
    try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sample WHERE present = 1") ?? 0 }
  }

  /// Mask fields with their classes, ground truth first.
  public func fields() throws -> [FieldInfo] {
    try read { db in
      // Two queries whatever the number of fields: views call this for every class or field they name.
      var classes: [String: [ClassInfo]] = [:]
      for c in try Row.fetchAll(db, sql: "SELECT field, value, name, color, is_ignore FROM class ORDER BY field, value") {
        classes[c["field"], default: []].append(ClassInfo(value: c["value"], name: c["name"], color: c["color"], isIgnore: c["is_ignore"]))
      }
      let rows = try Row.fetchAll(db, sql: "SELECT name, kind, role, decoding, root FROM mask_field ORDER BY role != 'ground_truth', name")
      return try rows.map { r in
        let name: String = r["name"]
        var info = try FieldInfo(
          name: name, kind: StoredWord.decode(FieldKind.self, r["kind"], table: "mask_field", column: "kind"),
          role: StoredWord.decode(FieldRole.self, r["role"], table: "mask_field", column: "role"), classes: classes[name] ?? [])
        info.decoding = MaskDecoding(serialized: r["decoding"])
        info.root = r["root"]
        return info
      }
    }
  }

  /// Samples by id, in the order given.
  public func samples(ids: [Int64]) throws -> [SampleRow] {
    let found = try sampleRows(ids: ids)
    return ids.compactMap { found[$0] }
  }

  /// Samples by id (unknown ids left out, repeated ones read once).
  public func sampleRows(ids: [Int64]) throws -> [Int64: SampleRow] {
    guard !ids.isEmpty else { return [:] }
    return try read { db in
      var out: [Int64: SampleRow] = [:]
      for r in try DatasetStore.rows(db, Array(Set(ids)), sql: { "SELECT id, path, stem, width, height, split FROM sample WHERE id IN (\($0))" }) {
        let row = SampleRow(id: r["id"], path: r["path"], stem: r["stem"], width: r["width"] ?? 0, height: r["height"] ?? 0, split: r["split"])
        out[row.id] = row
      }
      return out
    }
  }

  /// Each sample's path (relative to the root), by id.
  public func samplePaths(ids: [Int64]) throws -> [Int64: String] { try sampleRows(ids: ids).mapValues(\.path) }

  /// The newest revision of each mask of a sample: field -> path relative to the root.
  public func masks(sampleId: Int64) throws -> [String: String] {
    try maskRefs(sampleId: sampleId).mapValues(\.path)
  }

  /// (sample id, GT mask, prediction mask), newest revisions, for every present sample having both fields.
  public func maskPairs(gt: String, pred: String, sampleIds: [Int64]? = nil) throws -> [(Int64, MaskRef, MaskRef)] {
    let rows: [(Int64, MaskRef, MaskRef)] = try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT s.id, g.path AS gp, g.revision AS gr, g.decoding AS gd, p.path AS pp, p.revision AS pr, p.decoding AS pd FROM sample s
          JOIN mask g ON g.sample_id = s.id AND g.field = ? AND g.revision = (SELECT max(revision) FROM mask WHERE sample_id = s.id AND field = ?)
          JOIN mask p ON p.sample_id = s.id AND p.field = ? AND p.revision = (SELECT max(revision) FROM mask WHERE sample_id = s.id AND field = ?)
          WHERE s.present = 1 ORDER BY s.id
          """, arguments: [gt, gt, pred, pred]
      ).map { r in
        (
          r["id"], MaskRef(field: gt, revision: r["gr"], path: r["gp"], decoding: (r["gd"] as String?).map { MaskDecoding(serialized: $0) }),
          MaskRef(field: pred, revision: r["pr"], path: r["pp"], decoding: (r["pd"] as String?).map { MaskDecoding(serialized: $0) })
        )
      }
    }
    guard let sampleIds else { return rows }
    let keep = Set(sampleIds)
    return rows.filter { keep.contains($0.0) }
  }

  /// The largest mask value the indexing pass found in a field, ignoring some values.
  public func maxIndexedValue(field: String, excluding: Set<UInt16>) throws -> Int? {
    let ex = Set(excluding.map { Int($0) })
    return try read { db in
      var best: Int? = nil
      let rows = try Data.fetchCursor(db, sql: "SELECT hist FROM mask_histogram WHERE field = ?", arguments: [field])
      while let d = try rows.next() {
        for e in ClassHistogram.unpack(d) where !ex.contains(e.value) { best = max(best ?? e.value, e.value) }
      }
      return best
    }
  }

  /// Tags a set of samples (idempotent).
  public func tag(_ ids: [Int64], _ tag: String) throws {
    try write { db in
      for id in ids { try db.execute(sql: "INSERT OR IGNORE INTO tag(sample_id, tag) VALUES (?, ?)", arguments: [id, tag]) }
    }
  }

  /// Makes `tag` name exactly these samples (it is taken off the others), in one transaction.
  public func replaceTag(_ ids: [Int64], _ tag: String) throws {
    try write { db in
      try db.execute(sql: "DELETE FROM tag WHERE tag = ?", arguments: [tag])
      for id in ids { try db.execute(sql: "INSERT OR IGNORE INTO tag(sample_id, tag) VALUES (?, ?)", arguments: [id, tag]) }
    }
  }

  /// Saves a named view.
  public func saveView(_ name: String, expression: String) throws {
    try write { db in
      try db.execute(
        sql: "INSERT INTO saved_view(name, expr) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET expr = excluded.expr", arguments: [name, expression])
    }
  }

  /// Saved views by name.
  public func savedViews() throws -> [(name: String, expression: String)] {
    try read { db in try Row.fetchAll(db, sql: "SELECT name, expr FROM saved_view ORDER BY name").map { ($0["name"], $0["expr"]) as (String, String) } }.map {
      (name: $0.0, expression: $0.1)
    }
  }
}

extension DatasetStore {
  /// Size and modification time of a file ("size:seconds.nanoseconds"), or "" when it cannot be read:
  /// what tells a changed file from the one seen before (re-import, the thumbnail cache).
  public static func fileSignature(_ path: String) -> String {
    var st = stat()
    guard stat(path, &st) == 0 else { return "" }
    return "\(st.st_size):\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
  }
}
