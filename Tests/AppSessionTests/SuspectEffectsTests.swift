import DemoScenes
import AppCore
import AppSession
import DatasetFixtures
import Workflows
import DatasetImport
import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore
import Synchronization
import Testing

/// Three 48x32 samples of road; sample s0 has a person (a 10x8 block) that both models call a car,
/// and a second person at the right that they agree is a person.
struct SwapFixture {
  let root: String
  let store: DatasetStore
  static let person: UInt8 = 5, car: UInt8 = 6

  init() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("suspects-" + UUID().uuidString).path
    for d in ["images", "masks", "pred_a", "pred_b"] { try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true) }
    try DemoClasses.table.map(\.name).joined(separator: "\n").write(toFile: root + "/classes.txt", atomically: true, encoding: .utf8)
    for i in 0..<3 {
      var gt = [UInt8](repeating: 0, count: 48 * 32)
      for y in 20..<28 { for x in 36..<42 { gt[y * 48 + x] = Self.person } }
      var pred = gt
      if i == 0 {
        for y in 8..<16 {
          for x in 10..<20 {
            gt[y * 48 + x] = Self.person
            pred[y * 48 + x] = Self.car
          }
        }
      }
      let scene = DemoScene.generate(seed: UInt64(i), width: 48, height: 32)
      try FileBytes.writeAtomically(PNGEncoder.encode(scene.image), to: "\(root)/images/s\(i).png")
      try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: 48, height: 32, values: gt)), to: "\(root)/masks/s\(i).png")
      for p in ["pred_a", "pred_b"] {
        try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: 48, height: 32, values: pred)), to: "\(root)/\(p)/s\(i).png")
      }
    }
    store = try DatasetStore(root: root)
    var job = FolderImport()
    job.predictions = [("model_a", "pred_a"), ("model_b", "pred_b")]
    _ = try job.run(into: store)
  }

  func remove() { try? FileManager.default.removeItem(atPath: root) }

  func sampleId(_ stem: String) throws -> Int64 {
    try #require(try store.samples(ids: store.sampleIds(ViewExpression.parse(""))).first { $0.stem == stem }?.id)
  }

  /// The current ground truth of a sample.
  func groundTruth(_ id: Int64) throws -> LabelMask { try MaskEditor(store: store).current(sampleId: id).0 }
}

@Suite("Suspect effects against a real dataset: find, relabel, re-check, undo, dismiss", .serialized)
struct SuspectEffectsTests {
  func entries(_ actions: [AppAction]) -> [SuspectEntry]? {
    for a in actions { if case .suspects(.suspectsLoaded(_, _, let e, _)) = a { return e } }
    return nil
  }

  @Test("the job finds the swapped person; L's effect relabels exactly its pixels as a new revision; the re-check drops it; undo brings it back")
  func relabelFlow() throws {
    let f = try SwapFixture()
    defer { f.remove() }
    let s0 = try f.sampleId("s0")
    let original = try Data(contentsOf: URL(fileURLWithPath: f.root + "/masks/s0.png"))
    let runner = EffectRunner(store: f.store, version: "test")
    let found = runner.perform(.suspects(.findMistakes(fields: ["model_a", "model_b"], job: .mistakes(fields: ["model_a", "model_b"]))))
    guard case .jobProgress(.mistakes(fields: ["model_a", "model_b"]), nil)? = found.first else {
      Issue.record("the job's progress is not cleared first: \(found)")
      return
    }
    let list = try #require(entries(found))
    let swap = try #require(list.first)
    #expect(list.count == 1 && swap.sampleId == s0)
    #expect(swap.region.given == 5 && swap.region.predicted == 6 && swap.region.kind == .swap)
    #expect(found.contains { if case .statusMessage(let m, false) = $0 { return m.contains("1 suspect regions in 1 of 3 samples") } else { return false } })

    let revised = runner.perform(.suspects(.relabelSuspect(run: "model_a+model_b", sample: s0, region: swap.region, baseRevision: 0)))
    guard case .triage(.maskRevised(let sample, let message))? = revised.first else {
      Issue.record("expected maskRevised, got \(revised)")
      return
    }
    #expect(sample == s0 && message.contains("saved GT revision 1") && message.contains("+80 car"))
    let after = try f.groundTruth(s0)
    for y in 0..<32 {
      for x in 0..<48 {
        let inBlock = x >= 10 && x < 20 && y >= 8 && y < 16
        let other = x >= 36 && x < 42 && y >= 20 && y < 28
        #expect(after[x: x, y: y] == (inBlock ? 6 : other ? 5 : 0), "pixel \(x),\(y)")
      }
    }
    // The user's file is untouched.
    #expect(try Data(contentsOf: URL(fileURLWithPath: f.root + "/masks/s0.png")) == original)
    // The re-check that follows the revision: the region is gone.
    #expect(entries(runner.perform(.suspects(.recheckSuspects(run: "model_a+model_b", sample: s0)))) == [])
    // A relabel based on a revision the database no longer has is refused.
    let stale = runner.perform(.suspects(.relabelSuspect(run: "model_a+model_b", sample: s0, region: swap.region, baseRevision: 0)))
    #expect(stale.contains { if case .statusMessage(let m, true) = $0 { return m.contains("changed in another session") } else { return false } })
    // Undo, re-check: the suspect is back.
    _ = runner.perform(.triage(.undoRevision(sample: s0)))
    #expect(try f.groundTruth(s0)[x: 12, y: 10] == 5)
    #expect(entries(runner.perform(.suspects(.recheckSuspects(run: "model_a+model_b", sample: s0))))?.count == 1)
  }

