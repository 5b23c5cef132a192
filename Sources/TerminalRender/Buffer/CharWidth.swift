/// Display width of characters in a terminal cell grid (wcwidth-like, locale-independent).
public enum CharWidth {
  /// 0 for combining marks and zero-width characters, 2 for East Asian wide and emoji, else 1.
  /// Control characters have width 0 here; they are never drawn (text is sanitized first).
  public static func of(_ scalar: Unicode.Scalar) -> Int {
    let v = scalar.value
    if v < 0x20 || (0x7F...0x9F).contains(v) { return 0 }
    if v < 0x300 { return 1 }
    if isZeroWidth(v) { return 0 }
    if isWide(v) { return 2 }
    return 1
  }

  /// Width of a grapheme cluster: its first scalar decides, emoji presentation makes it wide.
  public static func of(_ ch: Character) -> Int {
    guard let first = ch.unicodeScalars.first else { return 0 }
    if ch.unicodeScalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
    return of(first)
  }

  /// Width of a string.
  public static func of(_ s: String) -> Int { s.reduce(0) { $0 + of($1) } }

  static func isZeroWidth(_ v: UInt32) -> Bool {
    (0x0300...0x036F).contains(v) || (0x0483...0x0489).contains(v) || (0x0591...0x05BD).contains(v)
      || (0x0610...0x061A).contains(v) || (0x064B...0x065F).contains(v) || (0x200B...0x200F).contains(v)
      || (0x202A...0x202E).contains(v) || (0x2060...0x2064).contains(v) || (0x20D0...0x20FF).contains(v)
      || (0xFE00...0xFE0F).contains(v) || (0xFE20...0xFE2F).contains(v) || v == 0xFEFF
      || (0xE0100...0xE01EF).contains(v)
  }

  static func isWide(_ v: UInt32) -> Bool {
    (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
      || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
      || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
      || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
      || (0x1F680...0x1F6FF).contains(v) || (0x1F900...0x1F9FF).contains(v) || (0x1FA70...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v)
  }
}
