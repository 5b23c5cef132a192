import AppSession
import CommandOutput
import Workflows
import ArgumentParser
import DatasetStore
import Foundation
import Predict
import SegmentationCore

/// `segscope predict PATH --name NAME --cmd 'COMMAND ... {manifest} ...'`.
struct PredictCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict",
    abstract: "Run your own model over a view through a file protocol and import its masks as a prediction field.",
    discussion: """
      For each batch segscope writes a JSON-lines manifest, one line per sample:
        {"id": N, "image": "/abs/image.jpg", "output": "/abs/.../NAME/STEM.png", "confidence": "/abs/.../NAME.confidence/STEM.png"}
      and runs COMMAND (with /bin/sh) with {manifest} replaced by its path (also in $SEGSCOPE_MANIFEST).
      The command writes label-map PNGs (8- or 16-bit, values = class ids) to "output" and, optionally,
      8/16-bit confidence PNGs to "confidence". They become field NAME (and NAME.confidence) under
      .segscope/predictions/. A missing or bad output is a problem naming the sample; the exit status
      is 1 if any sample failed or the command failed, after importing the rest. A re-run skips samples
      whose output is newer than their image (--force redoes them). Ctrl-C stops the command and keeps
      the batches done.
      """
  )

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(help: "The prediction field to make.") var name: String
  @Option(help: "The command, with {manifest} where the manifest's path goes.") var cmd: String
  @Option(parsing: .unconditional, help: "Predict only the samples of this view.") var view: String?
  @Option(help: "Samples per manifest (per run of the command).") var batch = 64
  @Flag(
    help:
      "Predict every sample again, even those with an output newer than their image; with an imported prediction field as --name, replace that whole field."
  ) var force = false

  func run() throws {
    Interrupt.install()
    let store = try DatasetOpener.open(path)
    var req = PredictRunner.Request(name: name, command: cmd)
    req.batch = batch
    req.force = force
    if let v = view { req.sampleIds = try store.sampleIds(ViewExpression.parseForCommand(v)) }
    let bar = ProgressBar(label: "predicting", total: 1)
    let out = try PredictRunner(store: store).run(req, progress: { done, total in bar.set(done, total) }, shouldStop: { Interrupt.isRequested })
    bar.finish()
    print(Sanitize.forTerminal(out.summary(name: name)))
    for f in out.commandFailures { print("  " + Sanitize.forTerminal(f)) }
    if !out.failed.isEmpty {
      print("  \(out.failed.count) samples failed:")
      for f in out.failed.prefix(20) { print("    \(Sanitize.forTerminal(store.relativePath(f.0))): \(Sanitize.forTerminal(f.1))") }
      if out.failed.count > 20 { print("    ... (segscope info PATH lists them all)") }
    }
    if let damage = out.damage {
      Console.stderr("segscope: error: " + Sanitize.forTerminal(damage))
      for f in out.changedFiles.prefix(20) { Console.stderr("  \(Sanitize.forTerminal(f.0)): \(f.1)") }
      throw ExitCode.failure
    }
    if out.cancelled {
      print("cancelled: the batches done are imported; run again to go on")
      throw ExitCode(130)
    }
    if !out.failed.isEmpty || !out.commandFailures.isEmpty { throw ExitCode.failure }
  }
}
