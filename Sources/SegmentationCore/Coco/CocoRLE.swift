/// COCO run-length encoding: runs over the mask in column-major order, alternating background and
/// foreground, starting with background. Matches pycocotools' maskApi bit for bit. Does no I/O.
public struct CocoRLE: Sendable, Equatable {
  public let height: Int
  public let width: Int
  public let counts: [UInt32]

  public init(height: Int, width: Int, counts: [UInt32]) {
    self.height = height
    self.width = width
    self.counts = counts
  }

  /// Encodes a binary mask given row-major (`true` = foreground).
  public init(height: Int, width: Int, rowMajor mask: [Bool]) {
    precondition(mask.count == height * width, "mask size mismatch")
    var counts: [UInt32] = []
    var current = false
    var run: UInt32 = 0
    for x in 0..<width {
      for y in 0..<height {
        let v = mask[y * width + x]
        if v != current {
          counts.append(run)
          run = 0
          current = v
        }
        run += 1
      }
    }
    counts.append(run)
    self.init(height: height, width: width, counts: counts)
  }

  /// The mask, row-major.
  public func decode() -> [Bool] {
    var out = [Bool](repeating: false, count: height * width)
    var i = 0
    var v = false
    for c in counts {
      if v {
        for k in i..<min(i + Int(c), height * width) { out[(k % height) * width + k / height] = true }
      }
      i += Int(c)
      v.toggle()
    }
    return out
  }

  /// Foreground pixel count.
  public var area: Int { stride(from: 1, to: counts.count, by: 2).reduce(0) { $0 + Int(counts[$1]) } }

