import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore

/// Panoptic Quality of COCO panoptic predictions against COCO panoptic ground truth: two JSON files
/// (`annotations` with `image_id`, `file_name`, `segments_info`; the ground truth's `categories` with
/// `isthing`) and two folders of RGB-encoded PNGs. Counted as panopticapi's `pq_compute`; where
/// panopticapi stops on a bad image (a missing prediction, a PNG that disagrees with its JSON),
/// segscope reports the image and goes on with the others.
public struct PanopticEvaluator: Sendable {
  public let groundTruthJSON: String
  public let groundTruthFolder: String
  public let predictionJSON: String
  public let predictionFolder: String

  public init(groundTruthJSON: String, groundTruthFolder: String, predictionJSON: String, predictionFolder: String) {
    self.groundTruthJSON = groundTruthJSON
    self.groundTruthFolder = groundTruthFolder
    self.predictionJSON = predictionJSON
    self.predictionFolder = predictionFolder
  }

  public struct Report: Sendable {
    public var quality: PanopticQuality
    /// Category id -> name.
    public var names: [Int: String]
    public var images = 0
    /// (file or image, problem).
    public var problems: [(String, String)] = []
  }

  struct Annotation {
    let imageId: Int
    let fileName: String
    let segments: [UInt32: PanopticQuality.Segment]
  }

  public func run(progress: ((Int, Int) -> Void)? = nil) throws -> Report {
    let gtRoot = try CocoImporter.readJSON(groundTruthJSON, name: groundTruthJSON)
    let predRoot = try CocoImporter.readJSON(predictionJSON, name: predictionJSON)
    guard let gt = gtRoot as? [String: Any], let cats = gt["categories"] as? [[String: Any]] else {
      throw StoreError.invalid("\(groundTruthJSON): no categories list (is it a COCO panoptic file?)")
    }
    var isThing: [Int: Bool] = [:], names: [Int: String] = [:]
    for c in cats {
      guard let id = (c["id"] as? NSNumber)?.intValue else { continue }
      isThing[id] = (c["isthing"] as? NSNumber)?.intValue == 1
      names[id] = c["name"] as? String ?? "category \(id)"
    }
    var report = Report(quality: PanopticQuality(categories: isThing), names: names)
    let gtAnns = try annotations(gt["annotations"], file: groundTruthJSON, isGroundTruth: true, problems: &report.problems)
    let predList = (predRoot as? [String: Any])?["annotations"] ?? predRoot
    let predAnns = try annotations(predList, file: predictionJSON, isGroundTruth: false, problems: &report.problems)
    let predByImage = Dictionary(predAnns.map { ($0.imageId, $0) }, uniquingKeysWith: { a, _ in a })
    for (k, g) in gtAnns.enumerated() {
      progress?(k, gtAnns.count)
      guard let p = predByImage[g.imageId] else {
        report.problems.append(("image \(g.imageId)", "no prediction for this image; not counted"))
        continue
      }
      do {
        let gtPath = try inside(groundTruthFolder, g.fileName), predPath = try inside(predictionFolder, p.fileName)
        let gi = try ImageLoader.loadImage(path: gtPath).image, pi = try ImageLoader.loadImage(path: predPath).image
        guard gi.width == pi.width, gi.height == pi.height else {
          throw StoreError.invalid("prediction is \(pi.width)x\(pi.height), the ground truth \(gi.width)x\(gi.height)")
        }
        try report.quality.add(gt: PanopticQuality.ids(gi), pred: PanopticQuality.ids(pi), gtSegments: g.segments, predSegments: p.segments)
        report.images += 1
      } catch {
        report.problems.append((p.fileName, "\(error)"))
      }
    }
    progress?(gtAnns.count, gtAnns.count)
    return report
  }

  /// A file named in a JSON, refused when it leaves its folder.
  func inside(_ folder: String, _ name: String) throws -> String {
    guard !name.hasPrefix("/"), !name.split(separator: "/").contains("..") else {
      throw StoreError.invalid("\(name): the path leaves \(folder)")
    }
    return folder + "/" + name
  }

  func annotations(_ value: Any?, file: String, isGroundTruth: Bool, problems: inout [(String, String)]) throws -> [Annotation] {
    guard let list = value as? [[String: Any]] else { throw StoreError.invalid("\(file): no annotations list") }
    var out: [Annotation] = []
    for a in list {
      guard let image = (a["image_id"] as? NSNumber)?.intValue, let name = a["file_name"] as? String,
        let segs = a["segments_info"] as? [[String: Any]]
      else {
        problems.append((file, "an annotation without image_id, file_name or segments_info; skipped"))
        continue
      }
      var segments: [UInt32: PanopticQuality.Segment] = [:]
      for s in segs {
        guard let id = (s["id"] as? NSNumber)?.intValue, id > 0, id < 1 << 24, let cat = (s["category_id"] as? NSNumber)?.intValue else {
          problems.append((name, "a segment without a valid id (1...16777215) or category_id; skipped"))
          continue
        }
        segments[UInt32(id)] = PanopticQuality.Segment(
          categoryId: cat, isCrowd: (s["iscrowd"] as? NSNumber)?.intValue == 1, area: (s["area"] as? NSNumber)?.intValue ?? 0)
      }
      out.append(Annotation(imageId: image, fileName: name, segments: segments))
    }
    return out
  }
}
