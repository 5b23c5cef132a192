import DemoScenes
import AppCore
import AppSession
import DatasetFixtures
import Workflows
import DatasetImport
import DatasetStore
import Evaluation
import Foundation
import ImageCodec
import SegmentationCore
import Synchronization
import Testing

/// A view expression written in a test (the text is known to parse).
func v(_ text: String) -> ViewExpression { try! ViewExpression.parse(text) }

@Suite("The effect runner against a real dataset", .serialized)
struct EffectRunnerTests {
  @Test("loading the dataset gives class names, colours, ignore values and runs from the store")
  func loadDataset() throws {
    let f = try SessionFixture()
    defer { f.remove() }
    let runner = EffectRunner(store: f.store, version: "test")
    guard case .datasetLoaded(_, let total, let fields, let names, _, let ignore, let runs, _) = try runner.loadDataset() else {
      Issue.record("not datasetLoaded")
      return
    }
    #expect(total == 6 && fields == ["ground_truth", "model_b"])
    #expect(names == DemoClasses.table.map(\.name))
    #expect(ignore.contains(255) && runs.isEmpty)
  }

  @Test("a view load answers with its request number; a view the dataset cannot resolve fails that request")
  func loadView() throws {
    let f = try SessionFixture()
    defer { f.remove() }
    let runner = EffectRunner(store: f.store, version: "test")
    let a = runner.perform(.loadView(v("split=val"), run: nil, request: 5))
    guard case .viewLoaded(let view, _, let ids, _, let request, _)? = a.first else {
      Issue.record("\(a)")
      return
    }
    #expect(view.text == "split=val" && ids.count == 2 && request == 5)
    let bad = runner.perform(.loadView(v("miou(no_such_run)<0.5"), run: nil, request: 6))
    guard case .viewFailed(let text, let message, let r)? = bad.first else {
      Issue.record("\(bad)")
      return
    }
    #expect(text == "miou(no_such_run)<0.5" && message.contains("no_such_run") && r == 6)
  }

  @Test("an evaluation job cancelled while it runs stores nothing; run again, it stores the run and reloads the dataset")
  func evaluateAndCancel() throws {
    let f = try SessionFixture()
    defer { f.remove() }
    // The first progress report cancels the job, as `x` does in the app.
    let box = ControlBox()
    let cancelling = EffectRunner(store: f.store, version: "test") { actions in
      if actions.contains(where: { if case .jobProgress(_, .some) = $0 { return true } else { return false } }) {
        box.control?.cancel([.evaluate(field: "model_b")])
      }
    }
    box.control = cancelling.control
    let stopped = cancelling.perform(.evaluate(field: "model_b", job: .evaluate(field: "model_b")))
    #expect(
      stopped.contains { if case .statusMessage(let m, false) = $0 { return m.contains("cancelled; nothing was stored") } else { return false } }, "\(stopped)")
    #expect(try f.store.runs().isEmpty)
    let out = EffectRunner(store: f.store, version: "test").perform(.evaluate(field: "model_b", job: .evaluate(field: "model_b")))
    #expect(
      out.contains { if case .statusMessage(let m, false) = $0 { return m.contains("evaluated model_b as run 'model_b'") } else { return false } }, "\(out)")
    #expect(try f.store.runs().map(\.key) == ["model_b"])
    // The runs screen lists it with the dialect.
    guard case .datasetLoaded(_, _, _, _, _, _, let runs, _)? = out.first(where: { if case .datasetLoaded = $0 { return true } else { return false } }) else {
      Issue.record("no datasetLoaded")
      return
    }
    #expect(runs.map(\.key) == ["model_b"] && runs.first?.dialect == .semantic(.mmseg))
  }

  @Test("FolderImport refuses a layout that is not there, and one the dataset was not made with, changing nothing")
  func importRules() throws {
    let f = try SessionFixture()
    defer { f.remove() }
    #expect(DatasetLayout.detect(f.root) == .imgseg)
    var voc = FolderImport(format: .voc)
    #expect { try voc.run(into: f.store) } throws: { "\($0)".contains("no voc layout here") }
    // A folder that looks like VOC too: the dataset was imported as imgseg, so --force is needed.
    try FileManager.default.createDirectory(atPath: f.root + "/JPEGImages", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: f.root + "/SegmentationClass", withIntermediateDirectories: true)
    #expect { try voc.run(into: f.store) } throws: { "\($0)".contains("imported as imgseg") }
    #expect(try f.store.sampleCount() == 6)
    voc.force = true
    // Forced, the VOC importer finds no samples in a dataset that has 6: still nothing changes.
    #expect { try voc.run(into: f.store) } throws: { "\($0)".contains("nothing was changed") }
    #expect(try f.store.sampleCount() == 6)
  }
}

