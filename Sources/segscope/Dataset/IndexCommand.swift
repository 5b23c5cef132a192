import AppSession
import CommandOutput
import Workflows
import ArgumentParser
import DatasetImport
import DatasetStore
import Foundation
import SegmentationCore
import Shards

/// `segscope index PATH [--shard I/N --out PART]`: the mask-indexing pass, whole or one shard of it.
struct IndexCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "index",
    abstract: "Decode the masks not indexed yet and store their class histograms (what class filters and counts read).",
    discussion: """
      'import' runs this pass itself unless given --no-index. With --shard, one slice of the pending masks
      (by sample id) is indexed from a read-only database into a part file; 'segscope merge PATH PART...'
      stores the parts as one pass would have.
      """
  )

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(help: "Index one slice: I/N (0-based) or auto (Slurm array task, or JOB_COMPLETION_INDEX with --shards). Needs --out; reads the dataset only.")
  var shard: String?
  @Option(help: "The number of shards, for --shard auto under Kubernetes.") var shards: Int?
  @Option(help: "With --shard: the part file to write.") var out: String?

  func validate() throws {
    if (shard == nil) != (out == nil) { throw ValidationError("--shard and --out go together") }
    if shards != nil && shard == nil { throw ValidationError("--shards goes with --shard auto") }
  }

  func run() throws {
    Interrupt.install()
    let bar = ProgressBar(label: "indexing masks", total: 1)
    defer { bar.finish() }
    if let shard, let out {
      let spec = try Shard.parse(shard, shards: shards, environment: ProcessInfo.processInfo.environment)
      let head = try HistogramIndexer(store: try DatasetStore.openReadOnly(path)).runShard(
        shard: spec, out: out, version: Segscope.version, progress: { done, total in bar.set(done, total) }, shouldStop: { Interrupt.isRequested })
      bar.finish()
      print("shard \(spec): \(head.samples) of \(head.pairs) pending masks indexed into \(Sanitize.forTerminal(out))")
      return
    }
    let store = try DatasetOpener.open(path)
    let (indexed, problems) = try HistogramIndexer(store: store).run(progress: { done, total in bar.set(done, total) }, shouldStop: { Interrupt.isRequested })
    bar.finish()
    print("indexed \(indexed) masks; \(problems.count) problems")
    for p in problems.prefix(20) { print("  \(Sanitize.forTerminal(p.0)): \(Sanitize.forTerminal(p.1))") }
    if Interrupt.isRequested { throw ExitCode(130) }
  }
}
