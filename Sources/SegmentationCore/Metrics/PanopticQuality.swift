/// Panoptic Quality (Kirillov et al. 2019) exactly as the COCO panopticapi's `pq_compute` counts it:
/// segments match when they share a category and their IoU is above 0.5 (pixels the ground truth
/// leaves unlabeled, id 0, are taken out of the union); unmatched ground truth is a false negative
/// unless it is a crowd region; an unmatched prediction is a false positive unless more than half of
/// it lies on unlabeled pixels or on a crowd region of its category.
public struct PanopticQuality: Sendable {
  /// A segment of a panoptic PNG, as the JSON's `segments_info` lists it.
  public struct Segment: Sendable, Equatable {
    public let categoryId: Int
    public let isCrowd: Bool
    /// For ground truth, the JSON's `area` (panopticapi uses it, not the PNG's pixel count).
    public let area: Int
    public init(categoryId: Int, isCrowd: Bool = false, area: Int = 0) {
      self.categoryId = categoryId
      self.isCrowd = isCrowd
      self.area = area
    }
  }

  /// Per-category sums.
  public struct Stat: Sendable, Equatable {
    public var iou = 0.0
    public var tp = 0
    public var fp = 0
    public var fn = 0
    public init() {}
  }

  /// PQ, SQ, RQ averaged over the categories that have any segment, and how many those are.
  public struct Average: Sendable, Equatable {
    public let pq: Double
    public let sq: Double
    public let rq: Double
    public let n: Int
  }

  /// An image whose PNG and JSON disagree (panopticapi stops there; segscope reports and skips it).
  public struct ImageError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
  }

  public private(set) var perCategory: [Int: Stat] = [:]
  /// Category id -> whether it is a thing (the rest are stuff).
  public let categories: [Int: Bool]

  public init(categories: [Int: Bool]) { self.categories = categories }

  /// Adds one image: segment ids per pixel (R + 256 G + 65536 B of the PNGs) and their segments.
  public mutating func add(gt: [UInt32], pred: [UInt32], gtSegments: [UInt32: Segment], predSegments: [UInt32: Segment]) throws(ImageError) {
    guard gt.count == pred.count else { throw ImageError(message: "ground truth has \(gt.count) pixels, the prediction \(pred.count)") }
    // Predicted areas from the PNG; every PNG id must be in the JSON and the other way round.
    var predArea: [UInt32: Int] = [:]
    for p in pred where p != 0 { predArea[p, default: 0] += 1 }
    for id in predArea.keys {
      guard let s = predSegments[id] else { throw ImageError(message: "segment \(id) is in the prediction PNG and not in its JSON") }
      guard categories[s.categoryId] != nil else { throw ImageError(message: "segment \(id) has category \(s.categoryId), which is not in the categories") }
    }
    if let missing = predSegments.keys.sorted().first(where: { predArea[$0] == nil }) {
      throw ImageError(message: "segment \(missing) is in the prediction JSON and not in its PNG")
    }
    // Intersections of (ground truth id, predicted id) pairs.
    var pairs: [UInt64: Int] = [:]
    for i in 0..<gt.count { pairs[UInt64(gt[i]) << 32 | UInt64(pred[i]), default: 0] += 1 }
    func intersection(_ g: UInt32, _ p: UInt32) -> Int { pairs[UInt64(g) << 32 | UInt64(p)] ?? 0 }
    var stats = perCategory
    var gtMatched = Set<UInt32>(), predMatched = Set<UInt32>()
    for (key, inter) in pairs {
      let g = UInt32(key >> 32), p = UInt32(key & 0xFFFF_FFFF)
      guard let gs = gtSegments[g], let ps = predSegments[p], !gs.isCrowd, gs.categoryId == ps.categoryId else { continue }
      let union = (predArea[p] ?? 0) + gs.area - inter - intersection(0, p)
      let iou = Double(inter) / Double(union)
      if iou > 0.5 {
        stats[gs.categoryId, default: Stat()].tp += 1
        stats[gs.categoryId, default: Stat()].iou += iou
        gtMatched.insert(g)
        predMatched.insert(p)
      }
    }
    var crowdOf: [Int: UInt32] = [:]
    // In id order, so that with two crowd regions of one category the last wins, as in panopticapi
    // (it walks the JSON's segments_info, which lists segments in id order in practice).
    for g in gtSegments.keys.sorted() where !gtMatched.contains(g) {
      let s = gtSegments[g]!
      if s.isCrowd {
        crowdOf[s.categoryId] = g
        continue
      }
      stats[s.categoryId, default: Stat()].fn += 1
    }
    for (p, s) in predSegments where !predMatched.contains(p) {
      var inter = intersection(0, p)
      if let crowd = crowdOf[s.categoryId] { inter += intersection(crowd, p) }
      if Double(inter) / Double(predArea[p] ?? 1) > 0.5 { continue }
      stats[s.categoryId, default: Stat()].fp += 1
    }
    perCategory = stats
  }

  /// The averages over all categories (`things` nil), things only (true) or stuff only (false), and
  /// each category's PQ, SQ, RQ (zeros for a category with no segment).
  public func average(things: Bool? = nil) -> (Average, [Int: (pq: Double, sq: Double, rq: Double)]) {
    var pq = 0.0, sq = 0.0, rq = 0.0, n = 0
    var per: [Int: (pq: Double, sq: Double, rq: Double)] = [:]
    for (cat, isThing) in categories.sorted(by: { $0.key < $1.key }) {
      if let things, things != isThing { continue }
      let s = perCategory[cat] ?? Stat()
      if s.tp + s.fp + s.fn == 0 {
        per[cat] = (0, 0, 0)
        continue
      }
      n += 1
      let denom = Double(s.tp) + 0.5 * Double(s.fp) + 0.5 * Double(s.fn)
      let c = (pq: s.iou / denom, sq: s.tp != 0 ? s.iou / Double(s.tp) : 0, rq: Double(s.tp) / denom)
      per[cat] = c
      pq += c.pq
      sq += c.sq
      rq += c.rq
    }
    // panopticapi divides by zero here; no category with segments gives NaN.
    let d = Double(n)
    return (Average(pq: pq / d, sq: sq / d, rq: rq / d, n: n), per)
  }

  /// Segment ids of a panoptic PNG's pixels: R + 256 G + 65536 B.
  public static func ids(_ image: RGBImage) -> [UInt32] {
    var out = [UInt32](repeating: 0, count: image.width * image.height)
    image.pixels.withUnsafeBufferPointer { p in
      for i in 0..<out.count { out[i] = UInt32(p[3 * i]) | UInt32(p[3 * i + 1]) << 8 | UInt32(p[3 * i + 2]) << 16 }
    }
    return out
  }
}
