/// One instance mask: a ground-truth annotation or a detection.
public struct CocoInstance: Sendable, Equatable {
  public let id: Int
  public let imageId: Int
  public let categoryId: Int
  public let rle: CocoRLE
  /// Ground truth: the JSON `area`. Detections: the box area when the result had a bbox, else the
  /// mask area (pycocotools' loadRes).
  public let area: Double
  public let isCrowd: Bool
  public let score: Double

  public init(id: Int, imageId: Int, categoryId: Int, rle: CocoRLE, area: Double, isCrowd: Bool = false, score: Double = 1) {
    self.id = id
    self.imageId = imageId
    self.categoryId = categoryId
    self.rle = rle
    self.area = area
    self.isCrowd = isCrowd
    self.score = score
  }
}

/// COCO mask AP exactly as pycocotools' COCOeval (iouType "segm") computes it. Does no I/O.
public struct CocoEval: Sendable {
  public struct Params: Sendable {
    public var iouThresholds: [Double] = CocoEval.linspace(0.5, 0.95, 10)
    public var recallThresholds: [Double] = CocoEval.linspace(0, 1, 101)
    public var maxDets: [Int] = [1, 10, 100]
    /// all, small, medium, large (closed intervals).
    public var areaRanges: [(Double, Double)] = [(0, 1e10), (0, 1024), (1024, 9216), (9216, 1e10)]
    /// The IoU threshold of the stored per-instance matches and per-image TP/FP/FN (one of
    /// `iouThresholds`, as FiftyOne stores them at 0.5).
    public var matchIoU = 0.5
    /// Boundary AP (Cheng et al. 2021, boundary-iou-api's iouType "boundary"): a pair's IoU is the
    /// smaller of its mask IoU and its boundary IoU; crowd regions keep the mask IoU.
    public var boundary = false
    /// d = max(1, round(ratio x image diagonal)).
    public var dilationRatio = 0.02
    public init() {}
  }

  /// What became of one instance at `Params.matchIoU`, over all areas, with the largest maxDets:
  /// pycocotools' evalImgs (dtMatches, gtMatches, dtIgnore, gtIgnore) summed over categories.
  public struct InstanceMatch: Sendable, Equatable {
    public enum Outcome: String, Sendable {
      /// A prediction matched to a ground-truth instance, or a ground-truth instance that was found.
      case tp
      /// A prediction that matched nothing.
      case fp
      /// A ground-truth instance no prediction matched.
      case fn
      /// Not counted: a crowd region, or a prediction matched to one.
      case ignored
      /// A prediction ranked below maxDets for its image and category.
      case beyondMaxDets
    }
    public let imageId: Int
    public let id: Int
    public let categoryId: Int
    public let isPrediction: Bool
    /// The instance it was matched with (nil: none).
    public let matchedId: Int?
    /// The IoU with the matched instance; unmatched, the best IoU with any of the other side in its
    /// category (0 when there is none).
    public let iou: Double
    public let outcome: Outcome
    public init(imageId: Int, id: Int, categoryId: Int, isPrediction: Bool, matchedId: Int?, iou: Double, outcome: Outcome) {
      self.imageId = imageId
      self.id = id
      self.categoryId = categoryId
      self.isPrediction = isPrediction
      self.matchedId = matchedId
      self.iou = iou
      self.outcome = outcome
    }
  }

  /// TP, FP and FN of one image at `Params.matchIoU`.
  public struct Counts: Sendable, Equatable {
    public var tp = 0
    public var fp = 0
    public var fn = 0
    public init(tp: Int = 0, fp: Int = 0, fn: Int = 0) {
      self.tp = tp
      self.fp = fp
      self.fn = fn
    }
  }

  /// The 12 summary numbers (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl), and
  /// per-category AP; -1 where undefined, as pycocotools prints.
  public struct Result: Sendable {
    public let stats: [Double]
    public let perCategoryAP: [Int: Double]
    /// Every instance of the evaluated images and categories, ground truth and predictions.
    public var matches: [InstanceMatch] = []
    /// Per image (every evaluated image, zeros included).
    public var imageCounts: [Int: Counts] = [:]
  }

  /// numpy's linspace: start + i * step, with the last value exactly `stop`.
  public static func linspace(_ start: Double, _ stop: Double, _ n: Int) -> [Double] {
    guard n > 1 else { return [start] }
    let step = (stop - start) / Double(n - 1)
    var out = (0..<n).map { Double($0) * step + start }
    out[n - 1] = stop
    return out
  }

