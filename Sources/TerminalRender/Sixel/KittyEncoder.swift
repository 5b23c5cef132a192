import SegmentationCore

/// The kitty graphics protocol with direct transmission (pixels inside the escape sequence, so it
/// works over SSH): raw 24-bit RGB, base64 in chunks of 4096 bytes. Does no I/O.
public enum KittyEncoder {
  public static func encode(_ img: RGBImage, imageId: Int? = nil) -> [UInt8] {
    let payload = base64(img.pixels)
    var out: [UInt8] = []
    var offset = 0
    var first = true
    repeat {
      let end = min(payload.count, offset + 4096)
      let more = end < payload.count ? 1 : 0
      var control = first ? "a=T,f=24,s=\(img.width),v=\(img.height),q=2" : ""
      if first, let id = imageId { control += ",i=\(id)" }
      control += (control.isEmpty ? "" : ",") + "m=\(more)"
      out += Array("\u{1B}_G\(control);".utf8)
      out += payload[offset..<end]
      out += Array("\u{1B}\\".utf8)
      offset = end
      first = false
    } while offset < payload.count
    return out
  }

  static func base64(_ bytes: [UInt8]) -> [UInt8] {
    let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var i = 0
    while i + 2 < bytes.count {
      let v = Int(bytes[i]) << 16 | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2])
      out += [table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], table[v & 63]]
      i += 3
    }
    let rest = bytes.count - i
    if rest == 1 {
      let v = Int(bytes[i]) << 16
      out += [table[v >> 18], table[(v >> 12) & 63], UInt8(ascii: "="), UInt8(ascii: "=")]
    } else if rest == 2 {
      let v = Int(bytes[i]) << 16 | Int(bytes[i + 1]) << 8
      out += [table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], UInt8(ascii: "=")]
    }
    return out
  }
}
