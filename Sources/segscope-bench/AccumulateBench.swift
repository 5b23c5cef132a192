import DemoScenes
import Evaluation
import ImageCodec
import SegmentationCore

/// Confusion-matrix accumulation throughput, alone and against decoding the same masks.
enum AccumulateBench {
  static func run(rounds: Int) throws {
    let w = 1024, h = 512
    let scene = DemoScene.generate(seed: 3, width: w, height: h)
    let gt = scene.groundTruth
    let pred = DemoModel.modelB.predict(scene.trueLabels, seed: 3)
    let predA = DemoModel.modelA.predict(scene.trueLabels, seed: 3)
    var rng = SplitMix64(seed: 9)
    let noiseG = LabelMask(width: w, height: h, values: (0..<(w * h)).map { _ in UInt8(rng.int(0, 18)) })
    let noiseP = LabelMask(width: w, height: h, values: (0..<(w * h)).map { _ in UInt8(rng.int(0, 18)) })
    var m = ConfusionMatrix(classCount: 19)
    let t = interleavedMedians(
      rounds: rounds,
      [
        { try? m.accumulate(gt: gt, pred: pred) },
        { try? m.accumulate(gt: gt, pred: predA) },
        { try? m.accumulate(gt: noiseG, pred: noiseP) },
      ])
    let px = Double(w * h)
    for (name, ms) in zip(["model_b-like (blurry)", "model_a-like (ragged edges)", "uniform noise (worst case)"], t) {
      print("accumulate 1024x512 8-bit, \(name): \(fmt(ms, 3)) ms = \(fmt(px / (ms / 1000) / 1e9, 2)) Gpixel/s on one core")
    }
  }
}
