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
    let gt = try CocoJSON.read(PanopticFile.self, path: groundTruthJSON, name: groundTruthJSON)
    guard let cats = gt.categories else {
      throw StoreError.invalid("\(groundTruthJSON): no categories list (is it a COCO panoptic file?)")
    }
    // The predictions: a panoptic file, or just its annotations list.
    let pred = try? CocoJSON.read(PanopticFile.self, path: predictionJSON, name: predictionJSON)
    let predList = try pred?.annotations ?? CocoJSON.read([Lossy<PanopticFile.Annotation>].self, path: predictionJSON, name: predictionJSON)
    var isThing: [Int: Bool] = [:], names: [Int: String] = [:]
    for c in cats.compactMap(\.value) {
      guard let id = c.id else { continue }
      isThing[id] = c.isthing == 1
      names[id] = c.name ?? "category \(id)"
    }
    var report = Report(quality: PanopticQuality(categories: isThing), names: names)
    let gtAnns = try annotations(gt.annotations, file: groundTruthJSON, isGroundTruth: true, problems: &report.problems)
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

  func annotations(_ value: [Lossy<PanopticFile.Annotation>]?, file: String, isGroundTruth: Bool, problems: inout [(String, String)]) throws -> [Annotation] {
    guard let list = value else { throw StoreError.invalid("\(file): no annotations list") }
    var out: [Annotation] = []
    for entry in list {
      guard let a = entry.value, let image = a.imageId, let name = a.fileName, let segs = a.segmentsInfo else {
        problems.append((file, "an annotation without image_id, file_name or segments_info; skipped"))
        continue
      }
      var segments: [UInt32: PanopticQuality.Segment] = [:]
      for s in segs {
        guard let seg = s.value, let id = seg.id, id > 0, id < 1 << 24, let cat = seg.categoryId else {
          problems.append((name, "a segment without a valid id (1...16777215) or category_id; skipped"))
          continue
        }
        segments[UInt32(id)] = PanopticQuality.Segment(categoryId: cat, isCrowd: seg.iscrowd == 1, area: seg.area.map { Int($0) } ?? 0)
      }
      out.append(Annotation(imageId: image, fileName: name, segments: segments))
    }
    return out
  }
}

/// A COCO panoptic JSON file: categories (with `isthing`) and per-image segment lists.
public struct PanopticFile: Decodable, Sendable {
  public struct Segment: Decodable, Sendable {
    public let id: Int?
    public let categoryId: Int?
    public let iscrowd: Int?
    public let area: Double?
    enum CodingKeys: String, CodingKey { case id, iscrowd, area, categoryId = "category_id" }
  }
  public struct Annotation: Decodable, Sendable {
    public let imageId: Int?
    public let fileName: String?
    public let segmentsInfo: [Lossy<Segment>]?
    enum CodingKeys: String, CodingKey { case imageId = "image_id", fileName = "file_name", segmentsInfo = "segments_info" }
  }
  public let categories: [Lossy<CocoCategoryRecord>]?
  public let annotations: [Lossy<Annotation>]?
}
