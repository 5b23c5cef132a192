import CommandOutput
import Workflows
import ArgumentParser
import DatasetStore
import Foundation
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
    if let shard, let out {
      let spec = try Shard.parse(shard, shards: shards, environment: ProcessInfo.processInfo.environment)
      return try Console.emit(PipelineOutput.indexShard(DatasetStore.openReadOnly(path), shard: spec, out: out, version: Segscope.version))
    }
    try Console.emit(PipelineOutput.index(DatasetOpener.open(path)))
  }

}
