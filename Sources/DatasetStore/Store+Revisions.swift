import Foundation
import GRDB
import SegmentationCore

/// One stored mask of a sample and field: revision 0 is the imported file, later revisions are
/// corrections segscope wrote (relabels, re-imported annotations).
public struct MaskRef: Sendable, Equatable {
  public let field: String
  public let revision: Int
  /// Relative to the dataset root, or absolute for files outside it.
  public let path: String
  /// Set when this file's values need another decoding than the field's (segscope's own revisions
  /// hold class ids as they are).
  public let decoding: MaskDecoding?
}

/// A revision of a mask with its history entry.
public struct MaskRevision: Sendable, Equatable {
  public let sampleId: Int64
  public let field: String
  public let revision: Int
  public let path: String
  public let author: String?
  public let createdAt: String?
  public let note: String?
  /// What changed from the previous revision (nil for revision 0).
  public let diff: MaskEdit.Diff?
}

/// Another session changed the mask since it was loaded.
public struct RevisionConflict: Error, CustomStringConvertible {
  public let expected: Int
  public let found: Int
  public init(expected: Int, found: Int) {
    self.expected = expected
    self.found = found
  }
  public var description: String { "the mask changed in another session (revision \(found), edit was based on \(expected)); reload and try again" }
}

extension DatasetStore {
  /// Where segscope writes corrected masks: beside the database, never in the user's folders.
  public var revisionsFolder: String {
    let dir = databasePath.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    return (dir.isEmpty ? "." : dir) + "/revisions"
  }

  /// How a file path is stored: relative when it is inside the dataset root.
  public func storedPath(_ absolute: String) -> String {
    let prefix = root.hasSuffix("/") ? root : root + "/"
    return absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : absolute
  }

  /// The newest revision of each mask of a sample, by field.
  public func maskRefs(sampleId: Int64) throws -> [String: MaskRef] {
    try read { db in
      var out: [String: MaskRef] = [:]
      for r in try Row.fetchAll(db, sql: "SELECT field, revision, path, decoding FROM mask WHERE sample_id = ? ORDER BY revision", arguments: [sampleId]) {
        out[r["field"]] = MaskRef(
          field: r["field"], revision: r["revision"], path: r["path"], decoding: (r["decoding"] as String?).map { MaskDecoding(serialized: $0) })
      }
      return out
    }
  }

  /// The newest mask of one field for every sample that has it (one query, for passes over many
  /// samples).
  public func newestMaskRefs(field: String) throws -> [Int64: MaskRef] {
    try read { db in
      var out: [Int64: MaskRef] = [:]
      let cursor = try Row.fetchCursor(
        db, sql: "SELECT sample_id, revision, path, decoding FROM mask WHERE field = ? ORDER BY sample_id, revision", arguments: [field])
      while let r = try cursor.next() {
        out[r["sample_id"]] = MaskRef(
          field: field, revision: r["revision"], path: r["path"], decoding: (r["decoding"] as String?).map { MaskDecoding(serialized: $0) })
      }
      return out
    }
  }

