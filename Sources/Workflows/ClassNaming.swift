import DatasetStore
import SegmentationCore

/// How class values are named and shown: the dataset's own names, "class N" where the class map has
/// none, percentages with one decimal. Does no I/O beyond reading the field table.
public enum ClassNaming {
  /// A class value's name in a field ("class N" when the class map has none).
  public static func namer(_ store: DatasetStore, field: String) -> @Sendable (Int) -> String {
    let classes = (try? store.fields().first { $0.name == field }?.classes) ?? []
    let byValue = Dictionary(classes.map { ($0.value, $0.name) }, uniquingKeysWith: { a, _ in a })
    return { byValue[$0] ?? "class \($0)" }
  }

  /// The names of values 0..<count in a field.
  public static func names(_ store: DatasetStore, field: String, count: Int) -> [String] {
    let name = namer(store, field: field)
    return (0..<count).map(name)
  }

  /// One decimal, rounded half away from zero ("41.2", "-0.3"): `OneDecimal`, as the app prints.
  public static func format1(_ v: Double) -> String { OneDecimal.text(v) }

  /// A fraction as a percentage with one decimal, "n/a" for NaN.
  public static func percent(_ v: Double) -> String { OneDecimal.percent(v) }
}
