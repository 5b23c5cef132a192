import AppSession
import CommandOutput
import Workflows
import ArgumentParser
import DatasetImport
import DatasetStore
import Evaluation
import Foundation
import SegmentationCore
import Shards

/// `segscope merge PATH --key K PART...`: the parts of a sharded `eval` stored as one run.
struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Merge the parts of a sharded evaluation (eval --shard) into one stored run, or of a sharded indexing pass (index --shard).",
    discussion: """
      Checks that the parts belong together (same dataset, view, files, options, segscope version and
      shard count, every shard exactly once) and refuses otherwise, naming the missing, duplicate,
      foreign or incomplete parts; nothing is stored then. The run is stored exactly as one 'eval' would
      have stored it, and the same report is printed.
      """
  )

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(help: "Run name (evaluation parts).") var key: String?
  @Option(help: "table, json, csv or markdown.") var format: OutputFormat = .table
  @Flag(help: "Table and markdown: also list the classes absent from both ground truth and prediction.") var allClasses = false
  @Flag(help: "Add 95% bootstrap confidence intervals for mIoU and each class's IoU.") var ci = false
  @Argument(help: "The part files (one per shard).") var parts: [String] = []

  func validate() throws {
    if parts.isEmpty { throw ValidationError("give the part files to merge") }
  }

  func run() throws {
    let store = try DatasetOpener.open(path)
    let kind = try PartFiles.readHeader(parts[0]).kind
    if kind == .index {
      let (indexed, problems) = try HistogramIndexer(store: store).merge(parts: parts, version: Segscope.version)
      print("merged \(parts.count) parts: \(indexed) masks indexed; \(problems.count) problems")
      for p in problems.prefix(20) { print("  \(Sanitize.forTerminal(p.0)): \(Sanitize.forTerminal(p.1))") }
      return
    }
    guard let key else { throw ValidationError("--key KEY names the run the evaluation parts become") }
    if kind == .instance {
      let (result, head) = try EvaluationRunner(store: store).mergeInstances(parts: parts, key: key, version: Segscope.version) {
        try store.sampleIds(ViewExpression.parseForCommand($0))
      }
      try EvalCommand.printInstance(store: store, key: key, gt: head.gtField, boundary: head.boundary, result: result, format: format)
      return
    }
    let bar = ProgressBar(label: "merging", total: 1)
    let (run, matrix, problems, notes, head) = try EvaluationRunner(store: store).merge(parts: parts, key: key, version: Segscope.version) {
      try store.sampleIds(ViewExpression.parseForCommand($0))
    } progress: { _ in
      bar.tick()
    }
    bar.finish()
    try EvalCommand.printSemantic(
      store: store, run: run, matrix: matrix, problems: problems, notes: notes,
      dialect: MetricDialect(stored: head.dialect, place: "the parts' header dialect"), pred: head.predField,
      gt: head.gtField, format: format, bandwidth: head.bandwidth, boundary: head.boundary, allClasses: allClasses, ci: ci)
  }
}
