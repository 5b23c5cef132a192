#if canImport(Glibc)
  @preconcurrency import Glibc
#endif

/// glibc's allocator tuned for passes over many images.
public enum MemoryTuning {
  /// Keeps freed buffers for the next image instead of handing them back to the kernel: with glibc's
  /// defaults every mask-sized buffer above 128 KiB is a fresh mmap, and refilling its pages cost
  /// `mistakes` as much system time as it spent computing (measured: 1.05 s -> 0.73 s wall on 400
  /// 1024x512 masks). Peak memory is unchanged; what is kept is at most what was in use at the peak.
  /// mallopt is declared in <malloc.h>, which the Glibc module does not bring in; its option numbers
  /// are glibc's M_TRIM_THRESHOLD (-1) and M_MMAP_THRESHOLD (-3). Elsewhere it does nothing.
  public static func keepFreedBuffers() {
    #if canImport(Glibc)
      guard let symbol = dlsym(nil, "mallopt") else { return }
      typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
      let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
      _ = mallopt(-3, 64 << 20)
      _ = mallopt(-1, 128 << 20)
    #endif
  }
}
