import Foundation

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
  @discardableResult
  public static func run(_ args: [String], stdin: Data? = nil) throws -> (status: Int32, out: Data, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    let outPipe = Pipe(), errPipe = Pipe()
    p.standardOutput = outPipe
    p.standardError = errPipe
    let inPipe = Pipe()
    p.standardInput = inPipe
    try p.run()
    if let stdin { inPipe.fileHandleForWriting.write(stdin) }
    try? inPipe.fileHandleForWriting.close()
    let out = outPipe.fileHandleForReading.readDataToEndOfFile()
    let err = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, out, err)
  }

  /// Whether a program is on the PATH.
  public static func has(_ program: String) -> Bool {
    (try? run(["sh", "-c", "command -v \(program)"]).status == 0) ?? false
  }
}
