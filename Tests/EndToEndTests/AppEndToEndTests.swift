import Foundation
import TestSupport
import Testing

/// One demo dataset for the whole suite, generated and evaluated by `segscope demo --print`.
enum DemoFixture {
  static let dir: String = {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-demo-\(getpid())").path
    _ = try? Shell.run([Binary.path, "demo", "--dir", d, "--samples", "12", "--size", "160x120", "--print"])
    return d
  }()
}

@Suite("The app in tmux, end to end", .serialized)
struct AppEndToEndTests {
  func start(_ extra: String = "", width: Int = 100, height: Int = 30) throws -> TmuxSession {
    let cmd = "\(Binary.path) open \(DemoFixture.dir) --graphics halfblock \(extra); echo \"EXIT=$?\""
    return try TmuxSession(command: cmd, width: width, height: height, env: ["TERM": "xterm-256color"])
  }

  @Test("navigate, open the palette, run a query, open a sample, quit; the terminal is restored")
  func mainFlow() throws {
    let t = try start()
    defer { t.kill() }
    var screen = try t.waitFor { $0.contains("12/12 samples") && $0.contains("street_0001") }
    #expect(screen.contains("run: model_b"))
    try t.send(["j", "j"])
    try t.send([":"])
    screen = try t.waitFor { $0.contains("complete:") || $0.contains("Enter runs it") || $0.contains("Quit") }
    try t.send(["-l", "split=val"])
    try t.send(["Enter"])
    screen = try t.waitFor { $0.contains("view: split=val") }
    #expect(screen.contains("3/12 samples"))
    try t.send(["Enter"])
    screen = try t.waitFor { $0.contains("1/3") && $0.contains("errors") }
    #expect(screen.contains("ground truth") && screen.contains("model_b"))
    try t.send(["n"])
    screen = try t.waitFor { $0.contains("2/3") }
    try t.send(["2"])
    screen = try t.waitFor { $0.contains("mIoU") && $0.contains("sidewalk") }
    try t.send(["3"])
    screen = try t.waitFor { $0.contains("GT\\pred") && $0.contains("predicted as") }
    try t.send(["?"])
    screen = try t.waitFor { $0.contains("key bindings") }
    try t.send(["q"])
    screen = try t.waitFor { $0.contains("EXIT=0") }
    #expect(screen.contains("EXIT=0"))
    #expect(!screen.contains("segscope │"), "the alternate screen was left")
  }

  @Test("a bad query shows an inline error and the app goes on")
  func badQuery() throws {
    let t = try start()
    defer { t.kill() }
    try t.waitFor { $0.contains("12/12 samples") }
    try t.send([":"])
    try t.send(["-l", "class:unicorn"])
    try t.send(["Enter"])
    let screen = try t.waitFor { $0.contains("no class 'unicorn'") }
    #expect(screen.contains("no class 'unicorn'"))
    try t.send(["/"])
    try t.send(["C-u"])
    try t.send(["-l", "sort:miou(nope"])
    try t.send(["Enter"])
    #expect(try t.waitFor { $0.contains("syntax error at position") }.contains("expected ')'"))
    try t.send(["C-c"])
    #expect(try t.waitFor { $0.contains("EXIT=0") }.contains("EXIT=0"))
  }

  @Test("SIGTERM and a storm of resizes leave a restored terminal; 40x12 stays legible")
  func resizeAndSigterm() throws {
    let t = try start()
    defer { t.kill() }
    try t.waitFor { $0.contains("12/12 samples") }
    for (w, h) in [(60, 20), (40, 12), (120, 40), (33, 9), (40, 12)] { try t.resize(w, h) }
    // Redrawn for 40x12: the title, the list's header, samples, and the hints in the last row, each
    // cut to 40 columns (a screen drawn for 100 columns fails every one of these).
    let small = try t.waitFor("the 40x12 layout") { screen in
      let rows = screen.split(separator: "\n", omittingEmptySubsequences: false).prefix(12).map(String.init)
      // The title keeps the sample count and the run at 40 columns (the names give way).
      return rows.count == 12 && rows[0].contains("12/12") && rows[0].contains("run model_b") && rows[1].contains("sample")
        && rows[2].contains("0001.jpg") && rows[11].hasPrefix(" Enter open") && rows.allSatisfy { $0.count <= 40 }
    }
    #expect(small.contains("12/12 │ run model_b"))
    try Shell.run(["pkill", "-TERM", "-f", "segscope open \(DemoFixture.dir)"])
    let after = try t.waitFor { $0.contains("EXIT=") }
    #expect(after.contains("EXIT=0"))
    #expect(!after.contains("12/12 │ run model_b"))
  }

  @Test("a terminal with NO_COLOR gets no colour escapes")
  func noColor() throws {
    let t = try TmuxSession(command: "NO_COLOR=1 \(Binary.path) open \(DemoFixture.dir); echo EXIT=$?", width: 100, height: 30)
    defer { t.kill() }
    let screen = try t.waitFor(escapes: true) { $0.contains("12/12 samples") }
    #expect(!screen.contains("38;5;") && !screen.contains("48;5;") && !screen.contains("38;2;"))
    try t.send(["q"])
    try t.waitFor { $0.contains("EXIT=") }
  }
}
