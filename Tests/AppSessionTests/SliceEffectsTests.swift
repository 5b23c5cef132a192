import AppCore
import AppSession
import DatasetFixtures
import Workflows
import DatasetStore
import Foundation
import SegmentationCore
import Synchronization
import Testing

@Suite("Clusters and slices as background jobs against a real dataset", .serialized)
struct SliceEffectsTests {
  func evaluated(_ samples: Int) throws -> SessionFixture {
    let f = try SessionFixture(samples: samples)
    _ = EffectRunner(store: f.store, version: "test").perform(.evaluate(field: "model_b", job: .evaluate(field: "model_b")))
    #expect(try f.store.runs().map(\.key) == ["model_b"])
    return f
  }

  func loaded(_ out: [AppAction]) -> (SliceListKind, SliceList)? {
    for a in out { if case .slices(.slicesLoaded(let kind, let list)) = a { return (kind, list) } }
    return nil
  }

  @Test("clusters: every image in one cluster, listed as views cluster:N with the run's mIoU; the stored clusters read back the same")
  func clusters() throws {
    let f = try evaluated(24)
    defer { f.remove() }
    let runner = EffectRunner(store: f.store, version: "test")
    let out = runner.perform(.curation(.curate(.clusters(k: 3, run: "model_b"), job: .clusters)))
    let (kind, list) = try #require(loaded(out), "\(out)")
    #expect(kind == .clusters && list.entries.count == 3)
    #expect(list.entries.map(\.size).reduce(0, +) == 24)
    #expect(list.entries.allSatisfy { $0.miou != nil && $0.interval != nil })
    #expect(Set(list.entries.map(\.definition.text)) == ["cluster:1", "cluster:2", "cluster:3"])
    // Worst first.
    let mious = list.entries.compactMap(\.miou)
    #expect(mious == mious.sorted())
    let stored = try #require(loaded(runner.perform(.curation(.curate(.storedClusters(run: "model_b"), job: .clusters)))))
    #expect(stored.1.entries.map(\.definition) == list.entries.map(\.definition) && stored.1.entries.map(\.miou) == list.entries.map(\.miou))
  }

  @Test("slices: a cancelled search reports it and lists nothing; run again, it ends with a list (maybe empty) and a message")
  func slicesAndCancel() throws {
    let f = try evaluated(40)
    defer { f.remove() }
    let control = Mutex<JobControl?>(nil)
    let cancelling = EffectRunner(store: f.store, version: "test") { actions in
      if actions.contains(where: { if case .jobProgress(.slices, let j?) = $0 { return j.title.hasPrefix("slices: testing") } else { return false } }) {
        control.withLock { $0 }?.cancel([.slices])
      }
    }
    control.withLock { $0 = cancelling.control }
    let stopped = cancelling.perform(.curation(.curate(.slices(run: "model_b", view: ViewExpression()), job: .slices)))
    #expect(loaded(stopped) == nil)
    #expect(
      stopped.contains { if case .curation(.curationFinished(.slices, nil, let m, false)) = $0 { return m.contains("cancelled") } else { return false } },
      "\(stopped)")
    let out = EffectRunner(store: f.store, version: "test").perform(.curation(.curate(.slices(run: "model_b", view: ViewExpression()), job: .slices)))
    let (kind, list) = try #require(loaded(out), "\(out)")
    #expect(kind == .slices && list.summary.contains("Benjamini-Hochberg"))
    for e in list.entries { #expect((e.gap ?? 0) > 0 && (e.interval?.lowerBound ?? 0) > 0) }
  }
}
