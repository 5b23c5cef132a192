import CommandOutput
import Workflows
import ArgumentParser

#if canImport(Glibc)
  import Glibc
#endif

/// `segscope demo`: generate the demo dataset, evaluate its two models, and show the results.
struct DemoCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Generate a demo street-scene dataset with two model predictions, evaluate them and show the results."
  )
  @Option(help: "Where to write the demo dataset (default: $XDG_CACHE_HOME/segscope/demo).") var dir: String?
  @Option(help: "Number of samples.") var samples: Int = 60
  @Option(help: "Image size, WIDTHxHEIGHT (default: 320x240).", transform: ImageSize.init(parsing:)) var size = ImageSize(width: 320, height: 240)
  @Option(help: "Percent of the scenes shot at dusk, where both models do worse; no tag or split names them (a hidden slice for 'segscope slices').") var dusk:
    Int = 0
  @Flag(help: "Regenerate the files even if they exist.") var regenerate = false
  @Flag(help: "Print the results instead of opening the app (the default when not on a terminal).") var print = false

  @OptionGroup var display: DisplayOptions

  func validate() throws {
    guard samples >= 1 && samples <= 100_000 else { throw ValidationError("--samples must be between 1 and 100000") }
    guard (0...90).contains(dusk) else { throw ValidationError("--dusk is a percentage from 0 to 90") }
  }

  @MainActor
  func run() async throws {
    let demo = DemoDataset(root: dir, samples: samples, width: size.width, height: size.height, duskPercent: dusk)
    Interrupt.install()
    let (store, summaries) = try demo.prepare(regenerate: regenerate, version: Segscope.version, shouldStop: { Interrupt.isRequested }) { Swift.print($0) }
    if !self.print && isatty(0) != 0 && isatty(1) != 0 && !Interrupt.isRequested { return try await display.launch(store) }
    Swift.print(demo.summary(summaries), terminator: "")
  }
}