  /// The compressed string form (LEB128-like, 5 bits per character, deltas from two runs back).
  public var compressed: String {
    var bytes: [UInt8] = []
    for (i, c) in counts.enumerated() {
      var x = Int(c)
      if i > 2 { x -= Int(counts[i - 2]) }
      var more = true
      while more {
        var ch = x & 0x1F
        x >>= 5
        more = (ch & 0x10) != 0 ? x != -1 : x != 0
        if more { ch |= 0x20 }
        bytes.append(UInt8(ch + 48))
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Parses the compressed string form; nil for characters outside the alphabet.
  public init?(compressed s: String, height: Int, width: Int) {
    var counts: [UInt32] = []
    var x = 0, k = 0
    for b in s.utf8 {
      guard b >= 48 && b < 48 + 64 else { return nil }
      let c = Int(b) - 48
      x |= (c & 0x1F) << (5 * k)
      k += 1
      if c & 0x20 == 0 {
        if c & 0x10 != 0 { x |= -1 << (5 * k) }
        if counts.count > 2 { x += Int(counts[counts.count - 2]) }
        guard x >= 0, x <= Int(UInt32.max) else { return nil }
        counts.append(UInt32(x))
        x = 0
        k = 0
      }
    }
    guard k == 0 else { return nil }
    self.init(height: height, width: width, counts: counts)
  }

  /// Union (or intersection) of masks of one size, run by run.
  public static func merge(_ rles: [CocoRLE], intersect: Bool = false) -> CocoRLE? {
    guard var acc = rles.first else { return nil }
    for b in rles.dropFirst() {
      guard b.height == acc.height, b.width == acc.width else { return nil }
      var out: [UInt32] = []
      var v = false
      var cc: UInt32 = 0
      forEachStretch(acc, b) { c, va, vb in
        let nv = intersect ? (va && vb) : (va || vb)
        if nv != v {
          out.append(cc)
          cc = 0
          v = nv
        }
        cc += c
      }
      out.append(cc)
      acc = CocoRLE(height: acc.height, width: acc.width, counts: out)
    }
    return acc
  }

  /// Walks two masks of one size together, calling `body(length, inA, inB)` for each stretch over
  /// which neither changes (zero-length stretches included, as pycocotools' loops see them).
  static func forEachStretch(_ a: CocoRLE, _ b: CocoRLE, _ body: (UInt32, Bool, Bool) -> Void) {
    var ia = 1, ib = 1
    var ca = a.counts.first ?? 0, cb = b.counts.first ?? 0
    var va = false, vb = false
    var rest: UInt32 = 1
    while rest > 0 {
      let c = min(ca, cb)
      body(c, va, vb)
      rest = 0
      ca -= c
      if ca == 0 && ia < a.counts.count {
        ca = a.counts[ia]
        ia += 1
        va.toggle()
      }
      rest += ca
      cb -= c
      if cb == 0 && ib < b.counts.count {
        cb = b.counts[ib]
        ib += 1
        vb.toggle()
      }
      rest += cb
    }
  }

  /// Rasterizes one polygon `[x1, y1, x2, y2, ...]` the way pycocotools does: vertices are scaled by
  /// 5 and rounded, the outline is walked densely, and a pixel column x is filled from the first
  /// crossing at or below each pixel centre, so tool-drawn PNGs can differ slightly (93-99.6 % IoU).
  public static func polygon(_ xy: [Double], height h: Int, width w: Int) -> CocoRLE {
    let k = xy.count / 2
    let scale = 5.0
    guard k > 0 else { return CocoRLE(height: h, width: w, counts: [UInt32(h * w)]) }
    var px = [Int](repeating: 0, count: k + 1), py = px
    for j in 0..<k {
      px[j] = Int(scale * xy[2 * j] + 0.5)
      py[j] = Int(scale * xy[2 * j + 1] + 0.5)
    }
    px[k] = px[0]
    py[k] = py[0]
    // Dense outline points.
    var u: [Int] = [], v: [Int] = []
    for j in 0..<k {
      var xs = px[j], xe = px[j + 1], ys = py[j], ye = py[j + 1]
      let dx = abs(xe - xs), dy = abs(ys - ye)
      let flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye)
      if flip {
        swap(&xs, &xe)
        swap(&ys, &ye)
      }
      if dx >= dy {
        let s = dx == 0 ? 0 : Double(ye - ys) / Double(dx)
        for d in 0...dx {
          let t = flip ? dx - d : d
          u.append(t + xs)
          v.append(Int(Double(ys) + s * Double(t) + 0.5))
        }
      } else {
        let s = Double(xe - xs) / Double(dy)
        for d in 0...dy {
          let t = flip ? dy - d : d
          v.append(t + ys)
          u.append(Int(Double(xs) + s * Double(t) + 0.5))
        }
      }
    }
    // Crossings of pixel-centre columns, downsampled.
    var a: [UInt32] = []
    for j in 1..<max(1, u.count) where u[j] != u[j - 1] {
      var xd = Double(u[j] < u[j - 1] ? u[j] : u[j] - 1)
      xd = (xd + 0.5) / scale - 0.5
      if xd.rounded(.down) != xd || xd < 0 || xd > Double(w - 1) { continue }
      var yd = Double(v[j] < v[j - 1] ? v[j] : v[j - 1])
      yd = (yd + 0.5) / scale - 0.5
      if yd < 0 { yd = 0 } else if yd > Double(h) { yd = Double(h) }
      yd = yd.rounded(.up)
      a.append(UInt32(Int(xd) * h + Int(yd)))
    }
    a.append(UInt32(h * w))
    a.sort()
    var prev: UInt32 = 0
    for j in 0..<a.count {
      let t = a[j]
      a[j] -= prev
      prev = t
    }
    var b: [UInt32] = [a[0]]
    var j = 1
    while j < a.count {
      if a[j] > 0 {
        b.append(a[j])
        j += 1
      } else {
        j += 1
        if j < a.count {
          b[b.count - 1] += a[j]
          j += 1
        }
      }
    }
    return CocoRLE(height: h, width: w, counts: b)
  }

  /// An annotation's polygons (several parts) as one mask, as pycocotools' annToRLE does.
  public static func polygons(_ parts: [[Double]], height: Int, width: Int) -> CocoRLE {
    let rles = parts.map { polygon($0, height: height, width: width) }
    return merge(rles) ?? CocoRLE(height: height, width: width, counts: [UInt32(height * width)])
  }
}

extension CocoRLE {
  /// The tight box (x, y, w, h) around the foreground, as pycocotools' toBbox computes it (a run that
  /// wraps from one column to the next spans the whole height).
  public var boundingBox: (x: Int, y: Int, w: Int, h: Int) {
    let m = counts.count / 2 * 2
    guard m > 0 else { return (0, 0, 0, 0) }
    var xs = width, ys = height, xe = 0, ye = 0, cc = 0, xp = 0
    for j in 0..<m {
      cc += Int(counts[j])
      let t = cc - j % 2
      let y = t % height, x = (t - y) / height
      if j % 2 == 0 {
        xp = x
      } else if xp < x {
        ys = 0
        ye = height - 1
      }
      xs = min(xs, x)
      xe = max(xe, x)
      ys = min(ys, y)
      ye = max(ye, y)
    }
    return (xs, ys, xe - xs + 1, ye - ys + 1)
  }
}

extension CocoInstance {
  /// Paints instances into a label map of category ids (0 where there is none), larger instances
  /// first so smaller ones stay visible; detections below `minScore` are left out. For display.
  public static func labelMap(_ items: [CocoInstance], width: Int, height: Int, minScore: Double = 0.5) -> LabelMask {
    var out = [UInt16](repeating: 0, count: width * height)
    let shown = items.filter { $0.score >= minScore && $0.rle.width == width && $0.rle.height == height }.map { ($0, $0.rle.area) }
    for (inst, _) in shown.sorted(by: { $0.1 > $1.1 }) {
      for (i, on) in inst.rle.decode().enumerated() where on { out[i] = UInt16(clamping: inst.categoryId) }
    }
    if out.allSatisfy({ $0 <= 255 }) { return LabelMask(width: width, height: height, values: out.map { UInt8($0) }) }
    return LabelMask(width: width, height: height, values16: out)
  }

}
