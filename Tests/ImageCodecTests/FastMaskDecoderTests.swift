import CPNG
import ImageCodec
import SegmentationCore
import Testing

/// The libdeflate fast path against libpng: on generated PNGs (every filter type, odd widths, zlib
/// levels 0-9, split IDATs, ancillary chunks) both give the values that were written, and on thousands
/// of damaged files the fast path either gives libpng's pixels or declines; it never accepts a file
/// libpng refuses.
@Suite("Fast mask decoder is bit-exact with libpng")
struct FastMaskDecoderTests {
  /// A generated mask PNG and the values written into it.
  struct Case {
    var png: [UInt8]
    var width: Int
    var height: Int
    var values: [UInt16]
  }

  /// PNG's forward filter for one row (`prior` is zeros for the first row).
  static func filter(_ type: UInt8, _ row: [UInt8], _ prior: [UInt8], bpp: Int) -> [UInt8] {
    var out = [type]
    for i in 0..<row.count {
      let a = i >= bpp ? Int(row[i - bpp]) : 0, b = Int(prior[i]), c = i >= bpp ? Int(prior[i - bpp]) : 0
      let predictor: Int
      switch type {
      case 1: predictor = a
      case 2: predictor = b
      case 3: predictor = (a + b) / 2
      case 4:
        let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
        predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
      default: predictor = 0
      }
      out.append(UInt8(truncatingIfNeeded: Int(row[i]) - predictor))
    }
    return out
  }

  static func zlib(_ raw: [UInt8], level: Int) -> [UInt8] {
    var out: UnsafeMutablePointer<UInt8>? = nil
    var size = 0
    let rc = raw.withUnsafeBufferPointer { segpng_zlib_compress($0.baseAddress, $0.count, Int32(level), &out, &size) }
    precondition(rc == 0)
    defer { segpng_free(out) }
    return Array(UnsafeBufferPointer(start: out, count: size))
  }

  /// Options for the structural damage the fuzzing half applies before compressing.
  struct Shape {
    var filterOverride: UInt8? = nil  // a filter byte for row 1 (values above 4 are invalid)
    var extraRawBytes = 0  // rows' data longer than the image needs
    var missingRawBytes = 0
    var trailingZlibBytes: [UInt8] = []
    var dropPalette = false
    var paletteEntries: Int? = nil
    var dropIEND = false
    var chunkBetweenIDATs = false
    var afterIEND: [UInt8] = []
    var windowBits: Int? = nil  // rewrites the zlib header's declared window (CINFO)
  }

  static func generate(_ rng: inout SplitMix64, index: Int, shape: Shape = Shape()) -> Case {
    let kinds: [(UInt8, UInt8)] = [(0, 1), (0, 2), (0, 4), (0, 8), (0, 16), (3, 1), (3, 2), (3, 4), (3, 8)]
    let (colorType, depth) = kinds[index % kinds.count]
    let width = [1, 2, 3, 7, 8, 9, 15, 17, 31, 33, 64, 65, 127, 255, 300][rng.below(15)]
    let height = 1 + rng.below(24)
    let maxValue = depth == 16 ? 65535 : (1 << Int(depth)) - 1
    var values = [UInt16](repeating: 0, count: width * height)
    for y in 0..<height {
      var v = rng.below(maxValue + 1)
      for x in 0..<width {
        if rng.below(6) == 0 { v = rng.below(maxValue + 1) }
        values[y * width + x] = UInt16(v)
      }
    }
    let rowBytes = (width * Int(depth) + 7) / 8, bpp = depth == 16 ? 2 : 1
    var raw: [UInt8] = []
    var prior = [UInt8](repeating: 0, count: rowBytes)
    for y in 0..<height {
      var row = [UInt8](repeating: 0, count: rowBytes)
      for x in 0..<width {
        let v = values[y * width + x]
        if depth == 16 {
          row[2 * x] = UInt8(v >> 8)
          row[2 * x + 1] = UInt8(v & 0xFF)
        } else {
          let per = 8 / Int(depth), shift = 8 - Int(depth) * (x % per + 1)
          row[x / per] |= UInt8(v) << shift
        }
      }
      var f = filter(UInt8(rng.below(5)), row, prior, bpp: bpp)
      if y == 1, let o = shape.filterOverride { f[0] = o }
      raw += f
      prior = row
    }
    if shape.extraRawBytes > 0 { raw += [UInt8](repeating: 0, count: shape.extraRawBytes) }
    if shape.missingRawBytes > 0 { raw.removeLast(min(raw.count, shape.missingRawBytes)) }
    var z = zlib(raw, level: index % 10) + shape.trailingZlibBytes
    if let bits = shape.windowBits {
      let cmf = UInt8((bits - 8) << 4 | 8)
      var flg = z[1] & 0xE0
      flg |= UInt8(31 - (Int(cmf) * 256 + Int(flg)) % 31) % 31
      z[0] = cmf
      z[1] = flg
    }
    var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    png += chunk("IHDR", be32(UInt32(width)) + be32(UInt32(height)) + [depth, colorType, 0, 0, 0])
    if rng.below(3) == 0 { png += chunk("tEXt", Array("Comment\0generated".utf8)) }
    if colorType == 3 && !shape.dropPalette {
      let n = shape.paletteEntries ?? min(256, 1 << Int(depth))
      png += chunk("PLTE", (0..<(n * 3)).map { UInt8(truncatingIfNeeded: $0 &* 37) })
      if rng.below(2) == 0 { png += chunk("tRNS", [UInt8](repeating: 200, count: min(n, 3))) }
    }
    // The stream in 1 to 5 IDAT chunks, some possibly empty.
    let parts = 1 + rng.below(5)
    var cuts = (0..<(parts - 1)).map { _ in rng.below(z.count + 1) }.sorted()
    cuts = [0] + cuts + [z.count]
    for i in 0..<parts {
      png += chunk("IDAT", Array(z[cuts[i]..<cuts[i + 1]]))
      if shape.chunkBetweenIDATs && i == 0 && parts > 1 { png += chunk("tEXt", Array("Note\0between".utf8)) }
    }
    if rng.below(3) == 0 { png += chunk("tIME", [7, 234, 11, 29, 12, 0, 0]) }
    if !shape.dropIEND { png += chunk("IEND", []) }
    png += shape.afterIEND
    return Case(png: png, width: width, height: height, values: values)
  }

