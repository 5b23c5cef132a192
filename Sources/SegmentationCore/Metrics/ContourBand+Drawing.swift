/// Drawing (OpenCV drawContours with LINE_8).
extension ContourBand {
  /// A one-channel 8-bit canvas with OpenCV's rasterizers.
  public struct Canvas {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    static let shift = 16
    static let one: Int64 = 1 << 16

    public init(width: Int, height: Int, pixels: [UInt8]? = nil) {
      self.width = width
      self.height = height
      self.pixels = pixels ?? [UInt8](repeating: 0, count: width * height)
    }

    /// A closed polyline through `points` (drawContours of one contour).
    public mutating func drawClosed(_ points: [Point], thickness: Int) {
      let n = points.count
      guard n > 0 else { return }
      for j in 0..<n {
        thickLine(points[j], points[(j + 1) % n], thickness: thickness)
      }
    }

    mutating func put(_ x: Int, _ y: Int) {
      if x >= 0 && x < width && y >= 0 && y < height { pixels[y * width + x] = 1 }
    }

    mutating func hline(_ y: Int, _ x1: Int, _ x2: Int) {
      guard y >= 0 && y < height, x2 >= x1 else { return }
      let base = y * width
      for x in max(0, x1)...min(width - 1, x2) { pixels[base + x] = 1 }
    }

    /// ThickLine(p0, p1, thickness, LINE_8, flags = 2 (a round cap at p1), shift = 0).
    mutating func thickLine(_ a: Point, _ b: Point, thickness: Int) {
      if thickness <= 1 {
        line(a, b)
        return
      }
      let p0 = (Int64(a.x) << 16, Int64(a.y) << 16), p1 = (Int64(b.x) << 16, Int64(b.y) << 16)
      let inv = 1.0 / Double(Canvas.one)
      let dx = Double(p0.0 - p1.0) * inv, dy = Double(p1.1 - p0.1) * inv
      var r = dx * dx + dy * dy
      let odd = thickness & 1
      let t = Int64(thickness) << 15
      if abs(r) > Double.ulpOfOne {
        r = (Double(t) + Double(odd) * Double(Canvas.one) * 0.5) / r.squareRoot()
        let dpx = Int64(Canvas.cvRound(dy * r)), dpy = Int64(Canvas.cvRound(dx * r))
        let quad: [(Int64, Int64)] = [
          (p0.0 + dpx, p0.1 + dpy), (p0.0 - dpx, p0.1 - dpy), (p1.0 - dpx, p1.1 - dpy), (p1.0 + dpx, p1.1 + dpy),
        ]
        fillConvexPoly(quad)
      }
      let cx = Int((p1.0 + (Canvas.one >> 1)) >> 16), cy = Int((p1.1 + (Canvas.one >> 1)) >> 16)
      circle(cx, cy, radius: Int((t + (Canvas.one >> 1)) >> 16))
    }

    /// cvRound: nearest, ties to even (SSE2 cvtsd2si under the default rounding mode).
    static func cvRound(_ v: Double) -> Int32 {
      let r = v.rounded(.toNearestOrEven)
      if r >= Double(Int32.max) { return .max }
      if r <= Double(Int32.min) { return .min }
      return Int32(r)
    }

    /// A 1-pixel 8-connected line between integer points (LineIterator, left to right).
    mutating func line(_ a: Point, _ b: Point) {
      var x1 = Int64(a.x), y1 = Int64(a.y), x2 = Int64(b.x), y2 = Int64(b.y)
      if a.x < 0 || a.x >= width || b.x < 0 || b.x >= width || a.y < 0 || a.y >= height || b.y < 0 || b.y >= height {
        guard Canvas.clipLine(Int64(width), Int64(height), &x1, &y1, &x2, &y2) else { return }
      }
      var dx = Int(x2 - x1), dy = Int(y2 - y1)
      var x = Int(x1), y = Int(y1)
      if dx < 0 {
        dx = -dx
        dy = -dy
        x = Int(x2)
        y = Int(y2)
      }
      let ystep = dy < 0 ? -1 : 1
      dy = abs(dy)
      let steep = dy > dx
      if steep { swap(&dx, &dy) }
      var err = dx - (dy + dy)
      let plusDelta = dx + dx, minusDelta = -(dy + dy)
      for _ in 0...dx {
        put(x, y)
        let minor = err < 0
        err += minusDelta + (minor ? plusDelta : 0)
        if steep {
          y += ystep
          if minor { x += 1 }
        } else {
          x += 1
          if minor { y += ystep }
        }
      }
    }