  @Test("a dismissed region leaves the list and stays out when the run is made again")
  func dismissFlow() throws {
    let f = try SwapFixture()
    defer { f.remove() }
    let runner = EffectRunner(store: f.store, version: "test")
    let swap = try #require(
      entries(runner.perform(.suspects(.findMistakes(fields: ["model_a", "model_b"], job: .mistakes(fields: ["model_a", "model_b"])))))?.first)
    #expect(entries(runner.perform(.suspects(.dismissSuspect(run: "model_a+model_b", sample: swap.sampleId, region: swap.region)))) == [])
    // Another session, the same database: the dismissal is stored.
    let again = EffectRunner(store: try DatasetStore(root: f.root), version: "test")
    #expect(entries(again.perform(.suspects(.findMistakes(fields: ["model_a", "model_b"], job: .mistakes(fields: ["model_a", "model_b"]))))) == [])
    #expect(entries(again.perform(.suspects(.loadSuspects(run: nil)))) == [])
  }

  @Test("without a run the screen is told there is none; one prediction makes a weaker run that s can switch to")
  func runsList() throws {
    let f = try SwapFixture()
    defer { f.remove() }
    let runner = EffectRunner(store: f.store, version: "test")
    guard case .suspects(.suspectsLoaded(let none, nil, let noEntries, 0))? = runner.perform(.suspects(.loadSuspects(run: nil))).first else {
      Issue.record("no empty suspectsLoaded")
      return
    }
    #expect(none.isEmpty && noEntries.isEmpty)
    _ = runner.perform(.suspects(.findMistakes(fields: ["model_a", "model_b"], job: .mistakes(fields: ["model_a", "model_b"]))))
    _ = runner.perform(.suspects(.findMistakes(fields: ["model_b"], job: .mistakes(fields: ["model_b"]))))
    guard case .suspects(.suspectsLoaded(let runs, let run, _, let checked))? = runner.perform(.suspects(.loadSuspects(run: "model_a+model_b"))).first else {
      Issue.record("no suspectsLoaded")
      return
    }
    #expect(Set(runs.map(\.key)) == ["model_a+model_b", "model_b"] && run == "model_a+model_b" && checked == 3)
    #expect(runs.first { $0.key == "model_b" }?.evidence == .hardPrediction)
    #expect(runs.first { $0.key == "model_a+model_b" }?.evidence == .predictions)
  }

  @Test("a job cancelled while it runs says so, stores no run of its own and leaves the runner ready for the next job")
  func cancelled() throws {
    let f = try SwapFixture()
    defer { f.remove() }
    let job = JobID.mistakes(fields: ["model_b"])
    let control = Mutex<JobControl?>(nil)
    // x pressed as soon as the first sample is done.
    let runner = EffectRunner(store: f.store, version: "test") { actions in
      if actions.contains(where: { if case .jobProgress(_, let j?) = $0 { return j.done >= 1 } else { return false } }) {
        control.withLock { $0 }?.cancel([job])
      }
    }
    control.withLock { $0 = runner.control }
    let out = runner.perform(.suspects(.findMistakes(fields: ["model_b"], job: job)))
    guard case .jobProgress(job, nil)? = out.first else {
      Issue.record("the job's progress is not cleared first: \(out)")
      return
    }
    #expect(out.contains { if case .statusMessage(let m, false) = $0 { return m.contains("label-error search cancelled") } else { return false } })
    // Started again, the job runs to the end (a new start clears the old cancellation).
    let plain = EffectRunner(store: f.store, version: "test")
    #expect(entries(plain.perform(.suspects(.findMistakes(fields: ["model_b"], job: job))))?.count == 1)
  }
}