/// Lets a runner's progress callback reach the runner's own job control (set once, before use).
final class ControlBox: @unchecked Sendable {
  var control: JobControl?
}

@Suite("Effects run on queues sized for blocking work")
struct EffectSchedulerTests {
  @Test("an interactive load completes while a background job is still running")
  func interactiveAheadOfJobs() throws {
    let f = try SessionFixture(samples: 3)
    defer { f.remove() }
    let scheduler = EffectScheduler()
    let done = DispatchSemaphore(value: 0)
    let jobHeld = DispatchSemaphore(value: 0)
    let order = OrderLog()
    // A job that posts progress and then waits (as a long evaluation would): the runner's post
    // callback blocks the job thread until the test releases it.
    let slow = EffectRunner(store: f.store, version: "test") { actions in
      if actions.contains(where: { if case .jobProgress(_, .some) = $0 { return true } else { return false } }) { _ = jobHeld.wait(timeout: .now() + 20) }
    }
    scheduler.run(.evaluate(field: "model_b", job: .evaluate(field: "model_b")), with: slow) { _ in
      order.add("job")
      done.signal()
    }
    scheduler.run(.loadView(v("split=val"), run: nil, request: 1), with: EffectRunner(store: f.store, version: "test")) { actions in
      order.add(actions.contains { if case .viewLoaded = $0 { return true } else { return false } } ? "view" : "view failed")
      done.signal()
    }
    #expect(done.wait(timeout: .now() + 20) == .success)
    #expect(order.items == ["view"], "the view waited for the job: \(order.items)")
    jobHeld.signal()
    jobHeld.signal()
    jobHeld.signal()
    #expect(done.wait(timeout: .now() + 20) == .success)
    #expect(order.items == ["view", "job"])
  }
}

final class OrderLog: Sendable {
  private let list = Mutex<[String]>([])
  func add(_ s: String) { list.withLock { $0.append(s) } }
  var items: [String] { list.withLock { $0 } }
}

@Suite("Run comparison: the runs screen and W equal runs --compare", .serialized)
struct RunComparisonSurfaceTests {
  @Test("paired per-class IoU and mIoU, signs included, and the same samples that got worse, worst first")
  func sameNumbersOnEverySurface() throws {
    let f = try SessionFixture(samples: 9)
    defer { f.remove() }
    // A second model over the same images, evaluated on the train split only: comparing each run's
    // own samples would differ from comparing the samples both evaluated.
    for sample in try f.store.samples(ids: try f.store.sampleIds(ViewExpression())) {
      let stem = ((sample.path as NSString).lastPathComponent as NSString).deletingPathExtension
      let split = sample.split ?? "train"
      let i = UInt64(stem.dropFirst())!
      let scene = DemoScene.generate(seed: i, width: 48, height: 32)
      try FileManager.default.createDirectory(atPath: "\(f.root)/pred2/\(split)", withIntermediateDirectories: true)
      try FileBytes.writeAtomically(PNGEncoder.encode(DemoModel.modelA.predict(scene.trueLabels, seed: i)), to: "\(f.root)/pred2/\(split)/\(stem).png")
    }
    var job = FolderImport()
    job.predictions = [("model_b", "pred"), ("model_a", "pred2")]
    _ = try job.run(into: f.store)
    var ra = EvaluationRunner.Request(key: "model_a", predField: "model_a")
    ra.sampleIds = try f.store.sampleIds(ViewExpression.parse("split=train"))
    _ = try EvaluationRunner(store: f.store).run(ra, version: "test")
    _ = try EvaluationRunner(store: f.store).run(EvaluationRunner.Request(key: "model_b", predField: "model_b"), version: "test")
    let runs = try f.store.runs()
    let a = try #require(runs.first { $0.key == "model_a" }), b = try #require(runs.first { $0.key == "model_b" })
    let cmp = try RunComparison(store: f.store, before: a, after: b, iterations: 50)
    #expect(cmp.commonSamples == ra.sampleIds!.count && cmp.commonSamples < 9)

    let runner = EffectRunner(store: f.store, version: "test")
    guard case .compareLoaded(let paired)? = runner.perform(.loadCompare(base: "model_a", run: "model_b", view: v(""))).first else {
      Issue.record("no comparison")
      return
    }
    #expect(paired.samples == cmp.commonSamples)
    let ma = SemanticMetrics(matrix: paired.matrixA, dialect: .mmseg), mb = SemanticMetrics(matrix: paired.matrixB, dialect: .mmseg)
    for (c, row) in cmp.classes.enumerated() {
      #expect(AppView.pct(ma.classes[c].iou) == AppView.pct(row.before) && AppView.pct(mb.classes[c].iou) == AppView.pct(row.after), "class \(c)")
      #expect(AppView.pct(mb.classes[c].iou - ma.classes[c].iou) == AppView.pct(row.delta), "class \(c)")
    }
    #expect(AppView.pct(mb.mIoU - ma.mIoU) == AppView.pct(cmp.mIoU.after - cmp.mIoU.before))

    // W: only the samples that got worse, worst first, with their changes; none that improved.
    guard case .viewLoaded(_, let title, let ids, _, _, let changes)? = runner.perform(.loadChanges(from: "model_a", to: "model_b", view: v(""))).first
    else {
      Issue.record("no view")
      return
    }
    let paths = Dictionary(uniqueKeysWithValues: try f.store.samples(ids: ids).map { ($0.id, $0.path) })
    #expect(ids.map { paths[$0]! } == cmp.worse.map(\.path))
    #expect(ids.map { changes[$0]! } == cmp.worse.map(\.delta))
    #expect(changes.values.allSatisfy { $0 < 0 })
    #expect(title.contains(ids.isEmpty ? "none got worse" : "\(ids.count) got worse"))
  }
}

