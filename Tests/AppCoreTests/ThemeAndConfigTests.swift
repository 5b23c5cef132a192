import AppCore
import Foundation
import SegmentationCore
import TerminalRender
import Testing

let themesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
  "Themes"
).path

func readFile(_ p: String) -> String? { try? String(contentsOfFile: p, encoding: .utf8) }

@Suite("Themes and the config file")
struct ThemeAndConfigTests {
  @Test("every theme in Themes/ loads with no warnings and colours every class")
  func everyTheme() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: themesFolder).filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }
    #expect(Set(names).isSuperset(of: ["dark", "light", "high-contrast", "colorblind"]))
    for n in names {
      let loaded = try ThemeLoader.load(n, folders: [themesFolder], read: readFile)
      #expect(loaded.warnings.isEmpty, "\(n): \(loaded.warnings)")
      for scope in ThemeLoader.scopes { #expect(loaded.theme.scopes[scope] != nil, "\(n) lacks \(scope)") }
      #expect(loaded.theme.heatmap.count >= 2)
      #expect(loaded.theme.classes.colors[0] != nil && loaded.theme.classes.color(300) != loaded.theme.classes.color(301))
    }
  }

  @Test("inherits merges tables; palette names resolve; scopes fall back on dots")
  func inheritance() throws {
    let light = try ThemeLoader.load("light", folders: [themesFolder], read: readFile).theme
    #expect(light.style("ui").bg == RGB(hex: "#fafaf5"))
    #expect(light.style("ui.selection").attributes.contains(.bold))
    #expect(light.style("ui.palette.match").fg == RGB(hex: "#8a5a00"))  // palette entry "amber"
    #expect(light.style("ui.nothing.here") == light.style("ui"))
    let cb = try ThemeLoader.load("colorblind", folders: [themesFolder], read: readFile).theme
    #expect(cb.errors.falsePositive == RGB(hex: "#d55e00"))
    #expect(cb.classes.colors[6] == RGB(hex: "#d55e00"))
  }

  @Test("unknown keys and bad colours are warnings; syntax errors name the line")
  func warnings() throws {
    let files = [
      "/t/bad.toml": "inherits = \"base\"\n\"ui.bogus\" = \"#ffffff\"\n\"ui.dim\" = \"#zzzzzz\"\n",
      "/t/base.toml": "\"ui\" = \"#ffffff\"\n\"eval.heatmap\" = [\"#000000\", \"#ffffff\"]\n",
      "/t/broken.toml": "\"ui\" = \n",
    ]
    let loaded = try ThemeLoader.load("bad", folders: ["/t"], read: { files[$0] })
    #expect(loaded.warnings.contains("unknown key 'ui.bogus' (line 2)"), "\(loaded.warnings)")
    #expect(loaded.warnings.contains("ui.dim: bad colour '#zzzzzz'"))
    #expect(throws: ThemeError.self) { try ThemeLoader.load("broken", folders: ["/t"], read: { files[$0] }) }
    #expect(throws: ThemeError.self) { try ThemeLoader.load("missing", folders: ["/t"], read: { files[$0] }) }
  }

  @Test("key bindings are overridable by command id")
  func keyOverrides() throws {
    let c = try AppConfig.parse(
      """
      theme = "light"
      [keys]
      "sample.next" = ["Right", "x"]
      "app.quit" = "Ctrl-Q"
      "no.such" = "z"
      "app.help" = "Hyper-Space"
      """)
    #expect(c.theme == "light")
    #expect(Set(c.warnings) == ["keys: unknown key name 'Hyper-Space' for app.help (line 6)", "keys: unknown command 'no.such' (line 5)"], "\(c.warnings)")
    var s = loadedState()
    s.keymap = c.keymap()
    _ = press(&s, .enter)
    _ = press(&s, .char("x"))
    #expect(s.cursor == 1)
    #expect(press(&s, .ctrl("q")) == [.quit])
    #expect(AppConfig.parseKey("F5") == .function(5) && AppConfig.parseKey("PgDn") == .pageDown && AppConfig.parseKey("Space") == .char(" "))
  }
}