  /// IoU of two RLE masks; with `crowd`, intersection over the detection's area (pycocotools rleIou).
  public static func iou(_ d: CocoRLE, _ g: CocoRLE, crowd: Bool) -> Double {
    guard d.height == g.height, d.width == g.width else { return -1 }
    var inter: UInt64 = 0, union: UInt64 = 0
    CocoRLE.forEachStretch(d, g) { c, va, vb in
      if va || vb { union += UInt64(c) }
      if va && vb { inter += UInt64(c) }
    }
    if inter == 0 { return 0 }
    if crowd { union = UInt64(d.area) }
    return Double(inter) / Double(union)
  }

  struct ImageEval {
    var dtScores: [Double]
    var dtMatched: [[Bool]]  // [t][d]
    var dtIgnore: [[Bool]]
    var gtIgnore: [Bool]
  }

  /// One image and category: the IoU of every kept detection (score order) with every ground truth.
  public struct PairKey: Hashable, Sendable {
    public let image: Int
    public let category: Int
    public init(image: Int, category: Int) {
      self.image = image
      self.category = category
    }
  }

  /// The IoU matrices of the images in `imageIds` (the expensive, per-image half of `evaluate`), for
  /// a shard to compute and `evaluate(precomputed:)` to use: the same numbers, bit for bit.
  public static func pairIoUs(gts: [CocoInstance], dts: [CocoInstance], imageIds: [Int], categoryIds: [Int], params p: Params = Params()) -> [PairKey:
    [[Double]]]
  {
    var gtBy: [Int: [Int: [CocoInstance]]] = [:], dtBy: [Int: [Int: [CocoInstance]]] = [:]
    for g in gts { gtBy[g.imageId, default: [:]][g.categoryId, default: []].append(g) }
    for d in dts { dtBy[d.imageId, default: [:]][d.categoryId, default: []].append(d) }
    var out: [PairKey: [[Double]]] = [:]
    for cat in Array(Set(categoryIds)).sorted() {
      for img in Array(Set(imageIds)).sorted() {
        let g = gtBy[img]?[cat] ?? [], d = dtBy[img]?[cat] ?? []
        if g.isEmpty && d.isEmpty { continue }
        out[PairKey(image: img, category: cat)] = ious(g: g, kept: Array(stableSortByScore(d).prefix(p.maxDets.max() ?? 100)), p)
      }
    }
    return out
  }

  /// IoU (or boundary IoU) of kept detections against ground truths.
  static func ious(g: [CocoInstance], kept d: [CocoInstance], _ p: Params) -> [[Double]] {
    let db = p.boundary && !g.isEmpty ? d.map { boundary($0.rle, p.dilationRatio) } : []
    let gb = p.boundary && !d.isEmpty ? g.map { $0.isCrowd ? $0.rle : boundary($0.rle, p.dilationRatio) } : []
    return d.indices.map { i in
      g.indices.map { j in
        let m = iou(d[i].rle, g[j].rle, crowd: g[j].isCrowd)
        guard p.boundary, !g[j].isCrowd else { return m }
        return min(m, iou(db[i], gb[j], crowd: false))
      }
    }
  }

