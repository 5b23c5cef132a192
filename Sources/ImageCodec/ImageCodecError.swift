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
