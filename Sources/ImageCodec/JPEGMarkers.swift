/// Walks JPEG marker segments in pure Swift (no decoding).
enum JPEGMarkers {
  /// The payload of the first APP1 segment that starts with "Exif\0\0", if any before the scan data.
  static func exifPayload(_ d: [UInt8]) -> [UInt8]? {
    var i = 2
    while i + 4 <= d.count {
      guard d[i] == 0xFF else { return nil }
      let marker = d[i + 1]
      if marker == 0xFF { i += 1; continue }  // fill byte
      if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
      if marker == 0xDA || marker == 0xD9 { return nil }  // start of scan / end of image
      let len = Int(d[i + 2]) << 8 | Int(d[i + 3])
      guard len >= 2, i + 2 + len <= d.count else { return nil }
      if marker == 0xE1 && len >= 8 {
        let payload = Array(d[(i + 4)..<(i + 2 + len)])
        if payload.starts(with: [0x45, 0x78, 0x69, 0x66, 0, 0]) { return payload }
      }
      i += 2 + len
    }
    return nil
  }
}

/// A Swift string from a NUL-terminated C buffer.
func cString(_ buf: [CChar]) -> String {
  let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
  return String(decoding: bytes, as: UTF8.self)
}
