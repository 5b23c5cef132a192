import ImageCodec
import SegmentationCore
import Workflows

/// What `segscope file` says about a file: format, size, depth, and a mask's values with their pixel counts.
public struct FileReport: Sendable {
  public var format: String
  public var width: Int
  public var height: Int
  public var detail: String
  public var values: [UInt16: Int]?

  public var text: String {
    var s = "\(format) \(width)x\(height) \(detail)"
    if let values {
      let top = values.sorted { $0.value > $1.value }.prefix(12)
      s += ", \(values.count) distinct values: " + top.map { "\($0.key) (\($0.value) px)" }.joined(separator: ", ")
      if values.count > 12 { s += ", ..." }
    }
    return s
  }

  /// One JSON object: path, format, size, detail, and for single-channel files the pixel count of
  /// each value.
  struct JSON: Encodable {
    let path: String
    let format: String
    let width: Int
    let height: Int
    let detail: String
    let values: [String: Int]?
  }

  public func json(path: String) -> String {
    let v = values.map { Dictionary(uniqueKeysWithValues: $0.map { (String($0.key), $0.value) }) }
    return (try? JSONOutput.string(JSON(path: path, format: format, width: width, height: height, detail: detail, values: v))) ?? "{}"
  }

  /// Decodes a file and says what is in it (format, size, depth, mask values).
  public static func inspect(_ path: String, limits: DecodeLimits) throws(ImageCodecError) -> FileReport {
    let data = try FileBytes.read(path)
    switch try ImageLoader.checkedFormat(data, path: path) {
    case .png:
      let png = try PNGDecoder.decode(data, path: path, limits: limits)
      let kind: String
      switch png.colorType {
      case .gray: kind = "\(png.bitDepth)-bit gray"
      case .palette: kind = "\(png.bitDepth)-bit palette (\(png.palette.count) colours, read as indices)"
      case .rgb: kind = "\(png.bitDepth)-bit RGB"
      case .rgba: kind = "\(png.bitDepth)-bit RGBA"
      case .grayAlpha: kind = "\(png.bitDepth)-bit gray+alpha"
      }
      let values = png.channels == 1 ? try png.labelMask(path: path).histogram() : nil
      return FileReport(format: "PNG", width: png.width, height: png.height, detail: kind + (png.interlaced ? ", interlaced" : ""), values: values)
    case .jpeg:
      let j = try JPEGDecoder.decode(data, path: path, applyOrientation: false, limits: limits)
      let kind = [1: "grayscale", 3: "colour", 4: "CMYK/YCCK"][j.components] ?? "\(j.components) components"
      var detail = kind + (j.progressive ? ", progressive" : "")
      if j.orientation != .up { detail += ", Exif orientation \(j.orientation.rawValue) (\(j.orientation))" }
      return FileReport(format: "JPEG", width: j.storedWidth, height: j.storedHeight, detail: detail, values: nil)
    case .tiff:
      let t = try TIFFDecoder.decode(data, path: path, limits: limits)
      let kind: String
      switch (t.photometric, t.channels) {
      case (3, _): kind = "\(t.bitDepth)-bit palette (\(t.palette.count) colours, read as indices)"
      case (_, 1): kind = "\(t.bitDepth)-bit gray"
      case (_, 2): kind = "\(t.bitDepth)-bit gray+alpha"
      case (_, 3): kind = "\(t.bitDepth)-bit RGB"
      default: kind = "\(t.bitDepth)-bit RGBA"
      }
      let values = t.channels == 1 ? try t.labelMask(path: path).histogram() : nil
      return FileReport(format: "TIFF", width: t.width, height: t.height, detail: kind, values: values)
    case .npy, .npz:
      // The bytes read above: the header and the array come from them, not from the file again.
      let npy = try NumpyProbabilities.npyBytes(data, path: path)
      let h = try NumpyProbabilities.parseHeader(npy, path: path)
      let map = try NumpyProbabilities.decode(npy, path: path, limits: limits)
      let dtype = h.itemSize == 2 ? "float16" : "float32"
      return FileReport(
        format: "NumPy", width: map.width, height: map.height,
        detail: "\(map.classes) class probabilities, \(dtype); values below are the argmax", values: map.argmax().histogram())
    }
  }
}
