import CNcursesw
import SegmentationCore
import TerminalRender

#if canImport(Glibc)
  import Glibc
#endif

/// Input the backend decodes.
public enum InputEvent: Sendable {
  case key(Key)
  case resize(Int, Int)
  case click(Int, Int)
  case wheel(up: Bool)
  /// The terminal is gone (hangup, end of input, an I/O error): restore what can be and exit.
  case closed
}

/// The one place that talks to ncurses: start and restore the terminal, apply buffer diffs with
/// colour pairs, send image placements after `doupdate`, decode keys, resizes and mouse events.
/// Not thread-safe: main actor only.
@MainActor
public final class Terminal {
  private var previous: Buffer? = nil
  private var pairs: [Int64: Int32] = [:]
  private let colors: ColorMode
  private let graphics: TerminalCapabilities.Graphics
  /// What the terminal shows of sixel or kitty pictures, and the output that changes it.
  private let pictures: PictureScreen?
  private var maxPairs: Int32 = 255
  /// The link's throughput, from how long the picture writes of each frame take.
  public private(set) var meter = LinkMeter()
  private(set) var isActive = false

  /// Puts the terminal in full-screen mode. `shutdown()` (also run at exit) restores it.
  public init(
    colors: ColorMode, graphics: TerminalCapabilities.Graphics, registers: Int, cell: (width: Int, height: Int) = (10, 20),
    compress: (([UInt8]) -> [UInt8]?)? = nil, png: ((RGBImage) -> [UInt8]?)? = nil, pngAlpha: ((Int, Int, [UInt8]) -> [UInt8]?)? = nil
  ) {
    self.colors = colors
    self.graphics = graphics
    switch graphics {
    case .sixel: pictures = PictureScreen(.sixel(SixelEncoder(registers: registers)), cellWidth: cell.width, cellHeight: cell.height)
    case .kitty: pictures = PictureScreen(.kitty(compress: compress, png: png, pngAlpha: pngAlpha), cellWidth: cell.width, cellHeight: cell.height)
    default: pictures = nil
    }
    if setlocale(LC_ALL, "") == nil || String(cString: nl_langinfo(nl_item(CODESET))) != "UTF-8" { setlocale(LC_ALL, "C.UTF-8") }
    _ = tcgetattr(0, &Terminal.savedTermios)
    Terminal.haveSavedTermios = true
    initscr()
    isActive = true
    Terminal.installExitRestore()
    Terminal.installCrashRestore()
    raw()
    noecho()
    keypad(cnc_stdscr(), true)
    set_escdelay(25)
    curs_set(0)
    mousemask(cnc_all_mouse_events(), nil)
    mouseinterval(0)
    if colors != .none && has_colors() {
      start_color()
      use_default_colors()
      maxPairs = Int32(min(Int(cnc_color_pairs()) - 1, 30000))
    }
    wtimeout(cnc_stdscr(), 30)
    // Pictures live in cells ncurses takes to be blank: it must not shift characters within a line.
    if pictures != nil { idcok(cnc_stdscr(), false) }
  }

  /// The screen size in cells.
  public var size: (width: Int, height: Int) { (Int(getmaxx(cnc_stdscr())), Int(getmaxy(cnc_stdscr()))) }

  /// Restores the terminal (idempotent).
  public func shutdown() {
    guard isActive else { return }
    isActive = false
    endwin()
    Terminal.writeRaw(Array("\u{1B}[?25h".utf8))
  }

  nonisolated(unsafe) static var savedTermios = termios()
  nonisolated(unsafe) static var haveSavedTermios = false

