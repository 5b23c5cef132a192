import CPNG
import SegmentationCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The fast path for label-mask PNGs: libdeflate inflates the image data and the rows are unfiltered
/// straight into the mask. It takes plain non-interlaced gray (1-16 bit) and palette (1-8 bit) files and
/// declines (returns nil) anything else, including every file that is unusual in any way, so that
/// libpng decodes or refuses it. Where it answers, it answers what libpng answers (see the exactness
/// tests).
public enum FastMaskDecoder {
  /// Whether loads use the fast path; `SEGSCOPE_PNG_DECODER=libpng` turns it off (benchmarks compare).
  public static let enabled: Bool = {
    guard let v = getenv("SEGSCOPE_PNG_DECODER") else { return true }
    return String(cString: v) != "libpng"
  }()

  /// The mask in `data`, or nil when the fast path declines (or the image is over the limits: the
  /// libpng path then words the error).
  public static func decode(_ data: [UInt8], limits: DecodeLimits = .default) -> LabelMask? {
    data.withUnsafeBufferPointer { buf -> LabelMask? in
      guard let base = buf.baseAddress else { return nil }
      var info = segpng_fast_info()
      guard segpng_fast_header(base, buf.count, &info) == 1 else { return nil }
      let w = Int(info.width), h = Int(info.height)
      let (n, overflow) = w.multipliedReportingOverflow(by: h)
      guard !overflow, n <= limits.maxPixels else { return nil }
      let bytes = info.bit_depth == 16 ? 2 : 1
      guard (try? MemoryBudget.check(width: w, height: h, bytesPerPixel: bytes + 2, path: "")) != nil else { return nil }
      var ok: Int32 = 0
      if info.bit_depth == 16 {
        let values = [UInt16](unsafeUninitializedCapacity: n) { b, count in
          ok = segpng_fast_decode(base, buf.count, nil, b.baseAddress)
          count = ok == 1 ? n : 0
        }
        return ok == 1 ? LabelMask(width: w, height: h, values16: values) : nil
      }
      let values = [UInt8](unsafeUninitializedCapacity: n) { b, count in
        ok = segpng_fast_decode(base, buf.count, b.baseAddress, nil)
        count = ok == 1 ? n : 0
      }
      return ok == 1 ? LabelMask(width: w, height: h, values: values) : nil
    }
  }
}
