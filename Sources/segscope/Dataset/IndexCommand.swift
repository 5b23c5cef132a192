import CommandOutput
import Workflows
import ArgumentParser
import DatasetStore

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
  @OptionGroup var sharding: ShardOptions

  func run() throws {
    Interrupt.install()
    if let (spec, out) = try sharding.slice() {
      return try Console.emit(PipelineOutput.indexShard(DatasetStore.openReadOnly(path), shard: spec, out: out, version: Segscope.version))
    }
    try Console.emit(PipelineOutput.index(DatasetOpener.open(path)))
  }
}
