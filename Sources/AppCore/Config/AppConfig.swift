import TOML
import TerminalRender
import SegmentationCore
/// `$XDG_CONFIG_HOME/segscope/config.toml`:
///
///     theme = "dark"
///     graphics = "halfblock"     # sixel, kitty, halfblock, ascii
///     bandwidth = "auto"         # or KB/s: below 64, pictures are half-blocks
///     colors = "256"             # truecolor, 256, 16, none
///     [keys]
///     "sample.next" = "n"        # or a list: ["n", "Right"]
///     "app.quit" = "Ctrl-Q"
public struct AppConfig: Sendable, Equatable {
  public var theme: String? = nil
  public var graphics: String? = nil
  public var colors: String? = nil
  /// Paint the background class in overlays (default: leave it transparent).
  public var paintBackground: Bool? = nil
  /// `bandwidth = "auto"` or KB/s: when pictures fall back to half-blocks.
  public var bandwidth: Bandwidth? = nil
  public var bindings: [(CommandID, Key)] = []
  public var warnings: [String] = []

  public init() {}

  public static func == (a: AppConfig, b: AppConfig) -> Bool {
    a.theme == b.theme && a.graphics == b.graphics && a.colors == b.colors && a.paintBackground == b.paintBackground && a.bandwidth == b.bandwidth
      && a.warnings == b.warnings
      && a.bindings.map { "\($0.0)=\($0.1)" } == b.bindings.map { "\($0.0)=\($0.1)" }
  }

  /// Parses the file's text. Syntax errors throw; unknown keys, commands and key names are warnings.
  public static func parse(_ text: String) throws(TOMLError) -> AppConfig {
    let t = try TOMLSubset.parse(text)
    var c = AppConfig()
    func at(_ key: String) -> String { TOMLSubset.line(of: key, in: text).map { " (line \($0))" } ?? "" }
    for (k, v) in t {
      switch k {
      case "theme": c.theme = v.string
      case "graphics": c.graphics = v.string
      case "bandwidth":
        // "auto" or KB/s.
        let text = v.string ?? v.number.map { "\($0)" }
        if let b = text.flatMap(Bandwidth.init) { c.bandwidth = b } else { c.warnings.append("bandwidth is \"auto\" or KB/s (a positive number)" + at(k)) }
      case "colors": c.colors = v.string
      case "paint_background":
        if let b = v.bool { c.paintBackground = b } else { c.warnings.append("paint_background is true or false" + at(k)) }
      case "keys":
        for (cmd, keys) in (v.table ?? [:]).sorted(by: { $0.key < $1.key }) {
          guard let id = CommandID(rawValue: cmd), CommandRegistry.command(id) != nil else {
            c.warnings.append("keys: unknown command '\(cmd)'" + at(cmd))
            continue
          }
          let names = keys.array?.compactMap(\.string) ?? keys.string.map { [$0] } ?? []
          for n in names {
            if let key = parseKey(n) { c.bindings.append((id, key)) } else { c.warnings.append("keys: unknown key name '\(n)' for \(cmd)" + at(cmd)) }
          }
        }
      default: c.warnings.append("unknown setting '\(k)'" + at(k))
      }
    }
    return c
  }

  /// "n", "Ctrl-Q", "Up", "Enter", "Esc", "Tab", "Space", "F5", "PgDn"...
  public static func parseKey(_ s: String) -> Key? {
    let named: [String: Key] = [
      "up": .up, "down": .down, "left": .left, "right": .right, "pgup": .pageUp, "pageup": .pageUp, "pgdn": .pageDown,
      "pagedown": .pageDown, "home": .home, "end": .end, "enter": .enter, "return": .enter, "esc": .escape, "escape": .escape,
      "backspace": .backspace, "tab": .tab, "shift-tab": .backTab, "del": .delete, "delete": .delete, "space": .char(" "),
    ]
    if let k = named[s.lowercased()] { return k }
    if s.lowercased().hasPrefix("ctrl-"), s.count == 6, let c = s.last, c.isLetter { return .ctrl(Character(c.lowercased())) }
    if s.count >= 2, s.first == "F" || s.first == "f", let n = Int(s.dropFirst()), (1...24).contains(n) { return .function(n) }
    if s.count == 1, let c = s.first { return .char(c) }
    return nil
  }

  /// The default keymap with this configuration's bindings applied.
  public func keymap() -> Keymap {
    var k = Keymap.defaults
    for (id, key) in bindings { k.bind(key, to: id) }
    return k
  }
}
