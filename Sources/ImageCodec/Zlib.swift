import CPNG

#if canImport(Glibc)
  import Glibc
#endif

/// zlib (RFC 1950) compression through the system's zlib: for kitty's `o=z` pictures.
public enum Zlib {
  /// The compressed bytes, or nil if zlib failed.
  public static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8]? {
    var out: UnsafeMutablePointer<UInt8>? = nil
    var size = 0
    let rc = bytes.withUnsafeBufferPointer { segpng_zlib_compress($0.baseAddress, $0.count, level, &out, &size) }
    guard rc == 0, let out else { return nil }
    defer { free(out) }
    return Array(UnsafeBufferPointer(start: out, count: size))
  }
}
