import SegmentationCore

/// Which list the Slices screen shows.
public enum SliceListKind: String, Sendable, Equatable, CaseIterable {
  /// Clusters of similar images (`segscope clusters`).
  case clusters
  /// Slices where the active run is significantly worse (`segscope slices`).
  case slices
}

/// One row of the Slices screen: a cluster or a slice, as a view with its metrics.
public struct SliceEntry: Sendable, Equatable {
  public let title: String
  /// The view expression that selects it (Enter makes it the view).
  public let definition: ViewExpression
  public let size: Int
  /// mIoU on it in the run the list was made with (nil: no run).
  public let miou: Double?
  /// Slices: the rest's mIoU minus the slice's.
  public let gap: Double?
  /// A 95% bootstrap interval: of the gap for a slice, of the mIoU for a cluster.
  public let interval: ClosedRange<Double>?
  /// The samples the strip of thumbnails shows (a cluster's nearest the centre first).
  public let strip: [Int64]
  public init(title: String, definition: ViewExpression, size: Int, miou: Double?, gap: Double?, interval: ClosedRange<Double>?, strip: [Int64]) {
    self.title = title
    self.definition = definition
    self.size = size
    self.miou = miou
    self.gap = gap
    self.interval = interval
    self.strip = strip
  }
}

/// A list the background jobs made: its rows, worst first, and a line about how it was made.
public struct SliceList: Sendable, Equatable {
  public var entries: [SliceEntry]
  public var summary: String
  public init(entries: [SliceEntry], summary: String) {
    self.entries = entries
    self.summary = summary
  }
}

/// The Clusters/Slices screen.
public struct SlicesState: Sendable, Equatable {
  public var kind: SliceListKind = .slices
  public var lists: [SliceListKind: SliceList] = [:]
  public var cursor = 0
  public init() {}

  public var list: SliceList? { lists[kind] }
  public var current: SliceEntry? { list.flatMap { $0.entries.indices.contains(cursor) ? $0.entries[cursor] : nil } }
}
