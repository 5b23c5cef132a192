import ArgumentParser
import Foundation
import Shards

/// `--shard I/N|auto --out PART [--shards N]`: one slice of a pass (eval, index) into a part file,
/// from a dataset opened read-only; `segscope merge` stores the parts as one pass would have.
struct ShardOptions: ParsableArguments {
  @Option(
    help: "Do one slice: I/N (0-based) or auto (Slurm array task, or Kubernetes JOB_COMPLETION_INDEX with --shards). Needs --out; reads the dataset only.")
  var shard: String?
  @Option(help: "The number of shards, for --shard auto under Kubernetes (the Indexed Job's completions).") var shards: Int?
  @Option(help: "With --shard: the part file to write (merge the parts with 'segscope merge').") var out: String?

  func validate() throws {
    if shard != nil && out == nil { throw ValidationError("--shard needs --out PART (the partial result to merge)") }
    if out != nil && shard == nil { throw ValidationError("--out goes with --shard") }
    if shards != nil && shard == nil { throw ValidationError("--shards goes with --shard auto") }
  }

  /// The slice asked for and its part file, or nil for the whole pass.
  func slice() throws -> (Shard, String)? {
    guard let shard, let out else { return nil }
    return (try Shard.parse(shard, shards: shards, environment: ProcessInfo.processInfo.environment), out)
  }
}
