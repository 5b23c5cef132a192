import SegmentationCore

/// Text attributes of a cell.
public struct Attributes: OptionSet, Sendable, Hashable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  public static let bold = Attributes(rawValue: 1)
  public static let dim = Attributes(rawValue: 2)
  public static let italic = Attributes(rawValue: 4)
  public static let underline = Attributes(rawValue: 8)
  public static let reverse = Attributes(rawValue: 16)
}

/// Foreground, background and attributes. A nil colour inherits the terminal default.
public struct Style: Sendable, Hashable {
  public var fg: RGB?
  public var bg: RGB?
  public var attributes: Attributes

  public init(fg: RGB? = nil, bg: RGB? = nil, attributes: Attributes = []) {
    self.fg = fg
    self.bg = bg
    self.attributes = attributes
  }

  /// The terminal's default style.
  public static let plain = Style()

  /// This style with another style's set fields laid over it.
  public func patched(with o: Style) -> Style {
    Style(fg: o.fg ?? fg, bg: o.bg ?? bg, attributes: attributes.union(o.attributes))
  }
}

/// A rectangle of cells.
public struct Rect: Sendable, Hashable {
  public var x: Int
  public var y: Int
  public var width: Int
  public var height: Int

  public init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x
    self.y = y
    self.width = max(0, width)
    self.height = max(0, height)
  }

  public var maxX: Int { x + width }
  public var maxY: Int { y + height }
  public var isEmpty: Bool { width <= 0 || height <= 0 }
  /// Whether cell (x, y) is inside.
  public func contains(x px: Int, y py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }

  /// The overlap of two rectangles (empty if none).
  public func intersection(_ o: Rect) -> Rect {
    let x0 = max(x, o.x), y0 = max(y, o.y)
    return Rect(x: x0, y: y0, width: min(maxX, o.maxX) - x0, height: min(maxY, o.maxY) - y0)
  }

  /// Shrinks by `d` cells on every side.
  public func inset(by d: Int) -> Rect { Rect(x: x + d, y: y + d, width: width - 2 * d, height: height - 2 * d) }

  /// Splits into a top part of `h` rows and the rest.
  public func splitTop(_ h: Int) -> (Rect, Rect) {
    let t = min(max(0, h), height)
    return (Rect(x: x, y: y, width: width, height: t), Rect(x: x, y: y + t, width: width, height: height - t))
  }

  /// Splits into a left part of `w` columns and the rest.
  public func splitLeft(_ w: Int) -> (Rect, Rect) {
    let l = min(max(0, w), width)
    return (Rect(x: x, y: y, width: l, height: height), Rect(x: x + l, y: y, width: width - l, height: height))
  }
}
