import Foundation

/// The one rule every picture follows for a class map's background: class 0 is the background when
/// its name says so (`background`, `_background_`, `bg`, `unlabeled`...), and overlays leave it
/// transparent, so the photo keeps its brightness (VOC's black class 0 at 50% would halve it). The
/// app's `B` (config `paint_background`) and `render --paint-background` paint it anyway.
public enum BackgroundClass {
  static let names: Set<String> = ["background", "_background_", "bg", "unlabeled", "unlabelled", "__background__"]

  /// The background value of a class map whose names are given by value (names[0] names class 0).
  public static func value(names: [String]) -> UInt16? { value(classZeroName: names.first) }

  /// The background value when class 0 has this name.
  public static func value(classZeroName: String?) -> UInt16? {
    guard let name = classZeroName?.trimmingCharacters(in: .whitespaces).lowercased() else { return nil }
    return names.contains(name) ? 0 : nil
  }
}
