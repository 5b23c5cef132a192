import AppCore
import AppSession
import CommandOutput
import Workflows
import ArgumentParser
import DatasetImport
import DatasetStore
import SegmentationCore

/// `segscope flag PATH SAMPLE [--rect X,Y,W,H | --component X,Y | --instance ID] [--class C] [--note N]`.
struct FlagCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "flag", abstract: "Flag a mask (or a region of it) as mislabeled, with a suggested class and a note.")

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Argument(help: "The sample: id, path, stem or a unique part of the path.") var sample: String
  @Option(help: "A rectangle X,Y,W,H in image pixels.") var rect: String?
  @Option(help: "The connected component containing pixel X,Y.") var component: String?
  @Option(help: "An instance id (instance fields).") var instance: Int64?
  @Option(name: .customLong("class"), help: "The class it should be.") var suggested: String?
  @Option(help: "A note for the annotator.") var note: String = ""
  @Option(help: "The mask field.") var field: String = FieldName.groundTruth

  func validate() throws {
    if [rect != nil, component != nil, instance != nil].filter({ $0 }).count > 1 {
      throw ValidationError("give at most one of --rect, --component, --instance")
    }
    if let rect, parseInts(rect, count: 4) == nil { throw ValidationError("--rect takes X,Y,W,H") }
    if let component, parseInts(component, count: 2) == nil { throw ValidationError("--component takes X,Y") }
  }

  func run() throws {
    let store = try DatasetOpener.open(path)
    let row = try store.resolveSample(sample)
    var region = MaskRegion.mask
    if let r = rect.flatMap({ parseInts($0, count: 4) }) { region = .rect(x: r[0], y: r[1], width: r[2], height: r[3]) }
    if let c = component.flatMap({ parseInts($0, count: 2) }) { region = .component(x: c[0], y: c[1]) }
    if let instance { region = .instance(instance) }
    let cls = try suggested.map { try store.classValue($0, field: field) }
    let id = try store.addFlag(RegionFlag(sampleId: row.id, field: field, region: region, suggestedClass: cls, note: note))
    print("flag \(id) on \(Sanitize.forTerminal(row.path)): \(RegionFlag(sampleId: row.id, region: region).regionText)")
  }
}

/// `segscope flags PATH [--json] [--state S] [--author A] [--class C]`.
struct FlagsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "flags", abstract: "List flags (open ones by default), or close or reject one.")

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Flag(help: "JSON output.") var json = false
  @Option(help: "open, fixed, rejected or any.") var state: String = "open"
  @Option(help: "Only flags by this author.") var author: String?
  @Option(name: .customLong("class"), help: "Only flags suggesting this class.") var suggested: String?
  @Option(help: "Mark a flag fixed (its id).") var fix: Int64?
  @Option(help: "Mark a flag rejected (its id).") var reject: Int64?

  func validate() throws {
    guard state == "any" || FlagState(rawValue: state) != nil else { throw ValidationError("--state must be open, fixed, rejected or any") }
  }

  func run() throws {
    let store = try DatasetOpener.open(path)
    if let fix { try store.setFlagState(fix, .fixed) }
    if let reject { try store.setFlagState(reject, .rejected) }
    var filter = FlagFilter()
    filter.state = FlagState(rawValue: state)
    filter.author = author
    let gt = try store.fields().first { $0.role == .groundTruth }
    filter.className = suggested
    let flags = try store.flags(filter)
    let paths = Dictionary(uniqueKeysWithValues: try store.samples(ids: Array(Set(flags.map(\.sampleId)))).map { ($0.id, $0.path) })
    func className(_ v: Int?) -> String? { v.map { v in gt?.classes.first { $0.value == v }?.name ?? String(v) } }
    if json {
      print(try JSONOutput.string(flags.map { FlagReport($0, path: paths[$0.sampleId] ?? "", suggestedClass: className($0.suggestedClass)) }))
      return
    }
    print(TriageText.flags(flags, paths: paths, state: state, className: className), terminator: "")
  }
}

/// `segscope review PATH --queue NAME [--view EXPR] [--verdict SAMPLE=VERDICT ...]`.
struct ReviewCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "review", abstract: "Create a review queue or show its progress; record verdicts.")

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(help: "The queue name.") var queue: String
  @Option(parsing: .unconditional, help: "The queue's view (creates the queue, or changes its view).") var view: String?
  @Option(help: "Record a verdict, SAMPLE=ok|needs-fix|skip (repeatable).") var verdict: [String] = []
  @Flag(help: "JSON output.") var json = false

  func run() throws {
    let store = try DatasetOpener.open(path)
    // The view must resolve (classes, runs, fields) before the queue stores it.
    if let view { _ = try store.sampleIds(parseView(view)) }
    let q = try store.openQueue(queue, expression: view)
    for v in verdict {
      guard let eq = v.lastIndex(of: "=") else { throw ValidationError("--verdict takes SAMPLE=VERDICT, got '\(v)'") }
      let row = try store.resolveSample(String(v[..<eq]))
      let word = String(v[v.index(after: eq)...])
      guard let verdict = Verdict(rawValue: word) else { throw ValidationError("a verdict is ok, needs-fix or skip, not '\(word)'") }
      try store.setVerdict(queue: queue, sampleId: row.id, verdict)
    }
    let ids = try store.sampleIds(parseView(q.expression))
    let verdicts = try store.verdicts(queue: queue)
    let p = ReviewProgress(ids: ids, verdicts: verdicts)
    let next = p.nextUnreviewed.flatMap { try? store.samples(ids: [$0]).first?.path }
    if json {
      print(try JSONOutput.string(ReviewReport(queue: queue, view: q.expression, samples: ids.count, reviewed: p.reviewed, counts: p.counts, next: next)))
      return
    }
    print(Sanitize.forTerminal("queue \(queue) (\(q.expression.isEmpty ? "all samples" : q.expression)): \(p.summary)"))
    if let next { print(Sanitize.forTerminal("next: \(next)")) } else { print("every sample of the queue has a verdict") }
  }
}

