import CommandOutput
import Workflows
import ArgumentParser
import DatasetImport
import SegmentationCore

/// `segscope flag PATH SAMPLE [--rect X,Y,W,H | --component X,Y | --instance ID] [--class C] [--note N]`.
struct FlagCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "flag", abstract: "Flag a mask (or a region of it) as mislabeled, with a suggested class and a note.")

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Argument(help: "The sample: id, path, stem or a unique part of the path.") var sample: String
  @Option(help: "A rectangle X,Y,W,H in image pixels.", transform: PixelRect.init(parsing:)) var rect: PixelRect?
  @Option(help: "The connected component containing pixel X,Y.", transform: PixelPoint.init(parsing:)) var component: PixelPoint?
  @Option(help: "An instance id (instance fields).") var instance: Int64?
  @Option(name: .customLong("class"), help: "The class it should be.") var suggested: String?
  @Option(help: "A note for the annotator.") var note: String = ""
  @Option(help: "The mask field.") var field: String = FieldName.groundTruth

  func validate() throws {
    if [rect != nil, component != nil, instance != nil].filter({ $0 }).count > 1 {
      throw ValidationError("give at most one of --rect, --component, --instance")
    }
  }

  func run() throws {
    let region = rect?.region ?? component.map { .component(x: $0.x, y: $0.y) } ?? instance.map { .instance($0) } ?? .mask
    try Console.emit(TriageOutput.flag(DatasetOpener.open(path), sample: sample, region: region, suggested: suggested, note: note, field: field))
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
    let filter = FlagFilter(state: FlagState(rawValue: state), author: author, className: suggested)
    try Console.emit(TriageOutput.flags(DatasetOpener.open(path), filter: filter, fix: fix, reject: reject, format: json ? .json : .table))
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
    try Console.emit(TriageOutput.review(DatasetOpener.open(path), queue: queue, view: view, verdicts: verdict, format: json ? .json : .table))
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
    try Console.emit(TriageOutput.revisions(DatasetOpener.open(path), sample: sample, field: field, undo: undo, format: json ? .json : .table))
  }
}

/// `segscope relabel PATH SAMPLE --at X,Y --to CLASS` (or `--rect X,Y,W,H`).
struct RelabelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "relabel", abstract: "Relabel a connected component (or a rectangle) of a ground-truth mask as a new revision.")

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Argument(help: "The sample: id, path, stem or a unique part of the path.") var sample: String
  @Option(help: "A pixel X,Y inside the component.", transform: PixelPoint.init(parsing:)) var at: PixelPoint?
  @Option(help: "A rectangle X,Y,W,H instead of a component.", transform: PixelRect.init(parsing:)) var rect: PixelRect?
  @Option(help: "The new class (name or value).") var to: String
  @Option(help: "The mask field.") var field: String = FieldName.groundTruth

  func validate() throws {
    guard (at == nil) != (rect == nil) else { throw ValidationError("give --at X,Y or --rect X,Y,W,H") }
  }

  func run() throws {
    guard let target = at.map(TriageOutput.Target.component) ?? rect.map(TriageOutput.Target.rect) else {
      throw ValidationError("give --at X,Y or --rect X,Y,W,H")
    }
    try Console.emit(TriageOutput.relabel(DatasetOpener.open(path), sample: sample, target: target, to: to, field: field))
  }
}

/// `segscope reimport PATH DIR [--format imgseg|cvat|coco]`.
struct ReimportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reimport", abstract: "Read corrected masks (an export that was re-annotated) back as new revisions, printing what changed per sample.")

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Argument(help: "The folder with the corrected masks.") var folder: String
  @Option(help: "imgseg, cvat or coco; detected from the folder.") var format: CorrectionImporter.Format?

  func run() throws {
    Interrupt.install()
    try Console.emit(TriageOutput.reimport(DatasetOpener.open(path), folder: folder, format: format))
  }
}

extension CorrectionImporter.Format: ExpressibleByArgument {}
