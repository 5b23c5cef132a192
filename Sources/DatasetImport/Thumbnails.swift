import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore

/// Small pictures of samples for the grid: the photo decoded at a DCT scale close to the target,
/// and the ground truth pooled by majority at the same size. Kept on disk next to the database
/// (`thumbs/`), keyed by the source files' size and modification time, so a second session is warm.
public struct Thumbnails: Sendable {
  public let store: DatasetStore
  public let target: Int
  public let folder: String

  public init(store: DatasetStore, target: Int = 192) {
    self.store = store
    self.target = target
    folder = (store.databasePath as NSString).deletingLastPathComponent + "/thumbs"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  }

  /// The thumbnail image and its ground truth (nil when the sample has none of the image's size).
  public func make(_ id: Int64) -> (RGBImage, LabelMask?)? {
    guard let row = try? store.samples(ids: [id]).first else { return nil }
    let imagePath = store.absolutePath(row.path)
    let maskRef = try? store.maskRefs(sampleId: id)[FieldName.groundTruth]
    let maskPath = maskRef.map { store.absolutePath($0.path) }
    let key = "\(id)-\(stamp(imagePath))-\(maskPath.map(stamp) ?? "none")-\(target)"
    let cachedImage = folder + "/" + key + "-i.png", cachedMask = folder + "/" + key + "-m.png"
    if let img = try? PNGDecoder.decode(path: cachedImage).rgbImage() {
      return (img, try? ImageLoader.loadMask(path: cachedMask))
    }
    var scale = JPEGScale.full
    for s in [JPEGScale.eighth, .quarter, .half] where row.width / s.rawValue >= target {
      scale = s
      break
    }
    guard let loaded = try? ImageLoader.loadImage(path: imagePath, scale: scale) else { return nil }
    let (w, h) = Resample.fit(width: loaded.image.width, height: loaded.image.height, maxWidth: target, maxHeight: target * 3 / 4)
    let image = Resample.area(loaded.image, width: w, height: h)
    var gt: LabelMask? = nil
    let decoding = maskRef?.decoding ?? (try? store.fields().first { $0.name == FieldName.groundTruth }?.decoding) ?? .identity
    if let maskPath, let m = try? ImageLoader.loadMask(path: maskPath, decoding: decoding).mask, m.width == row.width, m.height == row.height {
      gt = Resample.majority(m, width: w, height: h)
    } else if let f = try? store.fields().first(where: { $0.role == .groundTruth && $0.kind == .instance }),
      let items = try? store.instances(field: f.name, sampleIds: [id])
    {
      gt = Resample.majority(CocoInstance.labelMap(items, width: row.width, height: row.height), width: w, height: h)
    }
    // Best effort: a read-only dataset folder simply stays cold.
    if let bytes = try? PNGEncoder.encode(image, options: .init(compression: 1)) { try? FileBytes.writeAtomically(bytes, to: cachedImage) }
    if let gt, let bytes = try? PNGEncoder.encode(gt, options: .init(compression: 1)) { try? FileBytes.writeAtomically(bytes, to: cachedMask) }
    return (image, gt)
  }

  /// A source file's part of the cache key ("0" when it cannot be read).
  func stamp(_ path: String) -> String {
    let sig = DatasetStore.fileSignature(path)
    return sig.isEmpty ? "0" : sig.replacingOccurrences(of: ":", with: "x")
  }
}
