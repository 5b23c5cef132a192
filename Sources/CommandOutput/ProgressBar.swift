import Synchronization
import Workflows

#if canImport(Glibc)
  import Glibc
#endif

/// A progress bar on stderr, shown only when stderr is a terminal. Safe to tick from many threads.
public final class ProgressBar: Sendable {
  private struct Counts {
    var total: Int
    var done = 0
    var lastDrawn = -1
  }

  private let label: String
  private let enabled: Bool
  private let counts: Mutex<Counts>

  public init(label: String, total: Int) {
    self.label = label
    counts = Mutex(Counts(total: max(1, total)))
    enabled = isatty(2) != 0
  }

  public func tick() {
    counts.withLock { advance(&$0) }
  }

  private func advance(_ c: inout Counts) {
    c.done += 1
    let pct = c.done * 100 / c.total
    if enabled && pct != c.lastDrawn {
      c.lastDrawn = pct
      let filled = pct * 30 / 100
      let line = "\r\(label) [" + String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled) + "] \(c.done)/\(c.total)"
      _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    }
  }

  /// Sets progress to `done` of `total` (for work whose size is known late).
  public func set(_ done: Int, _ total: Int) {
    counts.withLock {
      $0.total = max(1, total)
      $0.done = done - 1
      advance(&$0)
    }
  }

  public func finish() {
    guard enabled else { return }
    let clear = "\r\u{1B}[K"
    _ = clear.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
  }
}
