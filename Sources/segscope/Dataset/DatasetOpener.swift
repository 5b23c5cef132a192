import AppSession
import ArgumentParser
import DatasetImport
import DatasetStore
import SegmentationCore

/// Opens a dataset from a folder or a database file, importing a folder on first use.
enum DatasetOpener {
  static func open(_ path: String) throws -> DatasetStore {
    if path.hasSuffix(".sqlite") || path.hasSuffix(".db") { return try DatasetStore(databaseFile: path) }
    return try DatasetStore(root: path)
  }

  /// Imports (or re-imports) a folder and indexes mask histograms, printing a summary.
  static func importFolder(
    _ store: DatasetStore, format: String?, predictions: [(String, String)], classes: String?, confidences: [(String, String)] = [], quiet: Bool = false,
    force: Bool = false
  ) throws -> ImportReport {
    var job = FolderImport()
    if let format {
      guard let layout = DatasetLayout(rawValue: format) else {
        throw ImportError(
          message:
            "format '\(Sanitize.forTerminal(format))' is not supported (supported: \(DatasetLayout.allCases.map(\.rawValue).sorted().joined(separator: ", ")))")
      }
      job.format = layout
    }
    job.predictions = predictions
    job.confidences = confidences
    job.classesFile = classes
    job.force = force
    let bar = ProgressBar(label: "reading headers", total: 1)
    let hbar = ProgressBar(label: "indexing masks", total: 1)
    let outcome = try job.run(
      into: store, headers: { done, total in bar.set(done, total) },
      indexing: { done, total in hbar.set(done, total) }, shouldStop: { Interrupt.isRequested })
    bar.finish()
    hbar.finish()
    let report = outcome.report, indexed = outcome.indexed
    if !quiet {
      print(
        "imported \(report.samples) samples (\(report.counts.added) new, \(report.counts.updated) known) from \(Sanitize.forTerminal(store.root)); fields: \(report.fields.joined(separator: ", ")); \(report.unlabeled) without ground truth; \(indexed) masks indexed"
      )
      if !report.counts.changedMasks.isEmpty {
        print(
          "\(report.counts.changedMasks.count) mask files changed since the last import (their class counts were recomputed): "
            + report.counts.changedMasks.prefix(5).map(Sanitize.forTerminal).joined(separator: ", "))
      }
      if !report.counts.vanished.isEmpty {
        print(
          "\(report.counts.vanished.count) samples vanished since the last import: "
            + report.counts.vanished.prefix(5).map(Sanitize.forTerminal).joined(separator: ", "))
      }
      let problems = try store.problems()
      if !problems.isEmpty {
        print("\(problems.count) problems:")
        for p in problems.prefix(20) { print("  \(Sanitize.forTerminal(p.path)): \(Sanitize.forTerminal(p.problem))") }
        if problems.count > 20 { print("  ... (segscope info PATH lists them all)") }
      }
      if Interrupt.isRequested { print("interrupted: the indexing pass resumes on the next import or open") }
    }
    return report
  }
}

extension DatasetOpener {
  /// What the user asked for and did not get ends the command with status 1 (the rest was kept).
  static func failIfRequestsFailed(_ report: ImportReport) throws {
    guard !report.failedRequests.isEmpty else { return }
    for r in report.failedRequests { FileHandleOut.stderr("segscope: error: " + Sanitize.forTerminal(r)) }
    FileHandleOut.stderr("segscope: the rest of the import was kept")
    throw ExitCode.failure
  }
}

struct ImportError: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
}

/// NAME=PATH specs with PATH made absolute (typed paths are relative to the current directory).
func typedSpecs(_ specs: [String]) -> [(String, String)] {
  specs.compactMap(parsePredictionSpec).map { ($0.0, typedPath($0.1)) }
}

/// Parses NAME=DIR.
func parsePredictionSpec(_ s: String) -> (String, String)? {
  guard let eq = s.firstIndex(of: "="), eq != s.startIndex else { return nil }
  let name = String(s[..<eq]), dir = String(s[s.index(after: eq)...])
  guard !dir.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else { return nil }
  return (name, dir)
}
