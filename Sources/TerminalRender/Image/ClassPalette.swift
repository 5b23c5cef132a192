import SegmentationCore

/// Class id to display colour: explicit entries first, then a fallback list cycled by id, then the
/// PASCAL VOC colour map.
public struct ClassPalette: Sendable, Equatable {
  public var colors: [UInt16: RGB]
  public var fallback: [RGB]

  public init(colors: [UInt16: RGB] = [:], fallback: [RGB] = []) {
    self.colors = colors
    self.fallback = fallback
  }

  public func color(_ id: UInt16) -> RGB {
    if let c = colors[id] { return c }
    if !fallback.isEmpty { return fallback[Int(id) % fallback.count] }
    return ClassPalette.voc(Int(id))
  }

  /// The PASCAL VOC colour of index i (also CVAT's default): bits of i spread over R, G, B from the top.
  public static func voc(_ index: Int) -> RGB {
    var r = 0, g = 0, b = 0
    var i = index
    for j in 0..<8 {
      r |= ((i >> 0) & 1) << (7 - j)
      g |= ((i >> 1) & 1) << (7 - j)
      b |= ((i >> 2) & 1) << (7 - j)
      i >>= 3
    }
    return RGB(UInt8(r), UInt8(g), UInt8(b))
  }
}
