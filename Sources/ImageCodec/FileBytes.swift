#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Whole-file reads and atomic writes with POSIX calls (no Foundation on the hot path).
public enum FileBytes {
  /// Reads a whole file. Throws `ImageCodecError` naming the path.
  public static func read(_ path: String) throws(ImageCodecError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw ImageCodecError(path: path, kind: .unreadable(errnoText())) }
    defer { close(fd) }
    var st = stat()
    if fstat(fd, &st) != 0 { throw ImageCodecError(path: path, kind: .unreadable(errnoText())) }
    if (st.st_mode & S_IFMT) == S_IFDIR { throw ImageCodecError(path: path, kind: .unreadable("is a directory")) }
    let size = Int(st.st_size)
    var out = [UInt8](unsafeUninitializedCapacity: max(size, 1)) { buf, n in
      var got = 0
      while got < size {
        let r = Glibc.read(fd, buf.baseAddress! + got, size - got)
        if r < 0 {
          if errno == EINTR { continue }
          break
        }
        if r == 0 { break }
        got += r
      }
      n = got
    }
    if out.count < size {
      // The file shrank while being read, or a read error: report rather than decode a partial file.
      throw ImageCodecError(path: path, kind: .unreadable("short read (\(out.count) of \(size) bytes)"))
    }
    // Files that grow while being read (or report size 0, like /proc) are read to the end.
    if size == 0 {
      var chunk = [UInt8](repeating: 0, count: 65536)
      while true {
        let r = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, 65536) }
        if r <= 0 { break }
        out.append(contentsOf: chunk[0..<r])
      }
    }
    return out
  }

  /// Reads at most `maxBytes` from the start of a file.
  public static func readPrefix(_ path: String, maxBytes: Int) throws(ImageCodecError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw ImageCodecError(path: path, kind: .unreadable(errnoText())) }
    defer { close(fd) }
    var out = [UInt8](repeating: 0, count: maxBytes)
    var got = 0
    while got < maxBytes {
      let r = out.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + got, maxBytes - got) }
      if r < 0 && errno == EINTR { continue }
      if r < 0 { throw ImageCodecError(path: path, kind: .unreadable(errnoText())) }
      if r == 0 { break }
      got += r
    }
    out.removeSubrange(got...)
    return out
  }

  /// Writes a file atomically: a temporary file in the same folder, fsync, then rename.
  public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(ImageCodecError) {
    let tmp = path + ".tmp-\(getpid())"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    if fd < 0 { throw ImageCodecError(path: path, kind: .unreadable(errnoText())) }
    var written = 0
    let ok = bytes.withUnsafeBytes { raw -> Bool in
      while written < raw.count {
        let r = write(fd, raw.baseAddress! + written, raw.count - written)
        if r < 0 {
          if errno == EINTR { continue }
          return false
        }
        written += r
      }
      return true
    }
    let synced = fsync(fd) == 0
    close(fd)
    if !ok || !synced || rename(tmp, path) != 0 {
      let why = errnoText()
      unlink(tmp)
      throw ImageCodecError(path: path, kind: .encodeFailed("write failed: \(why)"))
    }
  }

  static func errnoText() -> String {
    String(cString: strerror(errno))
  }
}
