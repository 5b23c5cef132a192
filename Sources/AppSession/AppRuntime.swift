import Synchronization
import AppCore
import DatasetImport
import DatasetStore
import ImageCodec
import SegmentationCore
import TerminalBackend
import TerminalRender
import Workflows

#if canImport(Glibc)
  import Glibc
#endif

/// Actions posted by background work, drained by the main loop.
final class ActionQueue: Sendable {
  init() {}
  private let items = Mutex<[AppAction]>([])
  func push(_ a: [AppAction]) { items.withLock { $0 += a } }
  func drain() -> [AppAction] {
    items.withLock {
      let out = $0
      $0 = []
      return out
    }
  }
}

/// The event loop: render, apply the diff, read input, reduce, run effects in the background.
@MainActor
public final class AppRuntime {
  public var state = AppState()
  /// Measure the link and fall back to half-blocks when it is too slow for pixels (`--bandwidth auto`).
  public var watchLink = false
  let runner: EffectRunner
  let queue = ActionQueue()
  let caps: TerminalCapabilities
  let theme: Theme
  let readyFile: String?

  /// Polled by the loop: a quit from outside (SIGTERM).
  let shouldStop: @Sendable () -> Bool

  public init(
    store: DatasetStore, caps: TerminalCapabilities, theme: Theme = .dark, readyFile: String? = nil, version: String,
    shouldStop: @escaping @Sendable () -> Bool = { false }
  ) {
    self.shouldStop = shouldStop
    let queue = self.queue
    let r = EffectRunner(store: store, version: version) { queue.push($0) }
    runner = r
    self.caps = caps
    self.theme = theme
    self.readyFile = readyFile
    state.graphics = caps.graphics
    state.colors = caps.colors
    state.cell = CellGeometry(
      width: caps.cellWidth, height: caps.cellHeight, maxImageWidth: caps.maxGraphicsSize?.width, maxImageHeight: caps.maxGraphicsSize?.height)
  }

  public func run() async {
    let terminal = Terminal(
      colors: caps.colors, graphics: caps.graphics, registers: caps.colorRegisters, cell: (caps.cellWidth, caps.cellHeight), compress: { Zlib.compress($0) },
      png: { try? PNGEncoder.encodeSmallest($0) }, pngAlpha: { try? PNGEncoder.encodeSmallest(width: $0, height: $1, rgba: $2) })
    defer { terminal.shutdown() }
    let (w, h) = terminal.size
    dispatch(.terminalResized(width: w, height: h))
    perform([.loadDataset, .indexMasks(job: .indexMasks)])
    var dirty = true
    var idleFrames = 0
    var lastDraw = ContinuousClock.now
    Terminal.installHangupHandler()
    while !state.quitRequested && !shouldStop() && !Terminal.isHungUp() {
      for a in queue.drain() {
        dispatch(a)
        dirty = true
      }
      // Keys that wait make this frame stale: they are read first, and only the newest frame is
      // composed and drawn (quick presses of n on a slow link do not draw every sample between).
      // A key held down still gets a frame every half second.
      if dirty && (!Terminal.inputPending() || ContinuousClock.now - lastDraw > .milliseconds(500)) {
        lastDraw = ContinuousClock.now
        // Pictures left out for waiting input are drawn by the next pass.
        let complete = terminal.draw(AppView.render(state, theme: theme))
        dirty = !complete
        if watchLink, terminal.meter.isTooSlow, let kbps = terminal.meter.estimate {
          watchLink = false
          dispatch(.linkTooSlow(kbps: kbps))
          dirty = true
        }
        idleFrames = 0
        if complete, let readyFile { touch(readyFile) }
      }
      if let ev = terminal.readEvent() {
        switch ev {
        case .key(.ctrl("l")): terminal.invalidate()
        case .key(let k): dispatch(.keyPressed(k))
        case .resize(let w, let h):
          terminal.invalidate()
          dispatch(.terminalResized(width: w, height: h))
        case .click(let x, let y): dispatch(.mouseClicked(x: x, y: y))
        case .wheel(let up): dispatch(.mouseScrolled(up: up))
        case .closed: return
        }
        dirty = true
      } else {
        idleFrames += 1
      }
      await Task.yield()
    }
  }

  public func dispatch(_ action: AppAction) {
    var action = action
    // Class colours: the dataset's own first, then the theme's table and fallback list.
    if case .datasetLoaded(let name, let total, let fields, let names, let palette, let ignore, let runs, let problems) = action {
      let merged = ClassPalette(colors: theme.classes.colors.merging(palette.colors) { _, dataset in dataset }, fallback: theme.classes.fallback)
      action = .datasetLoaded(name: name, total: total, fields: fields, classNames: names, palette: merged, ignore: ignore, runs: runs, problems: problems)
      state.overlayAlpha = theme.overlayAlpha
    }
    let effects = Reducer.reduce(&state, action)
    perform(effects)
  }

  /// View loads are numbered as they start; the reducer keeps only the newest one's result.
  private var viewRequests = 0
  private let scheduler = EffectScheduler()

  func perform(_ effects: [Effect]) {
    for var e in effects where e != .quit {
      if e.loadsView {
        viewRequests += 1
        e = e.numbered(viewRequests)
        _ = Reducer.reduce(&state, .viewRequested(viewRequests))
      }
      let queue = self.queue
      scheduler.run(e, with: runner) { queue.push($0) }
    }
  }

  func touch(_ path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    if fd >= 0 { close(fd) }
  }
}
