import DatasetStore
import LabelErrors
import SegmentationCore
import Workflows

/// `segscope mistakes`: the label-error search with a progress bar (Ctrl-C keeps the samples checked),
/// the dismissed regions, and taking dismissals back.
public enum MistakesOutput {
  public static func find(_ store: DatasetStore, request: MistakesRunner.Request, version: String, top: Int, format: OutputFormat) throws -> Printed {
    let bar = ProgressBar(label: "looking for label errors", total: 1)
    Interrupt.install()
    let outcome: MistakesRunner.Outcome
    do {
      outcome = try MistakesRunner(store: store).run(request, version: version, progress: { done, total in bar.set(done, total) }) {
        Interrupt.isRequested
      }
    } catch let e as MistakesRunner.Cancelled {
      bar.finish()
      return Printed(err: ["\(e.description); the samples checked so far are stored"], status: 130)
    }
    bar.finish()
    let paths = try store.samplePaths(ids: outcome.samples.map(\.sampleId))
    let report = MistakesReport(run: outcome.run, samples: outcome.samples, paths: paths, className: ClassNaming.namer(store, field: request.gtField))
    var out = Printed(out: try format.render(report, text: MistakesText.render(report, top: top)))
    if !outcome.problems.isEmpty {
      out.warn("\(outcome.problems.count) problems (everything else was checked):")
      for p in outcome.problems.prefix(10) { out.warn("  " + Sanitize.forTerminal(p)) }
      if outcome.problems.count > 10 { out.warn("  ... and \(outcome.problems.count - 10) more") }
    }
    if outcome.samples.isEmpty { out.fail() }
    return out
  }

  /// `--restore SAMPLE`: the sample's dismissed regions return to every run that checked it.
  public static func restore(_ store: DatasetStore, sample: String, field: String, version: String) throws -> Printed {
    let names = ClassNaming.namer(store, field: field)
    let sid = try store.resolveSample(sample).id
    let back = try SuspectEditor(store: store).restore(sampleId: sid, version: version)
    guard !back.isEmpty else { return Printed(err: ["sample \(sid) has no dismissed region"], status: 1) }
    var out = Printed()
    for r in back { out.line("restored: sample \(sid) \(names(r.given)) -> \(names(r.predicted)) at \(r.x),\(r.y) \(r.width)x\(r.height)") }
    return out
  }

  /// `--dismissed`: the regions reviewers dismissed ("the label is right").
  public static func dismissals(_ store: DatasetStore, field: String, format: OutputFormat) throws -> Printed {
    let names = ClassNaming.namer(store, field: field)
    let list = try store.dismissalList()
    let paths = try store.samplePaths(ids: list.map(\.sampleId))
    if format == .json { return Printed(out: try JSONOutput.string(list.map { DismissalRow($0, path: paths[$0.sampleId] ?? "", names: names) }) + "\n") }
    var out = Printed()
    if list.isEmpty { out.line("no dismissed regions") }
    for d in list {
      let r = d.region
      out.line(
        "\(d.sampleId)\t\(Sanitize.forTerminal(paths[d.sampleId] ?? "?"))\t\(Sanitize.forTerminal(names(r.given))) -> \(Sanitize.forTerminal(names(r.predicted)))\t\(r.x),\(r.y) \(r.width)x\(r.height)\t\(d.created)"
      )
    }
    return out
  }
}

/// A dismissed region in `mistakes --dismissed --json`.
public struct DismissalRow: Encodable, Sendable {
  public let id: Int64
  public let path: String
  public let given: String
  public let predicted: String
  public let given_value: Int
  public let predicted_value: Int
  public let x: Int
  public let y: Int
  public let width: Int
  public let height: Int
  public let dismissed: String
  public init(_ d: DatasetStore.Dismissal, path: String, names: (Int) -> String) {
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
