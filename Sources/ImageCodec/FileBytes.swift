#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Whole-file reads and atomic writes with POSIX calls (no Foundation on the hot path).
public enum FileBytes {
  /// The largest file read whole: 4 GiB, or the memory budget if that is smaller.
  public static let maxFileBytes = min(4 << 30, MemoryBudget.available)

  /// Opens a regular file for reading. Devices, FIFOs and sockets are refused without blocking
  /// (O_NONBLOCK until the type is known: a FIFO with no writer would block `open` forever).
  static func openRegular(_ path: String) throws(ImageCodecError) -> (fd: Int32, size: Int) {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    if fd < 0 { throw ImageCodecError(path: path, kind: .unreadable(errnoText())) }
    var st = stat()
    if fstat(fd, &st) != 0 {
      let why = errnoText()
      close(fd)
      throw ImageCodecError(path: path, kind: .unreadable(why))
    }
    switch st.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR:
      close(fd)
      throw ImageCodecError(path: path, kind: .unreadable("is a directory"))
    default:
      close(fd)
      throw ImageCodecError(path: path, kind: .unreadable("not a regular file (a device, FIFO or socket); only files are read"))
    }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    return (fd, Int(st.st_size))
  }

  /// Reads a whole regular file of at most `maxFileBytes`. Throws `ImageCodecError` naming the path.
  public static func read(_ path: String) throws(ImageCodecError) -> [UInt8] {
    let (fd, size) = try openRegular(path)
    defer { close(fd) }
    if size > maxFileBytes {
      throw ImageCodecError(
        path: path, kind: .unreadable("the file is \(MemoryBudget.text(size)), over the \(MemoryBudget.text(maxFileBytes)) segscope reads whole"))
    }
    let out = [UInt8](unsafeUninitializedCapacity: max(size, 1)) { buf, n in
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
    return out
  }

  /// Reads at most `maxBytes` from the start of a file.
  public static func readPrefix(_ path: String, maxBytes: Int) throws(ImageCodecError) -> [UInt8] {
    let (fd, _) = try openRegular(path)
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