@Suite("render: the background rule")
struct RenderBackgroundTests {
  @Test("with --classes naming class 0 background, render leaves it at photo brightness; --paint-background paints it")
  func classesFile() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("render-bg-" + UUID().uuidString).path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileBytes.writeAtomically(PNGEncoder.encode(RGBImage(width: 40, height: 30, fill: RGB(160, 160, 160))), to: dir + "/photo.png")
    try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: 40, height: 30)), to: dir + "/mask.png")
    var render = SampleRender(
      image: dir + "/photo.png", groundTruth: dir + "/mask.png", prediction: nil, errorMap: false, errorClass: nil, alpha: 0.5, ignore: [255])
    let painted = try #require(render.panels().first).build(40, 30).image
    render.classNames = ["background", "person"]
    let kept = try #require(render.panels().first).build(40, 30).image
    #expect(kept[x: 5, y: 5] == RGB(160, 160, 160))
    #expect(painted[x: 5, y: 5] != RGB(160, 160, 160), "without names class 0 is an ordinary class")
    render.paintBackground = true
    #expect(try #require(render.panels().first).build(40, 30).image[x: 5, y: 5] == painted[x: 5, y: 5])
  }
}

@Suite("eval when nothing can be read")
struct EvalNothingReadableTests {
  @Test("every prediction unreadable: an error naming a file, and the stored run is kept")
  func keepsTheRun() throws {
    let f = try SessionFixture()
    defer { f.remove() }
    let runner = EvaluationRunner(store: f.store)
    _ = try runner.run(EvaluationRunner.Request(key: "model_b", predField: "model_b"), version: "test")
    let before = try #require(try f.store.runs().first { $0.key == "model_b" })
    let good = try f.store.matrix(run: before).0
    // The model's files are damaged after the import.
    for (_, _, p) in try f.store.maskPairs(gt: FieldName.groundTruth, pred: "model_b") {
      try Data("not a png".utf8).write(to: URL(fileURLWithPath: f.store.absolutePath(p.path)))
    }
    do {
      _ = try runner.run(EvaluationRunner.Request(key: "model_b", predField: "model_b"), version: "test")
      Issue.record("an evaluation of nothing succeeded")
    } catch {
      #expect("\(error)".contains("no sample could be evaluated") && "\(error)".contains("pred/"), "\(error)")
    }
    let after = try #require(try f.store.runs().first { $0.key == "model_b" })
    #expect(after.id == before.id && after.createdAt == before.createdAt)
    #expect(try f.store.matrix(run: after).0 == good)
  }
}
