#if canImport(Glibc)
  import Glibc
#endif

/// Lists files under a folder, recursively, skipping hidden entries. Paths come back relative to
/// the folder. Symbolic links are followed only when they stay inside `boundary`.
enum FileWalker {
  static func files(in dir: String, boundary: String, escaped: inout [String]) -> [String] {
    var out: [String] = []
    walk(dir, prefix: "", boundary: boundary, out: &out, escaped: &escaped, depth: 0)
    return out.sorted()
  }

  private static func walk(_ dir: String, prefix: String, boundary: String, out: inout [String], escaped: inout [String], depth: Int) {
    guard depth < 32, let d = opendir(dir) else { return }
    defer { closedir(d) }
    while let e = readdir(d) {
      let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name.hasPrefix(".") { continue }
      let full = dir + "/" + name
      let rel = prefix.isEmpty ? name : prefix + "/" + name
      var st = stat()
      guard lstat(full, &st) == 0 else { continue }
      if (st.st_mode & S_IFMT) == S_IFLNK {
        guard let real = realPath(full), real == boundary || real.hasPrefix(boundary + "/") else {
          escaped.append(rel)
          continue
        }
        guard stat(full, &st) == 0 else { continue }
      }
      if (st.st_mode & S_IFMT) == S_IFDIR {
        walk(full, prefix: rel, boundary: boundary, out: &out, escaped: &escaped, depth: depth + 1)
      } else if (st.st_mode & S_IFMT) == S_IFREG {
        out.append(rel)
      }
    }
  }

  static func realPath(_ p: String) -> String? {
    guard let r = realpath(p, nil) else { return nil }
    defer { free(r) }
    return String(cString: r)
  }

  static func isDirectory(_ p: String) -> Bool {
    var st = stat()
    return stat(p, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
  }

  static func readText(_ p: String) -> String? {
    guard let f = fopen(p, "r") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = fread(&buf, 1, 65536, f)
      if n <= 0 { break }
      out.append(contentsOf: buf[0..<n])
      if out.count > 16 << 20 { break }
    }
    return String(decoding: out, as: UTF8.self)
  }
}

/// Splits "a/b/c.png" into ("a/b/c", "png").
func splitExtension(_ path: String) -> (stem: String, ext: String) {
  guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return (path, "") }
  return (String(path[..<dot]), String(path[path.index(after: dot)...]).lowercased())
}
