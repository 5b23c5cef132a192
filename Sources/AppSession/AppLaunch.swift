import AppCore
import DatasetStore
import TerminalBackend
import TerminalRender
import Workflows

#if canImport(Glibc)
  import Glibc
#endif

/// Opening the full-screen app: the terminal probed (only for what is still unknown), the config and
/// theme read, the runtime started.
public enum AppLaunch {
  /// Probes the terminal (bounded wait) and applies the overrides: the command line's, then the
  /// config's. Questions an override makes moot are not asked (no trace in the terminal, no pane title).
  /// Without `probe` (output that is no terminal) nothing is asked: the environment decides.
  /// The app and `segscope render` both resolve their capabilities here.
  public static func capabilities(
    graphics: TerminalCapabilities.Graphics?, colors: ColorMode?, config: AppConfig = AppConfig(), probe: Bool = true
  ) -> TerminalCapabilities {
    let forcedGraphics = graphics ?? config.graphics.flatMap(TerminalCapabilities.Graphics.init(rawValue:))
    let forcedColors = colors ?? config.colors.flatMap(ColorMode.init(rawValue:))
    let needs = ProbeReplies.ProbeNeeds(
      graphics: forcedGraphics == nil, pixels: forcedGraphics == nil || forcedGraphics == .sixel || forcedGraphics == .kitty, colors: forcedColors == nil)
    var caps =
      probe
      ? TTYProbe.run(timeoutMs: 500, needs: needs) : ProbeReplies.capabilities(replies: [], env: ProcessEnvironment.current(), winsize: (0, 0, 0, 0))
    if let g = config.graphics.flatMap(TerminalCapabilities.Graphics.init(rawValue:)) { caps.graphics = g }
    if let c = config.colors.flatMap(ColorMode.init(rawValue:)) { caps.colors = c }
    if let graphics { caps.graphics = graphics }
    if let colors { caps.colors = colors }
    if caps.colors == .none && caps.graphics == .halfblock { caps.graphics = .ascii }
    return caps
  }

  /// Runs the app until the user quits, the terminal goes away or `shouldStop` says so.
  @MainActor
  public static func run(
    _ store: DatasetStore, graphics: TerminalCapabilities.Graphics?, colors: ColorMode?, theme: String?, readyFile: String?, version: String,
    bandwidth: Bandwidth? = nil,
    shouldStop: @escaping @Sendable () -> Bool
  ) async throws {
    guard isatty(0) != 0 && isatty(1) != 0 else {
      throw StoreError.invalid("the app needs a terminal (stdin and stdout); use segscope info/query/eval in scripts")
    }
    let (config, configMessages) = Settings.loadConfig()
    let (loaded, themeMessages) = Settings.theme(theme ?? config.theme ?? "dark")
    let runtime = AppRuntime(
      store: store, caps: capabilities(graphics: graphics, colors: colors, config: config), theme: loaded, readyFile: readyFile, version: version,
      shouldStop: shouldStop)
    runtime.state.keymap = config.keymap()
    // Pictures fall back to half-blocks on a slow link: measured unless the user gave the rate, and
    // by default only when the graphics were not chosen by hand.
    let chosen = graphics != nil || config.graphics != nil
    switch bandwidth ?? config.bandwidth ?? (chosen ? nil : .auto) {
    case .auto?: runtime.watchLink = true
    case .fixed(let kbps)? where Bandwidth.tooSlowForPixels(kbps): runtime.dispatch(.linkTooSlow(kbps: kbps))
    default: break
    }
    if let paint = config.paintBackground { runtime.state.paintBackground = paint }
    if let first = (configMessages + themeMessages).first {
      runtime.state.status = first
      runtime.state.statusIsError = true
    }
    await runtime.run()
  }
}
