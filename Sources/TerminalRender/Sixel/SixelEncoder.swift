import SegmentationCore

/// Encodes pictures as DEC sixel graphics. Exact pixels (class colours, outlines, error-map colours)
/// get reserved registers and are never merged or dithered; the other (photo) pixels share the rest
/// of the palette, chosen by median cut, with optional Floyd-Steinberg dithering that never spreads
/// into exact pixels. Does no I/O.
public struct SixelEncoder: Sendable {
  /// Colour registers the terminal offers (XTSMGRAPHICS), at most 256 are used.
  public var registers: Int
  /// Dither photo pixels.
  public var dither: Bool

  public init(registers: Int = 256, dither: Bool = false) {
    self.registers = max(2, min(256, registers))
    self.dither = dither
  }

  /// The palette and the register of every pixel.
  public struct Indexed: Sendable {
    public let width: Int
    public let height: Int
    public let palette: [RGB]
    public let indices: [UInt8]
  }

  /// Chooses the palette and maps every pixel to a register.
  public func quantize(_ composed: ComposedImage) -> Indexed {
    let img = composed.image
    let n = img.width * img.height
    let px = img.pixels
    var exactColors = ColorIndex(capacity: registers)
    var palette: [RGB] = []
    // Reserve registers for exact colours, at most half of them.
    let maxExact = registers / 2
    var isExact = composed.exact
    for i in 0..<n where isExact[i] {
      let k = ColorIndex.key(px[i * 3], px[i * 3 + 1], px[i * 3 + 2])
      if exactColors.get(k) >= 0 { continue }
      if palette.count < maxExact {
        exactColors.insert(k, Int32(palette.count))
        palette.append(RGB(px[i * 3], px[i * 3 + 1], px[i * 3 + 2]))
      } else {
        isExact[i] = false
      }
    }
    // Photo colours: all of them if they fit, else median cut.
    var all = palette
    var allIndex = exactColors
    var overflow = false
    var indices = [UInt8](repeating: 0, count: n)
    for i in 0..<n {
      let k = ColorIndex.key(px[i * 3], px[i * 3 + 1], px[i * 3 + 2])
      var v = allIndex.get(k)
      if v < 0 {
        if all.count >= registers {
          overflow = true
          break
        }
        v = Int32(all.count)
        allIndex.insert(k, v)
        all.append(RGB(px[i * 3], px[i * 3 + 1], px[i * 3 + 2]))
      }
      indices[i] = UInt8(v)
    }
    if !overflow {
      return Indexed(width: img.width, height: img.height, palette: all, indices: indices)
    }
    var hist = [Int](repeating: 0, count: 1 << 15)
    for i in 0..<n where !isExact[i] {
      hist[Int(px[i * 3] >> 3) << 10 | Int(px[i * 3 + 1] >> 3) << 5 | Int(px[i * 3 + 2] >> 3)] += 1
    }
    let photoBase = palette.count
    let photo = MedianCut.palette(histogram: hist, count: registers - photoBase)
    palette += photo
    var lut = NearestLUT(palette: photo)
    let w = img.width
    // Floyd-Steinberg error rows (3 channels, with one guard column on each side).
    var errCur = [Int](repeating: 0, count: (w + 2) * 3), errNext = errCur
    for y in 0..<img.height {
      for x in 0..<w {
        let i = y * w + x
        if isExact[i] {
          indices[i] = UInt8(max(0, exactColors.get(ColorIndex.key(px[i * 3], px[i * 3 + 1], px[i * 3 + 2]))))
          continue
        }
        var r = Int(px[i * 3]), g = Int(px[i * 3 + 1]), b = Int(px[i * 3 + 2])
        if dither {
          let e = (x + 1) * 3
          r = max(0, min(255, r + errCur[e] / 16))
          g = max(0, min(255, g + errCur[e + 1] / 16))
          b = max(0, min(255, b + errCur[e + 2] / 16))
        }
        let k = lut.nearest(r, g, b)
        indices[i] = UInt8(photoBase + k)
        if dither {
          let c = photo[k]
          let er = r - Int(c.r), eg = g - Int(c.g), eb = b - Int(c.b)
          let rightExact = x + 1 < w && isExact[i + 1]
          let e = (x + 1) * 3
          if !rightExact {
            errCur[e + 3] += er * 7
            errCur[e + 4] += eg * 7
            errCur[e + 5] += eb * 7
          }
          if y + 1 < img.height {
            // Below-left 3/16, below 5/16, below-right 1/16; never into exact pixels.
            if x > 0 && !isExact[i + w - 1] {
              errNext[e - 3] += er * 3
              errNext[e - 2] += eg * 3
              errNext[e - 1] += eb * 3
            }
            if !isExact[i + w] {
              errNext[e] += er * 5
              errNext[e + 1] += eg * 5
              errNext[e + 2] += eb * 5
            }
            if x + 1 < w && !isExact[i + w + 1] {
              errNext[e + 3] += er
              errNext[e + 4] += eg
              errNext[e + 5] += eb
            }
          }
        }
      }
      if dither {
        swap(&errCur, &errNext)
        for j in 0..<errNext.count { errNext[j] = 0 }
      }
    }
    return Indexed(width: img.width, height: img.height, palette: palette, indices: indices)
  }

