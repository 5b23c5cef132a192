import CommandOutput
import Workflows
import ArgumentParser
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
    let req = PredictRunner.Request(name: name, command: cmd, sampleIds: try store.sampleIds(viewText: view), batch: batch, force: force)
    try Console.emit(PipelineOutput.predict(store, request: req))
  }
}
