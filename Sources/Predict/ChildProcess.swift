import DatasetImport
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The user's command in its own process group (so a cancel stops everything it started), with the
/// tail of its standard error kept for the report.
enum ChildProcess {
  struct Result {
    var status: Int32
    var stderrTail: [String]
    var cancelled: Bool
  }

  /// `'...'` for /bin/sh.
  static func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

  /// How much of the command's standard error is kept: its last 64 KiB, whatever it writes.
  static let stderrKept = 64 << 10

  /// Runs `/bin/sh -c command`; `tick` is called about 5 times a second while it runs; `shouldStop`
  /// ends it (SIGTERM to the group, SIGKILL after 3 s). Standard error comes through a pipe read as
  /// it is written, so memory stays bounded and no file is left behind, however the run ends.
  static func run(command: String, environment: [String: String], shouldStop: @Sendable () -> Bool, tick: () -> Void) throws -> Result {
    ModelProcesses.sweepOldErrorFiles()
    var pipeFds: [Int32] = [-1, -1]
    guard pipe(&pipeFds) == 0 else { throw PredictError(message: "cannot make a pipe: \(String(cString: strerror(errno)))") }
    let readEnd = pipeFds[0], writeEnd = pipeFds[1]
    // Neither end leaks into other commands; the child gets the write end as its fd 2 (dup2 clears the flag).
    for fd in pipeFds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    defer { close(readEnd) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    posix_spawnattr_setpgroup(&attr, 0)
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attr, &none)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for s in [SIGINT, SIGTERM, SIGPIPE, SIGHUP] { sigaddset(&defaults, s) }
    posix_spawnattr_setsigdefault(&attr, &defaults)
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    let args: [String] = ["/bin/sh", "-c", command]
    let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for p in argv { free(p) }
      for p in envp { free(p) }
    }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, envp)
    close(writeEnd)
    guard rc == 0 else { throw PredictError(message: "cannot start /bin/sh: \(String(cString: strerror(rc)))") }
    let slot = ModelProcesses.register(pid)
    defer { ModelProcesses.unregister(slot) }
    var tail = StderrTail(limit: stderrKept)
    var status: Int32 = 0
    var cancelled = false
    var termSent: Date? = nil
    var lastTick = Date()
    var open = true
    while true {
      let w = waitpid(pid, &status, WNOHANG)
      if w == pid { break }
      if w < 0 && errno != EINTR { break }
      if shouldStop() && !cancelled {
        cancelled = true
        termSent = Date()
        kill(-pid, SIGTERM)
      }
      if let t = termSent, Date().timeIntervalSince(t) > 3 { kill(-pid, SIGKILL) }
      if open {
        open = tail.drain(readEnd, waitMilliseconds: 200)
      } else {
        usleep(200_000)
      }
      if Date().timeIntervalSince(lastTick) >= 0.2 {
        tick()
        lastTick = Date()
      }
    }
    // Whatever the shell left running in its group goes too.
    kill(-pid, SIGKILL)
    if open { _ = tail.drain(readEnd, waitMilliseconds: 0) }
    tick()
    let exit: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return Result(status: exit, stderrTail: tail.lines(5), cancelled: cancelled)
  }
}

/// The last `limit` bytes a command wrote to a pipe.
struct StderrTail {
  let limit: Int
  private(set) var bytes: [UInt8] = []
  /// Everything written, kept or not.
  private(set) var total = 0

  init(limit: Int) { self.limit = limit }

  mutating func append(_ chunk: UnsafeRawBufferPointer) {
    total += chunk.count
    bytes.append(contentsOf: chunk.suffix(limit))
    if bytes.count > limit { bytes.removeFirst(bytes.count - limit) }
  }

  /// Reads what is in the pipe now (waiting up to `waitMilliseconds` for the first byte); false once
  /// the pipe is closed.
  mutating func drain(_ fd: Int32, waitMilliseconds: Int32) -> Bool {
    var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    var wait = waitMilliseconds
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let r = poll(&p, 1, wait)
      if r < 0 { return errno == EINTR }
      if r == 0 { return true }
      let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n < 0 { return errno == EINTR || errno == EAGAIN }
      if n == 0 { return false }
      buffer.withUnsafeBytes { append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
      wait = 0
    }
  }

  /// The last `count` lines, each cut at 300 characters (a cut first line is marked).
  func lines(_ count: Int) -> [String] {
    var text = String(decoding: bytes, as: UTF8.self).split(separator: "\n").suffix(count).map { String($0.prefix(300)) }
    if total > bytes.count, !text.isEmpty { text[0] = "…" + text[0] }
    return text
  }
}

/// Every model process group running now, so that each way segscope ends (a finished run, Ctrl-C,
/// SIGTERM, SIGHUP when the SSH connection or the tmux pane goes, `q` in the app) ends them too:
/// TERM first, then KILL. The groups live in a fixed table a signal handler can read.
public enum ModelProcesses {
  static let slots = 64
  nonisolated(unsafe) static let table: UnsafeMutablePointer<pid_t> = {
    let p = UnsafeMutablePointer<pid_t>.allocate(capacity: slots)
    p.initialize(repeating: 0, count: slots)
    return p
  }()
  static let lock = Mutex(())

  static func register(_ pid: pid_t) -> Int? {
    lock.withLock { _ in
      for i in 0..<slots where table[i] == 0 {
        table[i] = pid
        return i
      }
      return nil
    }
  }

  static func unregister(_ slot: Int?) {
    guard let slot else { return }
    lock.withLock { _ in table[slot] = 0 }
  }

  /// The process groups running now.
  public static var running: [pid_t] { lock.withLock { _ in (0..<slots).map { table[$0] }.filter { $0 > 0 } } }

  /// Ends every running model: SIGTERM to each group, then SIGKILL to those still there after
  /// `grace` seconds. Returns when they are gone (or were killed).
  public static func endAll(grace: Double = 3) { end(running, grace: grace) }

  /// Ends the given process groups as `endAll` does.
  public static func end(_ groups: [pid_t], grace: Double) {
    guard !groups.isEmpty else { return }
    for g in groups { kill(-g, SIGTERM) }
    let deadline = Date().addingTimeInterval(grace)
    while Date() < deadline, groups.contains(where: { alive($0) }) { usleep(50_000) }
    for g in groups where alive(g) { kill(-g, SIGKILL) }
  }

  /// Whether any process of group `g` is still running (zombies waiting to be reaped do not count).
  static func alive(_ g: pid_t) -> Bool {
    guard kill(-g, 0) == 0 else { return false }
    // The group's leader may be a zombie its runner has not reaped yet: look at the members' states.
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return true }
    for e in entries where e.first?.isNumber == true {
      guard let stat = try? String(contentsOfFile: "/proc/\(e)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { continue }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      if fields.count > 2, fields[2] == "\(g)", fields[0] != "Z" { return true }
    }
    return false
  }

  /// From a signal handler: SIGKILL to every running group (async-signal-safe: reads the table, calls kill).
  public static func killAllFromSignalHandler() {
    for i in 0..<slots {
      let g = table[i]
      if g > 0 { kill(-g, SIGKILL) }
    }
  }

  /// Error files an older segscope (before standard error came through a pipe) left in the temporary
  /// folder when it was killed: removed once their process is gone.
  static func sweepOldErrorFiles() {
    Leftovers.removeOfDeadProcesses(in: NSTemporaryDirectory(), prefix: "segscope-predict-", suffix: ".err")
  }
}

public struct PredictError: Error, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}
