import DatasetImport
import DatasetStore
import Evaluation
import Foundation
import ImageCodec
import SegmentationCore
import Testing

@Suite("Mask edits: components, rectangles, diffs")
struct MaskEditTests {
  /// 0 0 1 1
  /// 0 1 1 0
  /// 2 2 0 0     (the 0s at the top left and bottom right are not 4-connected)
  let mask = LabelMask(width: 4, height: 3, values: [0, 0, 1, 1, 0, 1, 1, 0, 2, 2, 0, 0])

  @Test("a component is 4-connected and of one class")
  func component() {
    #expect(MaskEdit.component(of: mask, x: 0, y: 0).sorted() == [0, 1, 4])
    #expect(MaskEdit.component(of: mask, x: 3, y: 2).sorted() == [7, 10, 11])
    #expect(MaskEdit.component(of: mask, x: 2, y: 0).sorted() == [2, 3, 5, 6])
    #expect(MaskEdit.component(of: mask, x: 9, y: 9).isEmpty)
  }

  @Test("a rectangle is clipped to the mask; relabel and diff count pixels per class")
  func rectangleAndDiff() {
    let r = MaskEdit.rectangle(of: mask, x: 2, y: 1, width: 10, height: 10)
    #expect(r.sorted() == [6, 7, 10, 11])
    let edited = MaskEdit.relabel(mask, pixels: r, to: 2)
    let d = MaskEdit.diff(from: mask, to: edited)
    #expect(d.changedPixels == 4)
    #expect(d.delta == [0: -3, 1: -1, 2: 4])
    #expect(MaskEdit.Diff(serialized: d.serialized) == d)
    #expect(d.describe { ["road", "sidewalk", "building"][$0] } == "4 px changed: +4 building, -3 road, -1 sidewalk")
  }
}

@Suite("Triage in the store: revisions, review queues, flag filters, corrections round trip", .serialized)
struct TriageStoreTests {
  func imported(_ n: Int = 6) throws -> (Fixture, DatasetStore) {
    let f = try Fixture(samples: n)
    let store = try DatasetStore(root: f.root)
    _ = try ImgSegImporter(root: f.root, predictions: [("model_b", "pred")]).run(into: store)
    _ = try HistogramIndexer(store: store).run()
    return (f, store)
  }

  @Test("relabel writes a new revision; the user's file is untouched; evaluation and queries use it; undo restores")
  func revisions() throws {
    let (f, store) = try imported()
    defer { f.remove() }
    let row = try store.resolveSample("s1")
    let original = try Data(contentsOf: URL(fileURLWithPath: f.root + "/labels/train/s1.png"))
    let editor = MaskEditor(store: store)
    let (before, ref0) = try editor.current(sampleId: row.id)
    #expect(ref0.revision == 0)
    let carBefore = try store.count(ViewExpression.parse("class:car"))
    // Paint the whole mask car: the sample now has car pixels, and nothing else.
    let edit = try editor.relabelRect(sampleId: row.id, x: 0, y: 0, width: before.width, height: before.height, to: 6, base: 0)
    #expect(edit.revision == 1 && edit.diff.changedPixels == before.values16.filter { $0 != 6 }.count)
    #expect(try Data(contentsOf: URL(fileURLWithPath: f.root + "/labels/train/s1.png")) == original)
    let (after, ref1) = try editor.current(sampleId: row.id)
    #expect(ref1.revision == 1 && after.values16.allSatisfy { $0 == 6 })
    #expect(store.absolutePath(ref1.path).hasPrefix(store.revisionsFolder))
    #expect(try store.sampleIds(ViewExpression.parse("revised")) == [row.id])
    #expect(try store.sampleIds(ViewExpression.parse("class:road")).contains(row.id) == false)
    #expect(try store.count(ViewExpression.parse("class:car")) >= carBefore)
    // Evaluation reads the newest revision.
    let pair = try #require(try store.maskPairs(gt: "ground_truth", pred: "model_b", sampleIds: [row.id]).first)
    #expect(pair.1.revision == 1)
    // An edit based on the imported revision is refused now.
    #expect(throws: RevisionConflict.self) { try editor.relabelComponent(sampleId: row.id, x: 0, y: 0, to: 0, base: 0) }
    // Undo: back to the file as imported, its histogram restored, the revision file removed.
    let removed = try editor.undo(sampleId: row.id)
    #expect(removed.revision == 1)
    #expect(!FileManager.default.fileExists(atPath: store.absolutePath(removed.path)))
    #expect(try editor.current(sampleId: row.id).1.revision == 0)
    #expect(try store.count(ViewExpression.parse("class:car")) == carBefore)
    #expect(try store.sampleIds(ViewExpression.parse("revised")).isEmpty)
    #expect(throws: (any Error).self) { try editor.undo(sampleId: row.id) }
    #expect(try store.integrityCheck() == "ok")
  }

