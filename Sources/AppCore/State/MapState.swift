import SegmentationCore

/// What colours the map's points.
public enum MapColouring: String, Sendable, CaseIterable {
  case split, miou, suspicion, duplicates, classPresence, cluster
}

/// The embedding map screen: the view's samples projected to 2-D.
public struct MapState: Sendable, Equatable {
  public var points: [MapPoint] = []
  public var colouring: MapColouring = .split
  /// The class `classPresence` colours by.
  public var className: String? = nil
  public var cursor = 0
  public var loading = false
  /// The view the map was made of (a new view makes it stale).
  public var view: ViewExpression? = nil
  /// The first corner of a rectangle selection (a point index).
  public var anchor: Int? = nil
  /// Share of the variance the two components explain.
  public var explained: Double = 0
  public init() {}

  public var current: MapPoint? { points.indices.contains(cursor) ? points[cursor] : nil }

  /// The points inside the rectangle spanned by the anchor and the cursor.
  public var selection: [MapPoint] {
    guard let a = anchor, points.indices.contains(a), let c = current else { return [] }
    let p = points[a]
    let x0 = min(p.x, c.x), x1 = max(p.x, c.x), y0 = min(p.y, c.y), y1 = max(p.y, c.y)
    return points.filter { $0.x >= x0 && $0.x <= x1 && $0.y >= y0 && $0.y <= y1 }
  }

  /// The nearest point from the cursor in a direction (dx, dy each -1, 0 or 1), favouring points
  /// straight ahead; nil when there is none that way.
  public func step(dx: Int, dy: Int) -> Int? {
    guard let c = current else { return points.isEmpty ? nil : 0 }
    var best: (Int, Double)? = nil
    for (i, p) in points.enumerated() where i != cursor {
      let ex = p.x - c.x, ey = p.y - c.y
      let along = Double(dx) * ex + Double(dy) * ey
      guard along > 1e-9 else { continue }
      let across = abs(Double(dx) * ey - Double(dy) * ex)
      let cost = along + 2 * across
      if best == nil || cost < best!.1 { best = (i, cost) }
    }
    return best?.0
  }
}
