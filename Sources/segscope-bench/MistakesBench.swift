import DemoScenes
import Dispatch
import Foundation
import SegmentationCore
import Synchronization

/// How well the label-error finder ranks planted label errors, against the naive rankings.
///
/// Clean ground truth comes from the demo generator's scenes. In every third sample one object
/// (car or person of 400 pixels or more) gets a planted error, in turn: its class swapped, erased into
/// its surroundings, or its outline shifted 8 pixels. The two simulated models predict from the
/// *clean* truth, each with its own independent errors; model_b's confidence map is high where it is
/// right and low where it is wrong (noisy, lower along its edges). For each kind of evidence the
/// report gives precision@k of the sample ranking (k = planted count) and recall@k of the planted
/// regions (a planted region counts when its sample is in the top k and, for the finder, a reported
/// region overlaps it; a naive ranking cannot point at regions, so it gets the sample-level bound).
enum MistakesBench {
  enum Planted: String, CaseIterable { case swap, erase, shift }

  struct Sample {
    var planted: Planted?
    var box: (Int, Int, Int, Int)?  // x0, y0, x1, y1 inclusive
    var finder: [String: SampleSuspicion] = [:]
    var meanIoU: [String: Double] = [:]
    var wrong: [String: Int] = [:]
  }

  static let evidenceRows: [(name: String, models: [DemoModel], confidence: Bool)] = [
    ("two models (a + b)", [.modelA, .modelB], false),
    ("one model + confidence (b)", [.modelB], true),
    ("one hard prediction (b)", [.modelB], false),
    ("one hard prediction (a)", [.modelA], false),
  ]

  static func run(samples: Int, width: Int = 1024, height: Int = 512) {
    print("Label-error finder: \(samples) demo scenes at \(width)x\(height), an error planted in every third")
    let results = Mutex([Sample?](repeating: nil, count: samples))
    let t0 = nowMs()
    DispatchQueue.concurrentPerform(iterations: samples) { i in
      let s = sample(i, width: width, height: height)
      results.withLock { $0[i] = s }
    }
    let all = results.withLock { $0.compactMap { $0 } }
    let planted = all.filter { $0.planted != nil }
    let k = planted.count
    print(
      "planted: \(k) (" + Planted.allCases.map { p in "\(p.rawValue) \(planted.filter { $0.planted == p }.count)" }.joined(separator: ", ")
        + "), in \(fmt((nowMs() - t0) / 1000, 1)) s")
    print("")
    print("evidence                       ranking             precision@k  region recall@k")
    for row in evidenceRows {
      let rankings: [(String, (Sample) -> Double, Bool)] = [
        ("label-error finder", { $0.finder[row.name]?.score ?? 0 }, true),
        ("worst mIoU first", { -($0.meanIoU[row.name] ?? 1) }, false),
        ("most wrong pixels", { Double($0.wrong[row.name] ?? 0) }, false),
      ]
      for (name, key, localizes) in rankings {
        let order = all.indices.sorted { key(all[$0]) > key(all[$1]) }
        let top = Set(order.prefix(k))
        let hits = top.filter { all[$0].planted != nil }.count
        var found = 0
        for i in top where all[i].planted != nil {
          guard localizes else {
            found += 1
            continue
          }
          if let b = all[i].box, let r = all[i].finder[row.name]?.regions,
            r.contains(where: { $0.x <= b.2 && $0.y <= b.3 && $0.x + $0.width - 1 >= b.0 && $0.y + $0.height - 1 >= b.1 })
          {
            found += 1
          }
        }
        let label = row.name.padding(toLength: 30, withPad: " ", startingAt: 0) + " " + name.padding(toLength: 20, withPad: " ", startingAt: 0)
        print(label + fmt(Double(hits) / Double(max(1, k)), 3).leftPadded(11) + fmt(Double(found) / Double(max(1, k)), 3).leftPadded(17))
      }
    }
    // Where the finder's misses are, per planted kind, with two models.
    print("")
    if ProcessInfo.processInfo.environment["SEGSCOPE_BENCH_DETAIL"] != nil {
      let name = evidenceRows[0].name
      let order = all.indices.sorted { (all[$0].finder[name]?.score ?? 0) > (all[$1].finder[name]?.score ?? 0) }
      for (rank, i) in order.prefix(k + 10).enumerated() {
        let f = all[i].finder[name]!
        let regs = f.regions.prefix(3).map { "\($0.kind) \($0.given)->\($0.predicted) \($0.pixels)px @\($0.x),\($0.y) s=\(fmt($0.score, 3))" }
        print(
          "#\(rank + 1) sample \(i) planted=\(all[i].planted?.rawValue ?? "-") box=\(all[i].box.map { "\($0)" } ?? "-") score=\(fmt(f.score, 3)): \(regs.joined(separator: "; "))"
        )
      }
      for i in all.indices where all[i].planted != nil && !order.prefix(k).contains(i) {
        let f = all[i].finder[name]!
        let regs = f.regions.prefix(3).map { "\($0.kind) \($0.given)->\($0.predicted) \($0.pixels)px @\($0.x),\($0.y) s=\(fmt($0.score, 3))" }
        print(
          "missed sample \(i) planted=\(all[i].planted!.rawValue) box=\(all[i].box.map { "\($0)" } ?? "-") score=\(fmt(f.score, 3)): \(regs.joined(separator: "; "))"
        )
      }
    }
    for p in Planted.allCases {
      let name = evidenceRows[0].name
      let order = all.indices.sorted { (all[$0].finder[name]?.score ?? 0) > (all[$1].finder[name]?.score ?? 0) }
      let top = Set(order.prefix(k))
      let ofKind = all.indices.filter { all[$0].planted == p }
      print("two models, planted \(p.rawValue): \(ofKind.filter { top.contains($0) }.count) of \(ofKind.count) in the top \(k)")
    }
  }

