import AppSession
import CommandOutput
import Workflows
import ArgumentParser
import DatasetStore
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
    if dismissed || restore != nil { return try listOrRestore(store) }
    var req = MistakesRunner.Request(key: key ?? MistakesRunner.Request.defaultKey(pred), predFields: pred)
    req.gtField = gt
    req.ignore = Set(ignoreIndex)
    req.band = band
    if let v = view { req.sampleIds = try store.sampleIds(ViewExpression.parseForCommand(v)) }
    let bar = ProgressBar(label: "looking for label errors", total: 1)
    Interrupt.install()
    let outcome: MistakesRunner.Outcome
    do {
      outcome = try MistakesRunner(store: store).run(req, version: Segscope.version, progress: { done, total in bar.set(done, total) }) {
        Interrupt.isRequested
      }
    } catch let e as MistakesRunner.Cancelled {
      bar.finish()
      Console.stderr("\(e.description); the samples checked so far are stored")
      throw ExitCode(130)
    }
    bar.finish()
    let paths = Dictionary(uniqueKeysWithValues: try store.samples(ids: outcome.samples.map(\.sampleId)).map { ($0.id, $0.path) })
    let report = MistakesReport(run: outcome.run, samples: outcome.samples, paths: paths, className: ClassNaming.namer(store, field: gt))
    if json { print(try JSONOutput.string(report)) } else { print(MistakesText.render(report, top: top), terminator: "") }
    if !outcome.problems.isEmpty {
      Console.stderr("\(outcome.problems.count) problems (everything else was checked):")
      for p in outcome.problems.prefix(10) { Console.stderr("  " + Sanitize.forTerminal(p)) }
      if outcome.problems.count > 10 { Console.stderr("  ... and \(outcome.problems.count - 10) more") }
    }
    if outcome.samples.isEmpty { throw ExitCode(1) }
  }

  /// `--dismissed` and `--restore SAMPLE`.
  func listOrRestore(_ store: DatasetStore) throws {
    let names = ClassNaming.namer(store, field: gt)
    if let restore {
      let sid = try store.resolveSample(restore).id
      let back = try SuspectEditor(store: store).restore(sampleId: sid, version: Segscope.version)
      guard !back.isEmpty else {
        Console.stderr("sample \(sid) has no dismissed region")
        throw ExitCode(1)
      }
      for r in back { print("restored: sample \(sid) \(names(r.given)) -> \(names(r.predicted)) at \(r.x),\(r.y) \(r.width)x\(r.height)") }
      return
    }
    let list = try store.dismissalList()
    let paths = Dictionary(uniqueKeysWithValues: try store.samples(ids: Array(Set(list.map(\.sampleId)))).map { ($0.id, $0.path) })
    if json {
      print(try JSONOutput.string(list.map { DismissalRow($0, path: paths[$0.sampleId] ?? "", names: names) }))
      return
    }
    if list.isEmpty { print("no dismissed regions") }
    for d in list {
      let r = d.region
      print(
        "\(d.sampleId)\t\(Sanitize.forTerminal(paths[d.sampleId] ?? "?"))\t\(Sanitize.forTerminal(names(r.given))) -> \(Sanitize.forTerminal(names(r.predicted)))\t\(r.x),\(r.y) \(r.width)x\(r.height)\t\(d.created)"
      )
    }
  }
}

/// A dismissed region in `mistakes --dismissed --json`.
struct DismissalRow: Encodable {
  let id: Int64
  let path: String
  let given: String
  let predicted: String
  let given_value: Int
  let predicted_value: Int
  let x: Int
  let y: Int
  let width: Int
  let height: Int
  let dismissed: String
  init(_ d: DatasetStore.Dismissal, path: String, names: (Int) -> String) {
    id = d.sampleId
    self.path = path
    given = names(d.region.given)
    predicted = names(d.region.predicted)
    given_value = d.region.given
    predicted_value = d.region.predicted
    x = d.region.x
    y = d.region.y
    width = d.region.width
    height = d.region.height
    dismissed = d.created
  }
}
