// Builds PNG files byte by byte (stored deflate blocks, filter 0), independent of libpng, so the
// decoder is checked against pixel values that were never touched by the library under test.

func crc32(_ bytes: [UInt8]) -> UInt32 {
  var table = [UInt32](repeating: 0, count: 256)
  for n in 0..<256 {
    var c = UInt32(n)
    for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    table[n] = c
  }
  var crc: UInt32 = 0xFFFF_FFFF
  for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
  return crc ^ 0xFFFF_FFFF
}

func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
  let t = Array(type.utf8)
  return be32(UInt32(data.count)) + t + data + be32(crc32(t + data))
}

func zlibStored(_ raw: [UInt8]) -> [UInt8] {
  var out: [UInt8] = [0x78, 0x01]
  var i = 0
  repeat {
    let n = min(65535, raw.count - i)
    let final: UInt8 = i + n >= raw.count ? 1 : 0
    out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
    out += raw[i..<(i + n)]
    i += n
  } while i < raw.count
  var a: UInt32 = 1, b: UInt32 = 0
  for x in raw {
    a = (a + UInt32(x)) % 65521
    b = (b + a) % 65521
  }
  return out + be32((b << 16) | a)
}

/// A non-interlaced PNG from already-packed rows (each row without its filter byte).
func rawPNG(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, rows: [[UInt8]], plte: [UInt8]? = nil, trns: [UInt8]? = nil) -> [UInt8] {
  var ihdr = be32(UInt32(width)) + be32(UInt32(height))
  ihdr += [bitDepth, colorType, 0, 0, 0]
  var idat: [UInt8] = []
  for r in rows { idat += [0] + r }
  var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
  png += chunk("IHDR", ihdr)
  if let plte { png += chunk("PLTE", plte) }
  if let trns { png += chunk("tRNS", trns) }
  png += chunk("IDAT", zlibStored(idat))
  png += chunk("IEND", [])
  return png
}

/// Packs 1/2/4-bit samples MSB first.
func pack(_ values: [UInt8], bits: Int) -> [UInt8] {
  var out: [UInt8] = []
  var cur = 0, used = 0
  for v in values {
    cur = (cur << bits) | Int(v)
    used += bits
    if used == 8 {
      out.append(UInt8(cur))
      cur = 0
      used = 0
    }
  }
  if used > 0 { out.append(UInt8(cur << (8 - used))) }
  return out
}
