import AppSession
import CommandOutput
import Workflows
import AppCore
import ArgumentParser
import DatasetStore
import TerminalRender

#if canImport(Glibc)
  import Glibc
#endif

/// Options shared by every command that opens the app.
struct DisplayOptions: ParsableArguments {
  @Option(help: "sixel, kitty, halfblock or ascii (default: what the terminal supports).") var graphics: TerminalCapabilities.Graphics?
  @Option(help: "truecolor, 256, 16 or none (default: from the terminal; NO_COLOR is honoured).") var colors: ColorMode?
  @Option(help: "Theme name (Themes/NAME.toml; default from config.toml, else dark).") var theme: String?
  @Option(
    help: ArgumentHelp(
      "auto or KB/s: below 64 KB/s pictures are half-blocks (default: auto, measured from picture writes, unless --graphics or the config chose the graphics)."
    )) var bandwidth: Bandwidth?
  @Option(help: ArgumentHelp("Touch this file after each drawn frame (for test harnesses).", visibility: .hidden)) var readyFile: String?
}

/// The terminal's graphics and colours as the command line names them.
extension TerminalCapabilities.Graphics: ExpressibleByArgument {}
extension ColorMode: ExpressibleByArgument {}

extension Bandwidth: ExpressibleByArgument {
  public init?(argument: String) { self.init(argument) }
}

extension DisplayOptions {
  /// Starts the full-screen app on a dataset, unless Ctrl-C came while it was prepared (an interrupted
  /// indexing pass resumes inside the app, as a background job).
  @MainActor
  func launch(_ store: DatasetStore) async throws {
    guard !Interrupt.isRequested else { return }
    Interrupt.reset()
    try await AppLaunch.run(
      store, graphics: graphics, colors: colors, theme: theme, readyFile: readyFile, version: Segscope.version, bandwidth: bandwidth,
      shouldStop: { Interrupt.isRequested })
  }
}

/// `segscope open PATH`.
struct OpenCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "open", abstract: "Open a dataset in the full-screen app (importing it on first open).")

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(name: .customLong("pred"), help: "A prediction folder, NAME=DIR (repeatable), for the first import.") var predictions: [String] = []
  @OptionGroup var display: DisplayOptions

  @MainActor
  func run() async throws {
    Interrupt.install()
    let store = try DatasetOpener.open(path)
    if try store.sampleCount() == 0 || !predictions.isEmpty {
      try Console.emit(DatasetOpener.importFolder(store, FolderImport(predictions: typedSpecs(predictions))))
    }
    try await display.launch(store)
  }
}
