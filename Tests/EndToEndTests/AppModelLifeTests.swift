import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A model started from the app (`:predict`) never outlives it: quitting with q, or the pane closing
/// (SIGHUP), ends the model's process group.
@Suite("The app ends the models it started", .serialized)
struct AppModelLifeTests {
  static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
    "Scripts/test_predictor.py"
  ).path

  /// Starts the app on a fresh demo and a slow model through the palette; returns the session, the
  /// model's pid and the dataset folder.
  func startWithModel() throws -> (TmuxSession, pid_t, String) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("app-model-\(UUID().uuidString)").path
    #expect(try Shell.run([Binary.path, "demo", "--dir", dir, "--samples", "4", "--size", "64x48", "--print"]).status == 0)
    let t = try TmuxSession(
      command: "\(Binary.path) open \(dir) --graphics halfblock; echo \"EXIT=$?\"", width: 100, height: 30, env: ["TERM": "xterm-256color"])
    try t.waitFor { $0.contains("4/4 samples") }
    let pidFile = dir + "/model.pid"
    try t.send([":"])
    try t.send(["-l", "predict slow PIDFILE=\(pidFile) SLEEP=60 python3 \(Self.script) {manifest}"])
    try t.send(["Enter"])
    let deadline = Date().addingTimeInterval(20)
    while !FileManager.default.fileExists(atPath: pidFile) && Date() < deadline { usleep(50_000) }
    let text = try String(contentsOfFile: pidFile, encoding: .utf8)
    return (t, try #require(pid_t(text)), dir)
  }

  /// Whether `pid` still runs (a zombie waiting for its new parent does not).
  static func running(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    return !stat.contains(") Z")
  }

  static func waitGone(_ pid: pid_t, seconds: Double) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while running(pid) && Date() < deadline { usleep(50_000) }
    return !running(pid)
  }

  @Test("q while :predict runs: the app exits and its model is ended")
  func quitEndsModel() throws {
    let (t, pid, dir) = try startWithModel()
    defer {
      t.kill()
      if Self.running(pid) { kill(pid, SIGKILL) }
      try? FileManager.default.removeItem(atPath: dir)
    }
    #expect(Self.running(pid))
    try t.send(["q"])
    try t.waitFor(seconds: 15) { $0.contains("EXIT=") }
    #expect(Self.waitGone(pid, seconds: 5), "the model outlived the app")
  }

  @Test("the pane closing (SIGHUP) while :predict runs ends the model")
  func hangupEndsModel() throws {
    let (t, pid, dir) = try startWithModel()
    defer {
      if Self.running(pid) { kill(pid, SIGKILL) }
      try? FileManager.default.removeItem(atPath: dir)
    }
    #expect(Self.running(pid))
    try Shell.run(["tmux", "-L", t.socket, "kill-pane", "-t", "t"])
    #expect(Self.waitGone(pid, seconds: 10), "the model outlived the closed pane")
    t.kill()
  }
}