  /// The complete sixel sequence (DCS ... ST) for a picture.
  public func encode(_ composed: ComposedImage) -> [UInt8] {
    encode(quantize(composed))
  }

  /// The sixel sequence for already-indexed pixels.
  public func encode(_ q: Indexed) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(q.width * q.height / 2 + 1024)
    func emit(_ s: String) { out.append(contentsOf: s.utf8) }
    func emitInt(_ v: Int) {
      if v >= 10 { emitInt(v / 10) }
      out.append(UInt8(48 + v % 10))
    }
    emit("\u{1B}P0;0;0q\"1;1;")
    emitInt(q.width)
    out.append(UInt8(ascii: ";"))
    emitInt(q.height)
    // Only the registers the pixels use are defined (a tile of a picture uses few of its colours).
    var inUse = [Bool](repeating: false, count: q.palette.count)
    for v in q.indices { inUse[Int(v)] = true }
    for (i, c) in q.palette.enumerated() where inUse[i] {
      out.append(UInt8(ascii: "#"))
      emitInt(i)
      emit(";2;")
      emitInt((Int(c.r) * 100 + 127) / 255)
      out.append(UInt8(ascii: ";"))
      emitInt((Int(c.g) * 100 + 127) / 255)
      out.append(UInt8(ascii: ";"))
      emitInt((Int(c.b) * 100 + 127) / 255)
    }
    let w = q.width
    var bits = [UInt8](repeating: 0, count: q.palette.count * w)
    var used = [Bool](repeating: false, count: q.palette.count)
    var usedList: [Int] = []
    var bandTop = 0
    while bandTop < q.height {
      usedList.removeAll(keepingCapacity: true)
      for dy in 0..<min(6, q.height - bandTop) {
        let row = (bandTop + dy) * w
        let bit = UInt8(1 << dy)
        for x in 0..<w {
          let c = Int(q.indices[row + x])
          if !used[c] {
            used[c] = true
            usedList.append(c)
          }
          bits[c * w + x] |= bit
        }
      }
      for (k, c) in usedList.enumerated() {
        if k > 0 { out.append(UInt8(ascii: "$")) }
        out.append(UInt8(ascii: "#"))
        emitInt(c)
        let base = c * w
        // Drop trailing empty columns.
        var end = w
        while end > 0 && bits[base + end - 1] == 0 { end -= 1 }
        var x = 0
        while x < end {
          let v = bits[base + x]
          var run = 1
          while x + run < end && bits[base + x + run] == v { run += 1 }
          let ch = 63 + v
          if run >= 4 {
            out.append(UInt8(ascii: "!"))
            emitInt(run)
            out.append(ch)
          } else {
            for _ in 0..<run { out.append(ch) }
          }
          x += run
        }
        for x in 0..<w { bits[base + x] = 0 }
        used[c] = false
      }
      out.append(UInt8(ascii: "-"))
      bandTop += 6
    }
    emit("\u{1B}\\")
    return out
  }
}

/// Nearest palette entry for a colour, cached on a 6-bit-per-channel grid.
struct NearestLUT {
  let palette: [RGB]
  var table: [UInt16]

  init(palette: [RGB]) {
    self.palette = palette
    table = [UInt16](repeating: .max, count: 1 << 18)
  }

  mutating func nearest(_ r: Int, _ g: Int, _ b: Int) -> Int {
    let key = (r >> 2) << 12 | (g >> 2) << 6 | (b >> 2)
    let cached = table[key]
    if cached != .max { return Int(cached) }
    let cr = (r & ~3) + 2, cg = (g & ~3) + 2, cb = (b & ~3) + 2
    var best = 0, bestD = Int.max
    for (i, c) in palette.enumerated() {
      let dr = cr - Int(c.r), dg = cg - Int(c.g), db = cb - Int(c.b)
      let d = 2 * dr * dr + 4 * dg * dg + 3 * db * db
      if d < bestD {
        bestD = d
        best = i
      }
    }
    table[key] = UInt16(best)
    return best
  }
}
