import SegmentationCore

/// Parses what a terminal answered to the probe burst. Pure: tests feed it recorded replies.
public enum ProbeReplies {
  /// The query burst, DA1 last: XTVERSION, XTSMGRAPHICS (registers, geometry), CSI 14/16/18 t,
  /// DECRQM 2026, the kitty graphics query, the DECRQSS truecolor check.
  public static let queries: String = queries(for: ProbeNeeds())

  /// What a probe has to find out: an override on the command line or in the config makes a
  /// question moot, and a question not asked leaves no trace in the terminal.
  public struct ProbeNeeds: Sendable, Equatable {
    /// Whether the graphics protocol is still to be chosen (sixel and kitty questions).
    public var graphics = true
    /// Whether pixel sizes matter (sixel or kitty pictures).
    public var pixels = true
    /// Whether the colour depth is still to be found (the truecolor round trip).
    public var colors = true
    /// Inside tmux the kitty query is never sent: tmux does not pass it on, and takes an APC string
    /// for a pane title.
    public var inTmux = false
    public init(graphics: Bool = true, pixels: Bool = true, colors: Bool = true, inTmux: Bool = false) {
      self.graphics = graphics
      self.pixels = pixels
      self.colors = colors
      self.inTmux = inTmux
    }
  }

  /// The query burst for `needs`; it always ends with DA1, whose answer ends the wait.
  public static func queries(for needs: ProbeNeeds) -> String {
    var q = "\u{1B}[>0q"
    if needs.graphics || needs.pixels { q += "\u{1B}[?1;1;0S" + "\u{1B}[?2;1;0S" }
    if needs.pixels { q += "\u{1B}[14t" + "\u{1B}[16t" }
    q += "\u{1B}[18t" + "\u{1B}[?2026$p"
    if needs.graphics && !needs.inTmux { q += "\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\" }
    if needs.colors { q += "\u{1B}[38;2;1;2;3m" + "\u{1B}P$qm\u{1B}\\" + "\u{1B}[0m" }
    return q + "\u{1B}[c"
  }

  /// Whether the bytes contain the DA1 reply (`CSI ? ... c`), which ends the probe.
  public static func hasDA1(_ bytes: [UInt8]) -> Bool {
    parseSequences(bytes).contains { $0.kind == .csi && $0.final == UInt8(ascii: "c") && $0.body.first == UInt8(ascii: "?") }
  }

  /// Everything learnt, given the replies, the environment and the window size from TIOCGWINSZ
  /// (columns, rows, pixel width, pixel height; zeros when unknown).
  public static func capabilities(replies bytes: [UInt8], env: [String: String], winsize: (cols: Int, rows: Int, xpixel: Int, ypixel: Int))
    -> TerminalCapabilities
  {
    var caps = TerminalCapabilities()
    caps.inTmux = env["TMUX"] != nil || (env["TERM"] ?? "").hasPrefix("tmux") || (env["TERM"] ?? "").hasPrefix("screen")
    if winsize.cols > 0 { caps.columns = winsize.cols }
    if winsize.rows > 0 { caps.rows = winsize.rows }
    var cell16: (Int, Int)? = nil
    var window14: (Int, Int)? = nil
    var geometry: (Int, Int)? = nil
    var decrqssTrue = false
    for seq in parseSequences(bytes) {
      let params = seq.params
      switch (seq.kind, seq.final) {
      case (.csi, UInt8(ascii: "c")) where seq.body.first == UInt8(ascii: "?"):
        caps.answered = true
        caps.da1Attributes = Array(params.dropFirst())
      case (.csi, UInt8(ascii: "S")) where seq.body.first == UInt8(ascii: "?"):
        if params.count >= 3 && params[0] == 1 && params[1] == 0 { caps.colorRegisters = max(2, min(1024, params[2])) }
        if params.count >= 4 && params[0] == 2 && params[1] == 0 { geometry = (params[2], params[3]) }
      case (.csi, UInt8(ascii: "t")):
        if params.count >= 3 && params[0] == 6 { cell16 = (params[2], params[1]) }
        if params.count >= 3 && params[0] == 4 { window14 = (params[2], params[1]) }
        if params.count >= 3 && params[0] == 8 && !caps.inTmux {
          // tmux before 3.4 swaps rows and columns here: trust TIOCGWINSZ inside tmux.
          if winsize.cols == 0 { caps.columns = params[2] }
          if winsize.rows == 0 { caps.rows = params[1] }
        }
      case (.csi, UInt8(ascii: "y")) where seq.body.first == UInt8(ascii: "?"):
        if params.count >= 2 && params[0] == 2026 && (params[1] == 1 || params[1] == 2) { caps.synchronizedOutput = true }
      case (.dcs, _):
        let text = String(decoding: seq.body, as: UTF8.self)
        if text.hasPrefix(">|") {
          caps.terminalName = Sanitize.forTerminal(String(text.dropFirst(2)))
          if text.dropFirst(2).lowercased().hasPrefix("tmux") { caps.inTmux = true }
        } else if text.hasPrefix("1$r") {
          if text.contains("38:2::1:2:3") || text.contains("38:2:1:2:3") || text.contains("38;2;1;2;3") { decrqssTrue = true }
        }
      case (.apc, _):
        let text = String(decoding: seq.body, as: UTF8.self)
        if text.hasPrefix("Gi=31") && text.contains("OK") { caps.kitty = true }
      default:
        break
      }
    }
    caps.sixel = caps.da1Attributes.contains(4)
    if caps.sixel, let g = geometry, g.0 > 0, g.1 > 0 { caps.maxGraphicsSize = (g.0, g.1) }
    if !caps.sixel { caps.colorRegisters = 256 }
    // Cell size: the first candidate that looks sane.
    func sane(_ w: Int, _ h: Int) -> Bool { (2...64).contains(w) && (4...128).contains(h) }
    var candidates: [((Int, Int), String)] = []
    if let c = cell16 { candidates.append((c, "16t")) }
    if let p = window14, caps.columns > 0, caps.rows > 0, p.0 <= 24576, p.1 <= 24576 { candidates.append(((p.0 / caps.columns, p.1 / caps.rows), "14t")) }
    if winsize.xpixel > 0, winsize.ypixel > 0, winsize.cols > 0, winsize.rows > 0, !(winsize.xpixel == 640 && winsize.ypixel == 480) {
      candidates.append(((winsize.xpixel / winsize.cols, winsize.ypixel / winsize.rows), "winsize"))
    }
    if let g = geometry, caps.sixel, (caps.terminalName ?? "").lowercased().contains("xterm") {
      candidates.append(((g.0 / max(1, caps.columns), g.1 / max(1, caps.rows)), "xtsmgraphics"))
    }
    if let hit = candidates.first(where: { sane($0.0.0, $0.0.1) }) {
      caps.cellWidth = hit.0.0
      caps.cellHeight = hit.0.1
      caps.cellSizeSource = hit.1
    }
    // Colours.
    let colorterm = (env["COLORTERM"] ?? "").lowercased()
    let term = env["TERM"] ?? ""
    if env["NO_COLOR"].map({ !$0.isEmpty }) == true || term == "dumb" {
      caps.colors = .none
      caps.truecolorSource = env["NO_COLOR"] != nil ? "NO_COLOR" : "TERM=dumb"
    } else if colorterm == "truecolor" || colorterm == "24bit" {
      caps.colors = .truecolor
      caps.truecolorSource = "COLORTERM"
    } else if decrqssTrue {
      caps.colors = .truecolor
      caps.truecolorSource = "DECRQSS"
    } else if term.contains("256color") || term.hasSuffix("-direct") {
      caps.colors = .palette256
      caps.truecolorSource = "TERM"
    } else {
      caps.colors = term.isEmpty ? .ansi16 : .palette256
      caps.truecolorSource = "default"
    }
    // Graphics: sixel where DA1 says so (not inside a tmux, whose DA1 describes tmux), kitty where it
    // answered, else half-blocks; ascii without colour.
    if caps.colors == .none {
      caps.graphics = .ascii
    } else if caps.sixel && !caps.inTmux {
      caps.graphics = .sixel
    } else if caps.kitty && !caps.inTmux {
      caps.graphics = .kitty
    } else {
      caps.graphics = .halfblock
    }
    return caps
  }

  /// A parsed escape sequence.
  struct Sequence {
    enum Kind { case csi, dcs, apc, osc }
    let kind: Kind
    /// Bytes between the introducer and the final byte (or the string terminator).
    let body: [UInt8]
    let final: UInt8

    /// Numeric parameters (leading private markers skipped; empty fields are 0).
    var params: [Int] {
      let digits = body.drop { !($0 >= 48 && $0 <= 57) && $0 != UInt8(ascii: ";") }
      var out: [Int] = []
      var cur = 0
      var any = false
      for b in digits {
        if b >= 48 && b <= 57 {
          cur = min(1_000_000, cur * 10 + Int(b - 48))
          any = true
        } else if b == UInt8(ascii: ";") {
          out.append(cur)
          cur = 0
        } else {
          break
        }
      }
      if any || !out.isEmpty { out.append(cur) }
      return out
    }
  }

  /// Splits bytes into CSI, DCS, APC and OSC sequences; anything else is skipped. Malformed input
  /// never traps.
  static func parseSequences(_ b: [UInt8]) -> [Sequence] {
    var out: [Sequence] = []
    var i = 0
    while i < b.count {
      guard b[i] == 0x1B, i + 1 < b.count else {
        i += 1
        continue
      }
      let intro = b[i + 1]
      if intro == UInt8(ascii: "[") {
        var j = i + 2
        while j < b.count && !(b[j] >= 0x40 && b[j] <= 0x7E) { j += 1 }
        if j >= b.count { break }
        out.append(Sequence(kind: .csi, body: Array(b[(i + 2)..<j]), final: b[j]))
        i = j + 1
      } else if intro == UInt8(ascii: "P") || intro == UInt8(ascii: "_") || intro == UInt8(ascii: "]") {
        var j = i + 2
        while j < b.count && !(b[j] == 0x07 || (b[j] == 0x1B && j + 1 < b.count && b[j + 1] == UInt8(ascii: "\\"))) { j += 1 }
        if j >= b.count { break }
        let kind: Sequence.Kind = intro == UInt8(ascii: "P") ? .dcs : (intro == UInt8(ascii: "_") ? .apc : .osc)
        out.append(Sequence(kind: kind, body: Array(b[(i + 2)..<j]), final: 0))
        i = j + (b[j] == 0x07 ? 1 : 2)
      } else {
        i += 2
      }
    }
    return out
  }
}
