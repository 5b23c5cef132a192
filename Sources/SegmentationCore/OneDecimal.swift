/// Numbers as segscope prints them: one decimal, rounded half away from zero, with the sign kept
/// under one ("-0.3"). The command line's tables and the app's screens both format through here, so
/// the same number reads the same on every surface.
public enum OneDecimal {
  /// "41.2", "-0.3", "0.0".
  public static func text(_ x: Double) -> String {
    // Tenths counted as an integer: a value between -1 and 0 keeps its minus sign.
    let tenths = Int((abs(x) * 10).rounded())
    return (x < 0 && tenths > 0 ? "-" : "") + "\(tenths / 10).\(tenths % 10)"
  }

  /// A fraction as a percentage ("83.2"), "n/a" for NaN.
  public static func percent(_ fraction: Double) -> String { fraction.isNaN ? "n/a" : text(fraction * 100) }

  /// A change of a fraction as a signed percentage ("+1.2", "-0.4"), "n/a" for NaN.
  public static func signedPercent(_ change: Double) -> String { change.isNaN ? "n/a" : (change >= 0 ? "+" : "") + text(change * 100) }
}
