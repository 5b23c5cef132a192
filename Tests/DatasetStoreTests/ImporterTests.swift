import Parallel
import DemoScenes
import DatasetImport
import DatasetStore
import Evaluation
import Foundation
import ImageCodec
import SegmentationCore
import TestSupport
import Testing

/// A small imgseg dataset written by the test, with one of each kind of broken input.
struct Fixture {
  let root: String

  init(samples: Int = 8) throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("imp-" + UUID().uuidString).path
    for d in ["data/train", "data/val", "labels/train", "labels/val", "pred/train", "pred/val"] {
      try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true)
    }
    try "road\nsidewalk\nbuilding\nvegetation\nsky\nperson\ncar\npole\ntraffic sign\nterrain\n".write(
      toFile: root + "/classes.txt", atomically: true, encoding: .utf8)
    for i in 0..<samples {
      let split = i % 4 == 0 ? "val" : "train"
      let scene = DemoScene.generate(seed: UInt64(i), width: 64, height: 48)
      try write("data/\(split)/s\(i).jpg", JPEGEncoder.encode(scene.image))
      try write("labels/\(split)/s\(i).png", PNGEncoder.encode(scene.groundTruth))
      try write("pred/\(split)/s\(i).png", PNGEncoder.encode(DemoModel.modelB.predict(scene.trueLabels, seed: UInt64(i))))
    }
  }

  func write(_ rel: String, _ bytes: [UInt8]) throws { try FileBytes.writeAtomically(bytes, to: root + "/" + rel) }

  func remove() { try? FileManager.default.removeItem(atPath: root) }
}

@Suite("imgseg importer and the dataset store", .serialized)
struct ImporterTests {
  @Test("broken inputs are reported per file and the rest is imported")
  func brokenInputs() throws {
    let f = try Fixture()
    defer { f.remove() }
    let good = try PNGEncoder.encode(LabelMask(width: 64, height: 48))
    try f.write("labels/train/s1.png", Array(good.prefix(40)))  // truncated
    try f.write("labels/train/s2.png", PNGEncoder.encode(LabelMask(width: 10, height: 10)))  // wrong size
    try f.write("labels/train/orphan.png", good)  // no image
    try f.write("data/train/s3.png", PNGEncoder.encode(RGBImage(width: 64, height: 48)))  // ambiguous stem with s3.jpg
    try f.write("labels/train/s5.png", JPEGEncoder.encode(RGBImage(width: 64, height: 48)))  // JPEG named .png
    try f.write("labels/train/s6.png", PNGEncoder.encode(RGBImage(width: 64, height: 48)))  // RGB mask
    try f.write("data/train/s9.jpg", Array("garbage".utf8))  // corrupt image
    let outside = FileManager.default.temporaryDirectory.appendingPathComponent("outside-" + UUID().uuidString + ".jpg").path
    try FileBytes.writeAtomically(JPEGEncoder.encode(RGBImage(width: 8, height: 8)), to: outside)
    defer { try? FileManager.default.removeItem(atPath: outside) }
    try FileManager.default.createSymbolicLink(atPath: f.root + "/data/train/escape.jpg", withDestinationPath: outside)

    let store = try DatasetStore(root: f.root)
    let report = try ImgSegImporter(root: f.root, predictions: [("model_b", "pred")]).run(into: store)
    let problems = report.problems.map { "\($0.path): \($0.problem)" }.joined(separator: "\n")
    #expect(problems.contains("labels/train/s2.png: ground truth is 10x10 but the image is 64x48"))
    #expect(problems.contains("labels/train/orphan.png: ground_truth mask has no image"))
    #expect(problems.contains("two images share the stem 'train/s3'"))
    #expect(problems.contains("labels/train/s5.png: expected a PNG file but the content is a JPEG file"))
    #expect(problems.contains("labels/train/s6.png: mask is an RGB(A) colour image"))
    #expect(problems.contains("data/train/s9.jpg: expected a JPEG file but the content is not an image"))
    // A symbolic link to an image elsewhere on disk is followed (the folder is the user's).
    #expect(!problems.contains("escape.jpg"))
    // s0..s7 minus s3 (ambiguous), plus the linked image; s9 is corrupt and s8 does not exist.
    #expect(report.samples == 8)
    #expect(try store.samples(ids: try store.sampleIds(ViewExpression())).contains { $0.path == "data/train/escape.jpg" })
    // The truncated mask passes the header read but fails decoding in the histogram pass.
    let (_, hp) = try HistogramIndexer(store: store).run()
    #expect(hp.contains { $0.0 == "labels/train/s1.png" && $0.1.contains("truncated") })
    #expect(try store.integrityCheck() == "ok")
  }

