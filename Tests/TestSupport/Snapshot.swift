import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Golden-file snapshots: `__Snapshots__/<name>.txt` beside the test file. `RECORD_SNAPSHOTS=1`
/// re-records them. A missing snapshot is a failure (so a fresh clone cannot pass by recording).
public enum Snapshot {
  /// nil when `actual` equals the stored snapshot; otherwise a message with the first difference.
  public static func mismatch(_ actual: String, named name: String, file: String = #filePath) -> String? {
    let dir = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("__Snapshots__")
    let url = dir.appendingPathComponent(name + ".txt")
    let record = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"
    if record {
      try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      try? actual.write(to: url, atomically: true, encoding: .utf8)
      return nil
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
      return "no snapshot \(url.path); run with RECORD_SNAPSHOTS=1 to record it"
    }
    if expected == actual { return nil }
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    for i in 0..<max(e.count, a.count) {
      let el = i < e.count ? String(e[i]) : "<none>"
      let al = i < a.count ? String(a[i]) : "<none>"
      if el != al { return "snapshot \(name) differs at line \(i + 1):\n expected: \(el)\n   actual: \(al)" }
    }
    return "snapshot \(name) differs"
  }
}

/// Runs a command and returns its exit status and standard output.
public enum Shell {
  /// Runs with posix_spawn; output goes to temporary files, not pipes, and the child is reaped with
  /// waitpid: a daemon the command starts (tmux's server) would otherwise keep a pipe open forever
  /// (Foundation's Process was seen to hang on `tmux new-session -d`).
  ///
  /// Every command has a time limit (`seconds`, 300 by default): one that hangs is killed and the
  /// call returns status 124 (coreutils' `timeout`), so a test fails instead of hanging the run.
  @discardableResult
  public static func run(_ args: [String], stdin: Data? = nil, seconds: Int = 300) throws -> (status: Int32, out: Data, err: String) {
    let args = ["timeout", "--kill-after=5", String(seconds)] + args
    let tmp = FileManager.default.temporaryDirectory
    let outPath = tmp.appendingPathComponent("shell-out-" + UUID().uuidString).path
    let errPath = tmp.appendingPathComponent("shell-err-" + UUID().uuidString).path
    let inPath = tmp.appendingPathComponent("shell-in-" + UUID().uuidString).path
    _ = FileManager.default.createFile(atPath: inPath, contents: stdin ?? Data())
    defer {
      for p in [outPath, errPath, inPath] { try? FileManager.default.removeItem(atPath: p) }
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv: [UnsafeMutablePointer<CChar>?] = (["/usr/bin/env"] + args).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, environ)
    guard rc == 0 else { throw ShellError(message: "cannot run \(args.first ?? ""): error \(rc)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let exitCode: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    let out = (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data()
    let err = String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data(), as: UTF8.self)
    return (exitCode, out, err)
  }

  /// Whether a program is on the PATH.
  public static func has(_ program: String) -> Bool {
    (try? run(["sh", "-c", "command -v \(program)"]).status == 0) ?? false
  }
}

public struct ShellError: Error, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}

/// The `segscope` executable built next to the test bundle.
public enum Binary {
  public static var path: String {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    // On Linux the runner is <bin>/segscopePackageTests.xctest; with some runners it is nested.
    for _ in 0..<4 {
      let candidate = dir.appendingPathComponent("segscope").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      dir = dir.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent(".build/debug/segscope").path
  }
}
