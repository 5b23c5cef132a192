import Foundation
import GRDB
import SegmentationCore
import Testing

@testable import DatasetStore

@Suite("Migrations keep what older databases hold")
struct MigrationTests {
  @Test("v12 turns per-class rows into one histogram per mask, empty masks included")
  func histogramsMoveToOneRowPerMask() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("segscope-mig-" + UUID().uuidString).path
    try FileManager.default.createDirectory(atPath: dir + "/.segscope", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/.segscope/dataset.sqlite"
    // A database as segscope left it before v12.
    let old = try DatabaseQueue(path: path)
    try Schema.migrator().migrate(old, upTo: "v11-view-cache")
    try old.write { db in
      try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('root', ?)", arguments: [dir])
      try db.execute(sql: "INSERT INTO mask_field(name, kind, role) VALUES ('ground_truth', 'semantic', 'ground_truth'), ('pred', 'semantic', 'prediction')")
      for id in 1...3 {
        try db.execute(sql: "INSERT INTO sample(id, path, stem, width, height) VALUES (?, ?, ?, 4, 4)", arguments: [id, "img/\(id).png", "\(id)"])
      }
      let rows: [(Int, String, Int, Int)] = [
        (1, "ground_truth", 0, 10), (1, "ground_truth", 3, 6), (2, "ground_truth", 3, 16), (1, "pred", 0, 16), (2, "pred", 7, 70000),
      ]
      for r in rows { try db.execute(sql: "INSERT INTO class_pixels(sample_id, field, value, pixels) VALUES (?, ?, ?, ?)", arguments: [r.0, r.1, r.2, r.3]) }
      // Sample 3's mask was indexed but had no pixel counted (marked done, no rows).
      for (sid, f) in [(1, "ground_truth"), (2, "ground_truth"), (3, "ground_truth"), (1, "pred"), (2, "pred")] {
        try db.execute(sql: "INSERT INTO histogram_done(sample_id, field) VALUES (?, ?)", arguments: [sid, f])
      }
    }
    try old.close()
    let store = try DatasetStore(databaseFile: path)
    let hist = try store.read { db in
      try [(1, "ground_truth"), (2, "ground_truth"), (3, "ground_truth"), (1, "pred"), (2, "pred"), (3, "pred")].map { sid, f in
        try DatasetStore.histogram(db, sampleId: Int64(sid), field: f).map { $0.map { "\($0.value):\($0.pixels)" }.joined(separator: " ") }
      }
    }
    #expect(hist == ["0:10 3:6", "3:16", "", "0:16", "7:70000", nil])
    let tables = try store.read { db in
      try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('class_pixels', 'histogram_done')")
    }
    #expect(tables.isEmpty)
    // Views read the moved histograms (value 3 has no class name: it is asked for by number).
    #expect(try store.sampleIds(ViewExpression.parse("class:3>=10")) == [2])
    #expect(try store.sampleIds(ViewExpression.parse("class:7@pred>65535")) == [2])
    #expect(try store.maxIndexedValue(field: "pred", excluding: []) == 7)
  }
}
