import Workflows
import DatasetImport
import DatasetStore
import SegmentationCore

/// Opens a dataset from a folder or a database file, importing a folder on first use.
public enum DatasetOpener {
  public static func open(_ path: String) throws -> DatasetStore {
    if path.hasSuffix(".sqlite") || path.hasSuffix(".db") { return try DatasetStore(databaseFile: path) }
    return try DatasetStore(root: path)
  }

  /// Imports (or re-imports) a folder and indexes mask histograms, printing a summary.
  public static func importFolder(
    _ store: DatasetStore, format: String?, predictions: [(String, String)], classes: String?, confidences: [(String, String)] = [],
    probabilities: [(String, String)] = [], quiet: Bool = false,
    force: Bool = false, index: Bool = true
  ) throws -> ImportReport {
    var job = FolderImport()
    if let format {
      guard let layout = DatasetLayout(rawValue: format) else {
        throw StoreError.invalid(
          "format '\(Sanitize.forTerminal(format))' is not supported (supported: \(DatasetLayout.allCases.map(\.rawValue).sorted().joined(separator: ", ")))")
      }
      job.format = layout
    }
    job.predictions = predictions
    job.confidences = confidences
    job.probabilities = probabilities
    job.classesFile = classes
    job.force = force
    job.index = index
    let bar = ProgressBar(label: "reading headers", total: 1)
    let hbar = ProgressBar(label: "indexing masks", total: 1)
    let outcome = try job.run(
      into: store, headers: { done, total in bar.set(done, total) },
      indexing: { done, total in hbar.set(done, total) }, shouldStop: { Interrupt.isRequested })
    bar.finish()
    hbar.finish()
    let report = outcome.report, indexed = outcome.indexed
    if !quiet {
      print(try outcome.summary(store), terminator: "")
      if Interrupt.isRequested { print("interrupted: the indexing pass resumes on the next import or open") }
    }
    return report
  }
}

extension DatasetOpener {
  /// What the user asked for and did not get ends the command with status 1 (the rest was kept).
  public static func failIfRequestsFailed(_ report: ImportReport) throws {
    guard !report.failedRequests.isEmpty else { return }
    for r in report.failedRequests { Console.stderr("segscope: error: " + Sanitize.forTerminal(r)) }
    Console.stderr("segscope: the rest of the import was kept")
    throw CommandExit(1)
  }
}
