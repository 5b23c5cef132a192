@testable import Augmentation
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
      ("[[transform]]\nname = \"HorizontalFlip\"\np = 2\n", "'p' must be within 0...1 (got 2)"),
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

/// Every number of a pipeline is checked before anything runs: nothing a file says can trap the
/// process or make one transform run for hours.
extension PipelineTests {
  @Test(
    "numbers that trapped (nan, inf, negative, huge) are refused, naming the transform, the key and the allowed range",
    arguments: [
      ("Rotate", "limit = nan", "transform 1 (Rotate): 'limit' must be within -360...360 (got nan)"),
      ("Rotate", "limit = 1e308", "'limit' must be within -360...360"),
      ("ColorJitter", "brightness = -5", "transform 1 (ColorJitter): 'brightness' must be within 0...10 (got -5)"),
      ("ColorJitter", "hue = 0.9", "'hue' must be within 0...0.5"),
      ("Affine", "scale = inf", "transform 1 (Affine): 'scale' must be within 0.01...100 (got inf)"),
      ("Affine", "translate_percent = [-3, 0]", "'translate_percent' must be within -1...1 (got [-3, 0])"),
      ("GaussianBlur", "sigma_limit = [1e30, 1e30]", "transform 1 (GaussianBlur): 'sigma_limit' must be within 0...50"),
      ("GaussianBlur", "sigma_limit = [100000, 100000]", "'sigma_limit' must be within 0...50 (got [100000, 100000])"),
      ("RandomResizedCrop", "size = [8, 8]\nscale = [0, 0]", "transform 1 (RandomResizedCrop): 'scale' must be within 0.0001...1 (got [0, 0])"),
      ("RandomResizedCrop", "size = [8, 8]\nratio = [0, 1]", "'ratio' must be within 0.01...100"),
      ("CoarseDropout", "num_holes_range = [-5, -1]", "transform 1 (CoarseDropout): 'num_holes_range' must be within 0...10000 (got [-5, -1])"),
      ("CoarseDropout", "num_holes_range = [100000000, 100000000]", "'num_holes_range' must be within 0...10000"),
      ("CoarseDropout", "num_holes_range = [1.5, 2]", "'num_holes_range' must be whole numbers"),
      ("CoarseDropout", "hole_height_range = [2, 1]", "low <= high"),
      ("RandomBrightnessContrast", "brightness_limit = 1e308", "transform 1 (RandomBrightnessContrast): 'brightness_limit' must be within 0...1 (got 1e+308)"),
      ("RandomBrightnessContrast", "contrast_limit = -0.5", "'contrast_limit' must be within 0...1 (got -0.5)"),
      ("PadIfNeeded", "min_height = 4\nmin_width = 4\nfill = 300", "'fill' must be within 0...255 (got 300)"),
      ("HorizontalFlip", "p = nan", "'p' must be within 0...1 (got nan)"),
      ("HorizontalFlip", "fill_mask = -1", "'fill_mask' must be within 0...65535 (got -1)"),
    ])
  func numbersAreChecked(_ name: String, _ params: String, _ words: String) {
    #expect {
      _ = try Pipeline.parse("[[transform]]\nname = \"\(name)\"\n\(params)\n")
    } throws: { "\($0)".contains(words) }
  }

  @Test("every transform at the edges of its allowed ranges runs on a small image without trapping")
  func extremesRun() throws {
    let (img, mask) = Self.scene(17, 11)
    let pipelines = [
      "name = \"Rotate\"\nlimit = [-360, 360]", "name = \"Affine\"\nscale = [0.01, 100]\ntranslate_percent = [-1, 1]\nrotate = [-360, 360]",
      "name = \"ColorJitter\"\nbrightness = 10\ncontrast = 10\nsaturation = 10\nhue = 0.5",
      "name = \"ColorJitter\"\nbrightness = 0\ncontrast = 0\nsaturation = 0\nhue = 0",
      "name = \"RandomBrightnessContrast\"\nbrightness_limit = 1\ncontrast_limit = 1",
      "name = \"GaussianBlur\"\nsigma_limit = [50, 50]", "name = \"GaussianBlur\"\nsigma_limit = [0, 0]",
      "name = \"RandomResizedCrop\"\nsize = [5, 9]\nscale = [0.0001, 0.0001]\nratio = [0.01, 100]",
      "name = \"CoarseDropout\"\nnum_holes_range = [10000, 10000]\nhole_height_range = [32768, 32768]\nhole_width_range = [1, 1]",
      "name = \"CoarseDropout\"\nnum_holes_range = [0, 0]",
    ]
    for body in pipelines {
      let pipe = try Pipeline.parse("[[transform]]\n\(body)\n")
      for seed in 0..<4 as Range<UInt64> {
        let (out, m) = pipe.apply(image: img, mask: mask, seed: seed)
        #expect(out.width >= 1 && out.height >= 1 && m?.width == out.width, "\(body)")
      }
    }
  }

  @Test("CoarseDropout paints exactly the holes it draws (the coverage count equals painting hole by hole)")
  func dropoutIsExact() throws {
    let (img, mask) = Self.scene(37, 23)
    let pipe = try Pipeline.parse(
      "[[transform]]\nname = \"CoarseDropout\"\nnum_holes_range = [1, 40]\nhole_height_range = [0.05, 0.4]\nhole_width_range = [1, 9]\nfill = 7\nfill_mask = 99\n"
    )
    guard case .coarseDropout(let holes, let hh, let hw, _) = pipe.steps[0].transform else { return }
    for seed in 0..<20 as Range<UInt64> {
      // The same draws, painted one hole at a time.
      var rng = Pipeline.draws(seed)
      _ = rng.unit()
      let w = img.width, h = img.height
      var expected = mask.values16
      for _ in 0..<rng.int(holes) {
        let ch = max(1, Int((hh.upperBound <= 1 ? rng.uniform(hh) * Double(h) : rng.uniform(hh)).rounded()))
        let cw = max(1, Int((hw.upperBound <= 1 ? rng.uniform(hw) * Double(w) : rng.uniform(hw)).rounded()))
        let y0 = rng.int(0...max(0, h - ch)), x0 = rng.int(0...max(0, w - cw))
        for y in y0..<min(h, y0 + ch) { for x in x0..<min(w, x0 + cw) { expected[y * w + x] = 99 } }
      }
      let (out, m) = pipe.apply(image: img, mask: mask, seed: seed)
      #expect(m?.values16 == expected, "seed \(seed)")
      for i in 0..<(w * h) where expected[i] == 99 { #expect(out.pixels[i * 3] == 7) }
    }
  }

  @Test("a long transform stops when asked: a 1 Mpx blur at sigma 50 returns within a second of the request")
  func stopsWhenAsked() throws {
    let (img, mask) = Self.scene(1000, 1000)
    let pipe = try Pipeline.parse("[[transform]]\nname = \"GaussianBlur\"\nsigma_limit = [50, 50]\n[[transform]]\nname = \"Rotate\"\nlimit = 30\n")
    let start = ContinuousClock.now
    _ = pipe.draw(image: img, mask: mask, seed: 1) { ContinuousClock.now - start > .milliseconds(200) }
    #expect(ContinuousClock.now - start < .seconds(2))
  }
}
