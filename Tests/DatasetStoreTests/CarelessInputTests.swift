import DatasetImport
import DatasetStore
import Evaluation
import Foundation
import ImageCodec
import SegmentationCore
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Careless and hostile input that used to lose or hide data.
@Suite("Careless input loses nothing", .serialized)
struct CarelessInputTests {
  @Test("an eval whose view matches no sample keeps the stored run")
  func emptyViewKeepsRun() throws {
    let f = try Fixture(samples: 6)
    defer { f.remove() }
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root, predictions: [("model_b", "pred")]).run(into: store)
    _ = try HistogramIndexer(store: store).run()
    let (run, total, _, _) = try EvaluationRunner(store: store).run(.init(key: "b", predField: "model_b"), version: "t")
    var empty = EvaluationRunner.Request(key: "b", predField: "model_b")
    empty.sampleIds = []
    #expect {
      try EvaluationRunner(store: store).run(empty, version: "t2")
    } throws: { "\($0)".contains("the view matches 0 samples; the stored run 'b' is kept") }
    let kept = try #require(try store.runs().first { $0.key == "b" })
    #expect(kept.id == run.id && kept.version == "t")
    #expect(try store.matrix(run: kept).0 == total)
  }

  @Test("an import that finds no samples, or uses another layout than the dataset's, changes nothing")
  func wrongLayoutChangesNothing() throws {
    let f = try Fixture(samples: 5)
    defer { f.remove() }
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root).run(into: store)
    try store.setMeta("format", "imgseg")
    let classes = try store.fields().first?.classes
    // The VOC importer finds nothing it knows here: it must stop before marking samples vanished.
    #expect(throws: (any Error).self) { try VOCImporter(root: f.root).run(into: store) }
    #expect(try store.sampleCount() == 5)
    #expect(try store.fields().first?.classes == classes)
    // Another layout than the dataset was made with needs --force.
    #expect { try ImportGuard.checkFormat("cityscapes", store: store, force: false) } throws: { "\($0)".contains("imported as imgseg") }
    try ImportGuard.checkFormat("cityscapes", store: store, force: true)
    try ImportGuard.checkFormat("imgseg", store: store, force: false)
    // The images folder emptied (an unmounted share): nothing vanishes.
    try FileManager.default.moveItem(atPath: f.root + "/data", toPath: f.root + "/data-away")
    try FileManager.default.createDirectory(atPath: f.root + "/data", withIntermediateDirectories: true)
    #expect { try ImgSegImporter(root: f.root).run(into: store) } throws: { "\($0)".contains("found no samples, but the dataset has 5; nothing was changed") }
    #expect(try store.sampleCount() == 5)
  }

  @Test("a run left pending by a dead process is removed at the next open; a live one stays; neither is listed")
  func stalePendingRuns() throws {
    let f = try Fixture(samples: 2)
    defer { f.remove() }
    var host = [CChar](repeating: 0, count: 256)
    gethostname(&host, 255)
    let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    // A process that has exited: its pid names nobody (reaped by Shell.run).
    let dead = try Shell.run(["sh", "-c", "echo $$"])
    let deadPid = Int32(String(decoding: dead.out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 999_999
    do {
      let store = try DatasetStore(root: f.root)
      _ = try ImgSegImporter(root: f.root, predictions: [("model_b", "pred")]).run(into: store)
      try store.write { db in
        for (k, pid) in [("gone", deadPid), ("alive", getpid())] {
          try db.execute(
            sql:
              "INSERT INTO eval_run(key, gt_field, pred_field, dialect, class_count, options, version, kind) VALUES (?, 'ground_truth', 'model_b', 'mmseg', 10, '{}', 't', 'pending')",
            arguments: [[k, "pending", hostName, String(pid), UUID().uuidString].joined(separator: "\u{1}")])
        }
      }
    }
    let reopened = try DatasetStore(root: f.root)
    let left = try reopened.read { db in try String.fetchAll(db, sql: "SELECT key FROM eval_run WHERE kind = 'pending'") }
    #expect(left.count == 1 && left[0].hasPrefix("alive\u{1}pending"))
    #expect(try reopened.runs().isEmpty)
    #expect { try reopened.runId(named: "nope") } throws: { !"\($0)".contains("pending") }
  }

  @Test("a partial index is announced with its counts")
  func partialIndexWarning() throws {
    let f = try Fixture(samples: 6)
    defer { f.remove() }
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root).run(into: store)
    let indexer = HistogramIndexer(store: store)
    #expect(try indexer.coverage() == (0, 6))
    #expect(try indexer.incompleteWarning()?.contains("index incomplete (0 of 6 masks)") == true)
    _ = try indexer.run()
    #expect(try indexer.coverage() == (6, 6))
    #expect(try indexer.incompleteWarning() == nil)
  }

  /// A COCO folder with one 40x30 image and the given categories and annotations (JSON text).
  func coco(categories: String, annotations: String, imageSize: String = "\"width\": 40, \"height\": 30") throws -> String {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("coco-careless-" + UUID().uuidString).path
    try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
    try FileBytes.writeAtomically(JPEGEncoder.encode(RGBImage(width: 40, height: 30)), to: root + "/data/a.jpg")
    try FileBytes.writeAtomically(JPEGEncoder.encode(RGBImage(width: 40, height: 30)), to: root + "/data/b.jpg")
    let labels = """
      {"images": [{"id": 1, "file_name": "a.jpg", "width": 40, "height": 30}, {"id": 2, "file_name": "b.jpg", \(imageSize)}],
       "categories": [\(categories)], "annotations": [\(annotations)]}
      """
    try labels.write(toFile: root + "/labels.json", atomically: true, encoding: .utf8)
    return root
  }

  @Test("COCO: duplicate category ids, absurd polygons and image sizes are problems naming them; the rest imports")
  func cocoHostile() throws {
    let root = try coco(
      categories: "{\"id\": 3, \"name\": \"car\"}, {\"id\": 3, \"name\": \"bus\"}",
      annotations: """
        {"id": 1, "image_id": 1, "category_id": 3, "segmentation": [[2, 2, 20, 2, 20, 20, 2, 20]], "area": 324, "iscrowd": 0},
        {"id": 2, "image_id": 1, "category_id": 3, "segmentation": [[0, 0, 1e12, 0, 1e12, -1e12]], "area": 1, "iscrowd": 0}
        """, imageSize: "\"width\": 1000000000, \"height\": 1000000000")
    defer { try? FileManager.default.removeItem(atPath: root) }
    let store = try DatasetStore(root: root)
    let t0 = Date()
    let report = try CocoImporter(root: root).run(into: store)
    #expect(Date().timeIntervalSince(t0) < 30)
    let text = report.problems.map { "\($0.path): \($0.problem)" }.joined(separator: "\n")
    #expect(text.contains("category id 3 appears twice ('car' and 'bus')"), "\(text)")
    #expect(text.contains("annotation 2: polygon coordinate 1000000000000.0 is far outside the 40x30 image"), "\(text)")
    #expect(text.contains("b.jpg: the JSON says 1000000000x1000000000, over the limit"), "\(text)")
    #expect(report.samples == 1)
    #expect(try store.instances(field: "ground_truth").count == 1)
    // class:NAME works on instance fields (the summed area of the class's instances).
    #expect(try store.sampleIds(ViewExpression.parse("class:car")).count == 1)
    #expect(try store.sampleIds(ViewExpression.parse("class:car>1000")).isEmpty)
    #expect(try store.sampleIds(ViewExpression.parse("sort:-pixels(car)")).count == 1)
  }

  @Test("imgseg and VOC export of an instance dataset rasterizes it; ids a mask cannot hold are refused at once")
  func exportInstances() throws {
    let root = try coco(
      categories: "{\"id\": 3, \"name\": \"car\"}, {\"id\": 7, \"name\": \"person\"}",
      annotations: """
        {"id": 1, "image_id": 1, "category_id": 3, "segmentation": [[2, 2, 30, 2, 30, 20, 2, 20]], "area": 504, "iscrowd": 0},
        {"id": 2, "image_id": 1, "category_id": 7, "segmentation": [[10, 5, 14, 5, 14, 9, 10, 9]], "area": 16, "iscrowd": 0}
        """)
    defer { try? FileManager.default.removeItem(atPath: root) }
    let store = try DatasetStore(root: root)
    _ = try CocoImporter(root: root).run(into: store)
    let ids = try store.sampleIds(ViewExpression())
    for format in [Exporter.Format.imgseg, .voc] {
      let out = root + "/out-\(format.rawValue)"
      let r = try Exporter(store: store).export(format, sampleIds: ids, to: out)
      #expect(r.problems.isEmpty, "\(r.problems)")
      let maskPath = out + (format == .imgseg ? "/labels/a.png" : "/SegmentationClass/a.png")
      let h = try ImageLoader.loadMask(path: maskPath).histogram()
      // The small person stays visible over the larger car; the rest is background.
      #expect(h[3] ?? 0 > 300 && h[7] ?? 0 > 0 && h[0] ?? 0 > 0, "\(h)")
    }
    // A category id 2^31 - 1 cannot be a mask value: refused before anything is written.
    let big = try coco(categories: "{\"id\": 2147483647, \"name\": \"huge\"}", annotations: "")
    defer { try? FileManager.default.removeItem(atPath: big) }
    let s2 = try DatasetStore(root: big)
    _ = try CocoImporter(root: big).run(into: s2)
    let t0 = Date()
    #expect { try Exporter(store: s2).export(.imgseg, sampleIds: try s2.sampleIds(ViewExpression()), to: big + "/out") } throws: {
      "\($0)".contains("has the value 2147483647, which a imgseg mask cannot hold")
    }
    #expect(Date().timeIntervalSince(t0) < 5)
    #expect(!FileManager.default.fileExists(atPath: big + "/out/classes.txt"))
  }

  @Test("a file name that is not UTF-8 is reported, not dropped silently")
  func nonUTF8Names() throws {
    let f = try Fixture(samples: 2)
    defer { f.remove() }
    // "bad\xff.png" made with the C API (Foundation would refuse the name).
    let path = f.root + "/data/train/bad"
    var bytes = Array(path.utf8) + [0xFF] + Array(".png".utf8) + [0]
    let fd = bytes.withUnsafeMutableBufferPointer { p in
      p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { open($0, O_CREAT | O_WRONLY, 0o644) }
    }
    #expect(fd >= 0)
    close(fd)
    let store = try DatasetStore(root: f.root)
    let report = try ImgSegImporter(root: f.root).run(into: store)
    #expect(report.problems.contains { $0.path.hasPrefix("data/train/bad") && $0.problem.contains("not valid UTF-8") }, "\(report.problems)")
    #expect(report.samples == 2)
  }
}
