import TOML
import SegmentationCore
import TerminalRender

/// Reads `Themes/*.toml` (helix-style): semantic scopes, a `[palette]` of named colours, `inherits`,
/// a `[classes]` table and `[errors]` colours. Unknown keys and bad colours are warnings, not errors.
public enum ThemeLoader {
  /// Every scope a theme may set.
  public static let scopes: Set<String> = [
    "ui", "ui.titlebar", "ui.statusbar", "ui.statusbar.error", "ui.selection", "ui.dim", "ui.header", "ui.bar", "ui.bar.bad",
    "ui.palette", "ui.palette.match", "ui.palette.error", "ui.key",
  ]
  static let topLevel: Set<String> = ["inherits", "eval.heatmap", "classes", "palette", "errors", "name"]

  /// A theme and what was wrong with it.
  public struct Loaded: Sendable {
    public let theme: Theme
    public let warnings: [String]
  }

  /// Loads theme `name` from the first folder that has `name.toml`; `inherits` is followed in the same
  /// folders. `read` returns a file's text or nil (injected so tests and the app share this code).
  public static func load(_ name: String, folders: [String], read: (String) -> String?) throws -> Loaded {
    var warnings: [String] = []
    var seen: Set<String> = []
    // The files read, the theme's own first: a warning names the line that set the key.
    var texts: [String] = []
    func at(_ key: String) -> String {
      for t in texts { if let n = TOMLSubset.line(of: key, in: t) { return " (line \(n))" } }
      return ""
    }
    func table(_ n: String) throws -> [String: TOMLValue] {
      guard !seen.contains(n) else { throw ThemeError(message: "theme '\(n)' inherits itself") }
      seen.insert(n)
      for f in folders {
        if let text = read(f + "/" + n + ".toml") {
          texts.append(text)
          do {
            var t = try TOMLSubset.parse(text)
            if let parent = t["inherits"]?.string {
              let base = try table(parent)
              t = merge(base, t)
            }
            return t
          } catch let e as TOMLError {
            throw ThemeError(message: "\(f)/\(n).toml: \(e.description)")
          }
        }
      }
      throw ThemeError(message: "no theme '\(n)' (looked in \(folders.joined(separator: ", ")))")
    }
    let t = try table(name)
    let palette = t["palette"]?.table ?? [:]
    func color(_ v: TOMLValue?, _ where_: String) -> RGB? {
      guard let s = v?.string else {
        if v != nil { warnings.append("\(where_): a colour must be a string") }
        return nil
      }
      if let c = RGB(hex: s), s.hasPrefix("#") { return c }
      if let p = palette[s]?.string, let c = RGB(hex: p) { return c }
      warnings.append("\(where_): bad colour '\(s)'")
      return nil
    }
    var scopes: [String: Style] = [:]
    for (key, v) in t where !topLevel.contains(key) {
      guard ThemeLoader.scopes.contains(key) else {
        warnings.append("unknown key '\(key)'" + at(key))
        continue
      }
      if v.string != nil {
        scopes[key] = Style(fg: color(v, key))
      } else if let st = v.table {
        var style = Style(fg: color(st["fg"], key + ".fg"), bg: color(st["bg"], key + ".bg"))
        for m in st["modifiers"]?.array ?? [] {
          switch m.string {
          case "bold": style.attributes.insert(.bold)
          case "dim": style.attributes.insert(.dim)
          case "italic": style.attributes.insert(.italic)
          case "underline": style.attributes.insert(.underline)
          case "reverse": style.attributes.insert(.reverse)
          default: warnings.append("\(key): unknown modifier \(m)")
          }
        }
        for k in st.keys where !["fg", "bg", "modifiers"].contains(k) { warnings.append("\(key): unknown key '\(k)'") }
        scopes[key] = style
      } else {
        warnings.append("\(key): expected a colour or a table")
      }
    }
    var heat: [RGB] = []
    for (i, v) in (t["eval.heatmap"]?.array ?? []).enumerated() { if let c = color(v, "eval.heatmap[\(i)]") { heat.append(c) } }
    var classColors: [UInt16: RGB] = [:]
    var fallback: [RGB] = []
    var alpha = 0.5
    for (k, v) in t["classes"]?.table ?? [:] {
      switch k {
      case "fallback":
        for (i, f) in (v.array ?? []).enumerated() { if let c = color(f, "classes.fallback[\(i)]") { fallback.append(c) } }
      case "overlay_alpha":
        alpha = v.number ?? 0.5
        if !(0...1).contains(alpha) { warnings.append("classes.overlay_alpha must be between 0 and 1") }
      case "ignore":
        if let st = v.table, let idx = st["index"]?.number, let c = color(st["color"], "classes.ignore") { classColors[UInt16(idx)] = c }
      default:
        guard let id = UInt16(k) else {
          warnings.append("classes: unknown key '\(k)'" + at(k))
          continue
        }
        if let c = color(v.table?["color"] ?? v, "classes.\(k)") { classColors[id] = c }
      }
    }
    var errors = ErrorColors()
    for (k, v) in t["errors"]?.table ?? [:] {
      guard let c = color(v, "errors.\(k)") else { continue }
      switch k {
      case "true_positive": errors.truePositive = c
      case "false_positive": errors.falsePositive = c
      case "false_negative": errors.falseNegative = c
      case "ignored": errors.ignored = c
      case "background": errors.background = c
      default: warnings.append("errors: unknown key '\(k)'" + at(k))
      }
    }
    if heat.count < 2 { warnings.append("eval.heatmap needs at least two colours") }
    let theme = Theme(
      name: name, scopes: scopes, classes: ClassPalette(colors: classColors, fallback: fallback), heatmap: heat.count >= 2 ? heat : Theme.dark.heatmap,
      errors: errors, overlayAlpha: alpha)
    return Loaded(theme: theme, warnings: warnings)
  }

  /// `overlay` over `base`, merging nested tables.
  static func merge(_ base: [String: TOMLValue], _ overlay: [String: TOMLValue]) -> [String: TOMLValue] {
    var out = base
    for (k, v) in overlay {
      if let a = out[k]?.table, let b = v.table { out[k] = .table(merge(a, b)) } else { out[k] = v }
    }
    out["inherits"] = nil
    return out
  }
}

public struct ThemeError: Error, Sendable, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}