    /// OpenCV's clipLine on a w x h rectangle (coordinates in any fixed-point scale).
    static func clipLine(_ w: Int64, _ h: Int64, _ x1: inout Int64, _ y1: inout Int64, _ x2: inout Int64, _ y2: inout Int64) -> Bool {
      guard w > 0, h > 0 else { return false }
      let right = w - 1, bottom = h - 1
      func code(_ x: Int64, _ y: Int64) -> Int {
        (x < 0 ? 1 : 0) + (x > right ? 2 : 0) + (y < 0 ? 4 : 0) + (y > bottom ? 8 : 0)
      }
      var c1 = code(x1, y1), c2 = code(x2, y2)
      if (c1 & c2) == 0 && (c1 | c2) != 0 {
        if c1 & 12 != 0 {
          let a: Int64 = c1 < 8 ? 0 : bottom
          guard y2 != y1 else { return false }
          x1 = x1 &+ (a &- y1) &* (x2 &- x1) / (y2 &- y1)
          y1 = a
          c1 = (x1 < 0 ? 1 : 0) + (x1 > right ? 2 : 0)
        }
        if c2 & 12 != 0 {
          let a: Int64 = c2 < 8 ? 0 : bottom
          guard y2 != y1 else { return false }
          x2 = x2 &+ (a &- y2) &* (x2 &- x1) / (y2 &- y1)
          y2 = a
          c2 = (x2 < 0 ? 1 : 0) + (x2 > right ? 2 : 0)
        }
        if (c1 & c2) == 0 && (c1 | c2) != 0 {
          if c1 != 0 {
            let a: Int64 = c1 == 1 ? 0 : right
            guard x2 != x1 else { return false }
            y1 = y1 &+ (a &- x1) &* (y2 &- y1) / (x2 &- x1)
            x1 = a
            c1 = 0
          }
          if c2 != 0 {
            let a: Int64 = c2 == 1 ? 0 : right
            guard x2 != x1 else { return false }
            y2 = y2 &+ (a &- x2) &* (y2 &- y1) / (x2 &- x1)
            x2 = a
            c2 = 0
          }
        }
      }
      return (c1 | c2) == 0
    }

    /// Line2: the 1-pixel outline of a fixed-point segment (16 fractional bits).
    mutating func line2(_ a: (Int64, Int64), _ b: (Int64, Int64)) {
      var (x1, y1) = a, (x2, y2) = b
      guard Canvas.clipLine(Int64(width) << 16, Int64(height) << 16, &x1, &y1, &x2, &y2) else { return }
      var dx = x2 - x1, dy = y2 - y1
      let ax = abs(dx), ay = abs(dy)
      let xStep: Int64, yStep: Int64
      var ecount: Int64
      if ax > ay {
        if dx < 0 {
          dy = -dy
          swap(&x1, &x2)
          swap(&y1, &y2)
        }
        xStep = Canvas.one
        yStep = (dy << 16) / (ax | 1)
        ecount = (x2 - x1) >> 16
      } else {
        if dy < 0 {
          dx = -dx
          swap(&x1, &x2)
          swap(&y1, &y2)
        }
        xStep = (dx << 16) / (ay | 1)
        yStep = Canvas.one
        ecount = (y2 - y1) >> 16
      }
      x1 += Canvas.one >> 1
      y1 += Canvas.one >> 1
      put(Int((x2 + (Canvas.one >> 1)) >> 16), Int((y2 + (Canvas.one >> 1)) >> 16))
      if ax > ay {
        x1 >>= 16
        while ecount >= 0 {
          put(Int(x1), Int(y1 >> 16))
          x1 += 1
          y1 += yStep
          ecount -= 1
        }
      } else {
        y1 >>= 16
        while ecount >= 0 {
          put(Int(x1 >> 16), Int(y1))
          x1 += xStep
          y1 += 1
          ecount -= 1
        }
      }
    }

