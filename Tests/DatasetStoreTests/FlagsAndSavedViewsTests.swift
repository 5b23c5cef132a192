import DatasetImport
import DatasetStore
import Evaluation
import Foundation
import SegmentationCore
import Testing

@Suite("Region flags and saved views")
struct FlagsAndSavedViewsTests {
  @Test func flagsAreStoredWithAuthorAndRegion() throws {
    let f = try Fixture(samples: 3)
    defer { f.remove() }
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root).run(into: store)
    let id = try #require(store.sampleIds(ViewExpression()).first)
    try store.addFlag(RegionFlag(sampleId: id, region: .component(x: 5, y: 7), suggestedClass: 6, note: "this is a car"))
    try store.addFlag(RegionFlag(sampleId: id, region: .rect(x: 1, y: 2, width: 3, height: 4), note: "blurry"))
    // A second connection (another process would do the same) sees both.
    let other = try DatasetStore(root: f.root)
    let flags = try other.flags(sampleId: id)
    #expect(flags.map(\.region) == [.component(x: 5, y: 7), .rect(x: 1, y: 2, width: 3, height: 4)])
    #expect(flags[0].suggestedClass == 6 && flags[0].note == "this is a car" && flags[0].author == DatasetStore.author && flags[0].state == .open)
  }

  @Test("view:NAME uses the filters of a saved view")
  func savedViews() throws {
    let f = try Fixture(samples: 8)
    defer { f.remove() }
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root).run(into: store)
    try store.saveView("val_only", expression: "split=val sort:path")
    #expect(try store.count(ViewExpression.parse("view:val_only")) == 2)
    #expect(try store.count(ViewExpression.parse("not view:val_only")) == 6)
    #expect(throws: ViewResolveError.self) { try store.count(ViewExpression.parse("view:nope")) }
  }
}

@Suite("Limited run sorts")
struct LimitedSortTests {
  @Test("the index walk gives the same order as the general plan")
  func agree() throws {
    let f = try Fixture(samples: 12)
    defer { f.remove() }
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root, predictions: [("model_b", "pred")]).run(into: store)
    try FileManager.default.removeItem(atPath: f.root + "/pred/train/s3.png")  // one sample without a value
    _ = try Evaluation.EvaluationRunner(store: store).run(.init(key: "b", predField: "model_b"), version: "t")
    for text in ["sort:miou(b)", "sort:-miou(b)", "split=train sort:-acc(b)", "class:car sort:miou(b)"] {
      let all = try store.sampleIds(ViewExpression.parse(text))
      for (limit, skip) in [(3, 0), (5, 2), (20, 0), (4, 9)] {
        let fast = try store.sampleIds(ViewExpression.parse("\(text) limit:\(limit) skip:\(skip)"))
        #expect(fast == Array(all.dropFirst(skip).prefix(limit)), "\(text) limit \(limit) skip \(skip)")
      }
    }
  }
}