  static func libpng(_ data: [UInt8]) -> LabelMask? {
    try? PNGDecoder.decode(data, path: "t.png").labelMask(path: "t.png")
  }

  @Test("generated PNGs: both decoders give the values written, and the fast path takes them all")
  func generated() throws {
    var rng = SplitMix64(seed: 20_261_129)
    var taken = 0
    for i in 0..<900 {
      let c = Self.generate(&rng, index: i)
      let reference = try #require(Self.libpng(c.png), "libpng refused case \(i)")
      #expect(reference.values16 == c.values, "libpng disagrees with the written values in case \(i)")
      let fast = FastMaskDecoder.decode(c.png)
      if let fast {
        taken += 1
        #expect(fast == reference, "case \(i): the fast path's pixels differ from libpng's")
      }
    }
    #expect(taken == 900, "the fast path declined \(900 - taken) plain files")
  }

  @Test("damaged PNGs: the fast path gives libpng's pixels or declines, never more")
  func damaged() throws {
    var rng = SplitMix64(seed: 7)
    var states: [String: Int] = [:]
    func record(_ png: [UInt8], _ what: String) {
      let reference = Self.libpng(png)
      let fast = FastMaskDecoder.decode(png)
      switch (fast, reference) {
      case (let f?, let r?):
        #expect(f == r, "\(what): the fast path's pixels differ from libpng's")
        states["same pixels", default: 0] += 1
      case (nil, _?): states["fast declined, libpng decoded", default: 0] += 1
      case (nil, nil): states["both refused", default: 0] += 1
      case (_?, nil):
        Issue.record("\(what): the fast path accepted a file libpng refuses")
        states["fast accepted, libpng refused", default: 0] += 1
      }
    }
    // Structural damage, built into otherwise valid files (CRCs right).
    let shapes: [(String, Shape)] = [
      ("bad filter byte", Shape(filterOverride: 5)), ("filter byte 255", Shape(filterOverride: 255)),
      ("too much data", Shape(extraRawBytes: 3)), ("too little data", Shape(missingRawBytes: 2)),
      ("bytes after the zlib stream", Shape(trailingZlibBytes: [1, 2, 3])), ("palette missing", Shape(dropPalette: true)),
      ("palette too long", Shape(paletteEntries: 256)), ("no IEND", Shape(dropIEND: true)),
      ("chunk between IDATs", Shape(chunkBetweenIDATs: true)), ("garbage after IEND", Shape(afterIEND: [1, 2, 3, 4, 5])),
      ("small declared window", Shape(windowBits: 8)), ("window 2^15", Shape(windowBits: 15)),
    ]
    for (name, shape) in shapes {
      for i in 0..<45 { record(Self.generate(&rng, index: i, shape: shape).png, "\(name) #\(i)") }
    }
    // Random byte damage; half the files get their CRCs recomputed so the damage reaches the inflater
    // and the unfilter instead of stopping at the first CRC.
    for i in 0..<4000 {
      var png = Self.generate(&rng, index: i).png
      for _ in 0..<(1 + rng.below(4)) {
        switch rng.below(4) {
        case 0: png[rng.below(png.count)] ^= UInt8(1 << rng.below(8))
        case 1: png[rng.below(png.count)] = UInt8(rng.below(256))
        case 2: png.removeLast(min(png.count - 8, 1 + rng.below(20)))
        default: png.insert(UInt8(rng.below(256)), at: 8 + rng.below(png.count - 8))
        }
      }
      if i % 2 == 0 { png = Self.fixCRCs(png) }
      record(png, "random damage #\(i)")
    }
    print("fast decoder vs libpng on damaged files:", states.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    #expect(states["fast accepted, libpng refused", default: 0] == 0)
    #expect(states["same pixels", default: 0] > 200, "too few damaged files decoded: the damage is not reaching the decoders")
    #expect(states["both refused", default: 0] > 500)
  }

  /// Recomputes each chunk's CRC where the chunk lengths still walk the file.
  static func fixCRCs(_ png: [UInt8]) -> [UInt8] {
    var out = png
    var pos = 8
    while pos + 12 <= out.count {
      let len = Int(out[pos]) << 24 | Int(out[pos + 1]) << 16 | Int(out[pos + 2]) << 8 | Int(out[pos + 3])
      guard len <= out.count - pos - 12 else { break }
      let crc = out.withUnsafeBufferPointer { segpng_crc32(0, $0.baseAddress! + pos + 4, len + 4) }
      out.replaceSubrange((pos + 8 + len)..<(pos + 12 + len), with: be32(crc))
      pos += 12 + len
    }
    return out
  }
}

extension SplitMix64 {
  /// An int in 0..<n.
  mutating func below(_ n: Int) -> Int { int(0, n - 1) }
}
