import DemoScenes
import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore
import Workflows

/// A small imgseg dataset with a prediction folder, imported through FolderImport.
public struct SessionFixture {
  public let root: String
  public let store: DatasetStore

  /// `samples` scenes; with `secondModel`, a second prediction field `model_a` beside `model_b` (two
  /// fields are what uncertainty and the next picks need without confidence maps).
  public init(samples: Int = 6, secondModel: Bool = false) throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("session-" + UUID().uuidString).path
    for d in ["images/train", "images/val", "masks/train", "masks/val", "pred/train", "pred/val", "pred_a/train", "pred_a/val"] {
      try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true)
    }
    try DemoClasses.table.map(\.name).joined(separator: "\n").write(toFile: root + "/classes.txt", atomically: true, encoding: .utf8)
    for i in 0..<samples {
      let split = i % 3 == 0 ? "val" : "train"
      let scene = DemoScene.generate(seed: UInt64(i), width: 48, height: 32)
      try FileBytes.writeAtomically(PNGEncoder.encode(scene.image), to: "\(root)/images/\(split)/s\(i).png")
      try FileBytes.writeAtomically(PNGEncoder.encode(scene.groundTruth), to: "\(root)/masks/\(split)/s\(i).png")
      try FileBytes.writeAtomically(PNGEncoder.encode(DemoModel.modelB.predict(scene.trueLabels, seed: UInt64(i))), to: "\(root)/pred/\(split)/s\(i).png")
      if secondModel {
        try FileBytes.writeAtomically(PNGEncoder.encode(DemoModel.modelA.predict(scene.trueLabels, seed: UInt64(i))), to: "\(root)/pred_a/\(split)/s\(i).png")
      }
    }
    store = try DatasetStore(root: root)
    var job = FolderImport()
    job.predictions = [("model_b", "pred")] + (secondModel ? [("model_a", "pred_a")] : [])
    _ = try job.run(into: store)
  }

  public func remove() { try? FileManager.default.removeItem(atPath: root) }
}
