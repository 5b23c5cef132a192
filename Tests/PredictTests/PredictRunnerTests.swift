import DatasetImport
import DatasetStore
import Foundation
import ImageCodec
@testable import Predict
import SegmentationCore
import TestSupport
import Testing

/// `segscope predict`'s runner against a stand-in model (Tests/Scripts/test_predictor.py) that can
/// skip samples, write the wrong size or values, crash, or dawdle.
@Suite("predict: the file protocol, failures, resume and cancel")
struct PredictRunnerTests {
  static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
    "Scripts/test_predictor.py"
  ).path

  static func dataset() throws -> (String, DatasetStore) {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("predict-" + UUID().uuidString).path
    let r = try Shell.run([Binary.path, "demo", "--dir", d, "--samples", "9", "--size", "64x48", "--print"])
    try #require(r.status == 0, "demo: \(r.err)")
    return (d, try DatasetStore(root: d))
  }

  static func command(_ env: [String: String] = [:]) -> String {
    env.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ") + " python3 \(script) {manifest}"
  }

  @Test("outputs become the field and its confidence field; the command and counts are stored")
  func imports() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    var r = PredictRunner.Request(name: "stand_in", command: Self.command())
    r.batch = 4
    let out = try PredictRunner(store: store).run(r)
    #expect(out.imported == 9 && out.confidences == 9 && out.failed.isEmpty && out.commandFailures.isEmpty && !out.cancelled)
    let fields = try store.fields()
    #expect(fields.contains { $0.name == "stand_in" && $0.role == .prediction })
    #expect(fields.contains { $0.name == "stand_in.confidence" && $0.kind == .confidence })
    let pairs = try store.maskPairs(gt: FieldName.groundTruth, pred: "stand_in")
    #expect(pairs.count == 9)
    // The files are where the protocol says, beside the database, and hold what the model wrote.
    for (_, _, p) in pairs {
      #expect(p.path.hasPrefix(".segscope/predictions/stand_in/") && FileManager.default.fileExists(atPath: store.absolutePath(p.path)))
    }
    let meta = try #require(try store.meta("predict:stand_in"))
    #expect(meta.contains("test_predictor.py") && meta.contains("\"imported\":9") && meta.contains("\"started\""))
    // Indexed: every mask of the new field has its class histogram.
    let (indexed, total) = try HistogramIndexer(store: store).coverage()
    #expect(indexed == total && total >= 27)
  }

  @Test("a sample without output, one of the wrong size and one with values outside the class map are named; the rest is imported")
  func failures() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let r = PredictRunner.Request(name: "p", command: Self.command(["SKIP": "street_0002", "WRONG": "street_0005", "OUTSIDE": "street_0007"]))
    let out = try PredictRunner(store: store).run(r)
    #expect(out.imported == 6)
    let failed = Dictionary(uniqueKeysWithValues: out.failed.map { (($0.0 as NSString).lastPathComponent, $0.1) })
    #expect(failed["street_0002.jpg"]?.contains("wrote no output") == true)
    #expect(failed["street_0005.jpg"]?.contains("63x48, but the image is 64x48") == true)
    #expect(failed["street_0007.jpg"]?.contains("values outside the class map: 77") == true)
    #expect(try store.problems().filter { $0.stage == "predict p" }.count == 3)
  }

  @Test("a command that exits non-zero is reported with its status and the end of its stderr")
  func commandFails() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    var r = PredictRunner.Request(name: "p", command: Self.command(["EXIT": "3", "SKIP": "street_0001"]))
    r.batch = 5
    let out = try PredictRunner(store: store).run(r)
    #expect(out.commandFailures.count == 2)
    #expect(out.commandFailures[0].contains("exited with status 3") && out.commandFailures[0].contains("CUDA out of memory"))
    #expect(out.imported == 8 && out.failed.count == 1)
    // A command that does not take the manifest is refused before anything runs.
    #expect(throws: (any Error).self) { try PredictRunner(store: store).run(PredictRunner.Request(name: "q", command: "true")) }
    #expect(throws: (any Error).self) { try PredictRunner(store: store).run(PredictRunner.Request(name: "ground_truth", command: Self.command())) }
  }

  @Test("a re-run skips outputs newer than their image; a newer image and --force predict again")
  func resume() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let log = root + "/calls.log"
    let r = PredictRunner.Request(name: "p", command: Self.command(["LOG": log]))
    _ = try PredictRunner(store: store).run(r)
    #expect(try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").count == 9)
    try FileManager.default.removeItem(atPath: log)
    let again = try PredictRunner(store: store).run(r)
    #expect(again.skipped == 9 && again.imported == 9 && !FileManager.default.fileExists(atPath: log), "the model ran again")
    // One image changes: only it is predicted again.
    let image = root + "/data/train/street_0004.jpg"
    try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: image)
    let one = try PredictRunner(store: store).run(r)
    #expect(one.skipped == 8)
    #expect(try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map { ($0 as NSString).lastPathComponent } == ["street_0004.jpg"])
    var forced = r
    forced.force = true
    _ = try PredictRunner(store: store).run(forced)
    #expect(try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").count == 10)
  }

  @Test("cancel stops the command's whole process group and keeps the batches done")
  func cancel() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let log = root + "/calls.log"
    var r = PredictRunner.Request(name: "p", command: Self.command(["SLEEP": "0.6", "LOG": log]))
    r.batch = 3
    let start = Date()
    let out = try PredictRunner(store: store).run(r, shouldStop: { Date().timeIntervalSince(start) > 3.0 })
    #expect(out.cancelled)
    #expect(out.imported >= 3 && out.imported < 9, "\(out.imported)")
    #expect(Date().timeIntervalSince(start) < 9, "the cancel waited for the model")
    let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").count
    Thread.sleep(forTimeInterval: 1.5)
    #expect(try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").count == calls, "the model kept running after the cancel")
    #expect(try store.maskPairs(gt: FieldName.groundTruth, pred: "p").count == out.imported)
  }

  @Test("probabilities written to the manifest's \"probs\" path become the field's masks (their argmax); bad ones are named and the label map is used")
  func probabilities() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let gt = try #require(try store.fields().first { $0.name == FieldName.groundTruth })
    let planes = gt.classes.filter { !$0.isIgnore }.count
    let r = PredictRunner.Request(name: "soft", command: Self.command(["PROBS": "\(planes)", "NAN": "street_0003"]))
    let out = try PredictRunner(store: store).run(r)
    #expect(out.imported == 9 && out.probabilities == 8, "\(out.imported) \(out.probabilities)")
    let failed = Dictionary(uniqueKeysWithValues: out.failed.map { (($0.0 as NSString).lastPathComponent, $0.1) })
    #expect(failed["street_0003.jpg"]?.contains("probabilities not used") == true && failed["street_0003.jpg"]?.contains("NaN") == true, "\(failed)")
    let pairs = try store.maskPairs(gt: FieldName.groundTruth, pred: "soft")
    let byName = Dictionary(uniqueKeysWithValues: pairs.map { (($0.1.path as NSString).lastPathComponent, $0.2.path) })
    #expect(pairs.filter { $0.2.path.hasSuffix(".npy") }.count == 8)
    #expect(pairs.contains { $0.2.path.hasSuffix("street_0003.png") }, "\(byName)")
    // The argmax is what the model meant: the same label map the PNG path would have carried.
    let npy = try #require(pairs.first { $0.2.path.hasSuffix(".npy") }?.2)
    let mask = try ImageLoader.loadMask(path: store.absolutePath(npy.path))
    #expect(Set(mask.histogram().keys).isSubset(of: [0, 1]) && mask.histogram().count == 2)
    // A K different from the class map is named, and nothing usable is left for that sample.
    let wrongK = PredictRunner.Request(name: "wrong_k", command: Self.command(["PROBS": "\(planes + 1)"]))
    let bad = try PredictRunner(store: store).run(wrongK)
    #expect(bad.imported == 0 && bad.failed.count == 9)
    #expect(bad.failed.allSatisfy { $0.1.contains("\(planes + 1) class planes, but the class map has \(planes) classes") }, "\(bad.failed.first!)")
    // A re-run keeps probabilities newer than their image.
    let again = try PredictRunner(store: store).run(r)
    #expect(again.skipped == 9 && again.probabilities == 8)
  }

  @Test("an imported prediction field is refused as --name (it would mix two models); --force replaces the whole field")
  func importedFieldIsNotMixed() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    // The demo imports model_a: predicting into it on a view of 3 samples would leave 6 of its masks.
    let before = try store.maskPairs(gt: FieldName.groundTruth, pred: "model_a")
    #expect(before.count == 9)
    var r = PredictRunner.Request(name: "model_a", command: Self.command())
    r.sampleIds = Array(try store.sampleIds(ViewExpression()).prefix(3))
    #expect(throws: (any Error).self) { try PredictRunner(store: store).run(r) }
    #expect(try store.maskPairs(gt: FieldName.groundTruth, pred: "model_a").map(\.2.path) == before.map(\.2.path), "nothing changed")
    r.force = true
    let out = try PredictRunner(store: store).run(r)
    #expect(out.imported == 3)
    let after = try store.maskPairs(gt: FieldName.groundTruth, pred: "model_a")
    #expect(after.count == 3 && after.allSatisfy { $0.2.path.hasPrefix(".segscope/predictions/model_a/") }, "\(after.map(\.2.path))")
    // Now predict made it: a later run on other samples adds to it without --force.
    var more = PredictRunner.Request(name: "model_a", command: Self.command())
    more.sampleIds = Array(try store.sampleIds(ViewExpression()).suffix(2))
    _ = try PredictRunner(store: store).run(more)
    #expect(try store.maskPairs(gt: FieldName.groundTruth, pred: "model_a").count == 5)
  }
}

