/// One sample on the embedding map.
public struct MapPoint: Sendable, Equatable {
  public let id: Int64
  /// Position in [0, 1] x [0, 1] (the first two principal components, scaled to the view's range).
  public let x: Double
  public let y: Double
  public let split: String?
  /// In a group of duplicates; in one that spans splits.
  public let duplicate: Bool
  public let leak: Bool
  /// mIoU in the active run.
  public let miou: Double?
  /// Score in the newest label-error run.
  public let suspicion: Double?
  /// Has the class the map is coloured by (nil: no class chosen).
  public let hasClass: Bool?
  /// The stored cluster (`segscope clusters`, or : clusters).
  public let cluster: Int?
  public init(
    id: Int64, x: Double, y: Double, split: String?, duplicate: Bool = false, leak: Bool = false, miou: Double? = nil, suspicion: Double? = nil,
    hasClass: Bool? = nil, cluster: Int? = nil
  ) {
    self.cluster = cluster
    self.id = id
    self.x = x
    self.y = y
    self.split = split
    self.duplicate = duplicate
    self.leak = leak
    self.miou = miou
    self.suspicion = suspicion
    self.hasClass = hasClass
  }
}
