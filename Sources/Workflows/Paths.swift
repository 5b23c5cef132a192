#if canImport(Glibc)
  import Glibc
#endif

/// XDG base directories and folder creation.
public enum Paths {
  public static func env(_ name: String) -> String? {
    guard let v = getenv(name) else { return nil }
    let s = String(cString: v)
    return s.isEmpty ? nil : s
  }

  public static func home() -> String { env("HOME") ?? "/tmp" }

  public static func cacheHome() -> String { env("XDG_CACHE_HOME") ?? home() + "/.cache" }

  /// `mkdir -p`.
  public static func makeDirectories(_ path: String) {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
      current += "/" + part
      mkdir(current, 0o755)
    }
  }
}

/// A path the user typed: absolute as it is, relative to the current directory otherwise. Symbolic
/// links are resolved the way the kernel resolves them (so `../x` from a linked folder means what
/// `ls ../x` means); a path that does not exist yet is made absolute lexically.
public func typedPath(_ p: String) -> String {
  if p.hasPrefix("/") { return p }
  if let r = realpath(p, nil) {
    defer { free(r) }
    return String(cString: r)
  }
  var buf = [CChar](repeating: 0, count: 4096)
  guard getcwd(&buf, 4096) != nil else { return p }
  let cwd = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  return cwd == "/" ? "/" + p : cwd + "/" + p
}

/// NAME=PATH specs (`--pred`, `--conf`) with PATH made absolute (typed paths are relative to the
/// current directory); malformed specs are left out (the command line rejects them first).
public func typedSpecs(_ specs: [String]) -> [(String, String)] {
  specs.compactMap(parsePredictionSpec).map { ($0.0, typedPath($0.1)) }
}

/// Parses NAME=PATH: a name of letters, digits, '_' and '-', and a non-empty path.
public func parsePredictionSpec(_ s: String) -> (String, String)? {
  guard let eq = s.firstIndex(of: "="), eq != s.startIndex else { return nil }
  let name = String(s[..<eq]), dir = String(s[s.index(after: eq)...])
  guard !dir.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else { return nil }
  return (name, dir)
}

extension String {
  /// The string without `set` at either end.
  public func trimmingCharacters(in set: Character) -> String { String(drop { $0 == set }.reversed().drop { $0 == set }.reversed()) }
}
