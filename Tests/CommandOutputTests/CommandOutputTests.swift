import CommandOutput
import DatasetFixtures
import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore
import Slices
import Testing
import Workflows

@Suite("Typed command-line values: what is read, and what is a usage error")
struct ArgumentValuesTests {
  @Test("pixels and rectangles: spaces around numbers are fine; a word, a missing or extra number is an error")
  func coordinates() throws {
    #expect(try PixelPoint(parsing: "3, 4") == PixelPoint(parsing: "3,4"))
    #expect(try PixelRect(parsing: "1,2,30,40").region == .rect(x: 1, y: 2, width: 30, height: 40))
    for bad in ["1,x,2,3,4", "1,2,3", "1,2,3,4,5", "", "1,,2,3"] { #expect(throws: UsageError.self) { try PixelRect(parsing: bad) } }
    for bad in ["1", "a,b", "1,2,3"] { #expect(throws: UsageError.self) { try PixelPoint(parsing: bad) } }
  }

  @Test("image sizes 32 to 4096 a side; k is auto or 1 to 1000; export formats by name")
  func sizesAndChoices() throws {
    #expect(try ImageSize(parsing: "320x240") == ImageSize(width: 320, height: 240))
    for bad in ["31x40", "40x5000", "320", "axb"] { #expect(throws: UsageError.self) { try ImageSize(parsing: bad) } }
    #expect(try ImageClusters.KChoice(parsing: "auto") == .auto)
    #expect(try ImageClusters.KChoice(parsing: "7") == .fixed(7))
    for bad in ["0", "1001", "x"] { #expect(throws: UsageError.self) { try ImageClusters.KChoice(parsing: bad) } }
    #expect(try ExportFormat(parsing: "cvat") == .folder(.cvat))
    #expect(try ExportFormat(parsing: "sheet") == .file(.sheet))
    #expect(throws: UsageError.self) { try ExportFormat(parsing: "zip") }
  }
}

@Suite("What commands print, as values", .serialized)
struct CommandOutputTests {
  @Test("Printed: the first failure's status stays; problems past the limit are counted")
  func printed() {
    var p = Printed()
    p.fail(130)
    p.fail(1)
    #expect(p.status == 130)
    var q = Printed()
    q.problems([("a", "bad"), ("b", "worse"), ("c", "worst")], limit: 2, more: "  ... and 1 more")
    #expect(q.out == "  a: bad\n  b: worse\n  ... and 1 more\n")
  }

  @Test("review: verdicts are recorded and counted; a malformed verdict is a usage error and records nothing")
  func review() throws {
    let f = try SessionFixture()
    defer { f.remove() }
    let first = try #require(try f.store.samples(ids: f.store.sampleIds(ViewExpression())).first)
    let made = try TriageOutput.review(f.store, queue: "q", view: "", verdicts: ["\(first.id)=ok"], format: .table)
    #expect(made.out.contains("queue q (all samples): 1/6 reviewed (ok 1, needs-fix 0, skip 0)"))
    #expect(throws: UsageError.self) { try TriageOutput.review(f.store, queue: "q", view: nil, verdicts: ["\(first.id)=maybe"], format: .table) }
    #expect(throws: UsageError.self) { try TriageOutput.review(f.store, queue: "q", view: nil, verdicts: ["nothing"], format: .table) }
    let json = try TriageOutput.review(f.store, queue: "q", view: nil, verdicts: [], format: .json)
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
    #expect(doc["reviewed"] as? Int == 1 && doc["samples"] as? Int == 6)
  }

  @Test("flags: a flag is listed with its region and suggested class; fixing one takes it off the open list")
  func flags() throws {
    let f = try SessionFixture()
    defer { f.remove() }
    let sample = try #require(try f.store.samples(ids: f.store.sampleIds(ViewExpression())).first)
    let added = try TriageOutput.flag(
      f.store, sample: String(sample.id), region: .rect(x: 1, y: 2, width: 3, height: 4), suggested: "car", note: "n", field: FieldName.groundTruth)
    #expect(added.out.hasPrefix("flag 1 on ") && added.out.contains("rect 1,2 3x4"))
    let open = try TriageOutput.flags(f.store, filter: FlagFilter(state: .open), fix: nil, reject: nil, format: .table)
    #expect(open.out.contains("#1 [open]") && open.out.contains("-> car"))
    let after = try TriageOutput.flags(f.store, filter: FlagFilter(state: .open), fix: 1, reject: nil, format: .table)
    #expect(after.out == "no open flags\n")
  }

  @Test("runs --compare with an unknown run names it and the runs there are (as every command naming a run); export selections are views")
  func runsAndSelections() throws {
    let f = try SessionFixture()
    defer { f.remove() }
    do {
      _ = try DatasetOutput.runs(f.store, compare: ["a", "b"], delete: nil, iterations: 10)
      Issue.record("an unknown run was compared")
    } catch {
      #expect("\(error)".contains("no evaluation run 'a' (runs: none; run segscope eval first)"))
    }
    #expect(try DatasetOutput.Selection.tag("two words").view().text == "tag:'two words'")
    #expect(try DatasetOutput.Selection.tag("one").view().text == "tag:one")
    #expect(try DatasetOutput.Selection.tag("it's (a:b)").view() == ViewExpression.parse("tag:\"it's (a:b)\""))
    #expect(try DatasetOutput.Selection.flagged.view().text == "flagged")
    #expect(throws: UsageError.self) { try DatasetOutput.Selection.view("split=").view() }
    let csv = f.root + "/view.csv"
    let wrote = try DatasetOutput.export(f.store, .file(.csv), selection: .view("split=val"), to: csv, run: nil, limit: 48)
    #expect(wrote.out.hasPrefix("wrote 2 samples as csv to ") && wrote.status == 0)
  }

  @Test("file: a broken file is an error line and status 1; the good one is still described")
  func describeFiles() throws {
    let f = try SessionFixture()
    defer { f.remove() }
    let bad = f.root + "/broken.png"
    try Data("not a png".utf8).write(to: URL(fileURLWithPath: bad))
    let good = f.root + "/masks/val/s0.png"
    let text = PipelineOutput.describeFiles([bad, good], limits: .default, format: .table)
    #expect(text.status == 1 && text.err.count == 1 && text.err[0].hasPrefix("error: "))
    #expect(text.out.contains("s0.png: PNG"))
    let json = PipelineOutput.describeFiles([bad], limits: .default, format: .json)
    #expect(json.out.contains("\"error\"") && json.status == 1)
  }
}
