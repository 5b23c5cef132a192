/// How far each pixel of a label map is from its nearest edge pixel (a pixel with a 4-neighbour of
/// another value), in chessboard distance, up to a limit: 0 on an edge, 1...limit near one, and
/// `far` beyond the limit.
///
/// Made with whole-image passes that the compiler vectorizes (row pointers, wrapping arithmetic, no
/// branches): the edge flags, then `limit` square dilations of one pixel (a horizontal and a vertical
/// pass each). The label-error finder asks it two questions per disagreeing pixel: is it inside the
/// discounted band, and does a region touch the band.
struct EdgeBand {
  static let far: UInt8 = 255
  /// Per pixel: the distance to the nearest edge pixel when at most the limit, else `far`.
  let level: [UInt8]

  init<G: FixedWidthInteger>(labels g: UnsafeBufferPointer<G>, width w: Int, height h: Int, limit: Int) {
    precondition(limit >= 0 && limit < Int(Self.far) && g.count == w * h, "EdgeBand: bad arguments")
    let n = w * h
    guard n > 0, let gb = g.baseAddress else {
      level = []
      return
    }
    // Every pass writes each pixel of its output, so nothing is zeroed first.
    let f = UnsafeMutablePointer<UInt8>.allocate(capacity: n)
    let t = UnsafeMutablePointer<UInt8>.allocate(capacity: n)
    defer {
      f.deallocate()
      t.deallocate()
    }
    level = [UInt8](unsafeUninitializedCapacity: n) { lBuf, count in
      let lv = lBuf.baseAddress!
      Self.edges(gb, into: f, level: lv, width: w, height: h)
      for step in stride(from: 1, through: limit, by: 1) {
        Self.dilate(f, scratch: t, level: lv, step: UInt8(step), width: w, height: h)
      }
      count = n
    }
  }

  /// 1 where a pixel has a 4-neighbour of another value, else 0; level 0 there, `far` elsewhere.
  private static func edges<G: FixedWidthInteger>(
    _ g: UnsafePointer<G>, into f: UnsafeMutablePointer<UInt8>, level lv: UnsafeMutablePointer<UInt8>, width w: Int, height h: Int
  ) {
    for y in 0..<h {
      let gr = g + y &* w, fr = f + y &* w
      if w == 1 {
        fr[0] = 0
        continue
      }
      fr[0] = gr[0] != gr[1] ? 1 : 0
      for x in 1..<(w &- 1) {
        fr[x] = (gr[x &- 1] != gr[x] ? 1 : 0) | (gr[x] != gr[x &+ 1] ? 1 : 0)
      }
      fr[w &- 1] = gr[w &- 2] != gr[w &- 1] ? 1 : 0
    }
    for y in 0..<h {
      let gr = g + y &* w, fr = f + y &* w, lr = lv + y &* w
      let up = y > 0 ? gr - w : gr, down = y &+ 1 < h ? gr + w : gr
      for x in 0..<w {
        let e = fr[x] | (up[x] != gr[x] ? 1 : 0) | (down[x] != gr[x] ? 1 : 0)
        fr[x] = e
        lr[x] = e != 0 ? 0 : Self.far
      }
    }
  }

  /// One square dilation of 0/1 flags by one pixel, in place; pixels it reaches first get level `step`.
  private static func dilate(
    _ f: UnsafeMutablePointer<UInt8>, scratch t: UnsafeMutablePointer<UInt8>, level lv: UnsafeMutablePointer<UInt8>, step: UInt8, width w: Int,
    height h: Int
  ) {
    for y in 0..<h {
      let fr = f + y &* w, tr = t + y &* w
      if w == 1 {
        tr[0] = fr[0]
        continue
      }
      tr[0] = fr[0] | fr[1]
      for x in 1..<(w &- 1) { tr[x] = fr[x &- 1] | fr[x] | fr[x &+ 1] }
      tr[w &- 1] = fr[w &- 2] | fr[w &- 1]
    }
    for y in 0..<h {
      let fr = f + y &* w, tr = t + y &* w, lr = lv + y &* w
      let up = y > 0 ? tr - w : tr, down = y &+ 1 < h ? tr + w : tr
      for x in 0..<w {
        let d = up[x] | tr[x] | down[x]
        fr[x] = d
        // Levels only grow with the step, so the nearest edge's level is the smallest.
        lr[x] = min(lr[x], d != 0 ? step : Self.far)
      }
    }
  }

  /// Whether an edge pixel lies within chessboard distance `r` (r <= the limit).
  @inline(__always) func near(_ i: Int, radius r: Int) -> Bool { Int(level[i]) <= r }
}