  @Test("the indexing pass: values outside a class map are reported; without a class file they are classes by number")
  func indexerClassMaps() throws {
    let f = try Fixture(samples: 6)
    defer { f.remove() }
    // With classes.txt listing 9 of the 10 scene classes: the masks that use the 10th are reported.
    try "road\nsidewalk\nbuilding\nvegetation\nsky\nperson\ncar\npole\ntraffic sign\n".write(toFile: f.root + "/classes.txt", atomically: true, encoding: .utf8)
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root).run(into: store)
    let (n, problems) = try HistogramIndexer(store: store).run()
    #expect(n == 6)
    let withTerrain = try (0..<6).filter { i in
      let m = try ImageLoader.loadMask(path: f.root + "/labels/\(i % 4 == 0 ? "val" : "train")/s\(i).png")
      return m.histogram()[9] != nil
    }
    #expect(!withTerrain.isEmpty)
    #expect(problems.count == withTerrain.count && problems.allSatisfy { $0.1.hasPrefix("values outside the class map: 9 (") })
    // Without any class file: no map, so nothing is outside it, and the counts are kept by number.
    let g = try Fixture(samples: 6)
    defer { g.remove() }
    try FileManager.default.removeItem(atPath: g.root + "/classes.txt")
    let plain = try DatasetStore(root: g.root)
    _ = try ImgSegImporter(root: g.root).run(into: plain)
    let (m, none) = try HistogramIndexer(store: plain).run()
    #expect(m == 6 && none.isEmpty)
    #expect(try plain.problems().isEmpty)
    #expect((try HistogramIndexer(store: plain).totals()["ground_truth"]?.keys.sorted() ?? []).contains(0))
  }

  @Test("the indexing pass stops when asked, keeps what it committed, and resumes where it stopped")
  func indexerStopsAndResumes() throws {
    let f = try Fixture(samples: 40)
    defer { f.remove() }
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root, predictions: [("model_b", "pred")]).run(into: store)
    var indexer = HistogramIndexer(store: store)
    indexer.batchSize = 8
    let seen = AtomicCounter()
    // Stop part way: after 20 masks were read and once a batch is in the database (on a loaded
    // machine the first commit can come after the 20th read; stopping before it commits nothing).
    let probe = HistogramIndexer(store: store)
    let (first, _) = try indexer.run(
      progress: { _, _ in _ = seen.increment() },
      shouldStop: { seen.value >= 20 && ((try? probe.pending().count) ?? 80) < 80 })
    #expect(first > 0 && first < 80 && first % 8 == 0, "committed whole batches only: \(first)")
    #expect(try HistogramIndexer(store: store).pending().count == 80 - first)
    let (second, _) = try indexer.run()
    #expect(first + second == 80)
    #expect(try HistogramIndexer(store: store).pending().isEmpty)
    // The resumed pass gives the same counts as one uninterrupted pass.
    let g = try Fixture(samples: 40)
    defer { g.remove() }
    let other = try DatasetStore(root: g.root)
    _ = try ImgSegImporter(root: g.root, predictions: [("model_b", "pred")]).run(into: other)
    _ = try HistogramIndexer(store: other).run()
    let a = try HistogramIndexer(store: store).totals(), b = try HistogramIndexer(store: other).totals()
    #expect(a.mapValues { $0.mapValues { "\($0.pixels)/\($0.samples)" } } == b.mapValues { $0.mapValues { "\($0.pixels)/\($0.samples)" } })
  }

  @Test("re-import adds new files, reports vanished ones, and the user's files are untouched")
  func reimport() throws {
    let f = try Fixture(samples: 4)
    defer { f.remove() }
    let before = try FileManager.default.subpathsOfDirectory(atPath: f.root).sorted()
    let store = try DatasetStore(root: f.root)
    let first = try ImgSegImporter(root: f.root).run(into: store)
    #expect(first.counts.added == 4)
    try FileManager.default.removeItem(atPath: f.root + "/data/train/s1.jpg")
    let scene = DemoScene.generate(seed: 99, width: 64, height: 48)
    try f.write("data/train/new.jpg", JPEGEncoder.encode(scene.image))
    let second = try ImgSegImporter(root: f.root).run(into: store)
    #expect(second.counts.added == 1 && second.counts.updated == 3)
    #expect(second.counts.vanished == ["data/train/s1.jpg"])
    #expect(try store.sampleCount() == 4)
    let after = try FileManager.default.subpathsOfDirectory(atPath: f.root).filter { !$0.hasPrefix(".segscope") }.sorted()
    #expect(Set(after) == Set(before).subtracting(["data/train/s1.jpg"]).union(["data/train/new.jpg"]))
  }

  @Test("re-import notices a changed mask file and its class counts follow the new content")
  func reimportChangedMask() throws {
    let f = try Fixture(samples: 4)
    defer { f.remove() }
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root).run(into: store)
    _ = try HistogramIndexer(store: store).run()
    let car = try store.classValue("car", field: "ground_truth")
    let before = try store.sampleIds(ViewExpression.parse("class:car>=3000"))
    #expect(before.isEmpty)
    // The user repaints s1's mask (in another tool): most of it becomes car.
    let all = try store.sampleIds(ViewExpression())
    let s1 = try #require(store.samples(ids: all).first { $0.path == "data/train/s1.jpg" }?.id)
    try f.write("labels/train/s1.png", PNGEncoder.encode(LabelMask(width: 64, height: 48, fill: UInt16(car))))
    let again = try ImgSegImporter(root: f.root).run(into: store)
    #expect(again.counts.changedMasks == ["labels/train/s1.png"])
    #expect(try HistogramIndexer(store: store).run().indexed == 1)
    #expect(try store.sampleIds(ViewExpression.parse("class:car>=3000")) == [s1])
    #expect(try HistogramIndexer(store: store).totals()["ground_truth"]?[car]?.samples ?? 0 >= 1)
    // An unchanged dataset re-imports without re-indexing anything.
    let third = try ImgSegImporter(root: f.root).run(into: store)
    #expect(third.counts.changedMasks.isEmpty)
    #expect(try HistogramIndexer(store: store).run().indexed == 0)
    // A file broken on disk is reported; once repaired and re-imported, the complaint goes.
    let good = try FileBytes.read(f.root + "/labels/train/s2.png")
    try f.write("labels/train/s2.png", Array(good.prefix(60)))
    _ = try ImgSegImporter(root: f.root).run(into: store)
    #expect(try HistogramIndexer(store: store).run().problems.contains { $0.0 == "labels/train/s2.png" })
    #expect(try store.problems().contains { $0.path == "labels/train/s2.png" })
    try f.write("labels/train/s2.png", good)
    _ = try ImgSegImporter(root: f.root).run(into: store)
    #expect(try HistogramIndexer(store: store).run().problems.isEmpty)
    #expect(try !store.problems().contains { $0.path == "labels/train/s2.png" })
  }

  @Test("runs are written in batches: same numbers as one batch; a cancelled or failed run leaves the old one")
  func batchedRuns() throws {
    let f = try Fixture(samples: 11)
    defer { f.remove() }
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root, predictions: [("model_b", "pred")]).run(into: store)
    _ = try HistogramIndexer(store: store).run()
    var one = EvaluationRunner(store: store)
    one.chunkSize = 10_000
    let (a, ma, _, _) = try one.run(.init(key: "whole", predField: "model_b"), version: "t")
    var small = EvaluationRunner(store: store)
    small.chunkSize = 3
    let (b, mb, _, _) = try small.run(.init(key: "batched", predField: "model_b"), version: "t")
    #expect(ma == mb)
    #expect(try ma == store.matrix(run: a).0 && mb == store.matrix(run: b).0, "the runner's total is the sum of what it stored")
    #expect(try store.sampleMatrices(run: a) == store.sampleMatrices(run: b))
    #expect(
      try store.sampleMIoU(run: "whole", ids: store.sampleIds(ViewExpression())) == store.sampleMIoU(run: "batched", ids: store.sampleIds(ViewExpression())))
    // Cancelled after the first batch: the previous "batched" run is untouched and nothing pending shows.
    let calls = AtomicCounter()
    #expect(throws: EvaluationCancelled.self) {
      try small.run(.init(key: "batched", predField: "model_b"), version: "t2", progress: { _ in _ = calls.increment() }, shouldStop: { calls.value >= 3 })
    }
    let runs = try store.runs()
    #expect(runs.map(\.key) == ["whole", "batched"] && runs.last?.version == "t")
    #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM eval_run WHERE kind = 'pending'") } == 0)
    #expect(try store.sampleMatrices(run: runs[1]) == store.sampleMatrices(run: a))
    // A run finished later replaces it whole.
    let (c, _, _, _) = try small.run(.init(key: "batched", predField: "model_b"), version: "t3")
    #expect(try store.runs().map(\.version) == ["t", "t3"] && store.sampleMatrices(run: c).count == 11)
  }

  @Test("queries over histograms and stored runs; view metrics come from stored matrices")
  func queriesAndRuns() throws {
    let f = try Fixture(samples: 12)
    defer { f.remove() }
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root, predictions: [("model_b", "pred")]).run(into: store)
    _ = try HistogramIndexer(store: store).run()
    #expect(try store.count(ViewExpression.parse("split=val")) == 3)
    let withCars = try store.sampleIds(ViewExpression.parse("class:car"))
    for id in withCars {
      let m = try ImageLoader.loadMask(path: store.absolutePath(store.masks(sampleId: id)["ground_truth"]!))
      #expect(m.histogram()[6, default: 0] > 0)
    }
    // Samples without a class count as 0 pixels: "fewer than 10 car pixels" includes them.
    let all = try store.sampleIds(ViewExpression.parse(""))
    let fewCars = try store.sampleIds(ViewExpression.parse("class:car<10"))
    let manyCars = try store.sampleIds(ViewExpression.parse("class:car>=10"))
    #expect(Set(fewCars).union(manyCars) == Set(all) && Set(fewCars).isDisjoint(with: manyCars))
    #expect(try store.sampleIds(ViewExpression.parse("not class:car")).allSatisfy { !withCars.contains($0) })
    let (run, total, problems, _) = try EvaluationRunner(store: store).run(.init(key: "b", predField: "model_b"), version: "test")
    #expect(problems.isEmpty)
    // The stored per-sample matrices of a view sum to a fresh evaluation of that view.
    let val = try store.sampleIds(ViewExpression.parse("split=val"))
    let (viewMatrix, n, _) = try store.matrix(run: run, sampleIds: val)
    #expect(n == 3)
    var direct = ConfusionMatrix(classCount: run.classCount)
    for (_, g, p) in try store.maskPairs(gt: "ground_truth", pred: "model_b", sampleIds: val) {
      try direct.accumulate(gt: ImageLoader.loadMask(path: store.absolutePath(g.path)), pred: ImageLoader.loadMask(path: store.absolutePath(p.path)))
    }
    #expect(viewMatrix == direct)
    #expect(total.total > viewMatrix.total)
    // Worst-first sort is by stored per-sample mIoU.
    let sorted = try store.sampleIds(ViewExpression.parse("sort:miou(b)"))
    let mious = try store.sampleResults(run: run)
    #expect(sorted.first == mious.first?.sampleId)
    #expect(throws: ViewResolveError.self) { try store.sampleIds(ViewExpression.parse("miou(nope)<1")) }
    // Filters on a metric and a descending sort by pixels agree with the stored values.
    let bad = try store.sampleIds(ViewExpression.parse("miou(b)<0.6"))
    let byId = Dictionary(uniqueKeysWithValues: mious.map { ($0.sampleId, $0.miou) })
    #expect(bad.allSatisfy { (byId[$0] ?? nil).map { $0 < 0.6 } ?? false })
    #expect(Set(bad) == Set(mious.filter { ($0.miou ?? 1) < 0.6 }.map(\.sampleId)))
    let byCars = try store.sampleIds(ViewExpression.parse("sort:-pixels(car) limit:3"))
    #expect(byCars.count == 3 && withCars.contains(byCars[0]))
  }

  @Test("two processes tagging the same dataset at once both keep every tag")
  func concurrentWriters() throws {
    let f = try Fixture(samples: 6)
    defer { f.remove() }
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root).run(into: store)
    let bin = Binary.path
    let script =
      "for i in $(seq 1 15); do \(bin) tag \(f.root) a$i >/dev/null || echo FAIL; done & for i in $(seq 1 15); do \(bin) tag \(f.root) b$i >/dev/null || echo FAIL; done & wait"
    let r = try Shell.run(["bash", "-c", script])
    #expect(!String(decoding: r.out, as: UTF8.self).contains("FAIL"), "\(r.err)")
    let count = try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM tag") ?? 0 }
    #expect(count == 6 * 30)
    #expect(try store.integrityCheck() == "ok")
  }
}