  /// On a crash (a trap, SIGSEGV...), put the terminal back before dying: the saved tty modes, the
  /// main screen, a visible cursor. Only async-signal-safe calls.
  private static func installCrashRestore() {
    let handler: @convention(c) (Int32) -> Void = { sig in
      if Terminal.haveSavedTermios { _ = tcsetattr(0, TCSANOW, &Terminal.savedTermios) }
      let reset: [UInt8] = Array("\u{1B}[0m\u{1B}[?1049l\u{1B}[?25h\r\n".utf8)
      _ = reset.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
      signal(sig, SIG_DFL)
      raise(sig)
    }
    for sig in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] { signal(sig, handler) }
  }

  nonisolated(unsafe) private static var exitHookInstalled = false
  private static func installExitRestore() {
    guard !exitHookInstalled else { return }
    exitHookInstalled = true
    atexit {
      if isendwin() == false { endwin() }
    }
  }

  /// Forces the next draw to repaint everything (after Ctrl-L or a resize).
  public func invalidate() {
    previous = nil
    pictures?.invalidate()
    clearok(cnc_stdscr(), true)
  }

  /// Applies a frame: changed cells through ncurses, then images that are new or were overwritten.
  /// Returns false when pictures were left out because input was waiting: draw again soon (the
  /// next frame sends what is missing).
  @discardableResult
  public func draw(_ frame: Frame) -> Bool {
    let b = frame.buffer
    if let p = previous, p.width != b.width || p.height != b.height { invalidate() }
    let changes = b.diff(from: previous)
    // Pictures first worked out: those that are gone are blanked before the text goes out.
    // ncurses may clear a line to its start or end where it has to write blanks, over cells it takes
    // to be blank already: a row where text turns into blanks is damaged (text drawn over blanks, as
    // a popup opening, is not). And it moves runs of lines with a scroll region (idlok(false) does
    // not stop its hash-based scrolling), pixels and all, when a changed line's new text is another
    // line's old text: then every row is damaged.
    let update = pictures.map { pictures in
      let rows = Set(changes.map(\.y))
      let blanked = Set(changes.filter { c in c.cell.symbol == " " && previous.map { $0[c.x, c.y] != c.cell } ?? true }.map(\.y))
      let damaged = b.mayMoveLines(from: previous, changedRows: rows) ? Set(0..<b.height) : blanked
      return pictures.update(
        frame.placements, occluders: frame.occluders, damagedRows: damaged)
    }
    if let before = update?.before, !before.isEmpty { Terminal.writeRaw(before) }
    for c in changes where !c.cell.isContinuation { put(c.cell, x: c.x, y: c.y) }
    previous = b
    wnoutrefresh(cnc_stdscr())
    doupdate()
    if let update, !update.units.isEmpty {
      // One whole sequence at a time; when a key waits (a slow link, quick presses), the frame is
      // stale: the rest is left for the next frame, which the key brings at once.
      // The time the writes take measures the link (`meter`).
      let start = ContinuousClock.now
      var written = 0
      defer {
        let d = ContinuousClock.now - start
        meter.record(bytes: written, seconds: Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
      }
      for (i, unit) in update.units.enumerated() {
        // While the tty's queue drains (TIOCOUTQ), a key that arrives makes the rest stale.
        if Terminal.waitForQueue() {
          pictures?.abandon(update.units[i...])
          return false
        }
        Terminal.writeRaw(unit.bytes)
        written += unit.bytes.count
      }
    }
    return true
  }

  /// Bytes written to the terminal and not yet sent on (TIOCOUTQ), or nil where unknown.
  static func queuedOutput() -> Int? {
    var n: Int32 = 0
    return ioctl(1, UInt(TIOCOUTQ), &n) == 0 ? Int(n) : nil
  }

  /// Waits (up to two seconds) while more than 16 KB of output is still queued for the terminal,
  /// watching for input; true as soon as a key waits.
  static func waitForQueue() -> Bool {
    let deadline = ContinuousClock.now + .seconds(2)
    while let q = queuedOutput(), q > 16 * 1024, ContinuousClock.now < deadline {
      if inputPending() { return true }
      usleep(2000)
    }
    return inputPending()
  }

  /// Whether a key (or other input) is waiting to be read.
  public static func inputPending() -> Bool {
    var p = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
    return poll(&p, 1, 0) > 0 && p.revents & Int16(POLLIN) != 0
  }

  private func put(_ cell: Cell, x: Int, y: Int) {
    var attrs: attr_t = 0
    let a = cell.style.attributes
    if a.contains(.bold) { attrs |= cnc_a_bold() }
    if a.contains(.underline) { attrs |= cnc_a_underline() }
    if a.contains(.reverse) { attrs |= cnc_a_reverse() }
    if a.contains(.dim) { attrs |= cnc_a_dim() }
    var pair: Int32 = 0
    if colors == .none {
      // No colour: a light background means "highlighted"; show it reversed.
      if let bg = cell.style.bg, let fg = cell.style.fg, ColorQuantizer.luma(bg) > ColorQuantizer.luma(fg) { attrs |= cnc_a_reverse() }
    } else {
      pair = pairFor(fg: cell.style.fg, bg: cell.style.bg)
    }
    var wch: [wchar_t] = cell.symbol.unicodeScalars.prefix(4).map { wchar_t(bitPattern: $0.value) } + [0]
    if wch.count == 1 { wch = [32, 0] }
    var cc = cchar_t()
    _ = cnc_setcchar(&cc, &wch, attrs, pair)
    mvwadd_wch(cnc_stdscr(), Int32(y), Int32(x), &cc)
  }

  private func index(_ c: RGB?) -> Int32 {
    guard let c else { return -1 }
    switch colors {
    case .ansi16: return Int32(ColorQuantizer.index16(c))
    default: return Int32(ColorQuantizer.index256(c))
    }
  }

  private func pairFor(fg: RGB?, bg: RGB?) -> Int32 {
    let f = index(fg), b = index(bg)
    if f == -1 && b == -1 { return 0 }
    let key = Int64(f + 1) << 16 | Int64(b + 1)
    if let p = pairs[key] { return p }
    if Int32(pairs.count) >= maxPairs {
      // Out of pairs: start over on a clean screen so no visible cell keeps a redefined pair.
      pairs = [:]
      invalidate()
    }
    let p = Int32(pairs.count + 1)
    init_extended_pair(p, f, b)
    pairs[key] = p
    return p
  }

  /// Waits up to the input timeout for one event.
  public func readEvent() -> InputEvent? {
    var ch: wint_t = 0
    let r = wget_wch(cnc_stdscr(), &ch)
    if r == ERR { return inputIsGone() ? .closed : nil }
    deadChecks = 0
    if r == cnc_key_code_yes() {
      let k = Int32(ch)
      if k == cnc_key_resize() {
        let (w, h) = size
        return .resize(w, h)
      }
      if k == cnc_key_mouse() {
        var ev = MEVENT()
        guard getmouse(&ev) == OK else { return nil }
        if ev.bstate & cnc_button4_pressed() != 0 { return .wheel(up: true) }
        if cnc_button5_pressed() != 0 && ev.bstate & cnc_button5_pressed() != 0 { return .wheel(up: false) }
        if ev.bstate & cnc_button1_clicked() != 0 { return .click(Int(ev.x), Int(ev.y)) }
        return nil
      }
      switch k {
      case KEY_UP: return .key(.up)
      case KEY_DOWN: return .key(.down)
      case KEY_LEFT: return .key(.left)
      case KEY_RIGHT: return .key(.right)
      case KEY_PPAGE: return .key(.pageUp)
      case KEY_NPAGE: return .key(.pageDown)
      case KEY_HOME: return .key(.home)
      case KEY_END: return .key(.end)
      case KEY_ENTER: return .key(.enter)
      case KEY_BACKSPACE: return .key(.backspace)
      case KEY_DC: return .key(.delete)
      case KEY_BTAB: return .key(.backTab)
      default:
        if k >= KEY_F0 && k <= KEY_F0 + 24 { return .key(.function(Int(k - KEY_F0))) }
        return nil
      }
    }
    switch ch {
    case 3: return .key(.ctrl("c"))
    case 9: return .key(.tab)
    case 10, 13: return .key(.enter)
    case 12:
      invalidate()
      return .key(.ctrl("l"))
    case 27: return .key(.escape)
    case 8, 127: return .key(.backspace)
    case 1...26: return .key(.ctrl(Character(Unicode.Scalar(UInt8(ch) + 96))))
    default:
      guard let scalar = Unicode.Scalar(UInt32(ch)) else { return nil }
      return .key(.char(Character(scalar)))
    }
  }

  private var deadChecks = 0

  /// After a read gave nothing: whether standard input is gone rather than quiet. A hung-up or
  /// closed terminal polls as HUP/ERR/NVAL. One failing with EIO (no longer our terminal) or at end
  /// of input polls readable while ncurses reads nothing, at once and again and again, which would
  /// otherwise spin: then one byte is read without blocking to tell (a byte that was really there is
  /// handed back to ncurses).
  private func inputIsGone() -> Bool {
    var pfd = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
    guard poll(&pfd, 1, 0) >= 0 else { return errno != EINTR }
    if pfd.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { return true }
    guard pfd.revents & Int16(POLLIN) != 0 else {
      deadChecks = 0
      return false
    }
    deadChecks += 1
    if deadChecks < 3 { return false }
    deadChecks = 0
    let flags = fcntl(0, F_GETFL)
    _ = fcntl(0, F_SETFL, flags | O_NONBLOCK)
    defer { _ = fcntl(0, F_SETFL, flags) }
    var byte: UInt8 = 0
    let n = read(0, &byte, 1)
    if n == 1 {
      ungetch(Int32(byte))
      return false
    }
    if n == 0 { return true }
    return errno == EIO || errno == EBADF
  }

  /// Whether the controlling terminal is still there (false after a hangup).
  public static func isHungUp() -> Bool { hangup != 0 }

  nonisolated(unsafe) static var hangup: sig_atomic_t = 0

  /// SIGHUP (the SSH connection or the tmux pane went away) ends the app like a quit.
  public static func installHangupHandler() {
    let handler: @convention(c) (Int32) -> Void = { _ in Terminal.hangup = 1 }
    signal(SIGHUP, handler)
  }

  /// Writes bytes to standard output, all of them (retrying partial writes and EINTR).
  nonisolated public static func writeRaw(_ bytes: [UInt8]) {
    var off = 0
    while off < bytes.count {
      let r = bytes.withUnsafeBytes { write(1, $0.baseAddress! + off, bytes.count - off) }
      if r < 0 {
        if errno == EINTR { continue }
        return
      }
      off += r
    }
  }
}
