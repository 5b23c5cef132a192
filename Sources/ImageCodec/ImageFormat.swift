/// The container formats segscope reads, recognised by content, not by file name.
public enum ImageFormat: String, Sendable, Equatable, CaseIterable {
  case png = "PNG"
  case jpeg = "JPEG"
  case tiff = "TIFF"
  /// NumPy arrays of class probabilities (K, H, W), read as masks by their argmax.
  case npy = "NPY"
  /// A ZIP archive of one NumPy array (`np.savez`).
  case npz = "NPZ"

  /// Recognises the format from the first bytes; nil when it is not PNG, JPEG or TIFF.
  public static func sniff<C: Collection>(_ bytes: C) -> ImageFormat? where C.Element == UInt8 {
    let head = Array(bytes.prefix(8))
    if head.count >= 8 && head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
    if head.count >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF { return .jpeg }
    // Classic TIFF (42) and BigTIFF (43), either byte order.
    if head.count >= 4
      && ((head[0] == 0x49 && head[1] == 0x49 && (head[2] == 0x2A || head[2] == 0x2B) && head[3] == 0)
        || (head[0] == 0x4D && head[1] == 0x4D && head[2] == 0 && (head[3] == 0x2A || head[3] == 0x2B)))
    {
      return .tiff
    }
    return NumpyProbabilities.sniff(head)
  }

  /// A human name for what the bytes look like, for error messages.
  static func describe(_ bytes: [UInt8]) -> String {
    if let f = sniff(bytes) { return "a \(f.rawValue) file" }
    let head = Array(bytes.prefix(8))
    if head.starts(with: [0x47, 0x49, 0x46, 0x38]) { return "a GIF file" }
    if head.starts(with: [0x42, 0x4D]) { return "a BMP file" }
    if head.starts(with: [0x52, 0x49, 0x46, 0x46]) { return "a RIFF (WebP?) file" }
    if head.first == UInt8(ascii: "{") || head.first == UInt8(ascii: "[") { return "text (JSON?)" }
    return "not an image"
  }

  /// The format a file name suggests, from its extension.
  public static func fromExtension(_ path: String) -> ImageFormat? {
    guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
    switch path[path.index(after: dot)...].lowercased() {
    case "png": return .png
    case "jpg", "jpeg", "jpe", "jfif": return .jpeg
    case "tif", "tiff": return .tiff
    case "npy": return .npy
    case "npz": return .npz
    default: return nil
    }
  }
}
