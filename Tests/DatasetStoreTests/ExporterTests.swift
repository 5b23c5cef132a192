import DatasetImport
import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore
import Testing

@Suite("Exporters round-trip through the importers")
struct ExporterTests {
  @Test("imgseg and voc exports re-import with the same masks; a tag restricts the export", arguments: [Exporter.Format.imgseg, .voc])
  func roundTrip(format: Exporter.Format) throws {
    let f = try Fixture(samples: 6)
    defer { f.remove() }
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root).run(into: store)
    let all = try store.sampleIds(ViewExpression())
    try store.tag(Array(all.prefix(4)), "send")
    let ids = try store.sampleIds(ViewExpression.parse("tag:send"))
    let out = f.root + "-export-\(format.rawValue)"
    defer { try? FileManager.default.removeItem(atPath: out) }
    let report = try Exporter(store: store).export(format, sampleIds: ids, to: out)
    #expect(report.samples == 4 && report.problems.isEmpty)
    let back = try DatasetStore(root: out)
    let imported = format == .voc ? try VOCImporter(root: out).run(into: back) : try ImgSegImporter(root: out).run(into: back)
    #expect(imported.samples == 4 && imported.problems.isEmpty, "\(imported.problems)")
    for row in try store.samples(ids: ids) {
      let original = try ImageLoader.loadMask(path: store.absolutePath(store.masks(sampleId: row.id)["ground_truth"]!))
      let stem = row.stem.replacingOccurrences(of: "/", with: "__")
      let dir = format == .voc ? "SegmentationClass" : "labels"
      let exported = try ImageLoader.loadMask(path: "\(out)/\(dir)/\(stem).png")
      #expect(exported.values16 == original.values16)
    }
    #expect(throws: StoreError.self) { try Exporter(store: store).export(format, sampleIds: ids, to: out) }  // not empty any more
  }
}