  @Test("a review queue keeps its view, verdicts and position; verdict:Q=V filters")
  func reviewQueue() throws {
    let (f, store) = try imported()
    defer { f.remove() }
    #expect(throws: (any Error).self) { try store.openQueue("q", expression: nil) }
    #expect(throws: (any Error).self) { try store.openQueue("two words", expression: "") }
    let q = try store.openQueue("q", expression: "split=train sort:path")
    #expect(q.expression == "split=train sort:path" && q.position == nil)
    let ids = try store.sampleIds(ViewExpression.parse(q.expression))
    try store.setVerdict(queue: "q", sampleId: ids[0], .ok)
    try store.setVerdict(queue: "q", sampleId: ids[1], .needsFix)
    try store.setVerdict(queue: "q", sampleId: ids[1], .skip)  // a second verdict replaces the first
    // An unknown verdict is not a Verdict at all; in a view it is a syntax error naming it.
    #expect(Verdict(rawValue: "maybe") == nil)
    #expect { try ViewExpression.parse("verdict:q=maybe") } throws: { "\($0)".contains("expected a verdict (ok, needs-fix, skip), found 'maybe'") }
    // Another connection (another process would do the same) sees it all.
    let other = try DatasetStore(root: f.root)
    #expect(try other.verdicts(queue: "q") == [ids[0]: .ok, ids[1]: .skip])
    #expect(try other.openQueue("q", expression: nil).position == ids[1])
    try other.setQueuePosition("q", sampleId: ids[2])
    #expect(try store.queues().first?.position == ids[2])
    #expect(try store.sampleIds(ViewExpression.parse("verdict:q=ok")) == [ids[0]])
    #expect(try store.sampleIds(ViewExpression.parse("verdict:q=skip")) == [ids[1]])
    #expect(try store.count(ViewExpression.parse("split=train not verdict:q=ok")) == ids.count - 1)
  }

  @Test("flags filter by state, author and class; fixed and rejected leave the flagged view")
  func flagFilters() throws {
    let (f, store) = try imported()
    defer { f.remove() }
    let a = try store.resolveSample("s1"), b = try store.resolveSample("s2")
    let f1 = try store.addFlag(RegionFlag(sampleId: a.id, region: .mask, suggestedClass: 6, note: "car"))
    let f2 = try store.addFlag(RegionFlag(sampleId: b.id, region: .component(x: 3, y: 4), suggestedClass: 0))
    _ = try store.addFlag(RegionFlag(sampleId: b.id, region: .rect(x: 0, y: 0, width: 5, height: 5)))
    var filter = FlagFilter()
    filter.state = .open
    #expect(try store.flags(filter).count == 3)
    filter.className = "6"
    #expect(try store.flags(filter).map(\.id) == [f1])
    filter.className = nil
    filter.author = DatasetStore.author
    #expect(try store.flags(filter).count == 3)
    filter.author = "someone-else"
    #expect(try store.flags(filter).isEmpty)
    try store.setFlagState(f1, .fixed)
    try store.setFlagState(f2, .rejected)
    #expect { try ViewExpression.parse("flagged:done") } throws: { "\($0)".contains("expected a flag state (open, fixed, rejected, any), found 'done'") }
    #expect(try store.sampleIds(ViewExpression.parse("flagged")) == [b.id])
    #expect(try store.sampleIds(ViewExpression.parse("flagged:fixed")) == [a.id])
    #expect(try Set(store.sampleIds(ViewExpression.parse("flagged:any"))) == [a.id, b.id])
    var fixed = FlagFilter()
    fixed.state = .fixed
    #expect(try store.flags(fixed).first?.regionText == "whole mask")
  }

