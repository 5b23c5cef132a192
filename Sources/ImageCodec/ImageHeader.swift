/// Size and layout of an image read from its first bytes only (no decoding): what importers need to
/// index thousands of files quickly.
public struct ImageHeader: Sendable, Equatable {
  public let format: ImageFormat
  /// Stored size.
  public let width: Int
  public let height: Int
  /// PNG bit depth (8 for JPEG).
  public let bitDepth: Int
  /// PNG colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA); JPEG: number of components.
  public let colorType: Int
  /// JPEG Exif orientation (`.up` for PNG or when absent).
  public let orientation: ExifOrientation
  /// Class planes of a NumPy probability array (K of (K, H, W)); nil for pictures and masks.
  public var classPlanes: Int? = nil

  /// The size as displayed, after the Exif orientation.
  public var displayWidth: Int { orientation.swapsAxes ? height : width }
  public var displayHeight: Int { orientation.swapsAxes ? width : height }

  /// Reads a header from the start of a file: 16 KiB first, up to 256 KiB when a JPEG's frame
  /// header sits behind large metadata.
  public static func read(path: String) throws(ImageCodecError) -> ImageHeader {
    let data = try FileBytes.readPrefix(path, maxBytes: 16 * 1024)
    // A TIFF's directory may sit anywhere in the file: libtiff reads it by path.
    let format = try ImageLoader.checkedFormat(data, path: path)
    switch format {
    case .tiff: return try tiff(path: path)
    case .npy, .npz:
      // A probability array reads as the class mask of its argmax: one gray value per pixel.
      let h = try NumpyProbabilities.header(path: path)
      return ImageHeader(
        format: format, width: h.width, height: h.height, bitDepth: h.classes <= 256 ? 8 : 16, colorType: 0, orientation: .up, classPlanes: h.classes)
    case .png, .jpeg: break
    }
    do {
      return try parse(data, path: path)
    } catch {
      guard data.count == 16 * 1024, case .corrupt = error.kind else { throw error }
      return try parse(FileBytes.readPrefix(path, maxBytes: 256 * 1024), path: path)
    }
  }

  /// The header of a TIFF file: its colour type in PNG's terms (0 gray, 2 RGB, 3 palette, 4 gray +
  /// alpha, 6 RGBA). Multi-page and floating-point files are refused here, before any import uses them.
  static func tiff(path: String) throws(ImageCodecError) -> ImageHeader {
    let (i, _) = try TIFFDecoder.header(path: path)
    if let why = TIFFDecoder.refusal(i, forMask: false) { throw ImageCodecError(path: path, kind: .unsupported(why)) }
    guard i.width > 0, i.height > 0 else { throw ImageCodecError(path: path, kind: .corrupt("TIFF has zero size")) }
    let colorType: Int
    switch (Int(i.photometric), Int(i.spp)) {
    case (3, _): colorType = 3
    case (_, 1): colorType = 0
    case (_, 2): colorType = 4
    case (_, 3): colorType = 2
    default: colorType = 6
    }
    return ImageHeader(format: .tiff, width: Int(i.width), height: Int(i.height), bitDepth: Int(i.bits), colorType: colorType, orientation: .up)
  }

  /// Parses a header from the first bytes of a file; the extension must agree with the content.
  public static func parse(_ d: [UInt8], path: String) throws(ImageCodecError) -> ImageHeader {
    let format = try ImageLoader.checkedFormat(d, path: path)
    switch format {
    case .tiff, .npy, .npz:
      throw ImageCodecError(path: path, kind: .unsupported("a \(format.rawValue) header is read from the file (ImageHeader.read(path:))"))
    case .png:
      guard d.count >= 33, d[12] == 0x49, d[13] == 0x48, d[14] == 0x44, d[15] == 0x52 else {
        throw ImageCodecError(path: path, kind: .corrupt("PNG has no IHDR chunk"))
      }
      let w = Int(d[16]) << 24 | Int(d[17]) << 16 | Int(d[18]) << 8 | Int(d[19])
      let h = Int(d[20]) << 24 | Int(d[21]) << 16 | Int(d[22]) << 8 | Int(d[23])
      guard w > 0, h > 0, [1, 2, 4, 8, 16].contains(Int(d[24])), [0, 2, 3, 4, 6].contains(Int(d[25])) else {
        throw ImageCodecError(path: path, kind: .corrupt("invalid PNG header"))
      }
      return ImageHeader(format: .png, width: w, height: h, bitDepth: Int(d[24]), colorType: Int(d[25]), orientation: .up)
    case .jpeg:
      var i = 2
      var orientation = ExifOrientation.up
      while i + 9 < d.count {
        guard d[i] == 0xFF else { break }
        let m = d[i + 1]
        if m == 0xFF {
          i += 1
          continue
        }
        if m == 0xD8 || (0xD0...0xD7).contains(m) || m == 0x01 {
          i += 2
          continue
        }
        let len = Int(d[i + 2]) << 8 | Int(d[i + 3])
        if m == 0xE1 && i + 2 + len <= d.count {
          let payload = Array(d[(i + 4)..<(i + 2 + len)])
          if let o = ExifOrientation.parse(exif: payload) { orientation = o }
        }
        if (0xC0...0xCF).contains(m) && m != 0xC4 && m != 0xC8 && m != 0xCC {
          let h = Int(d[i + 5]) << 8 | Int(d[i + 6]), w = Int(d[i + 7]) << 8 | Int(d[i + 8])
          guard w > 0, h > 0 else { throw ImageCodecError(path: path, kind: .corrupt("JPEG frame has zero size")) }
          return ImageHeader(format: .jpeg, width: w, height: h, bitDepth: 8, colorType: Int(d[i + 9]), orientation: orientation)
        }
        if m == 0xDA || m == 0xD9 || len < 2 { break }
        i += 2 + len
      }
      throw ImageCodecError(path: path, kind: .corrupt("no JPEG frame header in the first \(d.count) bytes"))
    }
  }
}
