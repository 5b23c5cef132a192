import DatasetImport

#if canImport(Glibc)
  import Glibc
#endif

/// A progress bar on stderr, shown only when stderr is a terminal. Safe to tick from many threads.
final class ProgressBar: @unchecked Sendable {
  private let label: String
  private var total: Int
  private var done = 0
  private var lastDrawn = -1
  private let enabled: Bool
  private let lock = Mutex()

  init(label: String, total: Int) {
    self.label = label
    self.total = max(1, total)
    enabled = isatty(2) != 0
  }

  func tick() {
    lock.withLock { advance() }
  }

  private func advance() {
    done += 1
    let pct = done * 100 / total
    if enabled && pct != lastDrawn {
      lastDrawn = pct
      let filled = pct * 30 / 100
      let line = "\r\(label) [" + String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled) + "] \(done)/\(total)"
      _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    }
  }

  /// Sets progress to `done` of `total` (for work whose size is known late).
  func set(_ done: Int, _ total: Int) {
    lock.withLock {
      self.total = max(1, total)
      self.done = done - 1
      advance()
    }
  }

  func finish() {
    guard enabled else { return }
    let clear = "\r\u{1B}[K"
    _ = clear.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
  }
}
