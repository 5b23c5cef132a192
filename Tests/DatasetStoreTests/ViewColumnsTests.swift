import DatasetImport
import DatasetStore
import Evaluation
import Foundation
import ImageCodec
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
    // Warmed up front (as the app does in the background) or loaded on demand: the same answers.
    let warmed = try DatasetStore(root: f.root)
    try warmed.warmViewColumns()
    let views = [
      "", "split=val", "split!=val", "not split=val", "not split!=train", "class:car", "not class:car", "class:person>=200",
      "class:person<200", "class:car=0", "class:car!=0", "class:road>100 not class:sky", "class:car@model_b>10 split=train",
      "pixels(car)>=50", "sort:path", "sort:-path", "class:road limit:3", "class:road skip:2 limit:4", "sort:-path skip:5",
      "not class:'traffic sign'", "class:terrain<=0", "sort:-pixels(car)", "sort:pixels(road) split=val", "class:sky sort:-pixels(person) limit:4 skip:1",
      "sort:pixels(car@model_b)",
    ]
    for text in views {
      #expect(try store.sampleIds(ViewExpression.parse(text)) == viaSQL(store, text), "\(text)")
      #expect(try warmed.sampleIds(ViewExpression.parse(text)) == viaSQL(store, text), "warmed: \(text)")
    }
    #expect(throws: ViewResolveError.self) { try store.sampleIds(ViewExpression.parse("class:unicorn")) }
    #expect(throws: ViewResolveError.self) { try store.sampleIds(ViewExpression.parse("class:car@nope")) }
  }

  @Test("columns kept in the database serve the next session, and go stale with samples and histograms")
  func persisted() throws {
    let f = try Fixture(samples: 10)
    defer { f.remove() }
    // An 11th class that no mask uses.
    try "road\nsidewalk\nbuilding\nvegetation\nsky\nperson\ncar\npole\ntraffic sign\nterrain\nunused\n".write(
      toFile: f.root + "/classes.txt", atomically: true, encoding: .utf8)
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root).run(into: store)
    _ = try HistogramIndexer(store: store).run()
    #expect(try store.sampleIds(ViewExpression.parse("class:unused")).isEmpty)
    #expect(try store.sampleIds(ViewExpression.parse("not class:unused")).count == 10)
    let views = ["class:car", "not class:road split=train", "class:person>=200 split!=val", "split=val", "class:unused", "not class:unused"]
    let expected = try views.map { try viaSQL(store, $0) }
    // The first session builds the columns and keeps them.
    for (v, e) in zip(views, expected) { #expect(try store.sampleIds(ViewExpression.parse(v)) == e, "\(v)") }
    let keys = try store.read { db in try String.fetchAll(db, sql: "SELECT key FROM view_cache ORDER BY key") }
    #expect(keys.contains("samples") && keys.contains { $0.hasPrefix("class\u{1F}ground_truth\u{1F}") }, "\(keys)")
    // A new session answers from them, without rebuilding (the stored generations are unchanged).
    let stamps = try store.read { db in
      try Row.fetchAll(db, sql: "SELECT key, gen FROM view_cache ORDER BY key").map { "\($0["key"] as String)=\($0["gen"] as String)" }
    }
    let next = try DatasetStore(root: f.root)
    for (v, e) in zip(views, expected) { #expect(try next.sampleIds(ViewExpression.parse(v)) == e, "next session: \(v)") }
    #expect(
      try store.read { db in try Row.fetchAll(db, sql: "SELECT key, gen FROM view_cache ORDER BY key").map { "\($0["key"] as String)=\($0["gen"] as String)" } }
        == stamps)
    // A relabel (a new histogram) and a split change make the stored columns stale: a later session
    // sees the new data, not the kept blobs.
    let id = try #require(expected[0].first)
    let car = try store.classValue("car", field: "ground_truth")
    let (mask, ref) = try MaskEditor(store: store).current(sampleId: id)
    let noCar = LabelMask(width: mask.width, height: mask.height, values16: mask.values16.map { Int($0) == car ? 0 : $0 })
    _ = try MaskEditor(store: store).commit(sampleId: id, field: "ground_truth", base: ref.revision, before: mask, after: noCar, note: "no car")
    let afterRelabel = try DatasetStore(root: f.root)
    #expect(try !afterRelabel.sampleIds(ViewExpression.parse("class:car")).contains(id), "the relabel is seen by a new session")
    try store.write { db in try db.execute(sql: "UPDATE sample SET split = 'val' WHERE id = ?", arguments: [id]) }
    let later = try DatasetStore(root: f.root)
    for v in views { #expect(try later.sampleIds(ViewExpression.parse(v)) == viaSQL(later, v), "after changes: \(v)") }
    #expect(try !later.sampleIds(ViewExpression.parse("class:car")).contains(id))
    // A damaged blob is rebuilt, not trusted.
    try store.write { db in try db.execute(sql: "UPDATE view_cache SET data = x'00' WHERE key = 'samples'") }
    let damaged = try DatasetStore(root: f.root)
    for v in views { #expect(try damaged.sampleIds(ViewExpression.parse(v)) == viaSQL(damaged, v), "damaged cache: \(v)") }
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
      var hist: [Int: Int] = [:]
      for e in try DatasetStore.histogram(db, sampleId: id, field: "ground_truth") ?? [] { hist[e.value] = e.pixels }
      hist[6] = 2_000_000
      try DatasetStore.replaceHistogram(db, sampleId: id, field: "ground_truth", hist)
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

@Suite("Confidence maps of predictions")
struct ConfidenceImportTests {
  @Test("--conf NAME=DIR is a confidence field of its prediction; wrong sizes and unknown predictions are reported; the indexer leaves it alone")
  func importConfidence() throws {
    let f = try Fixture(samples: 4)
    defer { f.remove() }
    for i in 0..<4 {
      let split = i % 4 == 0 ? "val" : "train"
      let size = i == 1 ? 10 : 64
      try FileManager.default.createDirectory(atPath: f.root + "/conf/\(split)", withIntermediateDirectories: true)
      try f.write("conf/\(split)/s\(i).png", PNGEncoder.encode(LabelMask(width: size, height: size == 10 ? 10 : 48, fill: 200)))
    }
    let store = try DatasetStore(root: f.root)
    var importer = ImgSegImporter(root: f.root, predictions: [("model_b", "pred")])
    importer.confidences = [("model_b", "conf"), ("nope", "conf")]
    let report = try importer.run(into: store)
    #expect(report.fields.contains("model_b.confidence"))
    #expect(report.failedRequests.contains { $0.hasPrefix("--conf nope=conf") && $0.contains("'nope' is not a prediction field") })
    #expect(report.problems.contains { $0.0.hasPrefix("conf/train/s1.png") || $0.1.contains("conf/train/s1.png") })
    let field = try #require(try store.fields().first { $0.name == "model_b.confidence" })
    #expect(field.kind == .confidence && field.role == .confidence && field.classes.isEmpty)
    _ = try HistogramIndexer(store: store).run()
    let rows = try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM mask_histogram WHERE field = 'model_b.confidence'") }
    #expect(rows == 0)
    #expect(throws: (any Error).self) { try EvaluationRunner(store: store).run(.init(key: "c", predField: "model_b.confidence"), version: "t") }
    #expect(try store.problems().allSatisfy { !$0.path.hasPrefix("conf/") || $0.stage == "import" })
  }
}
