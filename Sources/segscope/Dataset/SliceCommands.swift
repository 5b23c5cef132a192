import CommandOutput
import ArgumentParser
import Slices

/// `segscope clusters PATH [--k K|auto] [--run RUN] [--view EXPR] [--json]`.
struct ClustersCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "clusters",
    abstract:
      "Cluster the images by their signatures (k-means; --k auto picks k by silhouette), store the clusters for the views cluster:N and sort:cluster, and with --run report each cluster's mIoU."
  )
  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(help: "The number of clusters, or auto (the k from 2 to 12 with the best silhouette; the default).", transform: ImageClusters.KChoice.init(parsing:))
  var k: ImageClusters.KChoice = .auto
  @Option(name: .customLong("run"), help: "A semantic evaluation run: each cluster's mIoU with a bootstrap interval.") var runKey: String?
  @Option(parsing: .unconditional, help: "Cluster only the samples of this view.") var view: String?
  @Flag(help: "Report the stored clusters without clustering again.") var stored = false
  @Flag(help: "JSON output.") var json = false

  func run() throws {
    try Console.emit(CurationOutput.clusters(DatasetOpener.open(path), view: view, k: k, run: runKey, stored: stored, format: json ? .json : .table))
  }
}

/// `segscope slices PATH --run RUN [--view EXPR] [--min-size N] [--json]`.
struct SlicesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "slices",
    abstract:
      "Find the slices (split, tags, classes, object sizes, image size, brightness, contrast, clusters, uniqueness, and pairs of these) where a run is significantly worse than on the rest, worst first."
  )
  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(name: .customLong("run"), help: "A semantic evaluation run.") var runKey: String
  @Option(parsing: .unconditional, help: "Look only among the samples of this view.") var view: String?
  @Option(help: "The smallest slice (and rest) tested.") var minSize = 10
  @Option(help: "The false discovery rate (Benjamini-Hochberg) slices are listed at.") var fdr = 0.05
  @Option(help: "At most this many slices.") var limit = 20
  @Flag(help: "JSON output.") var json = false

  func validate() throws {
    guard minSize >= 2 else { throw ValidationError("--min-size must be at least 2") }
    guard fdr > 0, fdr < 1 else { throw ValidationError("--fdr is between 0 and 1") }
    guard limit > 0 else { throw ValidationError("--limit must be positive") }
  }

  func run() throws {
    let options = SliceFinder.Options(minSize: minSize, alpha: fdr, limit: limit)
    try Console.emit(CurationOutput.slices(DatasetOpener.open(path), run: runKey, view: view, options: options, format: json ? .json : .table))
  }
}
