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
    try loadImage(data: FileBytes.read(path), path: path, scale: scale, limits: limits)
  }

  /// The same, from the file's bytes already read (`path` names it in errors).
  public static func loadImage(data: [UInt8], path: String, scale: JPEGScale = .full, limits: DecodeLimits = .default) throws(ImageCodecError) -> Loaded {
    let format = try checkedFormat(data, path: path)
    switch format {
    case .png:
      let png = try PNGDecoder.decode(data, path: path, limits: limits)
      return Loaded(image: png.rgbImage(), format: .png, orientation: .up, storedWidth: png.width, storedHeight: png.height)
    case .jpeg:
      let j = try JPEGDecoder.decode(data, path: path, scale: scale, limits: limits)
      return Loaded(image: j.image, format: .jpeg, orientation: j.orientation, storedWidth: j.storedWidth, storedHeight: j.storedHeight)
    case .tiff:
      let t = try TIFFDecoder.decode(data, path: path, limits: limits)
      return Loaded(image: t.rgbImage(), format: .tiff, orientation: .up, storedWidth: t.width, storedHeight: t.height)
    case .npy, .npz:
      throw ImageCodecError(path: path, kind: .unsupported("a NumPy array of class probabilities, not a picture"))
    }
  }

  /// Decodes a single-channel PNG label mask. JPEG masks are refused: lossy compression invents
  /// class ids.
  public static func loadMask(path: String, limits: DecodeLimits = .default) throws(ImageCodecError) -> LabelMask {
    let data = try FileBytes.read(path)
    let format = try checkedFormat(data, path: path)
    switch format {
    case .png:
      if FastMaskDecoder.enabled, let mask = FastMaskDecoder.decode(data, limits: limits) { return mask }
      return try PNGDecoder.decode(data, path: path, limits: limits).labelMask(path: path)
    case .tiff: return try TIFFDecoder.decode(data, path: path, limits: limits, forMask: true).labelMask(path: path)
    case .jpeg:
      throw ImageCodecError(path: path, kind: .unsupported("JPEG masks are not accepted: lossy compression invents class values; store masks as PNG or TIFF"))
    case .npy, .npz: return try NumpyProbabilities.decode(NumpyProbabilities.npyBytes(data, path: path), path: path, limits: limits).argmax()
    }
  }

  /// Loads a mask through a field's decoding: values as stored, a value lookup, or RGB colours to
  /// class ids (an RGB PNG is accepted only with a colour map). `unknownColors` counts the pixels of
  /// colours the map does not know.
  public static func loadMask(path: String, decoding: MaskDecoding, limits: DecodeLimits = .default) throws(ImageCodecError) -> (
    mask: LabelMask, unknownColors: [UInt32: Int]
  ) {
    switch decoding {
    case .identity: return (try loadMask(path: path, limits: limits), [:])
    case .lookup: return (decoding.apply(try loadMask(path: path, limits: limits)), [:])
    case .colors:
      let data = try FileBytes.read(path)
      guard try checkedFormat(data, path: path) == .png else {
        throw ImageCodecError(path: path, kind: .unsupported("JPEG masks are not accepted: lossy compression invents colours; store masks as PNG"))
      }
      let png = try PNGDecoder.decode(data, path: path, limits: limits)
      guard png.channels >= 3 || png.colorType == .palette else {
        throw ImageCodecError(path: path, kind: .unsupported("expected an RGB colour mask, got a single-channel image"))
      }
      if png.colorType == .palette {
        let rgb = png.rgbImage()
        let r = decoding.apply(rgb: rgb.pixels, channels: 3, width: png.width, height: png.height)
        return (r.0, r.unknown)
      }
      guard case .u8(let samples) = png.samples else { throw ImageCodecError(path: path, kind: .unsupported("16-bit colour masks are not supported")) }
      let r = decoding.apply(rgb: samples, channels: png.channels, width: png.width, height: png.height)
      return (r.0, r.unknown)
    }
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
