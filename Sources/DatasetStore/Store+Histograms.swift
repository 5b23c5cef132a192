#if canImport(Glibc)
  import Glibc
#endif
import CSQLite
import Foundation
import GRDB
import SegmentationCore

/// The class histograms of masks: what is still to index, storing them, and their totals.
extension DatasetStore {
  /// Masks indexed and masks in all (present samples, newest revisions, class-mask fields).
  public func histogramCoverage() throws -> (indexed: Int, total: Int) {
    try read { db in
      let row = try Row.fetchOne(
        db,
        sql: """
          SELECT count(*) AS total, sum(EXISTS (SELECT 1 FROM mask_histogram h WHERE h.field = m.field AND h.sample_id = m.sample_id)) AS indexed
          FROM mask m JOIN sample s ON s.id = m.sample_id JOIN mask_field f ON f.name = m.field AND f.kind != 'confidence'
          WHERE s.present = 1 AND m.revision = (SELECT max(revision) FROM mask WHERE sample_id = m.sample_id AND field = m.field)
          """)
      return ((row?["indexed"] as Int?) ?? 0, (row?["total"] as Int?) ?? 0)
    }
  }

  /// Masks still to index: (sample id, field, relative path, decoding override), by sample and field.
  public func pendingHistogramMasks() throws -> [(Int64, String, String, String?)] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT m.sample_id, m.field, m.path, m.decoding FROM mask m JOIN sample s ON s.id = m.sample_id
          JOIN mask_field f ON f.name = m.field AND f.kind != 'confidence'
          WHERE s.present = 1 AND m.revision = (SELECT max(revision) FROM mask WHERE sample_id = m.sample_id AND field = m.field)
          AND NOT EXISTS (SELECT 1 FROM mask_histogram h WHERE h.field = m.field AND h.sample_id = m.sample_id)
          ORDER BY m.sample_id, m.field
          """
      ).map { ($0["sample_id"], $0["field"], $0["path"], $0["decoding"]) }
    }
  }

  /// Pixel count and sample count per (field, value), over present samples.
  public func histogramTotals() throws -> [String: [Int: (pixels: Int, samples: Int)]] {
    try read { db in
      var out: [String: [Int: (Int, Int)]] = [:]
      let rows = try Row.fetchCursor(db, sql: "SELECT h.field, h.hist FROM mask_histogram h JOIN sample s ON s.id = h.sample_id WHERE s.present = 1")
      while let r = try rows.next() {
        let field: String = r["field"]
        for e in ClassHistogram.unpack(r["hist"] ?? Data()) {
          let old = out[field]?[e.value] ?? (0, 0)
          out[field, default: [:]][e.value] = (old.0 + e.pixels, old.1 + 1)
        }
      }
      return out
    }.mapValues { $0.mapValues { (pixels: $0.0, samples: $0.1) } }
  }

  /// Stores (sample id, field, packed histogram, layout) rows in one transaction, and refreshes what
  /// views read from them.
  public func storeHistograms(_ rows: [(Int64, String, Data, Data?)]) throws {
    try write { db in
      try Self.insertHistograms(db, rows)
      try Self.histogramsChanged(db)
    }
  }

  /// Forgets every class histogram: the next indexing pass makes them again.
  public func deleteAllHistograms() throws {
    try write { db in
      try db.execute(sql: "DELETE FROM mask_histogram")
      try Self.histogramsChanged(db)
    }
  }

  /// Refreshes SQLite's statistics for the query planner (ANALYZE).
  public func analyze() throws { try write { db in try db.execute(sql: "ANALYZE") } }

  /// Histograms with values bound straight to SQLite (boxing each value for GRDB cost more than the
  /// insert itself). Rows go in primary-key order, one field at a time.
  static func insertHistograms(_ db: Database, _ rows: [(Int64, String, Data, Data?)]) throws {
    let st = try db.makeStatement(sql: "INSERT OR REPLACE INTO mask_histogram(field, sample_id, hist, layout) VALUES (?, ?, ?, ?)")
    let raw = st.sqliteStatement
    defer { sqlite3_clear_bindings(raw) }
    for (field, group) in Dictionary(grouping: rows, by: \.1) {
      let sorted = group.sorted { $0.0 < $1.0 }
      try field.withCString { name in
        // SQLITE_STATIC (nil): the text and blobs outlive each step; the bindings are cleared after.
        sqlite3_bind_text(raw, 1, name, -1, nil)
        for r in sorted {
          sqlite3_bind_int64(raw, 2, r.0)
          let layout = r.3 ?? Data()
          let rc = r.2.withUnsafeBytes { b -> Int32 in
            sqlite3_bind_blob(raw, 3, b.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(b.count), nil)
            return layout.withUnsafeBytes { l -> Int32 in
              if r.3 == nil {
                sqlite3_bind_null(raw, 4)
              } else {
                sqlite3_bind_blob(raw, 4, l.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(l.count), nil)
              }
              let rc = sqlite3_step(raw)
              sqlite3_reset(raw)
              return rc
            }
          }
          guard rc == SQLITE_DONE else { throw StoreError.invalid("storing class histograms: \(String(cString: sqlite3_errstr(rc)))") }
        }
        sqlite3_clear_bindings(raw)
      }
    }
  }
}
