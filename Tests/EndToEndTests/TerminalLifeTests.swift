import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The app when its terminal goes away, and what the probe leaves behind.
@Suite("The terminal: hangups, dead input, no probe traces", .serialized)
struct TerminalLifeTests {
  func alive(_ pid: Int32) -> Bool {
    // A zombie is gone for our purposes (its parent, the tmux server, reaps it later).
    guard kill(pid, 0) == 0 else { return false }
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    return !stat.contains(") Z ")
  }

  /// Waits until `pid` is gone; returns the seconds it took, or nil after `limit`.
  func waitGone(_ pid: Int32, limit: Double) -> Double? {
    let t0 = Date()
    while Date().timeIntervalSince(t0) < limit {
      if !alive(pid) { return Date().timeIntervalSince(t0) }
      usleep(20_000)
    }
    return nil
  }

  @Test("an SSH hangup (the tmux session killed): the app is gone within a second")
  func hangup() throws {
    // As a user starts it: under the pane's shell, which stays (the TmuxSession appends a sleep).
    let t = try TmuxSession(command: "\(Binary.path) open \(DemoFixture.dir) --graphics halfblock", width: 100, height: 30, env: ["TERM": "xterm-256color"])
    defer { t.kill() }
    try t.waitFor { $0.contains("12/12 samples") }
    let shell = String(decoding: try Shell.run(["tmux", "-L", t.socket, "display-message", "-p", "-t", "t", "#{pane_pid}"]).out, as: UTF8.self).filter(
      \.isNumber)
    let children = String(decoding: try Shell.run(["pgrep", "-P", shell, "-f", "segscope"]).out, as: UTF8.self)
    let pid = try #require(children.split(separator: "\n").compactMap { Int32($0) }.first, "no segscope under the pane's shell \(shell)")
    #expect(alive(pid))
    try Shell.run(["tmux", "-L", t.socket, "kill-session", "-t", "t"])
    let took = waitGone(pid, limit: 3)
    #expect(took != nil && took! < 1, "still running after \(took.map { "\($0)" } ?? "3") s")
    if alive(pid) { kill(pid, SIGKILL) }
  }

  @Test("a terminal whose input fails (EIO, SIGHUP blocked) ends the app instead of a busy loop")
  func deadInput() throws {
    // A pseudo-terminal whose master side is closed while the app runs; SIGHUP is blocked so only
    // the dead input can end it.
    let script = """
      import os, pty, signal, subprocess, sys, time
      signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
      master, slave = pty.openpty()
      import fcntl, termios, struct
      fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', 30, 100, 0, 0))
      env = dict(os.environ, TERM='xterm-256color')
      p = subprocess.Popen([sys.argv[1], 'open', sys.argv[2], '--graphics', 'halfblock'], stdin=slave, stdout=slave, stderr=slave, start_new_session=True, env=env)
      os.close(slave)
      seen = b''
      t0 = time.time()
      while b'samples' not in seen and time.time() - t0 < 20:
          try:
              seen += os.read(master, 65536)
          except OSError:
              break
      if b'samples' not in seen:
          print('never drew its screen: %r' % seen[-300:])
          p.kill()
          sys.exit(0)
      os.close(master)
      t1 = time.time()
      try:
          p.wait(timeout=5)
          print('gone %.3f' % (time.time() - t1))
      except subprocess.TimeoutExpired:
          cpu = sum(int(x) for x in open('/proc/%d/stat' % p.pid).read().split(') ')[1].split()[11:13])
          p.kill()
          print('running cpu-ticks %d' % cpu)
      """
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("deadpty-\(UUID().uuidString).py").path
    try script.write(toFile: path, atomically: true, encoding: .utf8)
    defer { unlink(path) }
    let r = try Shell.run(["timeout", "60", "python3", path, Binary.path, DemoFixture.dir])
    let out = String(decoding: r.out, as: UTF8.self)
    #expect(out.hasPrefix("gone"), "\(out) \(r.err)")
    if out.hasPrefix("gone"), let s = Double(out.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)) { #expect(s < 1.5) }
  }

  @Test("with --graphics halfblock inside tmux the probe leaves no trace: the pane title is unchanged")
  func noProbeTrace() throws {
    let t = try TmuxSession(
      command: "\(Binary.path) open \(DemoFixture.dir) --graphics halfblock; sleep 600", width: 100, height: 30, env: ["TERM": "xterm-256color"])
    defer { t.kill() }
    func title() throws -> String {
      String(decoding: try Shell.run(["tmux", "-L", t.socket, "display-message", "-p", "-t", "t", "#{pane_title}"]).out, as: UTF8.self)
    }
    try t.waitFor { $0.contains("12/12 samples") }
    var host = [CChar](repeating: 0, count: 256)
    gethostname(&host, 255)
    let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let shown = try title().trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(shown == hostName, "pane title became '\(shown)'")
    #expect(!shown.contains("Gi=31"))
  }
}
