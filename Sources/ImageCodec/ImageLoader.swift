import SegmentationCore

/// Loads images and masks by content, refusing files whose name claims another format.
public enum ImageLoader {
  /// A decoded photo plus what was learnt while decoding it.
  public struct Loaded: Sendable, Equatable {
    public let image: RGBImage
    public let format: ImageFormat
    /// Exif orientation of a JPEG (`.up` for PNG).
    public let orientation: ExifOrientation
    /// The size before DCT downscaling and orientation.
    public let storedWidth: Int
    public let storedHeight: Int
  }

  /// Decodes a PNG or JPEG photo for display. JPEGs honour `scale` (DCT downscaling) and their Exif
  /// orientation. A file whose extension says one format while its content is another is an error.
  public static func loadImage(path: String, scale: JPEGScale = .full, limits: DecodeLimits = .default) throws(ImageCodecError) -> Loaded {
    let data = try FileBytes.read(path)
    let format = try checkedFormat(data, path: path)
    switch format {
    case .png:
      let png = try PNGDecoder.decode(data, path: path, limits: limits)
      return Loaded(image: png.rgbImage(), format: .png, orientation: .up, storedWidth: png.width, storedHeight: png.height)
    case .jpeg:
      let j = try JPEGDecoder.decode(data, path: path, scale: scale, limits: limits)
      return Loaded(image: j.image, format: .jpeg, orientation: j.orientation, storedWidth: j.storedWidth, storedHeight: j.storedHeight)
    }
  }

  /// Decodes a single-channel PNG label mask. JPEG masks are refused: lossy compression invents
  /// class ids.
  public static func loadMask(path: String, limits: DecodeLimits = .default) throws(ImageCodecError) -> LabelMask {
    let data = try FileBytes.read(path)
    let format = try checkedFormat(data, path: path)
    guard format == .png else {
      throw ImageCodecError(path: path, kind: .unsupported("JPEG masks are not accepted: lossy compression invents class values; store masks as PNG"))
    }
    return try PNGDecoder.decode(data, path: path, limits: limits).labelMask(path: path)
  }

  /// The format of `data`, checked against the file's extension.
  public static func checkedFormat(_ data: [UInt8], path: String) throws(ImageCodecError) -> ImageFormat {
    if data.isEmpty { throw ImageCodecError(path: path, kind: .empty) }
    let sniffed = ImageFormat.sniff(data)
    if let claimed = ImageFormat.fromExtension(path), sniffed != claimed {
      throw ImageCodecError(path: path, kind: .wrongFormat(expected: claimed.rawValue, found: ImageFormat.describe(data)))
    }
    guard let sniffed else { throw ImageCodecError(path: path, kind: .unknownFormat) }
    return sniffed
  }
}
