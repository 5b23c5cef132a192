/// Why an image could not be read or written. Every case names the file (or "<memory>").
public struct ImageCodecError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The kind of failure.
  public enum Kind: Sendable, Equatable {
    /// The file could not be opened or read (errno text).
    case unreadable(String)
    /// The file is empty.
    case empty
    /// The content is not the expected format; `found` names what it is, if known.
    case wrongFormat(expected: String, found: String)
    /// The content is in no format segscope reads.
    case unknownFormat
    /// The decoder reported corrupt or truncated data.
    case corrupt(String)
    /// The header announces more pixels than the limit (a decompression bomb, or just too big).
    case tooLarge(width: Int, height: Int, limit: Int)
    /// The image is valid but cannot be used this way (for example an RGB PNG read as a label mask).
    case unsupported(String)
    /// The encoder failed.
    case encodeFailed(String)
    /// Decoding would need more memory than this machine can give (a raised pixel limit).
    case outOfMemory(needed: Int, available: Int)
  }

  /// The path of the file, or "<memory>".
  public let path: String
  /// What went wrong.
  public let kind: Kind

  public init(path: String, kind: Kind) {
    self.path = path
    self.kind = kind
  }

  /// One line: the file, then the reason.
  public var description: String {
    let reason: String
    switch kind {
    case .unreadable(let why): reason = "cannot read file: \(why)"
    case .empty: reason = "file is empty"
    case .wrongFormat(let expected, let found): reason = "expected a \(expected) file but the content is \(found)"
    case .unknownFormat: reason = "not a PNG, JPEG or TIFF file"
    case .corrupt(let why): reason = "corrupt or truncated image: \(why)"
    case .tooLarge(let w, let h, let limit):
      reason = "image is \(w)x\(h) = \(w * h) pixels, over the limit of \(limit) pixels (raise it with --max-pixels)"
    case .unsupported(let why): reason = why
    case .encodeFailed(let why): reason = "cannot encode image: \(why)"
    case .outOfMemory(let needed, let available):
      reason =
        "decoding needs \(MemoryBudget.text(needed)) of memory, more than the \(MemoryBudget.text(available)) segscope allows itself on this machine (half of its memory)"
    }
    return "\(path): \(reason)"
  }
}

/// Limits applied before any large allocation.
public struct DecodeLimits: Sendable, Equatable {
  /// The largest width x height accepted. Default 200 megapixels.
  public var maxPixels: Int

  public init(maxPixels: Int = 200_000_000) {
    self.maxPixels = maxPixels
  }

  /// 200 megapixels.
  public static let `default` = DecodeLimits()
}

#if canImport(Glibc)
  import Glibc
#endif

/// What one decoded picture may take: half of the machine's memory (or of the address-space limit),
/// so that an allocation that cannot succeed is an error naming the file instead of an abort.
public enum MemoryBudget {
  public static let available: Int = {
    let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
    var total = pages > 0 && size > 0 ? pages * size : Int.max / 2
    var lim = rlimit()
    if getrlimit(Int32(RLIMIT_AS.rawValue), &lim) == 0 && lim.rlim_cur != rlim_t.max { total = min(total, Int(clamping: lim.rlim_cur)) }
    return total / 2
  }()

  /// Throws when `width * height * bytesPerPixel` does not fit the budget.
  public static func check(width: Int, height: Int, bytesPerPixel: Int, path: String) throws(ImageCodecError) {
    let (px, o1) = width.multipliedReportingOverflow(by: height)
    let (bytes, o2) = px.multipliedReportingOverflow(by: bytesPerPixel)
    if o1 || o2 || bytes > available { throw ImageCodecError(path: path, kind: .outOfMemory(needed: o1 || o2 ? Int.max : bytes, available: available)) }
  }

  static func text(_ bytes: Int) -> String {
    bytes == Int.max ? "more than 8 EiB" : bytes >= 1 << 30 ? "\(bytes / (1 << 30)).\((bytes % (1 << 30)) * 10 / (1 << 30)) GiB" : "\(bytes >> 20) MiB"
  }
}
