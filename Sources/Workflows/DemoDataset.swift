import DemoScenes
import DatasetImport
import Synchronization
import ImageCodec
import SegmentationCore

#if canImport(Glibc)
  import Glibc
#endif

/// Writes the demo dataset as an ImageSegmentationDirectory: `data/*.jpg`, `labels/*.png`,
/// `predictions/<model>/*.png` and `classes.txt`, plus a few deliberately broken files.
public struct DemoDataset: Sendable {
  public var root: String
  public var samples: Int
  public var width: Int
  public var height: Int
  /// The percentage of scenes shot at dusk: darker, and both models do worse on them. No tag, split
  /// or path names them: a failure for `segscope slices` to find.
  public var duskPercent: Int

  /// The demo in `root` (nil: `$XDG_CACHE_HOME/segscope/demo`; made with its parents when written).
  public init(root: String?, samples: Int, width: Int, height: Int, duskPercent: Int = 0) {
    self.root = root ?? Paths.cacheHome() + "/segscope/demo"
    self.samples = samples
    self.width = width
    self.height = height
    self.duskPercent = duskPercent
  }

  /// Sample stems, in order.
  public var stems: [String] { (0..<samples).map { stem($0) } }

  public func stem(_ i: Int) -> String {
    let s = String(i)
    return "street_" + String(repeating: "0", count: max(0, 4 - s.count)) + s
  }

  /// A line that identifies the parameters, stored in the folder so a changed request regenerates.
  public var signature: String { "segscope-demo v3 samples=\(samples) size=\(width)x\(height)" + (duskPercent > 0 ? " dusk=\(duskPercent)" : "") }

  /// Every fifth sample is in the validation split.
  public func split(_ i: Int) -> String { i % 5 == 0 ? "val" : "train" }

  /// The path of sample i below a mask or image folder, without extension.
  public func relative(_ i: Int) -> String { split(i) + "/" + stem(i) }

  /// Samples whose ground truth the annotator got wrong.
  public func isMislabeled(_ i: Int) -> Bool { i % 17 == 5 }
  /// Samples that nearly repeat the previous one (same scene, brighter, shifted).
  public func isNearDuplicate(_ i: Int) -> Bool { i % 23 == 7 && i > 0 }
  /// Scenes shot at dusk (a hash of the index, unrelated to splits and names).
  public func isDusk(_ i: Int) -> Bool {
    var rng = SplitMix64(seed: UInt64(i) &+ 0xD05C)
    return duskPercent > 0 && Int(rng.next() % 100) < duskPercent
  }
  /// Samples whose label file is truncated on purpose.
  public func hasBrokenLabel(_ i: Int) -> Bool { i == 13 }
  /// Samples whose model_b prediction has the wrong size on purpose.
  public func hasWrongSizePrediction(_ i: Int) -> Bool { i == 29 }

  public func exists() -> Bool {
    guard let data = try? FileBytes.read(root + "/.segscope-demo") else { return false }
    return String(decoding: data, as: UTF8.self) == signature
  }

  /// Generates every file, in parallel, and returns how many files were written.
  public func generate(progress: @escaping @Sendable (Int) -> Void) throws -> Int {
    Paths.makeDirectories(root)
    for dir in ["", "/data", "/labels", "/predictions", "/predictions/model_a", "/predictions/model_b", "/predictions/model_b_conf"] {
      mkdir(root + dir, 0o755)
      if dir != "" && dir != "/predictions" {
        mkdir(root + dir + "/train", 0o755)
        mkdir(root + dir + "/val", 0o755)
      }
    }
    var classes = ""
    for c in DemoClasses.table { classes += c.name + "\n" }
    try FileBytes.writeAtomically(Array(classes.utf8), to: root + "/classes.txt")
    let failures = FailureList()
    let me = self
    DispatchQueueRunner.run(samples) { i in
      do {
        try me.writeSample(i)
      } catch {
        failures.append("\(error)")
      }
      progress(i)
    }
    if let first = failures.first { throw DemoError(message: first) }
    try FileBytes.writeAtomically(Array(signature.utf8), to: root + "/.segscope-demo")
    return samples * 5 + 1
  }

  /// A made-up confidence map for a prediction (8-bit, value / 255): high where it is right, low
  /// where it is wrong, lower along its class boundaries, as a real model's softmax tends to be.
  public func confidence(_ pred: LabelMask, truth: LabelMask) -> LabelMask {
    let w = truth.width, h = truth.height
    var out = [UInt8](repeating: 0, count: w * h)
    for y in 0..<h {
      for x in 0..<w {
        guard x < pred.width, y < pred.height else { continue }
        let p = pred[x: x, y: y]
        var c: UInt8 = p == truth[x: x, y: y] ? 235 : 70
        let edge =
          (x > 0 && pred[x: x - 1, y: y] != p) || (y > 0 && pred[x: x, y: y - 1] != p)
          || (x + 1 < pred.width && pred[x: x + 1, y: y] != p) || (y + 1 < pred.height && pred[x: x, y: y + 1] != p)
        if edge { c = c / 2 + 40 }
        out[y * w + x] = c
      }
    }
    return LabelMask(width: w, height: h, values: out)
  }

  public func writeSample(_ i: Int) throws {
    let seed = UInt64(isNearDuplicate(i) ? i - 1 : i) &+ 1000
    let scene = DemoScene.generate(
      seed: seed, width: width, height: height, mislabel: isMislabeled(i),
      brightness: isNearDuplicate(i) ? 12 : 0, shift: isNearDuplicate(i) ? 3 : 0)
    let dusk = isDusk(i)
    let image = dusk ? DemoScene.dusk(scene.image) : scene.image
    let s = relative(i)
    try FileBytes.writeAtomically(JPEGEncoder.encode(image, quality: 88), to: "\(root)/data/\(s).jpg")
    var label = try PNGEncoder.encode(scene.groundTruth)
    if hasBrokenLabel(i) { label = Array(label.prefix(label.count / 2)) }
    try FileBytes.writeAtomically(label, to: "\(root)/labels/\(s).png")
    for model in DemoModel.allCases {
      var pred = model.predict(scene.trueLabels, seed: seed, dusk: dusk)
      if model == .modelB && hasWrongSizePrediction(i) {
        pred = LabelMask(width: width / 2, height: height / 2, values: [UInt8](repeating: 0, count: (width / 2) * (height / 2)))
      }
      try FileBytes.writeAtomically(PNGEncoder.encode(pred), to: "\(root)/predictions/\(model.rawValue)/\(s).png")
      if model == .modelB {
        try FileBytes.writeAtomically(PNGEncoder.encode(confidence(pred, truth: scene.trueLabels)), to: "\(root)/predictions/model_b_conf/\(s).png")
      }
    }
  }
}

public struct DemoError: Error, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}

public final class FailureList: Sendable {
  private let items = Mutex<[String]>([])
  public init() {}
  public func append(_ s: String) { items.withLock { $0.append(s) } }
  public var first: String? { items.withLock { $0.first } }
}

import Dispatch

public enum DispatchQueueRunner {
  public static func run(_ n: Int, _ body: @Sendable (Int) -> Void) {
    DispatchQueue.concurrentPerform(iterations: n, execute: body)
  }
}