  /// Milliseconds per 1024x512 sample of the finder alone (one hard prediction, two predictions).
  static func timing(rounds: Int) {
    let scene = DemoScene.generate(seed: 3, width: 1024, height: 512)
    let a = DemoModel.modelA.predict(scene.trueLabels, seed: 3), b = DemoModel.modelB.predict(scene.trueLabels, seed: 3)
    let finder = LabelErrorFinder(ignore: [255])
    let ms = interleavedMedians(
      rounds: rounds,
      [
        { _ = try? finder.analyze(groundTruth: scene.groundTruth, predictions: [PredictionEvidence(labels: a)]) },
        { _ = try? finder.analyze(groundTruth: scene.groundTruth, predictions: [PredictionEvidence(labels: a), PredictionEvidence(labels: b)]) },
      ])
    print("label-error finder on one 1024x512 sample, median of \(rounds): one hard prediction \(fmt(ms[0], 2)) ms, two predictions \(fmt(ms[1], 2)) ms")
  }

  static func sample(_ i: Int, width: Int, height: Int) -> Sample {
    let seed = UInt64(i) &+ 77_000
    let scene = DemoScene.generate(seed: seed, width: width, height: height)
    let truth = scene.trueLabels
    var gt = scene.groundTruth.values16.map { UInt8(truncatingIfNeeded: $0) }
    var out = Sample()
    if i % 3 == 0, let plant = plant(Planted.allCases[(i / 3) % 3], truth: truth, gt: &gt, seed: seed) {
      out.planted = Planted.allCases[(i / 3) % 3]
      out.box = plant
    }
    let annotated = LabelMask(width: width, height: height, values: gt)
    var preds: [DemoModel: LabelMask] = [:]
    for m in DemoModel.allCases { preds[m] = m.predict(truth, seed: seed) }
    let finder = LabelErrorFinder(ignore: [255])
    for row in evidenceRows {
      let evidence = row.models.map { m -> PredictionEvidence in
        let p = preds[m]!
        return PredictionEvidence(labels: p, confidence: row.confidence ? confidence(p, truth: truth, seed: seed) : nil, confidenceScale: 255)
      }
      out.finder[row.name] = try? finder.analyze(groundTruth: annotated, predictions: evidence)
      var iou = 0.0, wrong = 0
      for m in row.models {
        let (miou, w) = naive(gt: gt, pred: preds[m]!.values16)
        iou += miou
        wrong += w
      }
      out.meanIoU[row.name] = iou / Double(row.models.count)
      out.wrong[row.name] = wrong
    }
    return out
  }

