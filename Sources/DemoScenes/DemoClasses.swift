import SegmentationCore
/// The classes of the demo dataset: a street scene with ten classes, Cityscapes colours.
public enum DemoClasses {
  /// (name, display colour) for ids 0...9.
  public static let table: [(name: String, color: RGB)] = [
    ("road", RGB(128, 64, 128)),
    ("sidewalk", RGB(244, 35, 232)),
    ("building", RGB(70, 70, 70)),
    ("vegetation", RGB(107, 142, 35)),
    ("sky", RGB(70, 130, 180)),
    ("person", RGB(220, 20, 60)),
    ("car", RGB(0, 0, 142)),
    ("pole", RGB(153, 153, 153)),
    ("traffic sign", RGB(220, 220, 0)),
    ("terrain", RGB(152, 251, 152)),
  ]

  public static let road: UInt8 = 0
  public static let sidewalk: UInt8 = 1
  public static let building: UInt8 = 2
  public static let vegetation: UInt8 = 3
  public static let sky: UInt8 = 4
  public static let person: UInt8 = 5
  public static let car: UInt8 = 6
  public static let pole: UInt8 = 7
  public static let sign: UInt8 = 8
  public static let terrain: UInt8 = 9
  /// Object borders too uncertain to label, as in PASCAL VOC.
  public static let void: UInt8 = 255

  /// Number of classes.
  public static var count: Int { table.count }
}
