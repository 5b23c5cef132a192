/// What the terminal can show, learnt by the probe (and overridable by flags and the config file).
public struct TerminalCapabilities: Sendable, Equatable {
  /// How pictures are drawn.
  public enum Graphics: String, Sendable, CaseIterable {
    case sixel, kitty, halfblock, ascii
  }

  public var graphics: Graphics = .halfblock
  public var colors: ColorMode = .palette256
  /// DA1 answered: the terminal talks back (false for a terminal that answers nothing).
  public var answered = false
  public var da1Attributes: [Int] = []
  public var sixel = false
  public var kitty = false
  public var synchronizedOutput = false
  /// Sixel colour registers (XTSMGRAPHICS), 256 when DA1 has sixel but the query was not answered.
  public var colorRegisters = 256
  /// Largest sixel image (XTSMGRAPHICS geometry), if reported.
  public var maxGraphicsSize: (width: Int, height: Int)? = nil
  /// Cell size in pixels.
  public var cellWidth = 10
  public var cellHeight = 20
  /// Where the cell size came from: "16t", "14t", "winsize", "xtsmgraphics" or "default".
  public var cellSizeSource = "default"
  public var columns = 80
  public var rows = 24
  /// XTVERSION text (sanitized by the parser).
  public var terminalName: String? = nil
  public var inTmux = false
  /// How truecolor was decided: "COLORTERM", "DECRQSS", "none".
  public var truecolorSource = "none"

  public init() {}

  public static func == (a: TerminalCapabilities, b: TerminalCapabilities) -> Bool {
    a.graphics == b.graphics && a.colors == b.colors && a.answered == b.answered && a.da1Attributes == b.da1Attributes
      && a.sixel == b.sixel && a.kitty == b.kitty && a.colorRegisters == b.colorRegisters
      && a.maxGraphicsSize?.width == b.maxGraphicsSize?.width && a.maxGraphicsSize?.height == b.maxGraphicsSize?.height
      && a.cellWidth == b.cellWidth && a.cellHeight == b.cellHeight && a.columns == b.columns && a.rows == b.rows
      && a.terminalName == b.terminalName && a.inTmux == b.inTmux && a.synchronizedOutput == b.synchronizedOutput
  }

  /// One line per fact, for `segscope probe` and bug reports.
  public var summary: String {
    var lines: [String] = []
    lines.append("graphics: \(graphics.rawValue)")
    lines.append("colors: \(colors.rawValue) (\(truecolorSource))")
    lines.append("answered queries: \(answered ? "yes" : "no")")
    lines.append("terminal: \(terminalName ?? "unknown")\(inTmux ? " (inside tmux)" : "")")
    lines.append("DA1 attributes: \(da1Attributes.map(String.init).joined(separator: ";"))")
    lines.append("sixel: \(sixel ? "yes, \(colorRegisters) registers" : "no")" + (maxGraphicsSize.map { ", max \($0.width)x\($0.height)" } ?? ""))
    lines.append("kitty graphics: \(kitty ? "yes" : "no")")
    lines.append("cell: \(cellWidth)x\(cellHeight) px (\(cellSizeSource)); screen \(columns)x\(rows) cells")
    return lines.joined(separator: "\n")
  }
}