/// `segscope revisions PATH SAMPLE [--json] [--undo]`.
struct RevisionsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "revisions", abstract: "The revision history of a sample's mask; --undo removes the newest correction.")

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Argument(help: "The sample: id, path, stem or a unique part of the path.") var sample: String
  @Option(help: "The mask field.") var field: String = FieldName.groundTruth
  @Flag(help: "Remove the newest corrected revision.") var undo = false
  @Flag(help: "JSON output.") var json = false

  func run() throws {
    let store = try DatasetOpener.open(path)
    let row = try store.resolveSample(sample)
    if undo {
      let r = try MaskEditor(store: store).undo(sampleId: row.id, field: field)
      if !json { print("removed revision \(r.revision) of \(Sanitize.forTerminal(row.path))") }
    }
    let names = ClassNaming.namer(store, field: field)
    let revs = try store.revisions(sampleId: row.id, field: field)
    if json {
      print(try JSONOutput.string(RevisionsReport(sample: row.path, field: field, revisions: revs, className: names)))
      return
    }
    print(TriageText.revisions(revs, sample: row.path, field: field, names: names), terminator: "")
  }
}

/// `segscope relabel PATH SAMPLE --at X,Y --to CLASS` (or `--rect X,Y,W,H`).
struct RelabelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "relabel", abstract: "Relabel a connected component (or a rectangle) of a ground-truth mask as a new revision.")

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Argument(help: "The sample: id, path, stem or a unique part of the path.") var sample: String
  @Option(help: "A pixel X,Y inside the component.") var at: String?
  @Option(help: "A rectangle X,Y,W,H instead of a component.") var rect: String?
  @Option(help: "The new class (name or value).") var to: String
  @Option(help: "The mask field.") var field: String = FieldName.groundTruth

  func validate() throws {
    guard (at == nil) != (rect == nil) else { throw ValidationError("give --at X,Y or --rect X,Y,W,H") }
    if let at, parseInts(at, count: 2) == nil { throw ValidationError("--at takes X,Y") }
    if let rect, parseInts(rect, count: 4) == nil { throw ValidationError("--rect takes X,Y,W,H") }
  }

  func run() throws {
    let store = try DatasetOpener.open(path)
    let row = try store.resolveSample(sample)
    let value = try UInt16(exactly: Int(to) ?? store.classValue(to, field: field)) ?? 255
    let editor = MaskEditor(store: store)
    let edit: MaskEditor.Edit
    if let p = at.flatMap({ parseInts($0, count: 2) }) {
      edit = try editor.relabelComponent(sampleId: row.id, field: field, x: p[0], y: p[1], to: value)
    } else {
      let r = parseInts(rect ?? "", count: 4) ?? [0, 0, 0, 0]
      edit = try editor.relabelRect(sampleId: row.id, field: field, x: r[0], y: r[1], width: r[2], height: r[3], to: value)
    }
    let names = ClassNaming.namer(store, field: field)
    print(Sanitize.forTerminal("\(row.path): revision \(edit.revision), \(edit.diff.describe(names: names))"))
  }
}

/// `segscope reimport PATH DIR [--format imgseg|cvat|coco]`.
struct ReimportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reimport", abstract: "Read corrected masks (an export that was re-annotated) back as new revisions, printing what changed per sample.")

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Argument(help: "The folder with the corrected masks.") var folder: String
  @Option(help: "imgseg, cvat or coco; detected from the folder.") var format: String?

  func validate() throws {
    if let format, CorrectionImporter.Format(rawValue: format) == nil { throw ValidationError("--format must be imgseg, cvat or coco") }
  }

  func run() throws {
    Interrupt.install()
    let store = try DatasetOpener.open(path)
    let importer = try CorrectionImporter(store: store, folder: folder, format: format.flatMap(CorrectionImporter.Format.init))
    let names = ClassNaming.namer(store, field: FieldName.groundTruth)
    var changed = 0, unchanged = 0, failed = 0
    try importer.run(shouldStop: { Interrupt.isRequested }) { o in
      if let problem = o.problem {
        failed += 1
        FileHandleOut.stderr(Sanitize.forTerminal("  \(o.name): \(problem)"))
      } else if let e = o.edit, e.diff.changedPixels > 0 {
        changed += 1
        print(Sanitize.forTerminal("\(o.name): revision \(e.revision), \(e.diff.describe(names: names))"))
      } else {
        unchanged += 1
      }
    }
    print("\(changed) masks changed (new revisions), \(unchanged) unchanged, \(failed) not read")
    if Interrupt.isRequested { throw ExitCode(130) }
    if failed > 0 { throw ExitCode(1) }
  }
}

func parseInts(_ s: String, count: Int) -> [Int]? {
  let v = s.split(separator: ",").compactMap { Int(String($0).trimmingCharacters(in: " ")) }
  return v.count == count ? v : nil
}
