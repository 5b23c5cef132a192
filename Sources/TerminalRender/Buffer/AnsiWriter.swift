import SegmentationCore

/// Turns a Buffer into text with SGR escapes (for `segscope render` and tests), emitting colour
/// changes only when the style changes and resetting at each line end. Does no I/O.
public enum AnsiWriter {
  public static func render(_ buffer: Buffer, mode: ColorMode) -> String {
    var out = ""
    for y in 0..<buffer.height {
      var current: Style? = nil
      for x in 0..<buffer.width {
        let c = buffer[x, y]
        if c.isContinuation { continue }
        if mode != .none && c.style != current {
          out += sgr(c.style, mode: mode)
          current = c.style
        }
        out += c.symbol.isEmpty ? " " : c.symbol
      }
      if mode != .none && current != nil { out += "\u{1B}[0m" }
      out += "\n"
    }
    return out
  }

  /// The SGR sequence for a style (starting from a reset).
  public static func sgr(_ s: Style, mode: ColorMode) -> String {
    var parts = ["0"]
    if s.attributes.contains(.bold) { parts.append("1") }
    if s.attributes.contains(.dim) { parts.append("2") }
    if s.attributes.contains(.italic) { parts.append("3") }
    if s.attributes.contains(.underline) { parts.append("4") }
    if s.attributes.contains(.reverse) { parts.append("7") }
    if let fg = s.fg { parts.append(color(fg, mode: mode, background: false)) }
    if let bg = s.bg { parts.append(color(bg, mode: mode, background: true)) }
    return "\u{1B}[" + parts.joined(separator: ";") + "m"
  }

  static func color(_ c: RGB, mode: ColorMode, background: Bool) -> String {
    switch mode {
    case .truecolor: return "\(background ? 48 : 38);2;\(c.r);\(c.g);\(c.b)"
    case .palette256: return "\(background ? 48 : 38);5;\(ColorQuantizer.index256(c))"
    case .ansi16:
      let i = Int(ColorQuantizer.index16(c))
      return String((background ? 40 : 30) + (i % 8) + (i >= 8 ? 60 : 0))
    case .none: return "0"
    }
  }
}
