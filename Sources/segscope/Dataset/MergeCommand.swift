import CommandOutput
import ArgumentParser

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
    let style = EvalOutput.Style(format: format, allClasses: allClasses, ci: ci)
    try Console.emit(EvalOutput.merge(DatasetOpener.open(path), parts: parts, key: key, version: Segscope.version, style: style))
  }
}
