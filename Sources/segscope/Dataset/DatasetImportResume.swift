import DatasetImport
import DatasetStore

enum DatasetImportResume {
  /// Indexes masks left over by an interrupted pass.
  static func resume(_ store: DatasetStore) throws -> Int {
    let indexer = HistogramIndexer(store: store)
    guard try !indexer.pending().isEmpty else { return 0 }
    let bar = ProgressBar(label: "indexing masks", total: 1)
    defer { bar.finish() }
    return try indexer.run(progress: { d, t in bar.set(d, t) }, shouldStop: { Interrupt.isRequested }).indexed
  }
}
