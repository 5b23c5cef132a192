import SegmentationCore
/// One generated street scene: a photo, its true labels, and the labels a (possibly careless)
/// annotator drew.
public struct DemoScene: Sendable {
  public let image: RGBImage
  /// What is really in the picture; predictions are derived from it.
  public let trueLabels: LabelMask
  /// The ground truth as annotated: equal to `trueLabels` except for deliberately mislabeled samples.
  public let groundTruth: LabelMask
  /// What the annotator got wrong, if anything (for the demo's own checks and notes).
  public let mislabelNote: String?

  /// The scene at dusk: about a third of the light, bluish. Deterministic.
  public static func dusk(_ image: RGBImage) -> RGBImage {
    let gains: [Double] = [0.30, 0.33, 0.42]
    var px = image.pixels
    for i in 0..<px.count { px[i] = UInt8(min(255, (Double(px[i]) * gains[i % 3] + 4).rounded())) }
    return RGBImage(width: image.width, height: image.height, pixels: px)
  }

  /// Generates scene `seed` at the given size. Deterministic. Does no I/O.
  public static func generate(seed: UInt64, width: Int = 320, height: Int = 240, mislabel: Bool = false, brightness: Double = 0, shift: Int = 0) -> DemoScene {
    var rng = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D &+ 17)
    var cv = SceneCanvas(width: width, height: height)
    let W = Double(width), H = Double(height)
    var noise = SplitMix64(seed: seed ^ 0xABCDEF)
    func n(_ amp: Double) -> Double { (noise.unit() - 0.5) * 2 * amp }
    let b = brightness
    let horizon = Int(H * rng.uniform(0.40, 0.50))

