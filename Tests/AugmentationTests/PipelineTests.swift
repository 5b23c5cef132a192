import Augmentation
import SegmentationCore
import Testing

@Suite("Augmentation pipelines: parsing, seeded draws, masks that never blend")
struct PipelineTests {
  static func scene(_ w: Int = 40, _ h: Int = 30) -> (RGBImage, LabelMask) {
    var img = RGBImage(width: w, height: h)
    var v = [UInt8](repeating: 0, count: w * h)
    for y in 0..<h {
      for x in 0..<w {
        v[y * w + x] = UInt8((x / 8 + (y / 6) * 5) % 7)
        img[x: x, y: y] = RGB(UInt8(x * 6 % 256), UInt8(y * 8 % 256), UInt8((x + y) * 3 % 256))
      }
    }
    return (img, LabelMask(width: w, height: h, values: v))
  }

  static let every = """
    [[transform]]
    name = "HorizontalFlip"
    [[transform]]
    name = "VerticalFlip"
    [[transform]]
    name = "RandomRotate90"
    [[transform]]
    name = "Rotate"
    limit = 30
    [[transform]]
    name = "Affine"
    scale = [0.8, 1.2]
    translate_percent = [-0.1, 0.1]
    rotate = [-10, 10]
    [[transform]]
    name = "RandomCrop"
    height = 20
    width = 24
    [[transform]]
    name = "PadIfNeeded"
    min_height = 32
    min_width = 32
    [[transform]]
    name = "RandomResizedCrop"
    size = [24, 24]
    [[transform]]
    name = "Resize"
    height = 36
    width = 30
    [[transform]]
    name = "ColorJitter"
    [[transform]]
    name = "RandomBrightnessContrast"
    [[transform]]
    name = "GaussianBlur"
    [[transform]]
    name = "CoarseDropout"
    num_holes_range = [1, 3]
    [[transform]]
    name = "CenterCrop"
    height = 20
    width = 20
    [[transform]]
    name = "Crop"
    x_max = 18
    y_max = 16
    """

  @Test("every transform: the same seed gives the same draw, masks hold only source values or the fill")
  func everyTransform() throws {
    let pipeline = try Pipeline.parse(Self.every)
    #expect(pipeline.steps.count == Transform.names.count)
    let (img, mask) = Self.scene()
    let allowed = Set(mask.values16).union([255])
    var outputs = Set<[UInt8]>()
    for seed in 0..<25 as Range<UInt64> {
      let (a, am) = pipeline.apply(image: img, mask: mask, seed: seed)
      let (b, bm) = pipeline.apply(image: img, mask: mask, seed: seed)
      #expect(a == b && am == bm, "seed \(seed) is not reproducible")
      let m = try #require(am)
      #expect(m.width == a.width && m.height == a.height && a.width == 18 && a.height == 16)
      #expect(Set(m.values16).isSubset(of: allowed), "seed \(seed): a mask value that was not in the source")
      outputs.insert(a.pixels)
    }
    #expect(outputs.count > 20, "the draws hardly differ")
  }

  @Test("a rotation by exactly 90 degrees is a quarter turn counter-clockwise, as OpenCV turns")
  func rotateDirection() throws {
    let (img, mask) = Self.scene(21, 21)
    let p = try Pipeline.parse("[[transform]]\nname = \"Rotate\"\nlimit = [90, 90]\n")
    let (_, m) = p.apply(image: img, mask: mask, seed: 1)
    #expect(m == Ops.rot90(mask, k: 1))
  }

  @Test("p = 0 never applies; the fill for masks is the ignore index unless fill_mask says otherwise")
  func probabilityAndFill() throws {
    let (img, mask) = Self.scene()
    let never = try Pipeline.parse("[[transform]]\nname = \"VerticalFlip\"\np = 0\n")
    for s in 0..<10 as Range<UInt64> { #expect(never.apply(image: img, mask: mask, seed: s).1 == mask) }
    let pad = try Pipeline.parse("fill_mask = 9\n[[transform]]\nname = \"PadIfNeeded\"\nmin_height = 40\nmin_width = 40\n")
    let m = try #require(pad.apply(image: img, mask: mask, seed: 0).1)
    #expect(m.width == 40 && m.height == 40 && m[x: 0, y: 0] == 9 && m[x: 39, y: 39] == 9 && m[x: 0, y: 5] == mask[x: 0, y: 0])
  }

  @Test(
    "bad pipelines are refused with the transform and the problem named",
    arguments: [
      ("[[transform]]\nname = \"Sharpen\"\n", "'Sharpen' is not supported"),
      ("[[transform]]\nname = \"HorizontalFlip\"\np = 2\n", "p must be between 0 and 1"),
      ("[[transform]]\nname = \"RandomCrop\"\nheight = 10\n", "'width' is missing"),
      ("[[transform]]\nname = \"Resize\"\nheight = 10\nwidth = 10\ninterpolation = 3\n", "unknown parameter 'interpolation'"),
      ("[[transform]]\nname = \"Rotate\"\nlimit = \"lots\"\n", "'limit' must be a number or [low, high]"),
      ("speed = 3\n", "unknown key 'speed'"),
      ("[[transform]\n", "line 1"),
      ("[[transform]]\nname = \"Resize\"\nheight = 100000\nwidth = 100000\n", "outside 1..32768 per side"),
      ("[[transform]]\nname = \"PadIfNeeded\"\nmin_height = 20000\nmin_width = 20000\n", "100 Mpx"),
      ("[[transform]]\nname = \"CenterCrop\"\nheight = 0\nwidth = 5\n", "outside"),
      ("", "no [[transform]]"),
    ])
  func refused(_ text: String, _ words: String) {
    #expect {
      _ = try Pipeline.parse(text)
    } throws: { "\($0)".contains(words) }
  }
}
