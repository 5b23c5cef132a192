import SegmentationCore

/// The kitty graphics protocol with direct transmission (pixels inside the escape sequence, so it
/// works over SSH): raw 24-bit RGB, base64 in chunks of 4096 bytes. Does no I/O.
public enum KittyEncoder {
  public static func encode(_ img: RGBImage, imageId: Int? = nil) -> [UInt8] {
    chunked(base64(img.pixels), first: "a=T,f=24,s=\(img.width),v=\(img.height),q=2" + (imageId.map { ",i=\($0)" } ?? ""))
  }

  /// Transmits a picture once, kept by the terminal as image `id` (not shown): RGB pixels, zlib
  /// compressed when `compress` is given (o=z), base64 in chunks of 4096 bytes.
  /// With `png` (an encoder) the picture goes as a PNG file (f=100), which is smaller still for
  /// photos: its row filters help zlib.
  public static func transmit(_ img: RGBImage, id: UInt32, compress: (([UInt8]) -> [UInt8]?)?, png: ((RGBImage) -> [UInt8]?)? = nil) -> [UInt8] {
    if let file = png?(img) { return chunked(base64(file), first: "a=t,f=100,i=\(id),q=2") }
    let packed = compress?(img.pixels)
    return chunked(base64(packed ?? img.pixels), first: "a=t,f=24,s=\(img.width),v=\(img.height),i=\(id),q=2" + (packed != nil ? ",o=z" : ""))
  }

  /// Transmits a translucent picture (RGBA, straight alpha) once as image `id`: as a PNG file when
  /// `png` encodes it, else RGBA pixels (f=32), zlib compressed when `compress` is given.
  public static func transmitRGBA(
    width: Int, height: Int, rgba: [UInt8], id: UInt32, compress: (([UInt8]) -> [UInt8]?)?, png: ((Int, Int, [UInt8]) -> [UInt8]?)?
  )
    -> [UInt8]
  {
    if let file = png?(width, height, rgba) { return chunked(base64(file), first: "a=t,f=100,i=\(id),q=2") }
    let packed = compress?(rgba)
    return chunked(base64(packed ?? rgba), first: "a=t,f=32,s=\(width),v=\(height),i=\(id),q=2" + (packed != nil ? ",o=z" : ""))
  }

  /// A base64 payload as graphics commands of at most 4096 payload bytes: the first carries
  /// `first`'s keys, each says with m=1 whether more follow.
  static func chunked(_ payload: [UInt8], first control: String) -> [UInt8] {
    var out: [UInt8] = []
    var offset = 0
    var first = true
    repeat {
      let end = min(payload.count, offset + 4096)
      out += Array("\u{1B}_G\(first ? control + "," : "")m=\(end < payload.count ? 1 : 0);".utf8)
      out += payload[offset..<end]
      out += Array("\u{1B}\\".utf8)
      offset = end
      first = false
    } while offset < payload.count
    return out
  }

  /// Shows image `id` at the cursor as placement `placement` (replacing that placement if it was
  /// elsewhere); the cursor does not move. With `cells` the image is stretched over that many
  /// columns and rows (both given: kitty before 0.28 reads a missing one as the unscaled size).
  public static func place(id: UInt32, placement: UInt32, z: Int = 0, cells: (columns: Int, rows: Int)? = nil) -> [UInt8] {
    let scale = cells.map { ",c=\($0.columns),r=\($0.rows)" } ?? ""
    return Array("\u{1B}_Ga=p,i=\(id),p=\(placement)\(scale),C=1,q=2\(z != 0 ? ",z=\(z)" : "")\u{1B}\\".utf8)
  }

  /// Takes a placement off the screen; the image stays in the terminal for a later placement.
  public static func deletePlacement(id: UInt32, placement: UInt32) -> [UInt8] { Array("\u{1B}_Ga=d,d=i,i=\(id),p=\(placement),q=2\u{1B}\\".utf8) }

  /// Takes every placement of image `id` off the screen. (Not `d=I`, which would free the image:
  /// kitty 0.26 then frees every image that has no placement.)
  public static func deletePlacements(id: UInt32) -> [UInt8] { Array("\u{1B}_Ga=d,d=i,i=\(id),q=2\u{1B}\\".utf8) }

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
