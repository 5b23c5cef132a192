import DatasetImport
import DatasetStore
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
    #expect(flags[0].suggestedClass == 6 && flags[0].note == "this is a car" && flags[0].author == DatasetStore.author && flags[0].state == "open")
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
