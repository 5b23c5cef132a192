import DatasetImport
import DatasetStore
import Foundation
import GRDB
import SegmentationCore
import Testing

@Suite("Views answered from in-memory columns agree with SQL", .serialized)
struct ViewColumnsTests {
  /// The SQL plan's answer, bypassing the in-memory columns.
  func viaSQL(_ store: DatasetStore, _ text: String) throws -> [Int64] {
    let (sql, args) = try store.compile(ViewExpression.parse(text))
    return try store.read { db in try Int64.fetchAll(db, sql: sql, arguments: args) }
  }

  @Test("class, split, not, thresholds through zero, path order, limit and skip")
  func agree() throws {
    let f = try Fixture(samples: 12)
    defer { f.remove() }
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root, predictions: [("model_b", "pred")]).run(into: store)
    _ = try HistogramIndexer(store: store).run()
    // A sample without a split (NULL), to check three-valued logic under `not`.
    try store.write { db in try db.execute(sql: "UPDATE sample SET split = NULL WHERE id = (SELECT min(id) FROM sample)") }
    let views = [
      "", "split=val", "split!=val", "not split=val", "not split!=train", "class:car", "not class:car", "class:person>=200",
      "class:person<200", "class:car=0", "class:car!=0", "class:road>100 not class:sky", "class:car@model_b>10 split=train",
      "pixels(car)>=50", "sort:path", "sort:-path", "class:road limit:3", "class:road skip:2 limit:4", "sort:-path skip:5",
      "not class:'traffic sign'", "class:terrain<=0",
    ]
    for text in views {
      #expect(try store.sampleIds(ViewExpression.parse(text)) == viaSQL(store, text), "\(text)")
    }
    #expect(throws: ViewResolveError.self) { try store.sampleIds(ViewExpression.parse("class:unicorn")) }
    #expect(throws: ViewResolveError.self) { try store.sampleIds(ViewExpression.parse("class:car@nope")) }
  }

  @Test("a commit from any connection, here or in another store, is seen by the next view")
  func freshness() throws {
    let f = try Fixture(samples: 6)
    defer { f.remove() }
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root).run(into: store)
    _ = try HistogramIndexer(store: store).run()
    let before = try store.sampleIds(ViewExpression.parse("class:car>=1000000"))
    #expect(before.isEmpty)
    let id = try #require(store.sampleIds(ViewExpression()).first)
    // Another connection (as another process would) changes a histogram and a split.
    let other = try DatasetStore(root: f.root)
    try other.write { db in
      try db.execute(sql: "INSERT OR REPLACE INTO class_pixels(sample_id, field, value, pixels) VALUES (?, 'ground_truth', 6, 2000000)", arguments: [id])
      try db.execute(sql: "UPDATE sample SET split = 'test' WHERE id = ?", arguments: [id])
    }
    #expect(try store.sampleIds(ViewExpression.parse("class:car>=1000000")) == [id])
    #expect(try store.sampleIds(ViewExpression.parse("split=test")) == [id])
    // And this store's own writes.
    try store.write { db in try db.execute(sql: "UPDATE sample SET present = 0 WHERE id = ?", arguments: [id]) }
    #expect(try store.sampleIds(ViewExpression.parse("split=test")).isEmpty)
    #expect(try store.sampleIds(ViewExpression()).count == 5)
  }
}