  @Test("export for CVAT, correct a mask there, re-import: a new revision with a per-class diff; unknown colours are refused")
  func cvatRoundTrip() throws {
    let (f, store) = try imported(4)
    defer { f.remove() }
    let out = f.root + "-cvat"
    defer { try? FileManager.default.removeItem(atPath: out) }
    let report = try Exporter(store: store).export(.cvat, sampleIds: try store.sampleIds(ViewExpression()), to: out)
    #expect(report.samples == 4 && report.problems.isEmpty)
    let labelmap = try String(contentsOfFile: out + "/labelmap.txt", encoding: .utf8)
    // "car:R,G,B::" gives the colour to paint with.
    let carLine = try #require(labelmap.split(separator: "\n").first { $0.hasPrefix("car:") })
    let rgb = carLine.split(separator: ":")[1].split(separator: ",").compactMap { UInt8($0) }
    #expect(rgb.count == 3)
    let files = try FileManager.default.contentsOfDirectory(atPath: out + "/SegmentationClass").sorted()
    #expect(files.count == 4)
    // Unchanged except: one file gets a 10x10 car square, another a colour CVAT does not know.
    var img = try ImageLoader.loadImage(path: out + "/SegmentationClass/" + files[0]).image
    for y in 0..<10 { for x in 0..<10 { img[x: x, y: y] = RGB(rgb[0], rgb[1], rgb[2]) } }
    try FileBytes.writeAtomically(PNGEncoder.encode(img), to: out + "/SegmentationClass/" + files[0])
    var odd = try ImageLoader.loadImage(path: out + "/SegmentationClass/" + files[1]).image
    odd[x: 0, y: 0] = RGB(1, 2, 3)
    try FileBytes.writeAtomically(PNGEncoder.encode(odd), to: out + "/SegmentationClass/" + files[1])
    var outcomes: [CorrectionImporter.Outcome] = []
    try CorrectionImporter(store: store, folder: out).run { outcomes.append($0) }
    #expect(outcomes.count == 4)
    let changed = outcomes.filter { ($0.edit?.diff.changedPixels ?? 0) > 0 }
    #expect(changed.count == 1 && changed[0].name + ".png" == files[0])
    let diff = try #require(changed.first?.edit?.diff)
    #expect(diff.delta[6] ?? 0 > 0 && diff.changedPixels <= 100)
    #expect(diff.delta.values.reduce(0, +) == 0)
    let refused = try #require(outcomes.first { $0.name + ".png" == files[1] })
    #expect(refused.problem?.contains("not in labelmap.txt") == true && refused.edit == nil)
    #expect(outcomes.filter { $0.problem == nil && $0.edit?.diff.changedPixels == 0 }.count == 2)
    // The stored revision is what was painted, read back through the revision history.
    let rev = try #require(try store.revisions(sampleId: changed[0].sampleId ?? -1).last)
    #expect(rev.revision == 1 && rev.diff == diff && rev.author == DatasetStore.author)
    // Importing the same folder again changes nothing.
    var again = 0
    try CorrectionImporter(store: store, folder: out).run { if ($0.edit?.diff.changedPixels ?? 0) > 0 { again += 1 } }
    #expect(again == 0)
  }

  @Test("re-import reports a corrupt file, a wrong size and an unknown name, and applies the rest")
  func badCorrections() throws {
    let (f, store) = try imported(4)
    defer { f.remove() }
    let out = f.root + "-fix"
    defer { try? FileManager.default.removeItem(atPath: out) }
    _ = try Exporter(store: store).export(.imgseg, sampleIds: try store.sampleIds(ViewExpression()), to: out)
    let files = try FileManager.default.contentsOfDirectory(atPath: out + "/labels").sorted()
    try FileBytes.writeAtomically(Array("not a png".utf8), to: out + "/labels/" + files[0])
    try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: 3, height: 3, fill: 1)), to: out + "/labels/" + files[1])
    try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: 64, height: 48, fill: 1)), to: out + "/labels/nobody.png")
    try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: 64, height: 48, fill: 4)), to: out + "/labels/" + files[2])
    var problems: [String: String] = [:]
    var changed = 0
    try CorrectionImporter(store: store, folder: out).run { o in
      if let p = o.problem { problems[o.name] = p }
      if (o.edit?.diff.changedPixels ?? 0) > 0 { changed += 1 }
    }
    #expect(changed == 1)
    #expect(problems.count == 3)
    #expect(problems["nobody"] == "no sample with this stem in the dataset")
    #expect(problems[String(files[1].dropLast(4))]?.contains("3x3") == true)
    #expect(problems[String(files[0].dropLast(4))] != nil)
    #expect(try store.integrityCheck() == "ok")
  }
}
