import DatasetImport
import DatasetStore
import Evaluation
import Foundation
import GRDB
import ImageCodec
import SegmentationCore
import Shards
import TestSupport
import Testing

/// `eval --shard` and `merge` below the command line: slices, parts, refusals, and the merged run equal
/// to a one-process run number for number.
@Suite("Sharded evaluation: slices, parts and an exact merge")
struct ShardedEvaluationTests {
  /// A small imgseg dataset: 23 samples with ground truth and a prediction; one prediction of the wrong
  /// size (a problem) and one ground truth with a value outside the class map (a note).
  static func dataset(index: Bool = true) throws -> (String, DatasetStore) {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("shards-" + UUID().uuidString).path
    for d in ["data", "labels", "pred"] { try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true) }
    try "road\ncar\nperson\nsky\n".write(toFile: root + "/classes.txt", atomically: true, encoding: .utf8)
    var rng = SystemRandomNumberGenerator()
    for i in 0..<23 {
      let w = 40, h = 30
      var gt = [UInt8](repeating: 0, count: w * h), pred = gt
      for y in 0..<h {
        for x in 0..<w {
          let v = UInt8((x / 10 + y / 8 + i) % 4)
          gt[y * w + x] = v
          pred[y * w + x] = Int.random(in: 0..<10, using: &rng) == 0 ? UInt8((Int(v) + 1) % 4) : v
        }
      }
      if i == 5 { gt[7] = 9 }  // outside the class map
      if i % 7 == 3 { gt[3] = 255 }  // ignored
      let name = String(format: "s%02d", i)
      try FileBytes.writeAtomically(PNGEncoder.encode(RGBImage(width: w, height: h)), to: "\(root)/data/\(name).png")
      try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: w, height: h, values: gt)), to: "\(root)/labels/\(name).png")
      let p = i == 11 ? LabelMask(width: w - 1, height: h, values: Array(pred.prefix((w - 1) * h))) : LabelMask(width: w, height: h, values: pred)
      try FileBytes.writeAtomically(PNGEncoder.encode(p), to: "\(root)/pred/\(name).png")
    }
    let store = try DatasetStore(root: root)
    _ = try ImgSegImporter(root: root, predictions: [("model", "pred")]).run(into: store)
    if index { _ = try HistogramIndexer(store: store).run() }
    return (root, store)
  }

  static func shards(_ store: DatasetStore, _ r: EvaluationRunner.Request, n: Int, dir: String) throws -> [String] {
    let ro = try DatasetStore.openReadOnly(store.root)
    return try (0..<n).map { i in
      let path = "\(dir)/part-\(i).seg"
      _ = try EvaluationRunner(store: ro).runShard(r, shard: try Shard(index: i, count: n), out: path, view: nil, version: "test")
      return path
    }
  }

  @Test("the slices are disjoint, cover every id, and depend on the id alone")
  func slicing() throws {
    let ids: [Int64] = Array(1...1000) + [99_999, 123_456_789]
    for n in [1, 2, 3, 4, 7, 64] {
      var seen = Set<Int64>()
      for i in 0..<n {
        let shard = try Shard(index: i, count: n)
        let mine = ids.filter { shard.owns($0) }
        #expect(seen.isDisjoint(with: mine))
        seen.formUnion(mine)
        // Balanced to within one sample per residue class over consecutive ids.
        if n <= 4 { #expect(abs(ids.prefix(1000).filter { shard.owns($0) }.count - 1000 / n) <= 1) }
      }
      #expect(seen == Set(ids))
    }
    #expect(Shard.owner(of: 10, count: 4) == 2)
    #expect(try Shard.parse("3/4", shards: nil, environment: [:]) == Shard(index: 3, count: 4))
    #expect(
      try Shard.parse("auto", shards: nil, environment: ["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "5", "SLURM_ARRAY_TASK_COUNT": "4"])
        == Shard(index: 2, count: 4))
    #expect(try Shard.parse("auto", shards: 8, environment: ["JOB_COMPLETION_INDEX": "5"]) == Shard(index: 5, count: 8))
    for (text, shards, env) in [
      ("4/4", nil, [:]), ("x/4", nil, [:]), ("1/0", nil, [:]), ("auto", nil, [:]), ("auto", nil, ["JOB_COMPLETION_INDEX": "1"]),
      ("auto", 3, ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4"]), ("1/4", 5, [:]),
    ] as [(String, Int?, [String: String])] {
      #expect(throws: ShardError.self, "\(text) \(String(describing: shards)) \(env)") { try Shard.parse(text, shards: shards, environment: env) }
    }
  }

  @Test("4 shards merged equal one process: totals, per-sample matrices, problems, notes, boundary IoU")
  func mergeEqualsOneProcess() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    for boundary in [false, true] {
      var r = EvaluationRunner.Request(key: "one", predField: "model")
      r.boundary = boundary
      let (oneRun, oneTotal, oneProblems, oneNotes) = try EvaluationRunner(store: store).run(r, version: "test")
      let parts = try Self.shards(store, r, n: 4, dir: root)
      let (run, total, problems, notes, _) = try EvaluationRunner(store: store).merge(parts: parts, key: "merged", version: "test") { _ in [] }
      #expect(total == oneTotal)
      #expect(problems == oneProblems && problems.count == 1, "\(problems)")
      #expect(notes == oneNotes && notes.count == 1, "\(notes)")
      #expect(try store.sampleMatrices(run: run) == store.sampleMatrices(run: oneRun))
      #expect(try store.matrix(run: run).evaluated == store.matrix(run: oneRun).evaluated)
      #expect(run.classCount == oneRun.classCount && run.options == oneRun.options)
      if boundary { #expect(try store.boundary(run: run) == store.boundary(run: oneRun) && store.boundary(run: run) != nil) }
      let m = SemanticMetrics(matrix: total, dialect: .mmseg), o = SemanticMetrics(matrix: oneTotal, dialect: .mmseg)
      #expect(m.mIoU == o.mIoU && m.aAcc == o.aAcc && m.fwIoU == o.fwIoU)
    }
  }

  @Test("missing, duplicated, foreign, incomplete parts and parts of other options are refused; nothing is stored")
  func refusals() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let r = EvaluationRunner.Request(key: "x", predField: "model")
    let parts = try Self.shards(store, r, n: 4, dir: root)
    // Another dataset's part 2, and part 2 of other options.
    let (otherRoot, other) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: otherRoot) }
    let foreign = try Self.shards(other, r, n: 4, dir: otherRoot)[2]
    var boundary = r
    boundary.boundary = true
    try FileManager.default.createDirectory(atPath: root + "/b", withIntermediateDirectories: true)
    let otherOptions = try Self.shards(store, boundary, n: 4, dir: root + "/b")[2]
    // A part whose shard died half-way (no end line).
    let text = try String(contentsOfFile: parts[3], encoding: .utf8)
    let cut = root + "/cut.seg"
    try String(text.split(separator: "\n").prefix(3).joined(separator: "\n") + "\n").write(toFile: cut, atomically: true, encoding: .utf8)
    let dup = root + "/dup.seg"
    try FileManager.default.copyItem(atPath: parts[1], toPath: dup)
    let before = try store.runs()
    let cases: [([String], [String])] = [
      ([parts[0], parts[1], parts[3]], ["missing shard: 2/4"]),
      (parts + [dup], ["shard 1/4 is given 2 times", "dup.seg"]),
      ([parts[0], parts[1], foreign, parts[3]], ["foreign part", "fingerprint", "missing shard: 2/4"]),
      ([parts[0], parts[1], otherOptions, parts[3]], ["foreign part", "missing shard: 2/4"]),
      ([parts[0], parts[1], parts[2], cut], ["cut.seg", "incomplete", "run shard 3/4 again"]),
      ([root + "/classes.txt"] + parts, ["classes.txt: not a segscope part file"]),
    ]
    for (given, words) in cases {
      do {
        _ = try EvaluationRunner(store: store).merge(parts: given, key: "x", version: "test") { _ in [] }
        Issue.record("merged \(given)")
      } catch {
        for w in words { #expect("\(error)".contains(w), "\(error) should say \(w)") }
      }
      #expect(try store.runs() == before)
    }
    // Parts of another segscope version.
    do {
      _ = try EvaluationRunner(store: store).merge(parts: parts, key: "x", version: "other") { _ in [] }
      Issue.record("merged parts of another version")
    } catch { #expect("\(error)".contains("made by segscope test")) }
    // The dataset changed after the shards ran: a prediction's file is replaced by a new revision.
    try store.write { db in try db.execute(sql: "UPDATE mask SET revision = revision + 1 WHERE rowid = (SELECT MIN(rowid) FROM mask)") }
    do {
      _ = try EvaluationRunner(store: store).merge(parts: parts, key: "x", version: "test") { _ in [] }
      Issue.record("merged parts of a dataset that changed")
    } catch { #expect("\(error)".contains("do not match the dataset as it is now")) }
    #expect(try store.runs() == before)
  }

  @Test("a re-run shard replaces its part and the merge goes through; a shard never writes the database")
  func rerunAndReadOnly() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let r = EvaluationRunner.Request(key: "x", predField: "model")
    let files = [store.databasePath, store.databasePath + "-wal"]
    let bytes = files.map { FileManager.default.contents(atPath: $0) }
    let parts = try Self.shards(store, r, n: 3, dir: root)
    #expect(files.map { FileManager.default.contents(atPath: $0) } == bytes, "a shard changed the database")
    // Shard 1 again (say its node failed after writing): the same file is replaced atomically.
    let ro = try DatasetStore.openReadOnly(root)
    _ = try EvaluationRunner(store: ro).runShard(r, shard: try Shard(index: 1, count: 3), out: parts[1], view: nil, version: "test")
    #expect(!((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).contains { $0.contains(".partial-") })
    let (_, total, _, _, _) = try EvaluationRunner(store: store).merge(parts: parts, key: "x", version: "test") { _ in [] }
    let (_, one, _, _) = try EvaluationRunner(store: store).run(.init(key: "y", predField: "model"), version: "test")
    #expect(total == one)
    // The read-only store refuses writes outright.
    #expect(throws: (any Error).self) { try ro.write { db in try db.execute(sql: "DELETE FROM eval_run") } }
  }

  @Test("an instance field: 4 shards of IoUs merged give pycocotools' numbers and the same per-image matches")
  func instanceShards() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("coco-shards-" + UUID().uuidString).path
    defer { try? FileManager.default.removeItem(atPath: root) }
    try CocoImporterTests.writeOracleDataset(root)
    let store = try DatasetStore(root: root)
    _ = try CocoImporter(root: root, predictions: [("model", "results.json")]).run(into: store)
    let r = EvaluationRunner.Request(key: "one", predField: "model")
    let one = try EvaluationRunner(store: store).runInstances(r, version: "test")
    let ro = try DatasetStore.openReadOnly(root)
    let parts = try (0..<4).map { i in
      let p = "\(root)/inst-\(i).seg"
      _ = try EvaluationRunner(store: ro).runInstanceShard(r, shard: try Shard(index: i, count: 4), out: p, view: nil, version: "test")
      return p
    }
    let (merged, _) = try EvaluationRunner(store: store).mergeInstances(parts: parts, key: "merged", version: "test") { _ in [] }
    #expect(merged.stats == one.stats)
    #expect(merged.perCategoryAP == one.perCategoryAP)
    #expect(merged.matches == one.matches && !one.matches.isEmpty)
    #expect(merged.imageCounts == one.imageCounts)
    let expected = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/expected.json"))) as? [String: Any])
    let stats = try #require(expected["stats"] as? [Double])
    for (a, b) in zip(merged.stats, stats) { #expect(abs(a - b) < 1e-12) }
    for s in try store.sampleIds(ViewExpression()) {
      #expect(try store.instanceMatches(run: "merged", sampleId: s) == store.instanceMatches(run: "one", sampleId: s))
    }
    // A shard missing is refused here too.
    #expect(throws: ShardError.self) { try EvaluationRunner(store: store).mergeInstances(parts: Array(parts.prefix(3)), key: "x", version: "test") { _ in [] } }
  }

  @Test("the indexing pass in 3 shards stores the same histograms, layouts and problems as one pass")
  func indexShards() throws {
    let (root, store) = try Self.dataset(index: false)
    defer { try? FileManager.default.removeItem(atPath: root) }
    // The same files indexed in one pass, in a copy of the folder.
    let copy = root + "-copy"
    try FileManager.default.copyItem(atPath: root, toPath: copy)
    defer { try? FileManager.default.removeItem(atPath: copy) }
    try FileManager.default.removeItem(atPath: copy + "/.segscope")
    let other = try DatasetStore(root: copy)
    _ = try ImgSegImporter(root: copy, predictions: [("model", "pred")]).run(into: other)
    // A mask that cannot be read: a problem in both.
    for r in [root, copy] { try FileBytes.writeAtomically(Array("not a png".utf8), to: r + "/labels/s04.png") }
    _ = try HistogramIndexer(store: other).run()
    let ro = try DatasetStore.openReadOnly(root)
    let parts = try (0..<3).map { i in
      let p = "\(root)/index-\(i).seg"
      _ = try HistogramIndexer(store: ro).runShard(shard: try Shard(index: i, count: 3), out: p, version: "test")
      return p
    }
    #expect(try HistogramIndexer(store: store).coverage().indexed == 0, "a shard wrote the database")
    #expect(throws: ShardError.self) { try HistogramIndexer(store: store).merge(parts: Array(parts.prefix(2)), version: "test") }
    let (indexed, problems) = try HistogramIndexer(store: store).merge(parts: parts, version: "test")
    // The unreadable mask, and the value outside the class map in s05.
    #expect(indexed == 46 && problems.count == 2 && problems.contains { $0.0.hasSuffix("s04.png") }, "\(indexed) \(problems)")
    func rows(_ s: DatasetStore) throws -> [String] {
      try s.read { db in
        try Row.fetchAll(db, sql: "SELECT field, sample_id, hex(hist) AS h, hex(layout) AS l FROM mask_histogram ORDER BY field, sample_id").map {
          "\($0["field"] as String):\($0["sample_id"] as Int64):\($0["h"] as String? ?? ""):\($0["l"] as String? ?? "")"
        }
      }
    }
    #expect(try rows(store) == rows(other) && rows(store).count == 46)
    #expect(try store.problems().map(\.problem) == other.problems().map(\.problem))
    #expect(try store.sampleIds(ViewExpression.parse("class:car>10")) == other.sampleIds(ViewExpression.parse("class:car>10")))
    // Merging the same parts again is refused: nothing is pending any more.
    #expect(throws: ShardError.self) { try HistogramIndexer(store: store).merge(parts: parts, version: "test") }
  }
}

extension ShardedEvaluationTests {
  @Test("a part with a line longer than any record is refused without reading it all")
  func hugeLine() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("huge-\(UUID().uuidString).seg").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    var data = Data("{".utf8)
    data.append(Data(repeating: 0x78, count: LineReader.maxLine + 10))
    try data.write(to: URL(fileURLWithPath: path))
    #expect {
      _ = try PartFiles.readHeader(path)
    } throws: { "\($0)".contains("a line longer than 64 MiB") }
  }
}

