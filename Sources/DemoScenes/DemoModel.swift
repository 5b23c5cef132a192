import SegmentationCore
/// Simulated segmentation models for the demo: each turns the true labels into a prediction with the
/// kinds of errors real models make. Deterministic. Does no I/O.
public enum DemoModel: String, Sendable, CaseIterable {
  /// A good model: ragged 1-pixel boundaries, now and then misses a small person or sign.
  case modelA = "model_a"
  /// A weaker model: eroded/dilated boundaries, sidewalk read as road, terrain read as vegetation,
  /// thin poles missed, spurious blobs.
  case modelB = "model_b"

  /// The prediction for one scene. At dusk both models fail the same way (real models share their
  /// confusions): people and thin things vanish into what is around them, sidewalk reads as road,
  /// terrain as vegetation, and cars blur into the road.
  public func predict(_ truth: LabelMask, seed: UInt64, dusk: Bool = false) -> LabelMask {
    let w = truth.width, h = truth.height
    guard w >= 5, h >= 5 else { return truth }
    var rng = SplitMix64(seed: seed &+ (self == .modelA ? 0xA11CE : 0xB0B))
    var p = truth.values16.map { UInt8(truncatingIfNeeded: $0) }
    let original = p
    let jitter = self == .modelA ? 0.35 : 0.0
    // Boundary noise: a boundary pixel takes a neighbour's class.
    if jitter > 0 {
      for y in 1..<(h - 1) {
        for x in 1..<(w - 1) {
          let i = y * w + x
          let right = original[i + 1], down = original[i + w]
          if right != original[i] && rng.chance(jitter) { p[i] = right } else if down != original[i] && rng.chance(jitter) { p[i] = down }
        }
      }
    }
    if self == .modelB {
      // Grow the dominant neighbour over boundaries by 2 pixels (blurry model), in a pass that reads
      // the original so the growth does not cascade.
      for y in 2..<(h - 2) {
        for x in 2..<(w - 2) {
          let i = y * w + x
          let c = original[i]
          if c == DemoClasses.person || c == DemoClasses.pole || c == DemoClasses.sign {
            // thin things get thinner
            if original[i - 2] != c || original[i + 2] != c { p[i] = original[i - 2] != c ? original[i - 2] : original[i + 2] }
          }
        }
      }
      if rng.chance(0.6) { replace(&p, DemoClasses.sidewalk, with: DemoClasses.road, w: w, h: h, lowerFraction: rng.uniform(0.3, 0.9), rng: &rng) }
      if rng.chance(0.5) { replace(&p, DemoClasses.terrain, with: DemoClasses.vegetation, w: w, h: h, lowerFraction: 1, rng: &rng) }
      if rng.chance(0.6) { replaceAll(&p, DemoClasses.pole, with: DemoClasses.sidewalk) }
      for _ in 0..<rng.int(0, 3) {
        let cls = [DemoClasses.car, DemoClasses.person, DemoClasses.building, DemoClasses.vegetation][rng.int(0, 3)]
        let cx = rng.uniform(0, Double(w)), cy = rng.uniform(0, Double(h)), r = rng.uniform(4, 16)
        blob(&p, cls, cx, cy, r, w: w, h: h)
      }
    } else {
      if rng.chance(0.3) { dropSmall(&p, DemoClasses.person, w: w, h: h) }
      if rng.chance(0.2) { replaceAll(&p, DemoClasses.sign, with: DemoClasses.building) }
      if rng.chance(0.15) {
        blob(&p, DemoClasses.car, rng.uniform(0, Double(w)), rng.uniform(Double(h) / 2, Double(h)), rng.uniform(3, 8), w: w, h: h)
      }
    }
    if dusk {
      replaceAll(&p, DemoClasses.person, with: DemoClasses.sidewalk)
      replaceAll(&p, DemoClasses.pole, with: DemoClasses.building)
      replaceAll(&p, DemoClasses.sign, with: DemoClasses.building)
      replace(&p, DemoClasses.sidewalk, with: DemoClasses.road, w: w, h: h, lowerFraction: rng.uniform(0.7, 1), rng: &rng)
      replace(&p, DemoClasses.terrain, with: DemoClasses.vegetation, w: w, h: h, lowerFraction: rng.uniform(0.5, 1), rng: &rng)
      replace(&p, DemoClasses.car, with: DemoClasses.road, w: w, h: h, lowerFraction: rng.uniform(0.2, 0.5), rng: &rng)
    }
    // Models never predict void: a void pixel takes the class of the nearest labeled pixel to its left.
    for y in 0..<h {
      var last: UInt8 = DemoClasses.road
      for x in 0..<w {
        let i = y * w + x
        if p[i] == DemoClasses.void { p[i] = last } else { last = p[i] }
      }
    }
    return LabelMask(width: w, height: h, values: p)
  }

  private func replace(_ p: inout [UInt8], _ a: UInt8, with b: UInt8, w: Int, h: Int, lowerFraction: Double, rng: inout SplitMix64) {
    let y0 = Int(Double(h) * (1 - lowerFraction))
    for y in y0..<h {
      for x in 0..<w where p[y * w + x] == a { p[y * w + x] = b }
    }
  }

  private func replaceAll(_ p: inout [UInt8], _ a: UInt8, with b: UInt8) {
    for i in 0..<p.count where p[i] == a { p[i] = b }
  }

  private func dropSmall(_ p: inout [UInt8], _ cls: UInt8, w: Int, h: Int) {
    // Replace the class by the label just above its topmost pixel in each column.
    for x in 0..<w {
      var fillWith: UInt8 = DemoClasses.sidewalk
      for y in 0..<h {
        let i = y * w + x
        if p[i] == cls { p[i] = fillWith } else { fillWith = p[i] }
      }
    }
  }

  private func blob(_ p: inout [UInt8], _ cls: UInt8, _ cx: Double, _ cy: Double, _ r: Double, w: Int, h: Int) {
    for y in max(0, Int(cy - r))..<min(h, Int(cy + r) + 1) {
      for x in max(0, Int(cx - r))..<min(w, Int(cx + r) + 1) {
        let dx = Double(x) - cx, dy = Double(y) - cy
        if dx * dx + dy * dy * 1.6 <= r * r { p[y * w + x] = cls }
      }
    }
  }
}
