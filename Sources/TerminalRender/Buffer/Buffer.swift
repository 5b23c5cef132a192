import SegmentationCore

/// One terminal cell: a grapheme and its style. A wide grapheme occupies its cell and a following
/// `continuation` cell.
public struct Cell: Sendable, Hashable {
  public var symbol: String
  public var style: Style
  /// True for the second half of a wide grapheme (drawn by the cell before it).
  public var isContinuation: Bool

  public init(_ symbol: String = " ", style: Style = .plain, isContinuation: Bool = false) {
    self.symbol = symbol
    self.style = style
    self.isContinuation = isContinuation
  }

  public static let blank = Cell()
}

/// A grid of cells that screens and widgets draw into. A value type: rendering is pure and testable
/// without a terminal; the backend applies `diff(from:)` to the real screen. Not thread-safe.
public struct Buffer: Sendable, Equatable {
  public let width: Int
  public let height: Int
  public private(set) var cells: [Cell]

  public init(width: Int, height: Int, fill: Cell = .blank) {
    self.width = max(0, width)
    self.height = max(0, height)
    cells = Array(repeating: fill, count: self.width * self.height)
  }

  public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

  public subscript(x: Int, y: Int) -> Cell {
    get { cells[y * width + x] }
    set {
      guard x >= 0, y >= 0, x < width, y < height else { return }
      cells[y * width + x] = newValue
    }
  }

  /// Sets the style of every cell in `rect` (text kept), patching over the existing style.
  public mutating func setStyle(_ style: Style, in rect: Rect) {
    let r = rect.intersection(area)
    for y in r.y..<r.maxY {
      for x in r.x..<r.maxX { cells[y * width + x].style = cells[y * width + x].style.patched(with: style) }
    }
  }

  /// Fills `rect` with one symbol and style.
  public mutating func fill(_ rect: Rect, symbol: String = " ", style: Style = .plain) {
    let r = rect.intersection(area)
    for y in r.y..<r.maxY {
      for x in r.x..<r.maxX { cells[y * width + x] = Cell(symbol, style: style) }
    }
  }

