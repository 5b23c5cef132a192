import TerminalRender

#if canImport(Glibc)
  import Glibc
#endif

/// Asks the controlling terminal what it can do, before ncurses starts: one query burst, replies read
/// until the DA1 answer or a timeout, so a terminal that answers nothing never hangs segscope.
public enum TTYProbe {
  /// Runs the probe on /dev/tty. Without a terminal (or when it cannot be put in raw mode), returns
  /// what the environment alone says.
  public static func run(
    timeoutMs: Int = 1000, env: [String: String] = ProcessEnvironment.current(), needs: ProbeReplies.ProbeNeeds = ProbeReplies.ProbeNeeds()
  ) -> TerminalCapabilities {
    let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
    guard fd >= 0 else { return ProbeReplies.capabilities(replies: [], env: env, winsize: (0, 0, 0, 0)) }
    defer { close(fd) }
    return run(fd: fd, timeoutMs: timeoutMs, env: env, needs: needs)
  }

  /// Runs the probe on an open terminal device `fd` (which stays open).
  public static func run(fd: Int32, timeoutMs: Int, env: [String: String], needs: ProbeReplies.ProbeNeeds = ProbeReplies.ProbeNeeds()) -> TerminalCapabilities {
    let ws = windowSize(fd)
    var saved = termios()
    guard tcgetattr(fd, &saved) == 0 else { return ProbeReplies.capabilities(replies: [], env: env, winsize: ws) }
    var raw = saved
    cfmakeraw(&raw)
    guard tcsetattr(fd, TCSANOW, &raw) == 0 else { return ProbeReplies.capabilities(replies: [], env: env, winsize: ws) }
    defer { _ = tcsetattr(fd, TCSANOW, &saved) }
    var needs = needs
    needs.inTmux = needs.inTmux || env["TMUX"] != nil || (env["TERM"] ?? "").hasPrefix("tmux") || (env["TERM"] ?? "").hasPrefix("screen")
    let query = Array(ProbeReplies.queries(for: needs).utf8)
    var written = 0
    while written < query.count {
      let r = query.withUnsafeBytes { write(fd, $0.baseAddress! + written, query.count - written) }
      if r <= 0 { break }
      written += r
    }
    var replies: [UInt8] = []
    let start = monotonicMs()
    var buf = [UInt8](repeating: 0, count: 4096)
    while monotonicMs() - start < Double(timeoutMs) && replies.count < 65536 {
      var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let left = Int32(max(1, Double(timeoutMs) - (monotonicMs() - start)))
      let ready = poll(&pfd, 1, left)
      if ready <= 0 { break }
      let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 4096) }
      if n <= 0 { break }
      replies.append(contentsOf: buf[0..<n])
      if ProbeReplies.hasDA1(replies) { break }
    }
    return ProbeReplies.capabilities(replies: replies, env: env, winsize: ws)
  }

  /// TIOCGWINSZ: columns, rows and the pixel size if the terminal reports it.
  public static func windowSize(_ fd: Int32) -> (cols: Int, rows: Int, xpixel: Int, ypixel: Int) {
    var w = winsize()
    guard ioctl(fd, UInt(TIOCGWINSZ), &w) == 0 else { return (0, 0, 0, 0) }
    return (Int(w.ws_col), Int(w.ws_row), Int(w.ws_xpixel), Int(w.ws_ypixel))
  }

  static func monotonicMs() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
  }
}

/// The process environment as a dictionary.
public enum ProcessEnvironment {
  public static func current() -> [String: String] {
    var out: [String: String] = [:]
    var p = environ
    while let entry = p.pointee {
      let s = String(cString: entry)
      if let eq = s.firstIndex(of: "=") { out[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
      p += 1
    }
    return out
  }
}
