/// FiftyOne's ground-truth contour band (`evaluate_segmentations(bandwidth=N)`): for every value of
/// the ground truth, the contours of that value's region are traced and drawn N pixels thick; only
/// pixels under a drawn contour are evaluated.
///
/// FiftyOne does this with OpenCV (`eta.core.image.get_contour_band_mask`):
/// `cv2.findContours(mask == v, RETR_LIST, CHAIN_APPROX_SIMPLE)` then
/// `cv2.drawContours(band, contours, -1, 1, N)`. Which pixels a thick polyline covers depends on the
/// exact vertices and on OpenCV's fixed-point rasterizer, so both are reproduced here step for step:
/// Suzuki–Abe border following with OpenCV's start directions and "simple" chain compression, and
/// OpenCV's `ThickLine` (a filled quadrilateral per segment plus a filled circle at each vertex, or a
/// Bresenham line when N is 1). The conformance suite compares the band with OpenCV's, pixel for pixel.
public enum ContourBand {
  /// The band of a ground-truth mask: `true` where a pixel is evaluated.
  public static func mask(groundTruth gt: LabelMask, bandwidth: Int) -> [Bool] {
    let w = gt.width, h = gt.height
    var canvas = Canvas(width: w, height: h)
    if w > 0, h > 0, bandwidth > 0 {
      let values = gt.values16
      for v in Set(values).sorted() {
        for contour in contours(width: w, height: h, isSet: { values[$0] == v }) {
          canvas.drawClosed(contour, thickness: bandwidth)
        }
      }
    }
    return canvas.pixels.map { $0 != 0 }
  }

  /// Keeps the pixels of both masks that lie in the band, as two 1-row masks (FiftyOne's
  /// `pred_mask[band], gt_mask[band]`), ready for the usual accumulation. The masks must be of one
  /// size, as for any accumulation.
  public static func restrict(gt: LabelMask, pred: LabelMask, bandwidth: Int) throws(AccumulateError) -> (gt: LabelMask, pred: LabelMask) {
    guard gt.width == pred.width, gt.height == pred.height else {
      throw .sizeMismatch(gt: (gt.width, gt.height), pred: (pred.width, pred.height))
    }
    let band = mask(groundTruth: gt, bandwidth: bandwidth)
    let g = gt.values16, p = pred.values16
    var gk: [UInt16] = [], pk: [UInt16] = []
    for i in band.indices where band[i] {
      gk.append(g[i])
      pk.append(p[i])
    }
    return (LabelMask(width: gk.count, height: gk.isEmpty ? 0 : 1, values16: gk), LabelMask(width: pk.count, height: pk.isEmpty ? 0 : 1, values16: pk))
  }

  /// A contour vertex in image coordinates.
  public struct Point: Equatable, Hashable, Sendable {
    public var x: Int
    public var y: Int
    public init(_ x: Int, _ y: Int) {
      self.x = x
      self.y = y
    }
  }
}