  /// Writes `text` from (x, y), clipped to `maxWidth` columns (and the buffer). Control characters
  /// are replaced (text from datasets must never reach the terminal raw). Returns the columns used.
  @discardableResult
  public mutating func put(_ text: String, x: Int, y: Int, style: Style = .plain, maxWidth: Int? = nil) -> Int {
    guard y >= 0, y < height else { return 0 }
    let limit = min(width, x + (maxWidth ?? width))
    var col = x
    for ch in text {
      var symbol = String(ch)
      var w = CharWidth.of(ch)
      if ch.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
        symbol = "?"
        w = 1
      }
      if w == 0 { continue }
      if col + w > limit { break }
      if col >= 0 {
        cells[y * width + col] = Cell(symbol, style: style)
        if w == 2 { cells[y * width + col + 1] = Cell("", style: style, isContinuation: true) }
      }
      col += w
    }
    return col - x
  }

  /// `text` shortened to `width` columns by cutting its middle ("train/street…0123.jpg"): the start
  /// and the end of a name are what tell samples apart, so both stay (the end gets the larger share).
  public static func middleEllipsis(_ text: String, width w: Int) -> String {
    guard CharWidth.of(text) > w else { return text }
    guard w > 1 else { return w == 1 ? "…" : "" }
    let chars = Array(text)
    let headBudget = (w - 1) / 3, tailBudget = w - 1 - headBudget
    var head = "", tail: [Character] = []
    var used = 0
    for ch in chars {
      let cw = CharWidth.of(ch)
      if used + cw > headBudget { break }
      head.append(ch)
      used += cw
    }
    used = 0
    for ch in chars.reversed() {
      let cw = CharWidth.of(ch)
      if used + cw > tailBudget { break }
      tail.append(ch)
      used += cw
    }
    return head + "…" + String(tail.reversed())
  }

  /// Writes `text` truncated with "…" to fit `width` columns, padded with spaces to exactly `width`.
  public mutating func putPadded(_ text: String, x: Int, y: Int, width w: Int, style: Style = .plain, alignRight: Bool = false) {
    guard w > 0 else { return }
    var s = text
    if CharWidth.of(s) > w {
      var out = ""
      var used = 0
      for ch in s {
        let cw = CharWidth.of(ch)
        if used + cw > w - 1 { break }
        out.append(ch)
        used += cw
      }
      s = out + "…"
    }
    let pad = max(0, w - CharWidth.of(s))
    if alignRight {
      fill(Rect(x: x, y: y, width: pad, height: 1), style: style)
      put(s, x: x + pad, y: y, style: style, maxWidth: w - pad)
    } else {
      let used = put(s, x: x, y: y, style: style, maxWidth: w)
      fill(Rect(x: x + used, y: y, width: w - used, height: 1), style: style)
    }
  }

  /// Copies another buffer into this one at (x, y), clipped.
  public mutating func blit(_ other: Buffer, x: Int, y: Int) {
    for oy in 0..<other.height {
      for ox in 0..<other.width { self[x + ox, y + oy] = other[ox, oy] }
    }
  }

  /// A change to apply to the screen.
  public struct Change: Sendable, Equatable {
    public let x: Int
    public let y: Int
    public let cell: Cell
  }

  /// The cells that differ from `previous` (everything when sizes differ), in row order.
  public func diff(from previous: Buffer?) -> [Change] {
    var out: [Change] = []
    let full = previous == nil || previous!.width != width || previous!.height != height
    for y in 0..<height {
      for x in 0..<width {
        let c = cells[y * width + x]
        if full || previous!.cells[y * width + x] != c { out.append(Change(x: x, y: y, cell: c)) }
      }
    }
    return out
  }

  /// The text of the buffer, one line per row (continuation cells omitted), for snapshots.
  public func textDump() -> String {
    var lines: [String] = []
    for y in 0..<height {
      var line = ""
      for x in 0..<width where !cells[y * width + x].isContinuation { line += cells[y * width + x].symbol }
      lines.append(line)
    }
    return lines.joined(separator: "\n")
  }

  /// A grid of style ids (one character per cell) and the legend, so snapshots catch colour changes.
  public func styleDump() -> String {
    var ids: [Style: Character] = [:]
    var order: [Style] = []
    let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    var rows: [String] = []
    for y in 0..<height {
      var row = ""
      for x in 0..<width {
        let s = cells[y * width + x].style
        if ids[s] == nil {
          ids[s] = order.count < alphabet.count ? alphabet[order.count] : "+"
          order.append(s)
        }
        row.append(ids[s]!)
      }
      rows.append(row)
    }
    let legend = order.enumerated().map { i, s in
      "\(i < alphabet.count ? alphabet[i] : "+"): fg=\(s.fg?.description ?? "-") bg=\(s.bg?.description ?? "-") attr=\(s.attributes.rawValue)"
    }
    return (rows + ["--"] + legend).joined(separator: "\n")
  }
}

extension Buffer {
  /// Whether a terminal library updating the screen from `old` to `self` could move lines (scroll a
  /// region) to draw `changedRows`. ncurses anchors a move on a line whose text occurs once on the
  /// old screen and once on the new one, at another row: so this asks whether a changed row's new
  /// text is such a line. Styles are ignored (a library may map two colours to one), which errs on
  /// the side of "could".
  public func mayMoveLines(from old: Buffer?, changedRows: Set<Int>) -> Bool {
    guard let old, old.width == width, old.height == height, !changedRows.isEmpty else { return changedRows.count > 1 }
    func text(_ b: Buffer, _ y: Int) -> [String] { (0..<b.width).map { b.cells[y * b.width + $0].symbol } }
    var oldRows: [[String]: [Int]] = [:]
    for y in 0..<old.height { oldRows[text(old, y), default: []].append(y) }
    var newCount: [[String]: Int] = [:]
    for y in 0..<height { newCount[text(self, y), default: 0] += 1 }
    for y in changedRows where y >= 0 && y < height {
      let t = text(self, y)
      if let same = oldRows[t], same.count == 1, same[0] != y, newCount[t] == 1 { return true }
    }
    return false
  }
}
