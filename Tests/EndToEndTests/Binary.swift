import Foundation

#if canImport(Glibc)
  import Glibc
#endif
import TestSupport

/// A private tmux server (its own socket, no user config) running one command in a fixed-size pane.
final class TmuxSession {
  let socket = "segscope-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
  let width: Int
  let height: Int

  init(command: String, width: Int = 100, height: Int = 30, env: [String: String] = [:]) throws {
    self.width = width
    self.height = height
    var args = ["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "\(width)", "-y", "\(height)"]
    for (k, v) in env { args += ["-e", "\(k)=\(v)"] }
    args.append(command + "; sleep 600")
    let r = try Shell.run(args)
    guard r.status == 0 else { throw TmuxError(message: "tmux failed: \(r.err)") }
    try Shell.run(["tmux", "-L", socket, "set-option", "-g", "status", "off"])
    serverPid = Int32(String(decoding: try Shell.run(["tmux", "-L", socket, "display-message", "-p", "#{pid}"]).out, as: UTF8.self).filter(\.isNumber)) ?? 0
  }

  private var serverPid: Int32 = 0

  deinit { kill() }

  /// Stops the private tmux server (also done on deinit).
  func kill() {
    _ = try? Shell.run(["tmux", "-L", socket, "kill-server"])
    // A server that lingers (seen under the test runner) is killed with its panes.
    if serverPid > 0 {
      _ = try? Shell.run(["pkill", "-9", "-P", String(serverPid)])
      Glibc.kill(serverPid, SIGKILL)
      serverPid = 0
    }
  }

  func capture(escapes: Bool = false) throws -> String {
    let r = try Shell.run(["tmux", "-L", socket, "capture-pane", "-t", "t", "-p", "-N"] + (escapes ? ["-e"] : []))
    return String(decoding: r.out, as: UTF8.self)
  }

  /// Sends keys, then pauses briefly as a person typing would.
  func send(_ keys: [String]) throws {
    try Shell.run(["tmux", "-L", socket, "send-keys", "-t", "t"] + keys)
    usleep(150_000)
  }

  func resize(_ w: Int, _ h: Int) throws { try Shell.run(["tmux", "-L", socket, "resize-window", "-t", "t", "-x", "\(w)", "-y", "\(h)"]) }

  /// Polls the screen until `predicate` holds and returns that screen; after `seconds` it throws,
  /// with the last screen in the message (a wait that times out is a failure, never a pass). 20 s by
  /// default: CI runs these beside the Slurm and evaluation suites on two cores, where an app that
  /// starts in under a second alone once took more than 10 s to draw its first screen.
  @discardableResult
  func waitFor(
    seconds: Double = 20, escapes: Bool = false, _ what: String = "", file: StaticString = #filePath, line: UInt = #line, _ predicate: (String) -> Bool
  ) throws -> String {
    let deadline = Date().addingTimeInterval(seconds)
    var last = ""
    while Date() < deadline {
      last = try capture(escapes: escapes)
      if predicate(last) { return last }
      usleep(50_000)
    }
    throw TmuxError(message: "timed out after \(seconds) s waiting\(what.isEmpty ? "" : " for " + what) (\(file):\(line)); the screen was:\n\(last)")
  }
}

struct TmuxError: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
}

/// Cells of text with 24-bit SGR colours, as printed by segscope or captured by tmux.
struct AnsiCell: Equatable {
  var symbol: String
  var fg: [Int]?
  var bg: [Int]?
}

enum AnsiParser {
  static func parse(_ text: String) -> [[AnsiCell]] {
    var rows: [[AnsiCell]] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      var row: [AnsiCell] = []
      var fg: [Int]? = nil, bg: [Int]? = nil
      var it = Array(line.unicodeScalars)[...]
      while let s = it.first {
        it = it.dropFirst()
        if s == "\u{1B}" {
          guard it.first == "[" else { continue }
          it = it.dropFirst()
          var body = ""
          while let c = it.first, !(c.value >= 0x40 && c.value <= 0x7E) {
            body.unicodeScalars.append(c)
            it = it.dropFirst()
          }
          let final = it.first
          it = it.dropFirst()
          guard final == "m" else { continue }
          let p = body.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
          var i = 0
          if p.isEmpty { fg = nil; bg = nil }
          while i < p.count {
            switch p[i] {
            case 0: fg = nil; bg = nil
            case 39: fg = nil
            case 49: bg = nil
            case 38 where i + 4 < p.count && p[i + 1] == 2: fg = Array(p[(i + 2)...(i + 4)]); i += 4
            case 48 where i + 4 < p.count && p[i + 1] == 2: bg = Array(p[(i + 2)...(i + 4)]); i += 4
            default: break
            }
            i += 1
          }
        } else {
          row.append(AnsiCell(symbol: String(s), fg: fg, bg: bg))
        }
      }
      rows.append(row)
    }
    return rows
  }
}
