import AppCore
import ImageCodec
import Workflows

#if canImport(Glibc)
  import Glibc
#endif

/// The user's config file and the theme it (or --theme) names.
public enum Settings {
  public static func configHome() -> String { Paths.env("XDG_CONFIG_HOME") ?? Paths.home() + "/.config" }

  /// The config file, or an empty config; syntax errors and warnings become messages.
  public static func loadConfig() -> (AppConfig, [String]) {
    let path = configHome() + "/segscope/config.toml"
    guard let bytes = try? FileBytes.read(path) else { return (AppConfig(), []) }
    do {
      let c = try AppConfig.parse(String(decoding: bytes, as: UTF8.self))
      return (c, c.warnings.map { "\(path): \($0)" })
    } catch {
      return (AppConfig(), ["\(path): \(error.description) (config ignored)"])
    }
  }

  /// Folders searched for themes: the user's, $SEGSCOPE_THEMES, the source tree's Themes/ (found from
  /// the executable's location), the system one.
  public static func themeFolders() -> [String] {
    var out = [configHome() + "/segscope/themes"]
    if let e = Paths.env("SEGSCOPE_THEMES") { out.append(e) }
    var exe = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &exe, 4095)
    if n > 0 {
      var dir = String(decoding: exe[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      for _ in 0..<5 {
        dir = String(dir[..<(dir.lastIndex(of: "/") ?? dir.startIndex)])
        if dir.isEmpty { break }
        out.append(dir + "/Themes")
      }
    }
    out.append("/usr/share/segscope/themes")
    return out
  }

  /// The theme to use, falling back on the built-in dark one with a message.
  public static func theme(_ name: String) -> (Theme, [String]) {
    do {
      let loaded = try ThemeLoader.load(name, folders: themeFolders()) { path in
        (try? FileBytes.read(path)).map { String(decoding: $0, as: UTF8.self) }
      }
      return (loaded.theme, loaded.warnings.map { "theme \(name): \($0)" })
    } catch {
      return (.dark, name == "dark" ? [] : ["\(error) — using the built-in dark theme"])
    }
  }
}
