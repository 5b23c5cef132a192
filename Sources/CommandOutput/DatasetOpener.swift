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

  /// Runs an import of a folder (headers, then the mask-indexing pass, each with a progress bar) and
  /// says what it found. Requests that failed (a `--pred` folder that is not there) end it with status 1,
  /// the rest of the import kept; Ctrl-C ends the indexing pass (it resumes on the next import or open).
  /// `interruptedStatus` is the exit status after Ctrl-C (0 where the caller goes on, as `open` does).
  public static func importFolder(_ store: DatasetStore, _ job: FolderImport, interruptedStatus: Int32 = 0) throws -> Printed {
    let bar = ProgressBar(label: "reading headers", total: 1)
    let hbar = ProgressBar(label: "indexing masks", total: 1)
    let outcome = try job.run(
      into: store, headers: { done, total in bar.set(done, total) },
      indexing: { done, total in hbar.set(done, total) }, shouldStop: { Interrupt.isRequested })
    bar.finish()
    hbar.finish()
    var out = Printed(out: try outcome.summary(store))
    if Interrupt.isRequested {
      out.line("interrupted: the indexing pass resumes on the next import or open")
      out.fail(interruptedStatus)
    }
    out.failedRequests(outcome.report.failedRequests)
    return out
  }
}

extension Printed {
  /// What the user asked an import for and did not get (a `--pred` folder that is not there): each on
  /// stderr, and status 1; the rest of the import was kept.
  mutating func failedRequests(_ failed: [String]) {
    guard !failed.isEmpty else { return }
    for r in failed { warn("segscope: error: " + Sanitize.forTerminal(r)) }
    warn("segscope: the rest of the import was kept")
    fail()
  }
}