@Suite("A slow link: pictures fall back to half-blocks")
struct SlowLinkTests {
  @Test("bandwidth in the config is auto or KB/s; anything else is a warning naming the line")
  func config() throws {
    #expect(try AppConfig.parse("bandwidth = \"auto\"").bandwidth == .auto)
    #expect(try AppConfig.parse("bandwidth = 40").bandwidth == .fixed(kbps: 40))
    #expect(try AppConfig.parse("bandwidth = 12.5").bandwidth == .fixed(kbps: 12.5))
    let bad = try AppConfig.parse("theme = \"dark\"\nbandwidth = -3")
    #expect(bad.bandwidth == nil && bad.warnings == ["bandwidth is \"auto\" or KB/s (a positive number) (line 2)"], "\(bad.warnings)")
    #expect(Bandwidth("fast") == nil && Bandwidth("0") == nil && Bandwidth("nan") == nil && Bandwidth(" AUTO ") == .auto)
  }

  @Test("a link too slow for pixels turns sixel and kitty into half-blocks (shading glyphs without colour) and says so")
  func fallback() {
    var s = loadedState()
    s.graphics = .sixel
    _ = Reducer.reduce(&s, .linkTooSlow(kbps: 31.6))
    #expect(s.graphics == .halfblock)
    #expect(s.status?.contains("slow link (~32 KB/s)") == true && s.statusIsError == false, "\(s.status ?? "")")
    var plain = loadedState()
    plain.graphics = .kitty
    plain.colors = .none
    _ = Reducer.reduce(&plain, .linkTooSlow(kbps: 10))
    #expect(plain.graphics == .ascii)
    // Text graphics stay as they are, with no message.
    var text = loadedState()
    text.graphics = .halfblock
    _ = Reducer.reduce(&text, .linkTooSlow(kbps: 10))
    #expect(text.graphics == .halfblock && text.status == nil)
  }

  @Test("the meter: small writes say nothing; blocked picture writes measure the link; one sample is not a verdict")
  func meter() {
    var m = LinkMeter()
    m.record(bytes: 4000, seconds: 2)
    #expect(m.estimate == nil && !m.isTooSlow)
    // 300 KB in 10 s: 30 KB/s.
    m.record(bytes: 300 * 1024, seconds: 10)
    #expect(m.estimate == 30 && !m.isTooSlow, "one sample")
    m.record(bytes: 64 * 1024, seconds: 2)
    #expect(m.isTooSlow && abs(m.estimate! - 31) < 0.01)
    // A link that takes 300 KB in 1 s (the buffers absorb most of it) is fast enough.
    var fast = LinkMeter()
    for _ in 0..<3 { fast.record(bytes: 300 * 1024, seconds: 1) }
    #expect(!fast.isTooSlow && fast.estimate == 300)
    // A slow start recovers when later writes are fast.
    var mixed = LinkMeter()
    mixed.record(bytes: 32 * 1024, seconds: 1)
    for _ in 0..<3 { mixed.record(bytes: 256 * 1024, seconds: 0.5) }
    #expect(!mixed.isTooSlow)
  }
}

@Suite("Theme contrast (WCAG AA)")
struct ThemeContrastTests {
  @Test("every theme's text reads at 4.5:1 or more on its background, and so does mIoU text coloured by the heat map")
  func contrast() throws {
    #expect(abs(Theme.contrast(RGB(0, 0, 0), RGB(255, 255, 255)) - 21) < 1e-9)
    #expect(Theme.contrast(RGB(0x44, 0x44, 0x44), RGB(0x1C, 0x1C, 0x1C)) < 2, "the pair the issue reported")
    let names = try FileManager.default.contentsOfDirectory(atPath: themesFolder).filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }
    var themes = [Theme.dark]
    for n in names.sorted() { themes.append(try ThemeLoader.load(n, folders: [themesFolder], read: readFile).theme) }
    for theme in themes {
      for (scope, style) in theme.scopes.sorted(by: { $0.key < $1.key }) {
        guard let fg = style.fg, let bg = theme.background(scope) else { continue }
        let ratio = Theme.contrast(fg, bg)
        #expect(ratio >= 4.5, "\(theme.name) \(scope): \(fg) on \(bg) is \(String(format: "%.2f", ratio)):1")
      }
      let bg = try #require(theme.background("ui"))
      for step in 0...20 {
        let t = Double(step) / 20
        #expect(Theme.contrast(theme.heatText(t), bg) >= 4.5, "\(theme.name) heat text at \(t)")
      }
    }
  }
}

/// The TOML shapes that crashed or ran away (#30): bounded whatever the file says.