  /// Every revision of a sample's mask field, oldest first.
  public func revisions(sampleId: Int64, field: String = FieldName.groundTruth) throws -> [MaskRevision] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM mask WHERE sample_id = ? AND field = ? ORDER BY revision", arguments: [sampleId, field]).map { r in
        MaskRevision(
          sampleId: sampleId, field: field, revision: r["revision"], path: r["path"], author: r["author"], createdAt: r["created_at"],
          note: r["note"], diff: (r["diff"] as String?).flatMap { MaskEdit.Diff(serialized: $0) })
      }
    }
  }

  /// Records a new revision of a mask whose file is already written. `baseRevision` is the revision
  /// the edit started from: if another session added one since, nothing is stored and
  /// `RevisionConflict` is thrown. The class histogram of the sample follows the new revision.
  /// Committed before this returns (it survives kill -9).
  @discardableResult
  public func addRevision(
    sampleId: Int64, field: String, baseRevision: Int, path: String, width: Int, height: Int, bitDepth: Int, note: String, diff: MaskEdit.Diff,
    histogram: [UInt16: Int]
  ) throws -> Int {
    let author = DatasetStore.author
    return try write { db in
      let current = try Int.fetchOne(db, sql: "SELECT max(revision) FROM mask WHERE sample_id = ? AND field = ?", arguments: [sampleId, field]) ?? -1
      guard current == baseRevision else { throw RevisionConflict(expected: baseRevision, found: current) }
      let rev = current + 1
      try db.execute(
        sql:
          "INSERT INTO mask(sample_id, field, revision, path, width, height, bit_depth, decoding, author, created_at, note, diff) VALUES (?, ?, ?, ?, ?, ?, ?, 'identity', ?, strftime('%Y-%m-%d %H:%M:%S', 'now'), ?, ?)",
        arguments: [sampleId, field, rev, path, width, height, bitDepth, author, note, diff.serialized])
      try DatasetStore.replaceHistogram(db, sampleId: sampleId, field: field, histogram.reduce(into: [:]) { $0[Int($1.key)] = $1.value })
      return rev
    }
  }

  /// Removes the newest revision (undo); the imported revision 0 cannot be removed. The class
  /// histogram goes back to the previous revision's. Returns the removed revision.
  public func undoRevision(sampleId: Int64, field: String = FieldName.groundTruth) throws -> MaskRevision {
    let all = try revisions(sampleId: sampleId, field: field)
    guard let last = all.last, last.revision > 0 else { throw StoreError.invalid("nothing to undo: the mask has no corrected revision") }
    try write { db in
      let current = try Int.fetchOne(db, sql: "SELECT max(revision) FROM mask WHERE sample_id = ? AND field = ?", arguments: [sampleId, field]) ?? -1
      guard current == last.revision else { throw RevisionConflict(expected: last.revision, found: current) }
      var hist: [Int: Int] = [:]
      for e in try DatasetStore.histogram(db, sampleId: sampleId, field: field) ?? [] { hist[e.value] = e.pixels }
      for (v, d) in last.diff?.delta ?? [:] { hist[v, default: 0] -= d }
      try DatasetStore.replaceHistogram(db, sampleId: sampleId, field: field, hist)
      try db.execute(sql: "DELETE FROM mask WHERE sample_id = ? AND field = ? AND revision = ?", arguments: [sampleId, field, last.revision])
    }
    return last
  }

  /// Stores (replaces) a mask's class histogram and marks the class columns out of date.
  public static func replaceHistogram(_ db: Database, sampleId: Int64, field: String, _ hist: [Int: Int]) throws {
    try db.execute(
      sql: "INSERT OR REPLACE INTO mask_histogram(field, sample_id, hist) VALUES (?, ?, ?)",
      arguments: [field, sampleId, ClassHistogram.pack(hist.map { ($0.key, $0.value) })])
    try histogramsChanged(db)
  }

  /// A mask's stored class histogram (nil before the indexing pass reached it).
  public static func histogram(_ db: Database, sampleId: Int64, field: String) throws -> [(value: Int, pixels: Int)]? {
    try Data.fetchOne(db, sql: "SELECT hist FROM mask_histogram WHERE field = ? AND sample_id = ?", arguments: [field, sampleId]).map(ClassHistogram.unpack)
  }

  /// Marks every stored class column out of date. Whoever writes `mask_histogram` calls it in the
  /// same transaction (the indexer once per batch, revisions once per mask).
  public static func histogramsChanged(_ db: Database) throws {
    try db.execute(sql: "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'class_gen'")
  }

  /// Samples with at least one corrected revision, with their newest revision number.
  public func revisedSamples(field: String = FieldName.groundTruth) throws -> [(sampleId: Int64, revision: Int)] {
    try read { db in
      try Row.fetchAll(
        db, sql: "SELECT sample_id, max(revision) AS r FROM mask WHERE field = ? AND revision > 0 GROUP BY sample_id ORDER BY sample_id", arguments: [field]
      )
      .map { (sampleId: $0["sample_id"], revision: $0["r"]) }
    }
  }
}
