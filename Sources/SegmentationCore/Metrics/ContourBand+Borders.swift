/// Border following (OpenCV findContours, RETR_LIST, CHAIN_APPROX_SIMPLE).
extension ContourBand {
  /// Chain-code directions: 0 = right, then counter-clockwise in image coordinates (y down).
  static let deltas: [(Int, Int)] = [(1, 0), (1, -1), (0, -1), (-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1)]

  /// Every border (outer borders and hole borders) of the set pixels, in OpenCV's vertex form.
  public static func contours(width w: Int, height h: Int, isSet: (Int) -> Bool) -> [[Point]] {
    // A 1-pixel zero frame around the image, as findContours' copyMakeBorder does. Cell values follow
    // OpenCV's 8-bit marks: 0 background, 1 unvisited, 2 visited, -126 visited right border.
    let pw = w + 2, ph = h + 2
    var img = [Int8](repeating: 0, count: pw * ph)
    for y in 0..<h {
      for x in 0..<w where isSet(y * w + x) { img[(y + 1) * pw + x + 1] = 1 }
    }
    let step = pw
    let offsets = deltas.map { $0.0 + $0.1 * step }
    var result: [[Point]] = []
    let width = pw - 1, height = ph - 1

    func fetch(startX: Int, startY: Int, isHole: Bool) -> [Point] {
      var pts: [Point] = []
      var pt = Point(startX - 1, startY - 1)
      let i0 = startY * step + startX
      var sEnd = isHole ? 0 : 4
      var s = sEnd
      var i1 = i0
      repeat {
        s = (s - 1) & 7
        i1 = i0 + offsets[s]
      } while img[i1] == 0 && s != sEnd
      if s == sEnd {
        img[i0] = -126
        pts.append(pt)
        return pts
      }
      var i3 = i0
      var i4 = i0
      var prevS = s ^ 4
      while true {
        sEnd = s
        s = min(s, 15)
        while s < 15 {
          s += 1
          i4 = i3 + offsets[s & 7]
          if img[i4] != 0 { break }
        }
        s &= 7
        if UInt(bitPattern: s - 1) < UInt(bitPattern: sEnd) {
          img[i3] = -126
        } else if img[i3] == 1 {
          img[i3] = 2
        }
        if s != prevS { pts.append(pt) }
        prevS = s
        pt.x += deltas[s].0
        pt.y += deltas[s].1
        if i4 == i0 && i3 == i1 { break }
        i3 = i4
        s = (s + 4) & 7
      }
      return pts
    }

    var x = 1, y = 1
    var prev = Int(img[y * step + x - 1])
    while y < height {
      var p = 0
      while x < width {
        while x < width {
          p = Int(img[y * step + x])
          if p != prev { break }
          x += 1
        }
        if x >= width { break }
        var isHole = false
        var found = true
        if !(prev == 0 && p == 1) {
          if p != 0 || prev < 1 { found = false } else { isHole = true }
        }
        if found {
          result.append(fetch(startX: x - (isHole ? 1 : 0), startY: y, isHole: isHole))
          // The scan resumes after the start pixel, reading its (now marked) left neighbour afresh.
          x += 1
          prev = Int(img[y * step + x - 1])
          continue
        }
        prev = p
        x += 1
      }
      y += 1
      x = 1
      prev = 0
    }
    return result
  }
}
