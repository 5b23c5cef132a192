import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Files and folders a segscope process names with its pid (`PREFIX<pid>...`), left behind when that
/// process was killed.
public enum Leftovers {
  /// Removes the entries of `dir` named `prefix`, a pid, then `suffix` (anything ending with it; nil:
  /// nothing after the pid), whose process is gone. Those of running processes (and this one) stay.
  public static func removeOfDeadProcesses(in dir: String, prefix: String, suffix: String? = nil) {
    for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where name.hasPrefix(prefix) {
      let afterPrefix = name.dropFirst(prefix.count)
      let digits = afterPrefix.prefix { $0.isNumber }
      let rest = afterPrefix.dropFirst(digits.count)
      guard suffix.map({ rest.hasSuffix($0) }) ?? rest.isEmpty, let pid = pid_t(digits), pid != getpid() else { continue }
      if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: (dir as NSString).appendingPathComponent(name)) }
    }
  }
}
