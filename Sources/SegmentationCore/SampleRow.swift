/// A sample as the store keeps it: one definition for the store, the app's rows and the command line.
public struct SampleRow: Sendable, Equatable {
  public let id: Int64
  /// Relative to the dataset's root.
  public let path: String
  /// The file name without its extension (how masks are matched to images).
  public let stem: String
  public let width: Int
  public let height: Int
  public let split: String?

  public init(id: Int64, path: String, stem: String, width: Int, height: Int, split: String?) {
    self.id = id
    self.path = path
    self.stem = stem
    self.width = width
    self.height = height
    self.split = split
  }
}
