import AppSession
import CommandOutput
import Workflows
import ArgumentParser
import Curation
import DatasetImport
import DatasetStore
import SegmentationCore

/// Signatures for the samples of a view (made where missing, with a progress bar), problems on stderr.
func curationSignatures(_ store: DatasetStore, view: String?) throws -> [StoredSignature] {
  // Ctrl-C ends the pass after the batch under way is stored (a second Ctrl-C exits at once).
  Interrupt.install()
  let ids = try view.map { try store.sampleIds(parseView($0)) }
  let bar = ProgressBar(label: "image signatures", total: 1)
  let sigs: [StoredSignature], problems: [String]
  do {
    (sigs, problems) = try Curator(store: store).signatures(ids: ids, progress: { done, total in bar.set(done, total) }, shouldStop: { Interrupt.isRequested })
  } catch let e as SignatureIndexer.Cancelled {
    bar.finish()
    FileHandleOut.stderr(e.description)
    throw ExitCode(130)
  }
  bar.finish()
  if !problems.isEmpty {
    FileHandleOut.stderr("\(problems.count) images could not be read (left out):")
    for p in problems.prefix(10) { FileHandleOut.stderr("  " + Sanitize.forTerminal(p)) }
    if problems.count > 10 { FileHandleOut.stderr("  ... and \(problems.count - 10) more") }
  }
  return sigs
}

func rowsById(_ store: DatasetStore, _ ids: [Int64]) throws -> [Int64: SampleRow] {
  Dictionary(try store.samples(ids: Array(Set(ids))).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
}

/// `segscope signatures PATH [--view EXPR]`.
struct SignaturesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "signatures",
    abstract: "Compute the image signatures (content hash, pHash, dHash, classical embedding, mask layout) the curation commands use; resumable.")
  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(parsing: .unconditional, help: "Only the samples of this view.") var view: String?

  func run() throws {
    let store = try DatasetOpener.open(path)
    let sigs = try curationSignatures(store, view: view)
    print("\(sigs.count) samples have signatures")
  }
}

/// `segscope duplicates PATH [--view EXPR] [--threshold T] [--json]`.
struct DuplicatesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "duplicates",
    abstract:
      "Find byte copies, near duplicates (recompressed, resized, cropped, brightened, blurred) and leaks across splits; stored for the views dup, leak and group:N."
  )
  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(parsing: .unconditional, help: "Only the samples of this view.") var view: String?
  @Option(help: "Near-duplicate threshold: cosine distance of the embeddings (default \(Curator.defaultThreshold)).") var threshold = Curator.defaultThreshold
  @Option(help: "Groups and leaks listed in the text report.") var top = 20
  @Flag(help: "JSON output: exact, near, leaks.") var json = false

  func validate() throws {
    guard threshold >= 0, threshold <= 2 else { throw ValidationError("--threshold is a cosine distance between 0 and 2") }
  }

  func run() throws {
    let store = try DatasetOpener.open(path)
    let sigs = try curationSignatures(store, view: view)
    let d = try Curator(store: store).duplicates(sigs, threshold: threshold)
    let report = DuplicatesReport(d, rows: try rowsById(store, sigs.map(\.sampleId)))
    print(json ? try JSONOutput.string(report) : report.text(top: top), terminator: json ? "\n" : "")
  }
}

/// `segscope similar PATH SAMPLE [--limit K] [--json]`.
struct SimilarCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "similar", abstract: "The samples most like one sample, nearest first (the sample itself excluded).")
  @Argument(help: "The dataset folder or its database file.") var path: String
  @Argument(help: "The sample: id, path (as query --json prints it), stem or a unique part of the path.") var sample: String
  @Option(help: "How many.") var limit = 10
  @Flag(help: "JSON output: samples with path and distance.") var json = false

  func validate() throws { guard limit > 0 else { throw ValidationError("--limit must be positive") } }

  func run() throws {
    let store = try DatasetOpener.open(path)
    let row = try store.resolveSample(sample)
    let sigs = try curationSignatures(store, view: nil)
    let list = try Curator(store: store).similar(to: row.id, in: sigs, limit: limit)
    let report = SimilarReport(list, rows: try rowsById(store, list.map(\.sampleId)))
    if json {
      print(try JSONOutput.string(report))
    } else {
      for e in report.samples { print(String(format: "%.4f", e.distance) + "\t" + Sanitize.forTerminal(e.path)) }
    }
  }
}