/// Damage to parts: a flipped bit is caught by the checksum; numbers no shard writes are refused even
/// in a part whose checksum was made to fit; nothing is stored, and nothing stored traps a later read.
extension ShardedEvaluationTests {
  /// Rewrites a part's lines with `edit`, then gives it the checksum of its new lines (as a careless
  /// tool, or a deliberate edit, would).
  static func reseal(_ path: String, edit: (inout [String]) -> Void) throws {
    var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    let end = lines.removeLast()
    edit(&lines)
    var sum = PartChecksum()
    for l in lines { sum.add(line: l) }
    let samples = end.split(separator: ",")[1].split(separator: ":")[1]
    try (lines.joined(separator: "\n") + "\n" + sum.endLine(samples: Int(samples)!)).write(toFile: path, atomically: true, encoding: .utf8)
  }

  static func refused(_ store: DatasetStore, _ parts: [String], saying words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let before = try? store.runs()
    do {
      _ = try EvaluationRunner(store: store).merge(parts: parts, key: "x", version: "test") { _ in [] }
      Issue.record("merged damaged parts", sourceLocation: sourceLocation)
    } catch {
      for w in words { #expect("\(error)".contains(w), "\(error) should say \(w)", sourceLocation: sourceLocation) }
    }
    #expect((try? store.runs()) == before, sourceLocation: sourceLocation)
  }

  @Test("one flipped bit in an evaluation part is refused by its checksum, naming the part and the shard")
  func flippedBit() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let parts = try Self.shards(store, EvaluationRunner.Request(key: "x", predField: "model"), n: 2, dir: root)
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: parts[1])))
    // A bit of a matrix count in the second record (inside its base64 text: still valid base64).
    let second = bytes.indices.filter { bytes[$0] == 0x0A }[1] + 1
    let m = second + Array(bytes[second...]).firstIndex(of: UInt8(ascii: "m"))! + 4
    bytes[m + 6] ^= bytes[m + 6] == UInt8(ascii: "A") ? 0x02 : 0x01
    try Data(bytes).write(to: URL(fileURLWithPath: parts[1]))
    Self.refused(store, parts, saying: ["part-1.seg", "checksum", "run shard 1/2 again"])
  }

  @Test("evaluation parts with counts no mask has are refused even with a fitting checksum")
  func implausibleEvaluationNumbers() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let r = EvaluationRunner.Request(key: "x", predField: "model")
    let edits: [(String, (String) -> String)] = [
      ("ig -1000000", { $0.replacingOccurrences(of: "{\"id\":", with: "{\"ig\":-1000000,\"id\":") }),
      ("ig 2^63-1", { $0.replacingOccurrences(of: "{\"id\":", with: "{\"ig\":9223372036854775807,\"id\":") }),
      ("unknown class count", { $0.replacingOccurrences(of: "{\"id\":", with: "{\"u\":{\"70000\":5},\"id\":") }),
      (
        "a huge matrix",
        { line in
          // Every count of the record's matrix made 2^62.
          let o = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
          var m = MatrixBlob.decode(Array(Data(base64Encoded: o["m"] as! String)!), classCount: 4)!
          var big = ConfusionMatrix(classCount: 4)
          m.forEachNonZero { g, p, _ in big[g, p] = 1 << 62 }
          m = big
          return line.replacingOccurrences(of: o["m"] as! String, with: MatrixBlob.encode(m).base64EncodedString())
        }
      ),
    ]
    for (name, edit) in edits {
      let dir = root + "/" + name.replacingOccurrences(of: " ", with: "_")
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      let parts = try Self.shards(store, r, n: 2, dir: dir)
      try Self.reseal(parts[0]) { lines in lines[1] = edit(lines[1]) }
      Self.refused(store, parts, saying: ["part-0.seg", "damaged", "run shard 0/2 again"])
    }
    // A header whose numbers would size memory or overflow.
    let dir = root + "/header"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let parts = try Self.shards(store, r, n: 2, dir: dir)
    try Self.reseal(parts[0]) { lines in lines[0] = lines[0].replacingOccurrences(of: "\"samples\":", with: "\"samples\":9223372036854775807,\"x\":") }
    Self.refused(store, parts, saying: ["part-0.seg"])
    try Self.reseal(parts[1]) { lines in lines[0] = lines[0].replacingOccurrences(of: "\"classCount\":4", with: "\"classCount\":0") }
    Self.refused(store, [parts[1]], saying: ["part-1.seg", "damaged header", "0 classes"])
  }

  @Test("index parts with a count of 2^63-1, class 70000 or a hidden class-map problem are refused or corrected")
  func implausibleIndexNumbers() throws {
    let (root, store) = try Self.dataset(index: false)
    defer { try? FileManager.default.removeItem(atPath: root) }
    let ro = try DatasetStore.openReadOnly(root)
    func parts(_ name: String) throws -> [String] {
      try (0..<2).map { i in
        let p = "\(root)/\(name)-\(i).seg"
        _ = try HistogramIndexer(store: ro).runShard(shard: try Shard(index: i, count: 2), out: p, version: "test")
        return p
      }
    }
    func histogram(_ entries: [(UInt32, UInt64)]) -> String {
      var d = Data()
      for (v, n) in entries {
        withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) }
        withUnsafeBytes(of: n.littleEndian) { d.append(contentsOf: $0) }
      }
      return d.base64EncodedString()
    }
    func withHistogram(_ line: String, _ h: String) -> String {
      var o = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
      o["h"] = h
      return String(decoding: try! JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self)
    }
    for (name, h, word) in [
      ("max", histogram([(0, UInt64(Int64.max))]), "pixels of class 0"), ("class", histogram([(0, 100), (70000, 5)]), "class value 70000"),
      ("order", histogram([(2, 100), (1, 5)]), "out of order"), ("bytes", "AAAA", "not whole entries"),
    ] {
      let p = try parts(name)
      try Self.reseal(p[0]) { lines in lines[1] = withHistogram(lines[1], h) }
      #expect {
        try HistogramIndexer(store: store).merge(parts: p, version: "test")
      } throws: { e in
        "\(e)".contains("\(name)-0.seg") && "\(e)".contains(word) && "\(e)".contains("run shard 0/2 again")
      }
      #expect(try HistogramIndexer(store: store).coverage().indexed == 0)
    }
    // A record that hides its values outside the class map: the merge finds them again.
    let p = try parts("hidden")
    for part in p {
      try Self.reseal(part) { lines in
        lines = lines.map { line in
          guard line.hasPrefix("{"), line.contains("\"p\":"), line.contains("class map") else { return line }
          var o = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
          o["p"] = nil
          return String(decoding: try! JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self)
        }
      }
    }
    let (_, problems) = try HistogramIndexer(store: store).merge(parts: p, version: "test")
    #expect(problems.contains { $0.0.hasSuffix("s05.png") && $0.1.contains("values outside the class map: 9 (1 px)") }, "\(problems)")
  }
}
