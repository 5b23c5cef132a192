import Foundation
import TerminalBackend
import TerminalRender
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The probe against a pseudo-terminal whose other side plays the terminal.
@Suite("The terminal probe on a pseudo-terminal")
struct TTYProbeTests {
  /// A pty pair; the slave side has the given window size.
  func pty(cols: UInt16 = 100, rows: UInt16 = 30) throws -> (master: Int32, slave: Int32) {
    var m: Int32 = -1, s: Int32 = -1
    var ws = winsize(ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0)
    guard openpty(&m, &s, nil, nil, &ws) == 0 else { throw POSIXError(.ENODEV) }
    return (m, s)
  }

  /// Reads what the probe asked (until its DA1 query) and answers like `replies`.
  func answer(_ master: Int32, with replies: String) -> Thread {
    let t = Thread {
      var asked: [UInt8] = []
      var buf = [UInt8](repeating: 0, count: 4096)
      let deadline = Date().addingTimeInterval(5)
      while Date() < deadline && !String(decoding: asked, as: UTF8.self).hasSuffix("\u{1B}[c") {
        let n = read(master, &buf, buf.count)
        if n > 0 { asked += buf[0..<n] } else { usleep(1000) }
      }
      let bytes = Array(replies.utf8)
      _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }
    t.start()
    return t
  }

  @Test("a sixel terminal's answers: DA1 with 4, cell size, colour registers, truecolor round trip")
  func sixelTerminal() throws {
    let (m, s) = try pty()
    defer {
      close(m)
      close(s)
    }
    _ = answer(m, with: "\u{1B}[?1;256;0S\u{1B}[6;20;10t\u{1B}P1$r38:2::1:2:3m\u{1B}\\\u{1B}[?64;4;22c")
    let caps = TTYProbe.run(fd: s, timeoutMs: 3000, env: ["TERM": "xterm-256color"])
    #expect(caps.answered && caps.da1Attributes.contains(4))
    #expect(caps.graphics == .sixel && caps.colorRegisters == 256)
    #expect(caps.cellWidth == 10 && caps.cellHeight == 20)
    #expect(caps.colors == .truecolor)
    #expect(caps.columns == 100 && caps.rows == 30)
  }

  @Test("a terminal that answers nothing: the probe gives up after its timeout, with what the environment says")
  func silentTerminal() throws {
    let (m, s) = try pty(cols: 80, rows: 24)
    defer {
      close(m)
      close(s)
    }
    let t0 = Date()
    let caps = TTYProbe.run(fd: s, timeoutMs: 300, env: ["TERM": "xterm-256color", "NO_COLOR": "1"])
    let took = Date().timeIntervalSince(t0)
    #expect(took >= 0.25 && took < 2, "took \(took) s")
    #expect(!caps.answered && caps.graphics != .sixel && caps.colors == .none)
    #expect(caps.columns == 80 && caps.rows == 24)
  }
}
