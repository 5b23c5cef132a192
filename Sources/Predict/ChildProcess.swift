import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The user's command in its own process group (so a cancel stops everything it started), with its
/// standard error kept for the report.
enum ChildProcess {
  struct Result {
    var status: Int32
    var stderrTail: [String]
    var cancelled: Bool
  }

  /// `'...'` for /bin/sh.
  static func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

  /// Runs `/bin/sh -c command`; `tick` is called about 5 times a second while it runs; `shouldStop`
  /// ends it (SIGTERM to the group, SIGKILL after 3 s).
  static func run(command: String, environment: [String: String], shouldStop: @Sendable () -> Bool, tick: () -> Void) throws -> Result {
    let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("segscope-predict-\(getpid())-\(UUID().uuidString).err").path
    defer { unlink(errPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
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
    sigaddset(&defaults, SIGINT)
    sigaddset(&defaults, SIGTERM)
    sigaddset(&defaults, SIGPIPE)
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
    guard rc == 0 else { throw PredictError(message: "cannot start /bin/sh: \(String(cString: strerror(rc)))") }
    var status: Int32 = 0
    var cancelled = false
    var termSent: Date? = nil
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
      tick()
      usleep(200_000)
    }
    // Whatever the shell left running in its group goes too.
    kill(-pid, SIGKILL)
    tick()
    let exit: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    let tail = err.split(separator: "\n").suffix(5).map { String($0.prefix(300)) }
    return Result(status: exit, stderrTail: tail, cancelled: cancelled)
  }
}

public struct PredictError: Error, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}
