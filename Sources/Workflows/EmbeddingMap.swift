import Curation
import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore
import TerminalRender

/// The embedding map: samples at the first two principal components of their image embeddings,
/// scaled to [0, 1] on each axis, with what the colourings need; and the same map as a PNG.
public enum EmbeddingMap {
  /// Points in the order of `order` (the view's), else of the signatures; and the share of the
  /// variance the two axes explain. Fewer than 2 signatures give no points.
  public static func build(store: DatasetStore, signatures sigs: [StoredSignature], order: [Int64]?, run: String?, className: String?) throws -> (
    [MapPoint], Double
  ) {
    guard sigs.count >= 2 else { return ([], 0) }
    let space = EmbeddingSpace(rows: sigs.map(\.embedding))
    let pca = PCA.fit(space, components: 2)
    let xy = pca.project(space)
    func range(_ k: Int) -> (Float, Float) {
      var lo = Float.infinity, hi = -Float.infinity
      for i in 0..<sigs.count {
        lo = min(lo, xy[i * 2 + k])
        hi = max(hi, xy[i * 2 + k])
      }
      return (lo, max(hi, lo + 1e-6))
    }
    let (x0, x1) = range(0), (y0, y1) = range(1)
    let ids = sigs.map(\.sampleId)
    let rows = try store.sampleRows(ids: ids)
    let miou = try run.map { try store.sampleMIoU(run: $0, ids: ids) } ?? [:]
    var suspicion: [Int64: Double] = [:]
    let cluster = Dictionary(try store.clusters().map { ($0.sampleId, $0.cluster) }, uniquingKeysWith: { a, _ in a })
    if let newest = try store.suspectRuns().first {
      for s in try store.suspects(run: newest.key) { suspicion[s.sampleId] = s.score }
    }
    let groups = Dictionary(try store.duplicateGroups().map { ($0.sampleId, $0) }, uniquingKeysWith: { a, _ in a })
    let withClass = try className.map { Set(try store.sampleIds(ViewExpression(filters: [.classPixels(className: $0, field: FieldName.groundTruth, .gt, 0)]))) }
    let rank = Dictionary((order ?? ids).enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    var points: [(Int, MapPoint)] = []
    for (i, id) in ids.enumerated() {
      let p = MapPoint(
        id: id, x: Double((xy[i * 2] - x0) / (x1 - x0)), y: Double((xy[i * 2 + 1] - y0) / (y1 - y0)), split: rows[id]?.split,
        duplicate: groups[id] != nil, leak: groups[id]?.leak ?? false, miou: miou[id], suspicion: suspicion[id], hasClass: withClass.map { $0.contains(id) },
        cluster: cluster[id])
      points.append((rank[id] ?? i, p))
    }
    // The share of the total variance along the two axes.
    var all: Double = 0
    for i in 0..<space.count {
      for j in 0..<space.dims {
        let d = Double(space.values[i * space.dims + j] - pca.mean[j])
        all += d * d
      }
    }
    let along = Double(pca.variances.reduce(0, +)) * Double(max(1, sigs.count - 1))
    return (points.sorted { $0.0 < $1.0 }.map(\.1), all > 0 ? min(1, along / all) : 0)
  }

  /// The map as a PNG: points coloured by split, duplicates ringed white, leaks ringed magenta, a
  /// legend and a title.
  public static func png(_ points: [MapPoint], explained: Double, title: String, width: Int = 960, height: Int = 720) throws -> [UInt8] {
    let background = RGB(24, 24, 28), text = RGB(220, 220, 220)
    var img = RGBImage(width: width, height: height, fill: background)
    let top = 30, margin = 24, bottom = 40
    let splits = Array(Set(points.compactMap(\.split))).sorted()
    let colours = [RGB(90, 170, 255), RGB(255, 170, 60), RGB(120, 220, 120), RGB(220, 120, 220), RGB(200, 200, 200)]
    func colour(_ p: MapPoint) -> RGB { colours[min(colours.count - 1, p.split.flatMap { splits.firstIndex(of: $0) } ?? splits.count)] }
    func disc(_ cx: Int, _ cy: Int, _ r: Int, _ c: RGB, ring: Bool = false) {
      for y in (cy - r)...(cy + r) {
        for x in (cx - r)...(cx + r) where x >= 0 && y >= 0 && x < width && y < height {
          let d = (x - cx) * (x - cx) + (y - cy) * (y - cy)
          if ring ? (d <= r * r && d > (r - 1) * (r - 1)) : d <= r * r { img[x: x, y: y] = c }
        }
      }
    }
    let pw = width - 2 * margin, ph = height - top - bottom
    for p in points {
      let x = margin + Int(p.x * Double(pw - 1)), y = top + Int(p.y * Double(ph - 1))
      disc(x, y, 3, colour(p))
      if p.leak { disc(x, y, 6, RGB(255, 0, 255), ring: true) } else if p.duplicate { disc(x, y, 6, RGB(255, 255, 255), ring: true) }
    }
    BitmapFont.draw(
      "\(title): \(points.count) samples, PCA of the image embeddings (\(Int((explained * 100).rounded()))% of the variance)", into: &img, x: 8, y: 8,
      color: text, maxWidth: width - 16)
    var x = 8
    let legendY = height - bottom + 14
    for (i, name) in (splits + (points.contains { $0.split == nil } ? ["no split"] : [])).enumerated() {
      disc(x + 4, legendY + 4, 4, colours[min(i, colours.count - 1)])
      BitmapFont.draw(name, into: &img, x: x + 12, y: legendY, color: text, maxWidth: 200)
      x += 12 + 6 * name.count + 18
    }
    disc(x + 4, legendY + 4, 6, RGB(255, 255, 255), ring: true)
    BitmapFont.draw("duplicate", into: &img, x: x + 14, y: legendY, color: text, maxWidth: 200)
    x += 14 + 6 * 9 + 18
    disc(x + 4, legendY + 4, 6, RGB(255, 0, 255), ring: true)
    BitmapFont.draw("leak", into: &img, x: x + 14, y: legendY, color: text, maxWidth: 200)
    return try PNGEncoder.encode(img)
  }
}