/// `segscope uniqueness PATH [--json]`.
struct UniquenessCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "uniqueness",
    abstract:
      "How unlike the rest each sample is, in [0, 1] (FiftyOne's definition: 3 nearest neighbours, weights 0.6/0.3/0.1, divided by the maximum); stored for uniqueness<0.2 and sort:-uniqueness."
  )
  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(help: "Rows of the text report.") var top = 20
  @Flag(help: "JSON output: samples with path and uniqueness, most unique first.") var json = false

  func run() throws {
    let store = try DatasetOpener.open(path)
    let sigs = try curationSignatures(store, view: nil)
    guard sigs.count >= 2 else { throw StoreError.invalid("uniqueness needs at least 2 samples whose images can be read; \(sigs.count) have") }
    let values = try Curator(store: store).uniqueness(sigs)
    let report = UniquenessReport(values, rows: try rowsById(store, sigs.map(\.sampleId)))
    if json {
      print(try JSONOutput.string(report))
      return
    }
    print("most unique:")
    for e in report.samples.prefix(top) { print(String(format: "  %.3f", e.uniqueness) + "  " + Sanitize.forTerminal(e.path)) }
    print("least unique:")
    for e in report.samples.suffix(min(top, report.samples.count)).reversed() {
      print(String(format: "  %.3f", e.uniqueness) + "  " + Sanitize.forTerminal(e.path))
    }
  }
}

/// `segscope uncertainty PATH --pred FIELD [--pred FIELD ...] [--view EXPR] [--json]`.
struct UncertaintyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "uncertainty",
    abstract:
      "How unsure the models are about each sample: mean least confidence and the share of pixels under 0.5 from confidence maps, and the share of pixels where prediction fields disagree."
  )
  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(help: "Prediction field (repeatable).") var pred: [String] = []
  @Option(parsing: .unconditional, help: "Only the samples of this view.") var view: String?
  @Option(help: "Rows of the text report.") var top = 20
  @Flag(help: "JSON output: samples, most uncertain first.") var json = false

  func validate() throws { guard !pred.isEmpty else { throw ValidationError("give at least one prediction field: --pred FIELD") } }

  func run() throws {
    let store = try DatasetOpener.open(path)
    let ids = try view.map { try store.sampleIds(parseView($0)) }
    let (scores, problems) = try Uncertainty(store: store).scores(predFields: pred, ids: ids)
    for p in problems.prefix(10) { FileHandleOut.stderr(Sanitize.forTerminal(p)) }
    if scores.isEmpty {
      FileHandleOut.stderr(
        "segscope: error: no sample could be scored: each needs a readable mask of every --pred field\(problems.isEmpty ? "" : " (see above)")")
      throw ExitCode(1)
    }
    let report = UncertaintyReport(scores, rows: try rowsById(store, scores.map(\.sampleId)))
    print(json ? try JSONOutput.string(report) : report.text(top: top), terminator: json ? "\n" : "")
  }
}

/// `segscope next PATH --budget B --pred FIELD ... [--view EXPR] [--tag T | --queue NAME | --export DIR]`.
struct NextCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "next",
    abstract: "Pick the samples to annotate next: the most uncertain, skipping any within the duplicate distance of one already picked (ranked batch sampling)."
  )
  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(help: "How many samples to pick.") var budget: Int
  @Option(help: "Prediction field (repeatable).") var pred: [String] = []
  @Option(parsing: .unconditional, help: "Pick among the samples of this view.") var view: String?
  @Option(help: "Tag the picks.") var tag: String?
  @Option(help: "Make the picks a review queue (they are tagged with its name).") var queue: String?
  @Option(help: "Export the picks as a CVAT folder for annotators.") var export: String?
  @Option(help: "Minimum embedding distance between two picks (default: the duplicate threshold).") var spread = Curator.defaultThreshold
  @Flag(help: "JSON output: the picks, most uncertain first.") var json = false

  func validate() throws {
    guard budget > 0 else { throw ValidationError("--budget must be positive") }
    guard !pred.isEmpty else { throw ValidationError("give at least one prediction field: --pred FIELD") }
    guard [tag, queue, export].compactMap({ $0 }).count <= 1 else { throw ValidationError("give at most one of --tag, --queue, --export") }
  }

  func run() throws {
    let store = try DatasetOpener.open(path)
    let ids = try view.map { try store.sampleIds(parseView($0)) }
    let sigs = try curationSignatures(store, view: view)
    let (picks, problems) = try Uncertainty(store: store).next(predFields: pred, ids: ids, signatures: sigs, budget: budget, spread: spread)
    for p in problems.prefix(10) { FileHandleOut.stderr(Sanitize.forTerminal(p)) }
    let pickedIds = picks.map(\.sampleId)
    let rows = try rowsById(store, pickedIds)
    if let tag { try store.replaceTag(pickedIds, tag) }
    if let queue {
      try store.replaceTag(pickedIds, queue)
      _ = try store.openQueue(queue, expression: "tag:\(queue)")
    }
    if let export {
      let report = try Exporter(store: store).export(.cvat, sampleIds: pickedIds, to: typedPath(export))
      FileHandleOut.stderr("exported \(report.samples) samples as CVAT to \(Sanitize.forTerminal(export))")
    }
    let report = UncertaintyReport(picks, rows: rows)
    print(json ? try JSONOutput.string(report) : report.text(top: budget), terminator: json ? "\n" : "")
    if picks.count < budget { FileHandleOut.stderr("picked \(picks.count) of \(budget): no more samples with the fields (or far enough apart)") }
    if picks.isEmpty { throw ExitCode(1) }
  }
}
