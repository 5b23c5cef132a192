import CommandOutput
import Workflows
import ArgumentParser
import Curation

/// `segscope signatures PATH [--view EXPR]`.
struct SignaturesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "signatures",
    abstract: "Compute the image signatures (content hash, pHash, dHash, classical embedding, mask layout) the curation commands use; resumable.")
  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(parsing: .unconditional, help: "Only the samples of this view.") var view: String?

  func run() throws {
    print("\(try CurationOutput.signatures(DatasetOpener.open(path), view: view).count) samples have signatures")
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
    try Console.emit(CurationOutput.duplicates(DatasetOpener.open(path), view: view, threshold: threshold, top: top, format: json ? .json : .table))
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
    try Console.emit(CurationOutput.similar(DatasetOpener.open(path), sample: sample, limit: limit, format: json ? .json : .table))
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
    try Console.emit(CurationOutput.uniqueness(DatasetOpener.open(path), top: top, format: json ? .json : .table))
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
    try Console.emit(CurationOutput.uncertainty(DatasetOpener.open(path), fields: pred, view: view, top: top, format: json ? .json : .table))
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
    let destination: AnnotationPicks.Destination? = tag.map { .tag($0) } ?? queue.map { .queue($0) } ?? export.map { .export(typedPath($0)) }
    try Console.emit(
      CurationOutput.next(DatasetOpener.open(path), fields: pred, view: view, budget: budget, spread: spread, into: destination, format: json ? .json : .table))
  }
}