  /// Evaluates detections against ground truth over the given images and categories.
  /// `precomputed`: IoU matrices from `pairIoUs` (merged shards); missing ones are computed here.
  public static func evaluate(
    gts: [CocoInstance], dts: [CocoInstance], imageIds: [Int], categoryIds: [Int], params p: Params = Params(), precomputed: [PairKey: [[Double]]]? = nil
  ) -> Result {
    var gtBy: [Int: [Int: [CocoInstance]]] = [:], dtBy: [Int: [Int: [CocoInstance]]] = [:]
    for g in gts { gtBy[g.imageId, default: [:]][g.categoryId, default: []].append(g) }
    for d in dts { dtBy[d.imageId, default: [:]][d.categoryId, default: []].append(d) }
    let maxDet = p.maxDets.max() ?? 100
    let imgs = Array(Set(imageIds)).sorted(), cats = Array(Set(categoryIds)).sorted()
    let T = p.iouThresholds.count, R = p.recallThresholds.count
    // precision[t][r][k][a][m], recall[t][k][a][m]
    var precision = [Double](repeating: -1, count: T * R * cats.count * p.areaRanges.count * p.maxDets.count)
    var recall = [Double](repeating: -1, count: T * cats.count * p.areaRanges.count * p.maxDets.count)
    func pIndex(_ t: Int, _ r: Int, _ k: Int, _ a: Int, _ m: Int) -> Int { (((t * R + r) * cats.count + k) * p.areaRanges.count + a) * p.maxDets.count + m }
    func rIndex(_ t: Int, _ k: Int, _ a: Int, _ m: Int) -> Int { ((t * cats.count + k) * p.areaRanges.count + a) * p.maxDets.count + m }
    var matches: [InstanceMatch] = []
    var counts: [Int: Counts] = Dictionary(uniqueKeysWithValues: imgs.map { ($0, Counts()) })
    let matchT = p.iouThresholds.firstIndex(of: p.matchIoU)
    for (k, cat) in cats.enumerated() {
      // IoUs per image: detections sorted by score (stable), cut to maxDet.
      var perImage: [(image: Int, gt: [CocoInstance], dt: [CocoInstance], ious: [[Double]])] = []
      for img in imgs {
        let g = gtBy[img]?[cat] ?? []
        var d = dtBy[img]?[cat] ?? []
        if g.isEmpty && d.isEmpty { continue }
        d = stableSortByScore(d)
        if d.count > maxDet {
          for x in d[maxDet...] {
            matches.append(InstanceMatch(imageId: img, id: x.id, categoryId: cat, isPrediction: true, matchedId: nil, iou: 0, outcome: .beyondMaxDets))
          }
          d = Array(d.prefix(maxDet))
        }
        // Boundaries once per instance (crowd regions keep their mask IoU, so need none).
        let ious = precomputed?[PairKey(image: img, category: cat)] ?? ious(g: g, kept: d, p)
        perImage.append((img, g, d, ious))
      }
      for (a, range) in p.areaRanges.enumerated() {
        var evals: [ImageEval] = []
        for (image, gt0, dt, ious0) in perImage {
          let ignore0 = gt0.map { $0.isCrowd || $0.area < range.0 || $0.area > range.1 }
          // Non-ignored ground truth first (stable).
          let order = gt0.indices.sorted { (ignore0[$0] ? 1 : 0, $0) < (ignore0[$1] ? 1 : 0, $1) }
          let gt = order.map { gt0[$0] }, gtIg = order.map { ignore0[$0] }
          let ious = ious0.map { row in order.map { row[$0] } }
          var dtm = [[Int]](repeating: [Int](repeating: 0, count: dt.count), count: T)
          var dtIg = [[Bool]](repeating: [Bool](repeating: false, count: dt.count), count: T)
          var gtm = [[Int]](repeating: [Int](repeating: 0, count: gt.count), count: T)
          if !gt.isEmpty && !dt.isEmpty {
            for (ti, t) in p.iouThresholds.enumerated() {
              for (di, d) in dt.enumerated() {
                var best = min(t, 1 - 1e-10)
                var m = -1
                for gi in 0..<gt.count {
                  if gtm[ti][gi] > 0 && !gt[gi].isCrowd { continue }
                  if m > -1 && !gtIg[m] && gtIg[gi] { break }
                  if ious[di][gi] < best { continue }
                  best = ious[di][gi]
                  m = gi
                }
                if m == -1 { continue }
                dtIg[ti][di] = gtIg[m]
                dtm[ti][di] = gt[m].id
                gtm[ti][m] = d.id
              }
            }
          }
          for (di, d) in dt.enumerated() where d.area < range.0 || d.area > range.1 {
            for ti in 0..<T where dtm[ti][di] == 0 { dtIg[ti][di] = true }
          }
          evals.append(ImageEval(dtScores: dt.map(\.score), dtMatched: dtm.map { $0.map { $0 != 0 } }, dtIgnore: dtIg, gtIgnore: gtIg))
          if a == 0, let t = matchT {
            var c = counts[image] ?? Counts()
            for (di, d) in dt.enumerated() {
              let gi = gt.firstIndex { $0.id == dtm[t][di] && dtm[t][di] != 0 }
              let best = gi.map { ious[di][$0] } ?? (ious[di].max() ?? 0)
              let outcome: InstanceMatch.Outcome = dtIg[t][di] ? .ignored : (gi != nil ? .tp : .fp)
              if outcome == .tp { c.tp += 1 } else if outcome == .fp { c.fp += 1 }
              matches.append(
                InstanceMatch(imageId: image, id: d.id, categoryId: cat, isPrediction: true, matchedId: gi.map { gt[$0].id }, iou: best, outcome: outcome))
            }
            for (gi, g) in gt.enumerated() {
              let di = dt.firstIndex { $0.id == gtm[t][gi] && gtm[t][gi] != 0 }
              let best = di.map { ious[$0][gi] } ?? (ious.map { $0[gi] }.max() ?? 0)
              let outcome: InstanceMatch.Outcome = gtIg[gi] ? .ignored : (di != nil ? .tp : .fn)
              if outcome == .fn { c.fn += 1 }
              matches.append(
                InstanceMatch(imageId: image, id: g.id, categoryId: cat, isPrediction: false, matchedId: di.map { dt[$0].id }, iou: best, outcome: outcome))
            }
            counts[image] = c
          }
        }
        for (mi, md) in p.maxDets.enumerated() {
          guard !evals.isEmpty else { continue }
          var scores: [Double] = []
          var matched = [[Bool]](repeating: [], count: T), ignored = [[Bool]](repeating: [], count: T)
          var npig = 0
          for e in evals {
            let n = min(md, e.dtScores.count)
            scores += e.dtScores.prefix(n)
            for t in 0..<T {
              matched[t] += e.dtMatched[t].prefix(n)
              ignored[t] += e.dtIgnore[t].prefix(n)
            }
            npig += e.gtIgnore.filter { !$0 }.count
          }
          if npig == 0 { continue }
          let inds = scores.indices.sorted { (-scores[$0], $0) < (-scores[$1], $1) }
          for t in 0..<T {
            var tp = 0.0, fp = 0.0
            var rc: [Double] = [], pr: [Double] = []
            for i in inds {
              if ignored[t][i] {} else if matched[t][i] { tp += 1 } else { fp += 1 }
              rc.append(tp / Double(npig))
              pr.append(tp / (fp + tp + 2.220446049250313e-16))
            }
            recall[rIndex(t, k, a, mi)] = rc.last ?? 0
            if pr.count > 1 {
              for i in stride(from: pr.count - 1, to: 0, by: -1) where pr[i] > pr[i - 1] { pr[i - 1] = pr[i] }
            }
            for (ri, r) in p.recallThresholds.enumerated() {
              // searchsorted(rc, r, side: left): the first index with rc >= r; past the end stays 0.
              var lo = 0, hi = rc.count
              while lo < hi {
                let mid = (lo + hi) / 2
                if rc[mid] < r { lo = mid + 1 } else { hi = mid }
              }
              precision[pIndex(t, ri, k, a, mi)] = lo < pr.count ? pr[lo] : 0
            }
          }
        }
      }
    }
    func mean(_ v: [Double]) -> Double {
      let s = v.filter { $0 > -1 }
      return s.isEmpty ? -1 : s.reduce(0, +) / Double(s.count)
    }
    let m100 = p.maxDets.firstIndex(of: 100) ?? (p.maxDets.count - 1)
    func ap(iou: Double? = nil, area: Int = 0, maxDet m: Int = m100) -> Double {
      let ts = iou.map { t in p.iouThresholds.indices.filter { p.iouThresholds[$0] == t } } ?? Array(0..<T)
      var v: [Double] = []
      for t in ts { for r in 0..<R { for k in 0..<cats.count { v.append(precision[pIndex(t, r, k, area, m)]) } } }
      return mean(v)
    }
    func ar(area: Int = 0, maxDet m: Int) -> Double {
      var v: [Double] = []
      for t in 0..<T { for k in 0..<cats.count { v.append(recall[rIndex(t, k, area, m)]) } }
      return mean(v)
    }
    let mi = { (d: Int) -> Int in p.maxDets.firstIndex(of: d) ?? 0 }
    let stats = [
      ap(), ap(iou: 0.5), ap(iou: 0.75), ap(area: 1), ap(area: 2), ap(area: 3),
      ar(maxDet: mi(1)), ar(maxDet: mi(10)), ar(maxDet: m100), ar(area: 1, maxDet: m100), ar(area: 2, maxDet: m100), ar(area: 3, maxDet: m100),
    ]
    var perCat: [Int: Double] = [:]
    for (k, cat) in cats.enumerated() {
      var v: [Double] = []
      for t in 0..<T { for r in 0..<R { v.append(precision[pIndex(t, r, k, 0, m100)]) } }
      perCat[cat] = mean(v)
    }
    return Result(stats: stats, perCategoryAP: perCat, matches: matches, imageCounts: counts)
  }

  /// The inner band of a mask (boundary-iou-api's mask_to_boundary): its pixels within Chebyshev
  /// distance d of a pixel outside it, the image's outside counting as outside.
  public static func boundary(_ rle: CocoRLE, _ ratio: Double) -> CocoRLE {
    let d = BoundaryIoU.dilation(width: rle.width, height: rle.height, ratio: ratio)
    let bits = rle.decode()
    guard !bits.isEmpty else { return rle }
    let m = LabelMask(width: rle.width, height: rle.height, values: bits.map { $0 ? 1 : 0 })
    let dist = BoundaryIoU.distanceToOtherLabel(m, cap: d)
    return CocoRLE(height: rle.height, width: rle.width, rowMajor: bits.indices.map { bits[$0] && Int(dist[$0]) <= d })
  }

  /// numpy's mergesort by descending score: stable.
  static func stableSortByScore(_ d: [CocoInstance]) -> [CocoInstance] {
    d.indices.sorted { (-d[$0].score, $0) < (-d[$1].score, $1) }.map { d[$0] }
  }
}
