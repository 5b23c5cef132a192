import SegmentationCore
/// Paints a photo-like image and its label map together: every shape sets both. Does no I/O.
struct SceneCanvas {
  let width: Int
  let height: Int
  var rgb: [UInt8]
  var labels: [UInt8]

  init(width: Int, height: Int) {
    self.width = width
    self.height = height
    rgb = [UInt8](repeating: 0, count: width * height * 3)
    labels = [UInt8](repeating: 0, count: width * height)
  }

  /// Sets one pixel (clipped).
  @inline(__always)
  mutating func set(_ x: Int, _ y: Int, _ label: UInt8, _ c: (Double, Double, Double)) {
    guard x >= 0, y >= 0, x < width, y < height else { return }
    let i = y * width + x
    labels[i] = label
    rgb[i * 3] = clamp(c.0)
    rgb[i * 3 + 1] = clamp(c.1)
    rgb[i * 3 + 2] = clamp(c.2)
  }

  @inline(__always)
  func clamp(_ v: Double) -> UInt8 { UInt8(max(0, min(255, v.rounded()))) }

  /// Fills pixels for which `inside(x, y)` holds within a bounding box, colouring each with `shade`.
  mutating func fill(
    x0: Int, y0: Int, x1: Int, y1: Int, label: UInt8, inside: (Int, Int) -> Bool,
    shade: (Int, Int) -> (Double, Double, Double)
  ) {
    let ya = max(0, y0), yb = min(height - 1, y1), xa = max(0, x0), xb = min(width - 1, x1)
    guard ya <= yb, xa <= xb else { return }
    for y in ya...yb {
      for x in xa...xb where inside(x, y) {
        set(x, y, label, shade(x, y))
      }
    }
  }

  mutating func rect(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ label: UInt8, _ shade: (Int, Int) -> (Double, Double, Double)) {
    fill(x0: x0, y0: y0, x1: x1, y1: y1, label: label, inside: { _, _ in true }, shade: shade)
  }

  mutating func ellipse(cx: Double, cy: Double, rx: Double, ry: Double, _ label: UInt8, _ shade: (Int, Int) -> (Double, Double, Double)) {
    fill(
      x0: Int(cx - rx), y0: Int(cy - ry), x1: Int(cx + rx) + 1, y1: Int(cy + ry) + 1, label: label,
      inside: { x, y in
        let dx = (Double(x) + 0.5 - cx) / rx, dy = (Double(y) + 0.5 - cy) / ry
        return dx * dx + dy * dy <= 1
      }, shade: shade)
  }

  /// Marks a band of `width` pixels outside the region of `label` as void (255) in the labels only,
  /// as PASCAL VOC does around objects.
  mutating func voidBorder(of label: UInt8, box: (Int, Int, Int, Int), width w: Int) {
    let (x0, y0, x1, y1) = box
    var marks: [Int] = []
    let ya = max(0, y0 - w), yb = min(height - 1, y1 + w), xa = max(0, x0 - w), xb = min(width - 1, x1 + w)
    guard ya <= yb, xa <= xb else { return }
    for y in ya...yb {
      for x in xa...xb {
        let i = y * width + x
        if labels[i] == label { continue }
        var near = false
        for dy in -w...w where !near {
          for dx in -w...w {
            let nx = x + dx, ny = y + dy
            if nx >= 0, ny >= 0, nx < width, ny < height, labels[ny * width + nx] == label {
              near = true
              break
            }
          }
        }
        if near { marks.append(i) }
      }
    }
    for i in marks { labels[i] = DemoClasses.void }
  }
}
