import AppSession
import AppCore
import ArgumentParser
import DatasetStore
import SegmentationCore
import TerminalBackend
import TerminalRender

#if canImport(Glibc)
  import Glibc
#endif

/// Options shared by every command that opens the app.
struct DisplayOptions: ParsableArguments {
  @Option(help: "sixel, kitty, halfblock or ascii (default: what the terminal supports).") var graphics: String?
  @Option(help: "truecolor, 256, 16 or none (default: from the terminal; NO_COLOR is honoured).") var colors: String?
  @Option(help: "Theme name (Themes/NAME.toml; default from config.toml, else dark).") var theme: String?
  @Option(help: ArgumentHelp("Touch this file after each drawn frame (for test harnesses).", visibility: .hidden)) var readyFile: String?

  func validate() throws {
    if let g = graphics, TerminalCapabilities.Graphics(rawValue: g) == nil { throw ValidationError("--graphics must be sixel, kitty, halfblock or ascii") }
    if let c = colors, ColorMode(rawValue: c) == nil { throw ValidationError("--colors must be truecolor, 256, 16 or none") }
  }

  /// Probes the terminal (bounded wait) and applies the overrides.
  func capabilities(config: AppConfig = AppConfig()) -> TerminalCapabilities {
    // Questions an override makes moot are not asked (no trace in the terminal, no pane title).
    let forcedGraphics =
      graphics.flatMap(TerminalCapabilities.Graphics.init(rawValue:)) ?? config.graphics.flatMap(TerminalCapabilities.Graphics.init(rawValue:))
    let forcedColors = colors.flatMap(ColorMode.init(rawValue:)) ?? config.colors.flatMap(ColorMode.init(rawValue:))
    let needs = ProbeReplies.ProbeNeeds(
      graphics: forcedGraphics == nil, pixels: forcedGraphics == nil || forcedGraphics == .sixel || forcedGraphics == .kitty, colors: forcedColors == nil)
    var caps = TTYProbe.run(timeoutMs: 500, needs: needs)
    if let g = config.graphics.flatMap(TerminalCapabilities.Graphics.init(rawValue:)) { caps.graphics = g }
    if let c = config.colors.flatMap(ColorMode.init(rawValue:)) { caps.colors = c }
    if let g = graphics.flatMap(TerminalCapabilities.Graphics.init(rawValue:)) { caps.graphics = g }
    if let c = colors.flatMap(ColorMode.init(rawValue:)) { caps.colors = c }
    if caps.colors == .none && caps.graphics == .halfblock { caps.graphics = .ascii }
    return caps
  }
}

/// Starts the full-screen app on a dataset.
@MainActor
func launchApp(_ store: DatasetStore, display: DisplayOptions) async throws {
  guard isatty(0) != 0 && isatty(1) != 0 else {
    throw ValidationError("the app needs a terminal (stdin and stdout); use segscope info/query/eval in scripts")
  }
  let (config, configMessages) = Settings.loadConfig()
  let (theme, themeMessages) = Settings.theme(display.theme ?? config.theme ?? "dark")
  let runtime = AppRuntime(store: store, caps: display.capabilities(config: config), theme: theme, readyFile: display.readyFile)
  runtime.state.keymap = config.keymap()
  if let first = (configMessages + themeMessages).first {
    runtime.state.status = first
    runtime.state.statusIsError = true
  }
  await runtime.run()
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
      let report = try DatasetOpener.importFolder(store, format: nil, predictions: typedSpecs(predictions), classes: nil)
      try DatasetOpener.failIfRequestsFailed(report)
    }
    // An interrupted indexing pass resumes inside the app, as a background job.
    if Interrupt.isRequested { return }
    Interrupt.reset()
    try await launchApp(store, display: display)
  }
}
