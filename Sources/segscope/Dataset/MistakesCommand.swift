import CommandOutput
import ArgumentParser
import LabelErrors
import SegmentationCore

/// `segscope mistakes PATH --pred FIELD [--pred FIELD ...]`.
struct MistakesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mistakes",
    abstract: "Rank the ground-truth masks (and the regions in them) that are probably mislabeled, using predictions as evidence, and store the run.",
    discussion: """
      Evidence, strongest first: several predictions (--pred twice or more) voting against the label; one prediction with its \
      confidence map (imported with --conf); one hard prediction (object-level disagreement only; the weakest). Pixels within \
      --band pixels of a ground-truth edge are ambiguity, not evidence. Regions are swap, missed, spurious or boundary. \
      The run is stored under --key (default: the prediction fields joined by '+'): views can use suspect(KEY)>0.5 and sort:-suspect(KEY).
      """)

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(help: "Prediction field (repeatable: several predictions are stronger evidence).") var pred: [String] = []
  @Option(help: "Ground-truth field.") var gt = FieldName.groundTruth
  @Option(help: "Run name (default: the prediction fields joined by '+').") var key: String?
  @Option(parsing: .unconditional, help: "Check only the samples of this view.") var view: String?
  @Option(help: "Ignore value (repeatable; the class map's ignore values are always added).") var ignoreIndex: [UInt16] = [255]
  @Option(help: "Pixels from a ground-truth edge that are not evidence (0-32).") var band = 2
  @Option(help: "Rows of the text report.") var top = 20
  @Flag(help: "JSON output: evidence, samples (most suspicious first), regions.") var json = false
  @Flag(help: "List the regions reviewers dismissed (\"the label is right\"), instead of looking for errors.") var dismissed = false
  @Option(help: "Take back the dismissals of a sample (its id or path): its regions return to every run that checked it.") var restore: String?

  func validate() throws {
    if dismissed || restore != nil {
      guard pred.isEmpty else { throw ValidationError("--dismissed and --restore take no --pred") }
      return
    }
    guard !pred.isEmpty else { throw ValidationError("give at least one prediction field: --pred FIELD") }
    guard (0...32).contains(band) else { throw ValidationError("--band must be between 0 and 32 pixels") }
    guard top >= 0 else { throw ValidationError("--top must not be negative") }
  }

  func run() throws {
    let store = try DatasetOpener.open(path)
    let format: OutputFormat = json ? .json : .table
    if let restore { return try Console.emit(MistakesOutput.restore(store, sample: restore, field: gt, version: Segscope.version)) }
    if dismissed { return try Console.emit(MistakesOutput.dismissals(store, field: gt, format: format)) }
    let req = MistakesRunner.Request(
      key: key ?? MistakesRunner.Request.defaultKey(pred), predFields: pred, gtField: gt, sampleIds: try store.sampleIds(viewText: view),
      ignore: Set(ignoreIndex), band: band)
    try Console.emit(MistakesOutput.find(store, request: req, version: Segscope.version, top: top, format: format))
  }
}
