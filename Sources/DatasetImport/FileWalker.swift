#if canImport(Glibc)
  import Glibc
#endif

/// The files found under a folder, and what was passed over.
public struct FolderListing: Sendable {
  /// Regular files, relative to the folder, sorted.
  public var files: [String] = []
  /// Entries that could not be listed (loops, broken links, names that are not UTF-8, special
  /// files), relative to the folder.
  public var problems: [(path: String, problem: String)] = []

  /// Problems with `prefix/` put before each path (the folder as the user should see it).
  public func problems(under prefix: String) -> [(String, String)] {
    problems.map { (prefix.isEmpty ? $0.path : prefix + "/" + $0.path, $0.problem) }
  }

  /// One problem per extension for the files whose extension is not in `accepted`:
  /// "12 files .bmp skipped: unsupported". `what` names the folder's role ("image", "mask").
  public func skippedByExtension(accepted: Set<String>, folder: String, what: String) -> [(String, String)] {
    var counts: [String: Int] = [:]
    for f in files {
      let ext = splitExtension(f).ext
      if !accepted.contains(ext) { counts[ext, default: 0] += 1 }
    }
    let list = accepted.sorted().map { "." + $0 }.joined(separator: " ")
    return counts.keys.sorted().map { ext in
      let n = counts[ext] ?? 0
      let name = ext.isEmpty ? "without an extension" : "." + ext
      return (folder, "\(n) \(n == 1 ? "file" : "files") \(name) skipped: unsupported \(what) format (read: \(list))")
    }
  }
}

/// Lists files under a folder, recursively, skipping hidden entries. Symbolic links are followed,
/// files and folders, wherever they lead (the folder was named by the user); a link back to a folder
/// already being listed is a loop, and a second way to a folder already listed is reported once and
/// not walked again, so the walk always ends.
public enum FileWalker {
  /// Deeper nesting than this is reported, not walked.
  static let maxDepth = 64

  public static func list(_ dir: String) -> FolderListing {
    var listing = FolderListing()
    var visited: [DirectoryIdentity: String] = [:]
    var stack: Set<DirectoryIdentity> = []
    // The folder and every folder above it: a link to any of them leads back into the walk.
    var st = stat()
    if let real = realPath(dir) {
      var cur = ""
      for part in [""] + real.split(separator: "/").map(String.init) {
        cur = part.isEmpty ? "/" : (cur == "/" ? "/" + part : cur + "/" + part)
        guard stat(cur, &st) == 0 else { continue }
        stack.insert(DirectoryIdentity(st))
        visited[DirectoryIdentity(st)] = cur == real ? "." : "a folder above it (\(cur))"
      }
    }
    walk(dir, prefix: "", listing: &listing, visited: &visited, stack: &stack, depth: 0)
    listing.files.sort()
    return listing
  }

  private static func walk(
    _ dir: String, prefix: String, listing: inout FolderListing, visited: inout [DirectoryIdentity: String], stack: inout Set<DirectoryIdentity>, depth: Int
  ) {
    guard let d = opendir(dir) else {
      listing.problems.append((prefix.isEmpty ? "." : prefix, "cannot read the folder: \(String(cString: strerror(errno)))"))
      return
    }
    defer { closedir(d) }
    var entries: [(name: String, raw: [UInt8])] = []
    while let e = readdir(d) {
      let raw = withUnsafeBytes(of: e.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
      if raw.first == UInt8(ascii: ".") { continue }
      entries.append((String(decoding: raw, as: UTF8.self), raw))
    }
    for (name, raw) in entries.sorted(by: { $0.raw.lexicographicallyPrecedes($1.raw) }) {
      let rel = prefix.isEmpty ? name : prefix + "/" + name
      if String(validatingCString: raw.map { CChar(bitPattern: $0) } + [0]) == nil {
        listing.problems.append((rel, "the file name is not valid UTF-8; skipped (rename it)"))
        continue
      }
      let full = dir + "/" + name
      var st = stat()
      guard lstat(full, &st) == 0 else { continue }
      let isLink = (st.st_mode & S_IFMT) == S_IFLNK
      if isLink {
        guard stat(full, &st) == 0 else {
          listing.problems.append((rel, "broken symbolic link (\(String(cString: strerror(errno)))); skipped"))
          continue
        }
      }
      switch st.st_mode & S_IFMT {
      case S_IFDIR:
        let id = DirectoryIdentity(st)
        if stack.contains(id) {
          listing.problems.append((rel, "symbolic link loop (leads back to \(visited[id] ?? "a parent folder")); skipped"))
          continue
        }
        if let first = visited[id] {
          listing.problems.append((rel, "the same folder as \(first) (reached again through a symbolic link); skipped"))
          continue
        }
        guard depth + 1 < maxDepth else {
          listing.problems.append((rel, "folders nested more than \(maxDepth) deep; skipped"))
          continue
        }
        visited[id] = rel
        stack.insert(id)
        walk(full, prefix: rel, listing: &listing, visited: &visited, stack: &stack, depth: depth + 1)
        stack.remove(id)
      case S_IFREG:
        listing.files.append(rel)
      default:
        listing.problems.append((rel, "not a regular file (a device, FIFO or socket); skipped"))
      }
    }
  }

  public static func realPath(_ p: String) -> String? {
    guard let r = realpath(p, nil) else { return nil }
    defer { free(r) }
    return String(cString: r)
  }

  public static func isDirectory(_ p: String) -> Bool {
    var st = stat()
    return stat(p, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
  }

  public static func exists(_ p: String) -> Bool {
    var st = stat()
    return stat(p, &st) == 0
  }

  /// A text file of at most 16 MiB (a longer one is cut there); nil when it is not a readable
  /// regular file.
  static func readText(_ p: String) -> String? {
    var st = stat()
    guard stat(p, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, let f = fopen(p, "r") else { return nil }
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

/// A folder's device and inode: the same folder whatever path reached it.
struct DirectoryIdentity: Hashable {
  let device: UInt64
  let inode: UInt64
  init(_ st: stat) {
    device = UInt64(st.st_dev)
    inode = UInt64(st.st_ino)
  }
}

/// A folder named by the user (or by a field definition): where it is now, and how it is stored.
///
/// Folders inside the dataset root are stored relative to it (the dataset can move as a whole);
/// folders elsewhere are stored as absolute paths, so the dataset still opens from any directory.
public struct FolderRef: Sendable, Equatable {
  /// The folder's absolute path, as given (symbolic links kept).
  public let absolute: String
  /// What mask paths under it are stored with: relative to the root when inside it, else absolute.
  public let stored: String

  /// `dir` is absolute, or relative to `root` (the command line makes typed paths absolute first).
  public init(_ dir: String, root: String) {
    let abs = dir.hasPrefix("/") ? dir : (root.hasSuffix("/") ? root + dir : root + "/" + dir)
    absolute = abs
    let rootReal = FileWalker.realPath(root) ?? root
    let real = FileWalker.realPath(abs)
    if let real, real.hasPrefix(rootReal + "/") {
      stored = String(real.dropFirst(rootReal.count + 1))
    } else if real == rootReal {
      stored = "."
    } else {
      stored = abs
    }
  }

  /// The stored path of a file `rel` under this folder.
  public func storedPath(_ rel: String) -> String { stored == "." ? rel : stored + "/" + rel }
}

/// Splits "a/b/c.png" into ("a/b/c", "png").
func splitExtension(_ path: String) -> (stem: String, ext: String) {
  guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return (path, "") }
  return (String(path[..<dot]), String(path[path.index(after: dot)...]).lowercased())
}