    /// FillConvexPoly with LINE_8 and 16 fractional bits: the outline (Line2) and the scan fill.
    mutating func fillConvexPoly(_ v: [(Int64, Int64)]) {
      let npts = v.count
      let delta: Int64 = Canvas.one >> 1
      let delta1 = Canvas.one >> 1, delta2 = Canvas.one >> 1
      var p0 = v[npts - 1]
      var xmin = v[0].0, xmax = v[0].0, ymin = v[0].1, ymax = v[0].1
      var imin = 0
      for i in 0..<npts {
        let p = v[i]
        if p.1 < ymin {
          ymin = p.1
          imin = i
        }
        ymax = max(ymax, p.1)
        xmax = max(xmax, p.0)
        xmin = min(xmin, p.0)
        line2(p0, p)
        p0 = p
      }
      xmin = (xmin + delta) >> 16
      xmax = (xmax + delta) >> 16
      ymin = (ymin + delta) >> 16
      ymax = (ymax + delta) >> 16
      if npts < 3 || xmax < 0 || ymax < 0 || xmin >= Int64(width) || ymin >= Int64(height) { return }
      ymax = min(ymax, Int64(height - 1))
      var edgeIdx = [imin, imin], edgeDi = [1, npts - 1]
      var edgeYe = [Int(ymin), Int(ymin)]
      var edgeX: [Int64] = [-Canvas.one, -Canvas.one], edgeDx: [Int64] = [0, 0]
      var y = Int(ymin)
      var edges = npts
      repeat {
        for i in 0..<2 where y >= edgeYe[i] {
          var idx0 = edgeIdx[i]
          let di = edgeDi[i]
          var idx = idx0 + di
          if idx >= npts { idx -= npts }
          while true {
            let more = edges > 0
            edges -= 1
            if !more { break }
            let ty = Int((v[idx].1 + delta) >> 16)
            if ty > y {
              let xs = v[idx0].0, xe = v[idx].0
              edgeYe[i] = ty
              edgeDx[i] = ((xe - xs) * 2 + Int64(ty - y)) / (2 * Int64(ty - y))
              edgeX[i] = xs
              edgeIdx[i] = idx
              break
            }
            idx0 = idx
            idx += di
            if idx >= npts { idx -= npts }
          }
        }
        if edges < 0 { break }
        if y >= 0 {
          let (left, right) = edgeX[0] > edgeX[1] ? (1, 0) : (0, 1)
          var xx1 = Int((edgeX[left] + delta1) >> 16)
          var xx2 = Int((edgeX[right] + delta2) >> 16)
          if xx2 >= 0 && xx1 < width {
            if xx1 < 0 { xx1 = 0 }
            if xx2 >= width { xx2 = width - 1 }
            hline(y, xx1, xx2)
          }
        }
        edgeX[0] += edgeDx[0]
        edgeX[1] += edgeDx[1]
        y += 1
      } while y <= Int(ymax)
    }

    /// Circle(center, radius, filled): the midpoint circle with horizontal spans.
    mutating func circle(_ cx: Int, _ cy: Int, radius: Int) {
      var err = 0, dx = radius, dy = 0, plus = 1, minus = (radius << 1) - 1
      while dx >= dy {
        let y11 = cy - dy, y12 = cy + dy, y21 = cy - dx, y22 = cy + dx
        let x11 = cx - dx, x12 = cx + dx, x21 = cx - dy, x22 = cx + dy
        if x11 < width && x12 >= 0 && y21 < height && y22 >= 0 {
          hline(y11, x11, x12)
          hline(y12, x11, x12)
          if x21 < width && x22 >= 0 {
            hline(y21, x21, x22)
            hline(y22, x21, x22)
          }
        }
        dy += 1
        err += plus
        plus += 2
        let mask = err <= 0 ? 0 : -1
        err -= minus & mask
        dx += mask
        minus -= mask & 2
      }
    }
  }
}
