import Curation
import DatasetFixtures
import DatasetStore
import Foundation
import SegmentationCore
import Testing
import Workflows

@Suite("What to annotate next: one workflow for segscope next and the app's :next", .serialized)
struct AnnotationPicksTests {
  @Test("the picks are tagged (an earlier tag moves to them), made a queue over their tag, or exported as CVAT")
  func destinations() throws {
    let f = try SessionFixture(samples: 8, secondModel: true)
    defer { f.remove() }
    let sigs = try Curator(store: f.store).signatures().0
    let all = try f.store.sampleIds(ViewExpression())
    try f.store.replaceTag([all[0], all[1], all[2]], "next")
    let tagged = try AnnotationPicks.pick(f.store, fields: ["model_a", "model_b"], ids: nil, signatures: sigs, budget: 2, spread: 0, into: .tag("next"))
    #expect(tagged.picks.count == 2)
    #expect(Set(try f.store.sampleIds(ViewExpression.parse("tag:next"))) == Set(tagged.picks.map(\.sampleId)))
    // Most uncertain first: the scores do not rise.
    #expect(tagged.picks[0].score >= tagged.picks[1].score)

    let queued = try AnnotationPicks.pick(f.store, fields: ["model_a", "model_b"], ids: nil, signatures: sigs, budget: 3, spread: 0, into: .queue("round1"))
    let queue = try #require(try f.store.queues().first { $0.name == "round1" })
    #expect(queue.expression == "tag:round1")
    #expect(Set(try f.store.sampleIds(ViewExpression.parse(queue.expression))) == Set(queued.picks.map(\.sampleId)))

    let out = f.root + "/cvat-out"
    let exported = try AnnotationPicks.pick(f.store, fields: ["model_a", "model_b"], ids: nil, signatures: sigs, budget: 2, spread: 0, into: .export(out))
    #expect(exported.exported?.samples == 2)
    #expect(FileManager.default.fileExists(atPath: out))
  }

  @Test("with nothing to pick among, an earlier tag keeps its samples and nothing is written")
  func nothingPicked() throws {
    let f = try SessionFixture(samples: 6, secondModel: true)
    defer { f.remove() }
    let sigs = try Curator(store: f.store).signatures().0
    let first = try f.store.sampleIds(ViewExpression())[0]
    try f.store.replaceTag([first], "next")
    let none = try AnnotationPicks.pick(f.store, fields: ["model_a", "model_b"], ids: [], signatures: sigs, budget: 3, spread: 0, into: .tag("next"))
    #expect(none.picks.isEmpty)
    #expect(try f.store.sampleIds(ViewExpression.parse("tag:next")) == [first])
    let out = f.root + "/never"
    _ = try AnnotationPicks.pick(f.store, fields: ["model_a", "model_b"], ids: [], signatures: sigs, budget: 3, spread: 0, into: .export(out))
    #expect(!FileManager.default.fileExists(atPath: out))
  }
}