  /// Plants one error on an object of the clean truth; returns the changed pixels' box.
  static func plant(_ kind: Planted, truth: LabelMask, gt: inout [UInt8], seed: UInt64) -> (Int, Int, Int, Int)? {
    let w = truth.width, h = truth.height
    var seen = [Bool](repeating: false, count: w * h)
    var objects: [[Int]] = []
    let values = truth.values16
    for i in 0..<(w * h) where !seen[i] && (values[i] == UInt16(DemoClasses.car) || values[i] == UInt16(DemoClasses.person)) {
      let comp = MaskEdit.component(of: truth, x: i % w, y: i / w)
      for p in comp { seen[p] = true }
      if comp.count >= 400 { objects.append(comp) }
    }
    guard !objects.isEmpty else { return nil }
    var rng = SplitMix64(seed: seed &+ 5)
    let comp = objects[rng.int(0, objects.count - 1)]
    let cls = UInt8(values[comp[0]])
    let inside = Set(comp)
    var around = [UInt8: Int]()
    for p in comp {
      for n in [p - 1, p + 1, p - w, p + w] where n >= 0 && n < w * h && !inside.contains(n) && values[n] != 255 {
        around[UInt8(values[n]), default: 0] += 1
      }
    }
    let surrounding = around.max { $0.value < $1.value }?.key ?? DemoClasses.road
    let before = gt
    switch kind {
    case .swap:
      let to = cls == DemoClasses.car ? [DemoClasses.person, DemoClasses.sign][rng.int(0, 1)] : DemoClasses.car
      for p in comp where gt[p] == cls { gt[p] = to }
    case .erase:
      for p in comp { gt[p] = surrounding }
      // The void border around it goes too.
      for p in comp {
        for n in [p - 1, p + 1, p - w, p + w, p - 2, p + 2, p - 2 * w, p + 2 * w] where n >= 0 && n < w * h && gt[n] == 255 { gt[n] = surrounding }
      }
    case .shift:
      for p in comp where gt[p] == cls { gt[p] = surrounding }
      for p in comp where p % w + 8 < w { gt[p + 8] = cls }
    }
    var x0 = w, y0 = h, x1 = -1, y1 = -1
    for p in 0..<(w * h) where gt[p] != before[p] {
      x0 = min(x0, p % w)
      x1 = max(x1, p % w)
      y0 = min(y0, p / w)
      y1 = max(y1, p / w)
    }
    return x1 >= 0 ? (x0, y0, x1, y1) : nil
  }

  /// A simulated confidence map: about 0.9 where the prediction is right, 0.3 where wrong, lower
  /// along its edges, with noise of +-0.1.
  static func confidence(_ pred: LabelMask, truth: LabelMask, seed: UInt64) -> LabelMask {
    let w = pred.width, h = pred.height
    let p = pred.values16, t = truth.values16
    var rng = SplitMix64(seed: seed &+ 99)
    var out = [UInt8](repeating: 0, count: w * h)
    for i in 0..<(w * h) {
      let x = i % w
      var c = p[i] == t[i] || t[i] == 255 ? 230.0 : 80.0
      if (x > 0 && p[i - 1] != p[i]) || (x + 1 < w && p[i + 1] != p[i]) || (i >= w && p[i - w] != p[i]) || (i + w < w * h && p[i + w] != p[i]) {
        c = c / 2 + 40
      }
      c += rng.uniform(-25, 25)
      out[i] = UInt8(max(0, min(255, c)))
    }
    return LabelMask(width: w, height: h, values: out)
  }

  /// Mean IoU over the classes present in either mask (255 ignored), and the wrong pixel count.
  static func naive(gt: [UInt8], pred: [UInt16]) -> (Double, Int) {
    var inter = [Int](repeating: 0, count: 256), union = [Int](repeating: 0, count: 256)
    var wrong = 0
    for i in 0..<gt.count where gt[i] != 255 {
      let g = Int(gt[i]), p = Int(min(255, pred[i]))
      if g == p {
        inter[g] += 1
        union[g] += 1
      } else {
        union[g] += 1
        union[p] += 1
        wrong += 1
      }
    }
    var sum = 0.0, n = 0
    for c in 0..<256 where union[c] > 0 {
      sum += Double(inter[c]) / Double(union[c])
      n += 1
    }
    return (n > 0 ? sum / Double(n) : 1, wrong)
  }
}

extension String {
  fileprivate func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
