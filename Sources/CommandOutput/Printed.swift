import SegmentationCore

#if canImport(Glibc)
  @preconcurrency import Glibc
#endif

/// What a command prints and how it ends: standard output, standard error lines, the exit status.
/// Each command's output is made as a value (tested as one) and written once by `Console.emit`.
public struct Printed: Sendable, Equatable {
  public var out = ""
  public var err: [String] = []
  /// 0 ok, 1 what was asked for was not (all) done, 130 interrupted.
  public var status: Int32 = 0

  public init(out: String = "", err: [String] = [], status: Int32 = 0) {
    self.out = out
    self.err = err
    self.status = status
  }

  /// A line on standard output (the caller sanitizes what came from data).
  public mutating func line(_ s: String) { out += s + "\n" }
  /// A line on standard error.
  public mutating func warn(_ s: String) { err.append(s) }
  /// Ends the command with `code` unless an earlier failure set one.
  public mutating func fail(_ code: Int32 = 1) { if status == 0 { status = code } }
  /// At most `limit` problems as indented `path: problem` lines, then how many more.
  public mutating func problems(_ list: [(String, String)], limit: Int = 20, toStderr: Bool = false, more: String? = nil) {
    for p in list.prefix(limit) {
      let l = "  \(Sanitize.forTerminal(p.0)): \(Sanitize.forTerminal(p.1))"
      if toStderr { warn(l) } else { line(l) }
    }
    if list.count > limit, let more { toStderr ? warn(more) : line(more) }
  }
}

/// The command asked for a usage error (exit status 2, the command's usage printed), found only once
/// the dataset was read: an unknown run in `--compare`, a malformed `--verdict`.
public struct UsageError: Error, CustomStringConvertible {
  public let description: String
  public init(_ message: String) { description = message }
}

/// A command that ends with a status other than 0 after printing what it had to say.
public struct CommandExit: Error {
  public let status: Int32
  public init(_ status: Int32) { self.status = status }
}

/// Standard output and error.
public enum Console {
  /// Writes `p` and throws `CommandExit` when its status is not 0.
  public static func emit(_ p: Printed) throws {
    print(p.out, terminator: "")
    for l in p.err { stderr(l) }
    if p.status != 0 { throw CommandExit(p.status) }
  }

  /// One line on stderr, unbuffered (Foundation's buffering would reorder it with the progress bar).
  public static func stderr(_ s: String) {
    var line = s
    if !line.hasSuffix("\n") { line += "\n" }
    _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
  }

  /// Flushes standard output and returns the exit status: output the user asked for and did not get
  /// is an error (a full disk or /dev/full fails the buffered writes, which print() does not report);
  /// a closed pipe (EPIPE) stays quiet.
  public static func flushedStatus(_ status: Int32) -> Int32 {
    guard fflush(stdout) != 0 || ferror(stdout) != 0 else { return status }
    let code = errno
    guard code != EPIPE else { return status }
    stderr("segscope: error: could not write to standard output (\(String(cString: strerror(code))))")
    return status == 0 ? 1 : status
  }
}