    // Sky: a vertical gradient.
    cv.rect(0, 0, width - 1, horizon, DemoClasses.sky) { _, y in
      let t = Double(y) / Double(max(1, horizon))
      return (120 + 80 * t + n(3) + b, 165 + 55 * t + n(3) + b, 230 + 15 * t + n(3) + b)
    }
    // Terrain below the horizon.
    cv.rect(0, horizon, width - 1, height - 1, DemoClasses.terrain) { _, y in
      let t = Double(y - horizon) / H
      return (110 + 30 * t + n(12) + b, 135 + 20 * t + n(12) + b, 70 + n(10) + b)
    }
    // Buildings along the horizon.
    let buildingCount = rng.int(3, 6)
    var bx = Int(rng.uniform(-20, 10))
    for _ in 0..<buildingCount {
      let bw = Int(W * rng.uniform(0.12, 0.28))
      let top = Int(H * rng.uniform(0.06, 0.30))
      let tint = (rng.uniform(90, 170), rng.uniform(80, 150), rng.uniform(70, 140))
      let winW = rng.int(4, 7), winH = rng.int(5, 9)
      let x0 = bx + shift
      cv.rect(x0, top, x0 + bw, horizon + 4, DemoClasses.building) { x, y in
        let wx = (x - x0) % (winW * 2), wy = (y - top) % (winH * 2)
        let window = wx >= winW / 2 && wx < winW / 2 + winW && wy >= 3 && wy < 3 + winH
        let k = window ? 0.45 : 1.0
        return (tint.0 * k + n(6) + b, tint.1 * k + n(6) + b, tint.2 * k + n(6) + b)
      }
      bx += bw + rng.int(0, 25)
      if bx > width { break }
    }
    // Road: a trapezoid to a vanishing point, sidewalks beside it.
    let vx = W * rng.uniform(0.4, 0.6) + Double(shift)
    let leftBottom = W * rng.uniform(0.0, 0.2), rightBottom = W * rng.uniform(0.8, 1.0)
    let walk = W * rng.uniform(0.08, 0.16)
    func roadEdges(_ y: Int) -> (Double, Double) {
      let t = Double(y - horizon) / Double(max(1, height - horizon))
      return (vx + (leftBottom - vx) * t, vx + (rightBottom - vx) * t)
    }
    for y in (horizon + 1)..<height {
      let (l, r) = roadEdges(y)
      let t = Double(y - horizon) / Double(max(1, height - horizon))
      let sw = walk * t
      for x in max(0, Int(l - sw))..<min(width, Int(r + sw) + 1) {
        let fx = Double(x)
        if fx >= l && fx <= r {
          let lane = abs(fx - (l + r) / 2) < 1.2 * t + 0.3 && (y / 6) % 2 == 0
          cv.set(x, y, DemoClasses.road, lane ? (230 + n(8) + b, 230 + n(8) + b, 220 + n(8) + b) : (88 + n(10) + b, 88 + n(10) + b, 94 + n(10) + b))
        } else {
          let tile = (x / 5 + y / 4) % 2 == 0 ? 8.0 : 0.0
          cv.set(x, y, DemoClasses.sidewalk, (172 + tile + n(8) + b, 162 + tile + n(8) + b, 150 + tile + n(8) + b))
        }
      }
    }
    // Trees.
    for _ in 0..<rng.int(1, 4) {
      let cx = rng.uniform(0, W) + Double(shift), cy = Double(horizon) - rng.uniform(0, 25)
      let r = rng.uniform(14, 34)
      cv.ellipse(cx: cx, cy: cy, rx: r, ry: r * 1.1, DemoClasses.vegetation) { x, y in
        let leaf = ((x * 7 + y * 13) % 5) < 2 ? 18.0 : 0.0
        return (38 + leaf + n(14) + b, 105 + leaf + n(18) + b, 40 + n(10) + b)
      }
    }
    // Poles and signs on the sidewalks.
    var objects: [(UInt8, (Int, Int, Int, Int))] = []
    for _ in 0..<rng.int(0, 3) {
      let y = rng.int(horizon + (height - horizon) / 3, height - 5)
      let (l, r) = roadEdges(y)
      let t = Double(y - horizon) / Double(max(1, height - horizon))
      let x = Int(rng.chance(0.5) ? l - walk * t * 0.5 : r + walk * t * 0.5)
      let h = Int(Double(height - horizon) * (0.5 + t))
      let pw = max(2, Int(3 * t + 1))
      cv.rect(x, y - h, x + pw - 1, y, DemoClasses.pole) { _, _ in (62 + n(6) + b, 62 + n(6) + b, 66 + n(6) + b) }
      if rng.chance(0.7) {
        let s = max(4, Int(12 * t + 3))
        let blue = rng.chance(0.5)
        cv.rect(x - s / 2, y - h, x + s / 2 + pw, y - h + s, DemoClasses.sign) { _, _ in
          blue ? (30 + n(6) + b, 70 + n(6) + b, 190 + n(6) + b) : (235 + n(6) + b, 200 + n(6) + b, 20 + n(6) + b)
        }
        objects.append((DemoClasses.sign, (x - s / 2, y - h, x + s / 2 + pw, y - h + s)))
      }
    }
    // Cars on the road, far to near.
    var carBoxes: [(Int, Int, Int, Int)] = []
    let carYs = (0..<rng.int(1, 4)).map { _ in rng.int(horizon + 8, height - 4) }.sorted()
    for y in carYs {
      let (l, r) = roadEdges(y)
      let t = Double(y - horizon) / Double(max(1, height - horizon))
      let cw = max(8, Int(W * 0.30 * t + 6)), ch = max(5, Int(Double(cw) * 0.55))
      let x0 = Int(rng.uniform(l, max(l + 1, r - Double(cw))))
      let paint = [(170.0, 30.0, 30.0), (30.0, 60.0, 150.0), (220.0, 220.0, 225.0), (40.0, 40.0, 45.0), (200.0, 160.0, 40.0)][rng.int(0, 4)]
      let y0 = y - ch
      cv.fill(
        x0: x0, y0: y0, x1: x0 + cw, y1: y, label: DemoClasses.car,
        inside: { x, yy in
          // Cabin narrower than the body: the top 40% is inset.
          let cabin = Double(yy - y0) < Double(ch) * 0.4
          let inset = cabin ? Int(Double(cw) * 0.18) : 0
          return x >= x0 + inset && x <= x0 + cw - inset
        },
        shade: { x, yy in
          let cabin = Double(yy - y0) < Double(ch) * 0.4
          let wheel = yy > y - max(2, ch / 5) && ((x - x0) < cw / 4 || (x - x0) > cw * 3 / 4)
          if wheel { return (20 + n(4) + b, 20 + n(4) + b, 22 + n(4) + b) }
          if cabin { return (60 + n(8) + b, 80 + n(8) + b, 95 + n(8) + b) }
          return (paint.0 + n(8) + b, paint.1 + n(8) + b, paint.2 + n(8) + b)
        })
      carBoxes.append((x0, y0, x0 + cw, y))
      objects.append((DemoClasses.car, (x0, y0, x0 + cw, y)))
    }
    // People on the sidewalks.
    for _ in 0..<rng.int(0, 4) {
      let y = rng.int(horizon + 10, height - 2)
      let (l, r) = roadEdges(y)
      let t = Double(y - horizon) / Double(max(1, height - horizon))
      let x = rng.chance(0.5) ? l - walk * t * 0.6 : r + walk * t * 0.6
      let ph = max(8.0, Double(height - horizon) * 0.55 * t + 6), pw = ph * 0.28
      let shirt = (rng.uniform(30, 220), rng.uniform(30, 220), rng.uniform(30, 220))
      cv.ellipse(cx: x, cy: Double(y) - ph * 0.42, rx: pw / 2, ry: ph * 0.42, DemoClasses.person) { _, _ in
        (shirt.0 + n(8) + b, shirt.1 + n(8) + b, shirt.2 + n(8) + b)
      }
      cv.ellipse(cx: x, cy: Double(y) - ph * 0.9, rx: pw * 0.32, ry: ph * 0.11, DemoClasses.person) { _, _ in
        (224 + n(6) + b, 180 + n(6) + b, 150 + n(6) + b)
      }
      objects.append((DemoClasses.person, (Int(x - pw), Int(Double(y) - ph), Int(x + pw), y)))
    }
    let image = RGBImage(width: width, height: height, pixels: cv.rgb)
    let truth = LabelMask(width: width, height: height, values: cv.labels)
    // The annotation: void borders around cars and people (as VOC does), and optionally a mistake.
    var annotated = cv
    for (label, box) in objects where label == DemoClasses.car || label == DemoClasses.person {
      annotated.voidBorder(of: label, box: box, width: 1)
    }
    var note: String? = nil
    if mislabel, let box = carBoxes.last {
      // The annotator called the nearest car a person.
      for y in max(0, box.1)...min(height - 1, box.3) {
        for x in max(0, box.0)...min(width - 1, box.2) where truth[x: x, y: y] == UInt16(DemoClasses.car) {
          annotated.labels[y * width + x] = DemoClasses.person
        }
      }
      note = "car labeled as person"
    }
    return DemoScene(image: image, trueLabels: truth, groundTruth: LabelMask(width: width, height: height, values: annotated.labels), mislabelNote: note)
  }
}
