import SegmentationCore
import TerminalRender

/// Semantic styles by scope ("ui.statusbar", "ui.table.header"...), with dotted fallback
/// ("ui.palette.match" -> "ui.palette" -> "ui"), plus the class palette and the error-map colours.
public struct Theme: Sendable {
  public var name: String
  public var scopes: [String: Style]
  public var classes: ClassPalette
  public var heatmap: [RGB]
  public var errors: ErrorColors
  public var overlayAlpha: Double

  public init(
    name: String, scopes: [String: Style], classes: ClassPalette = ClassPalette(), heatmap: [RGB], errors: ErrorColors = ErrorColors(),
    overlayAlpha: Double = 0.5
  ) {
    self.name = name
    self.scopes = scopes
    self.classes = classes
    self.heatmap = heatmap
    self.errors = errors
    self.overlayAlpha = overlayAlpha
  }

  /// The style of a scope, falling back along the dots; plain when nothing matches.
  public func style(_ scope: String) -> Style {
    var key = Substring(scope)
    while true {
      if let s = scopes[String(key)] { return s }
      guard let dot = key.lastIndex(of: ".") else { return .plain }
      key = key[..<dot]
    }
  }

  /// A colour on the heat-map ramp for t in 0...1.
  public func heat(_ t: Double) -> RGB {
    guard heatmap.count > 1 else { return heatmap.first ?? RGB(0, 0, 0) }
    let x = max(0, min(1, t)) * Double(heatmap.count - 1)
    let i = min(heatmap.count - 2, Int(x))
    let f = x - Double(i)
    let a = heatmap[i], b = heatmap[i + 1]
    func mix(_ p: UInt8, _ q: UInt8) -> UInt8 { UInt8((Double(p) * (1 - f) + Double(q) * f).rounded()) }
    return RGB(mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b))
  }

  /// The built-in dark theme (the Themes/ folder holds the editable ones).
  public static let dark = Theme(
    name: "dark",
    scopes: [
      "ui": Style(fg: RGB(220, 220, 210), bg: RGB(28, 28, 32)),
      "ui.titlebar": Style(fg: RGB(28, 28, 32), bg: RGB(130, 170, 220), attributes: .bold),
      "ui.statusbar": Style(fg: RGB(220, 220, 210), bg: RGB(58, 58, 66)),
      "ui.statusbar.error": Style(fg: RGB(255, 255, 255), bg: RGB(160, 40, 40), attributes: .bold),
      "ui.selection": Style(fg: RGB(28, 28, 32), bg: RGB(230, 200, 110)),
      "ui.dim": Style(fg: RGB(140, 140, 140)),
      "ui.header": Style(fg: RGB(130, 170, 220), attributes: .bold),
      "ui.bar": Style(fg: RGB(120, 190, 120)),
      "ui.bar.bad": Style(fg: RGB(220, 90, 80)),
      "ui.palette": Style(fg: RGB(230, 230, 220), bg: RGB(45, 45, 55)),
      "ui.palette.match": Style(fg: RGB(240, 200, 90), attributes: .bold),
      "ui.palette.error": Style(fg: RGB(255, 120, 110)),
      "ui.key": Style(fg: RGB(240, 200, 90), attributes: .bold),
    ],
    heatmap: [RGB(28, 28, 32), RGB(60, 90, 160), RGB(230, 200, 80), RGB(220, 60, 50)])
}
