#if canImport(Glibc)
  import Glibc
#endif

/// XDG base directories and folder creation.
enum Paths {
  static func env(_ name: String) -> String? {
    guard let v = getenv(name) else { return nil }
    let s = String(cString: v)
    return s.isEmpty ? nil : s
  }

  static func home() -> String { env("HOME") ?? "/tmp" }

  static func cacheHome() -> String { env("XDG_CACHE_HOME") ?? home() + "/.cache" }

  /// `mkdir -p`.
  static func makeDirectories(_ path: String) {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
      current += "/" + part
      mkdir(current, 0o755)
    }
  }
}
