/// Makes strings that come from a dataset (file names, class names, JSON) safe to print.
public enum Sanitize {
  /// Replaces every C0 and C1 control character, DEL, and the bidi overrides with a visible escape
  /// (`\x1b`, `\u{202e}`), so that no escape sequence from a dataset ever reaches the terminal.
  public static func forTerminal(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for scalar in s.unicodeScalars {
      let v = scalar.value
      let isControl = v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v)
      let isBidi = (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
      if isControl {
        out += "\\x" + (v < 16 ? "0" : "") + String(v, radix: 16)
      } else if isBidi {
        out += "\\u{" + String(v, radix: 16) + "}"
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}