/// What a model must not get away with: writing over the dataset, leaving bad outputs that a re-run
/// keeps, flooding memory with its stderr, or outliving segscope.
extension PredictRunnerTests {
  @Test("a model that writes over a ground-truth mask is an error naming the file; the run stops and the damage is a problem")
  func modelDamagesDataset() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let ids = try store.sampleIds(ViewExpression())
    let gt = try #require(try store.masks(sampleId: ids[1])[FieldName.groundTruth])
    var r = PredictRunner.Request(name: "p", command: Self.command(["CLOBBER": store.absolutePath(gt)]))
    r.batch = 3
    let out = try PredictRunner(store: store).run(r)
    #expect(out.changedFiles.map(\.0) == [gt], "\(out.changedFiles)")
    #expect(out.changedFiles.first?.1.contains("bytes") == true)
    #expect(out.damage?.contains(gt) == true && out.damage?.contains("the run stopped") == true)
    #expect(out.imported == 3, "the first batch's outputs are good; no further batch ran")
    #expect(try store.problems().contains { $0.path == gt && $0.problem.contains("changed while the model ran") })
    // A model that behaves raises nothing.
    let fine = try PredictRunner(store: store).run(PredictRunner.Request(name: "q", command: Self.command()))
    #expect(fine.changedFiles.isEmpty && fine.damage == nil)
  }

  @Test("a re-run predicts again the samples whose earlier output failed its checks")
  func rerunRedoesFailedOutputs() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let first = try PredictRunner(store: store).run(PredictRunner.Request(name: "p", command: Self.command(["WRONG": "street_0005"])))
    #expect(first.imported == 8 && first.failed.count == 1)
    let log = root + "/calls.log"
    let again = try PredictRunner(store: store).run(PredictRunner.Request(name: "p", command: Self.command(["LOG": log])))
    #expect(again.imported == 9 && again.failed.isEmpty && again.skipped == 8)
    #expect(try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map { ($0 as NSString).lastPathComponent } == ["street_0005.jpg"])
  }

  @Test("a model's stderr is read as it is written: its tail is reported, memory stays bounded, and no file is left in the temporary folder")
  func stderrIsBounded() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let tmp = NSTemporaryDirectory()
    let before = Set(try FileManager.default.contentsOfDirectory(atPath: tmp).filter { $0.hasPrefix("segscope-predict-") })
    let out = try PredictRunner(store: store).run(PredictRunner.Request(name: "p", command: Self.command(["STDERR_MB": "40", "EXIT": "2"])))
    let failure = try #require(out.commandFailures.first)
    #expect(failure.contains("status 2") && failure.contains("CUDA out of memory") && failure.contains("last words of the model"))
    let after = Set(try FileManager.default.contentsOfDirectory(atPath: tmp).filter { $0.hasPrefix("segscope-predict-") })
    #expect(after.subtracting(before).isEmpty, "left behind: \(after.subtracting(before))")
    // The kept tail is bounded whatever the model writes.
    var tail = StderrTail(limit: 1000)
    let chunk = [UInt8](repeating: 0x41, count: 700) + [0x0A]
    for _ in 0..<100 { chunk.withUnsafeBytes { tail.append($0) } }
    #expect(tail.bytes.count == 1000 && tail.total == 70_100 && tail.lines(5).first?.hasPrefix("…") == true)
  }

  @Test("ending segscope ends the model: TERM to its process group, KILL after the grace period")
  func endAllEndsTheModel() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let pidFile = root + "/model.pid"
    // A model that ignores TERM, so KILL must follow.
    let command = "trap '' TERM; PIDFILE=\(pidFile) SLEEP=30 python3 \(Self.script) {manifest}"
    let runner = Thread {
      _ = try? PredictRunner(store: try! DatasetStore(root: root)).run(PredictRunner.Request(name: "p", command: command))
    }
    runner.start()
    let deadline = Date().addingTimeInterval(20)
    while !FileManager.default.fileExists(atPath: pidFile) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    let pid = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8)))
    // Only this test's group: other tests' models run at the same time.
    let group = getpgid(pid)
    #expect(ModelProcesses.running.contains(group))
    let start = Date()
    ModelProcesses.end([group], grace: 1)
    #expect(Date().timeIntervalSince(start) < 5)
    Thread.sleep(forTimeInterval: 0.3)
    var st = ""
    if let s = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) { st = s }
    #expect(st.isEmpty || st.contains(") Z"), "the model is still running: \(st)")
    _ = store
  }

  @Test("SIGHUP to segscope predict (the SSH connection dropped) ends the model's process group and segscope")
  func hangupEndsTheModel() throws {
    let (root, _) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let pidFile = root + "/model.pid"
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Binary.path)
    p.arguments = ["predict", root, "--name", "p", "--cmd", "PIDFILE=\(pidFile) SLEEP=30 python3 \(Self.script) {manifest}"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    let deadline = Date().addingTimeInterval(20)
    while !FileManager.default.fileExists(atPath: pidFile) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    let pid = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8)))
    kill(p.processIdentifier, SIGHUP)
    let hung = Date()
    while p.isRunning && Date().timeIntervalSince(hung) < 10 { Thread.sleep(forTimeInterval: 0.05) }
    #expect(!p.isRunning, "segscope did not end after SIGHUP")
    // Gone, or a zombie its new parent has not reaped yet (not running).
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    #expect(stat.isEmpty || stat.contains(") Z"), "the model outlived segscope: \(stat)")
    if p.isRunning { kill(p.processIdentifier, SIGKILL) }
    if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
  }
}
