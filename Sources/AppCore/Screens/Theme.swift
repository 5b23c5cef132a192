import Foundation
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

  /// The background a scope's text sits on: its own, or the nearest one along the dots ("ui" last).
  public func background(_ scope: String) -> RGB? {
    var key = Substring(scope)
    while true {
      if let bg = scopes[String(key)]?.bg { return bg }
      guard let dot = key.lastIndex(of: ".") else { return nil }
      key = key[..<dot]
    }
  }

  /// WCAG 2 contrast ratio of two colours, 1...21 (text needs 4.5 for level AA).
  public static func contrast(_ a: RGB, _ b: RGB) -> Double {
    func luminance(_ c: RGB) -> Double {
      func channel(_ v: UInt8) -> Double {
        let x = Double(v) / 255
        return x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4)
      }
      return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
    }
    let la = luminance(a), lb = luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
  }

  /// A heat-map colour for text on the "ui" background: the ramp's colour, moved toward the text
  /// colour until it reads at 4.5:1 (the ramp starts at the background itself, which no text can use).
  public func heatText(_ t: Double) -> RGB {
    let c = heat(t)
    guard let bg = background("ui"), let fg = style("ui").fg else { return c }
    var f = 0.0
    while f < 1 {
      let mixed = Self.mix(c, fg, f)
      if Self.contrast(mixed, bg) >= 4.5 { return mixed }
      f += 0.05
    }
    return fg
  }

  static func mix(_ a: RGB, _ b: RGB, _ f: Double) -> RGB {
    func m(_ p: UInt8, _ q: UInt8) -> UInt8 { UInt8((Double(p) * (1 - f) + Double(q) * f).rounded()) }
    return RGB(m(a.r, b.r), m(a.g, b.g), m(a.b, b.b))
  }

  /// A colour on the heat-map ramp for t in 0...1.
  public func heat(_ t: Double) -> RGB {
    guard heatmap.count > 1 else { return heatmap.first ?? RGB(0, 0, 0) }
    let x = max(0, min(1, t)) * Double(heatmap.count - 1)
    let i = min(heatmap.count - 2, Int(x))
    let f = x - Double(i)
    return Self.mix(heatmap[i], heatmap[i + 1], f)
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
