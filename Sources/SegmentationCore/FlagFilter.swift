/// Which flags to list: one definition for the store, the app's flags screen and `segscope flags`.
public struct FlagFilter: Sendable, Equatable {
  public var sampleId: Int64?
  /// open, fixed, rejected; nil: any.
  public var state: FlagState?
  public var author: String?
  /// The suggested class, by its name in the ground truth's class map (or its value as a number).
  public var className: String?

  public init(sampleId: Int64? = nil, state: FlagState? = nil, author: String? = nil, className: String? = nil) {
    self.sampleId = sampleId
    self.state = state
    self.author = author
    self.className = className
  }
}
