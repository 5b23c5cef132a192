import AppCore
import Augmentation
import DatasetImport
import DatasetStore
import Foundation
import ImageCodec
import Evaluation
import SegmentationCore
import Shards

#if canImport(Glibc)
  import Glibc
#endif

/// Fuzz targets over the parsers that read what users (and strangers) hand segscope.
///
/// Built with `-sanitize=fuzzer` and `-D FUZZING` this is a libFuzzer binary; the target comes from
/// `SEGSCOPE_FUZZ_TARGET` (png, pngfast, jpeg, tiff, coco, labelmap, view, toml, part, augment). Built normally it is a
/// replayer: `segscope-fuzz TARGET FILE_OR_DIR...` runs every file through the target once, which
/// is how the tests keep the corpus (seeds and every crash ever found) passing.
enum FuzzTarget: String, CaseIterable {
  case png, pngfast, jpeg, tiff, coco, labelmap, view, toml, part, augment

  /// Small limits: a fuzzer should explore formats, not allocate.
  static let limits = DecodeLimits(maxPixels: 4_000_000)

  func run(_ bytes: [UInt8]) {
    switch self {
    case .png:
      if let p = try? PNGDecoder.decode(bytes, path: "fuzz.png", limits: Self.limits) {
        _ = p.rgbImage()
        _ = try? p.labelMask(path: "fuzz.png").histogram()
      }
    case .pngfast:
      // Differential: where the libdeflate fast path answers, libpng must decode the same pixels.
      if let fast = FastMaskDecoder.decode(bytes, limits: Self.limits) {
        let reference = try? PNGDecoder.decode(bytes, path: "fuzz.png", limits: Self.limits).labelMask(path: "fuzz.png")
        precondition(reference == fast, "the fast mask decoder accepted a file libpng decodes differently or refuses")
      }
    case .jpeg:
      _ = try? JPEGDecoder.decode(bytes, path: "fuzz.jpg", scale: bytes.count % 2 == 0 ? .full : .quarter, limits: Self.limits)
    case .tiff:
      if let t = try? TIFFDecoder.decode(bytes, path: "fuzz.tif", limits: Self.limits) {
        _ = t.rgbImage()
        _ = try? t.labelMask(path: "fuzz.tif").histogram()
      }
    case .coco:
      FuzzTarget.coco(bytes)
    case .labelmap:
      let (classes, map) = VOCImporter.labelmap(String(decoding: bytes, as: UTF8.self))
      precondition(!classes.isEmpty && map.values.allSatisfy { Int($0) < classes.count })
    case .view:
      _ = try? ViewExpression.parse(String(decoding: bytes, as: UTF8.self))
    case .toml:
      let text = String(decoding: bytes, as: UTF8.self)
      _ = try? AppConfig.parse(text)
      _ = try? ThemeLoader.load("fuzz", folders: ["/fuzz"]) { $0 == "/fuzz/fuzz.toml" ? text : nil }
    case .part: FuzzTarget.part(bytes)
    case .augment: FuzzTarget.augment(bytes)
    }
  }

  /// A part file: its header, checksum and end line checked, then every record read as an evaluation
  /// record and as an index record (what `merge` does with them, without a dataset).
  static func part(_ bytes: [UInt8]) {
    let path = NSTemporaryDirectory() + "segscope-fuzz-part-\(getpid()).seg"
    // A plain write (no fsync): the fuzzer runs thousands of inputs a second.
    guard let f = fopen(path, "wb") else { return }
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    fclose(f)
    let head = try? PartFiles.readHeader(path)
    guard let reader = LineReader(path: path) else { return }
    _ = reader.next()
    let k = head.map { max(1, min(64, $0.classCount)) } ?? 4
    while let line = reader.next() {
      if let e = PartRecord.decode(line, classCount: k, boundary: head?.boundary ?? true), let m = e.matrix {
        precondition(m.isPlausible, "a part record decoded to counts no mask has")
        _ = SemanticMetrics(matrix: m)
      }
      if let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], let h = (o["h"] as? String).flatMap({ Data(base64Encoded: $0) }),
        ClassHistogram.problem(h, maxPixels: DecodeLimits.default.maxPixels) == nil
      {
        var total = 0
        for e in ClassHistogram.unpack(h) { total += e.pixels }
        precondition(total <= DecodeLimits.default.maxPixels)
      }
    }
  }

  /// A pipeline: parsed, then (when its outputs stay small) applied to a small image and mask.
  static func augment(_ bytes: [UInt8]) {
    guard let pipe = try? Pipeline.parse(String(decoding: bytes, as: UTF8.self)) else { return }
    for step in pipe.steps {
      switch step.transform {
      case .randomCrop(let h, let w), .centerCrop(let h, let w), .resize(let h, let w), .randomResizedCrop(let h, let w, _, _), .padIfNeeded(let h, let w, _):
        if h * w > 1 << 16 { return }
      case .crop(let x0, let y0, let x1, let y1): if (x1 - x0) * (y1 - y0) > 1 << 16 { return }
      default: break
      }
    }
    var img = RGBImage(width: 16, height: 12)
    var v = [UInt8](repeating: 0, count: 16 * 12)
    for i in 0..<(16 * 12) {
      v[i] = UInt8(i % 7)
      img.pixels[i * 3] = UInt8(i % 256)
    }
    let mask = LabelMask(width: 16, height: 12, values: v)
    let (out, m) = pipe.apply(image: img, mask: mask, seed: UInt64(bytes.count))
    precondition(out.width >= 1 && out.height >= 1 && m?.width == out.width && m?.height == out.height)
    let allowed = Set((0..<7).map(UInt16.init) + pipe.steps.map(\.fillMask))
    precondition(m!.values16.allSatisfy { allowed.contains($0) }, "an augmented mask holds a value that is neither a source value nor the fill")
  }

  /// One dataset folder per process: each input is its labels.json, imported again.
  nonisolated(unsafe) static var cocoStore: (String, DatasetStore)? = nil

  static func coco(_ bytes: [UInt8]) {
    if cocoStore == nil {
      let root = NSTemporaryDirectory() + "segscope-fuzz-coco-\(getpid())"
      try? FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
      for name in ["a.jpg", "b.png"] {
        let img = RGBImage(width: 24, height: 16)
        _ = try? FileBytes.writeAtomically(name.hasSuffix("jpg") ? JPEGEncoder.encode(img) : PNGEncoder.encode(img), to: root + "/data/" + name)
      }
      guard let store = try? DatasetStore(root: root) else { return }
      cocoStore = (root, store)
    }
    guard let (root, store) = cocoStore else { return }
    _ = try? FileBytes.writeAtomically(bytes, to: root + "/labels.json")
    _ = try? CocoImporter(root: root).run(into: store)
  }
}

/// A line on standard error.
func complain(_ s: String) {
  let b = Array(s.utf8)
  _ = b.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

#if FUZZING
  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    enum Chosen {
      nonisolated(unsafe) static let target: FuzzTarget = {
        let name = getenv("SEGSCOPE_FUZZ_TARGET").map { String(cString: $0) } ?? ""
        guard let t = FuzzTarget(rawValue: name) else {
          complain("set SEGSCOPE_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " "))\n")
          exit(2)
        }
        return t
      }()
    }
    Chosen.target.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
  }

  // SwiftPM links executables with their entry point renamed to `<module>_main`; here it hands
  // control to libFuzzer's driver.
  @_silgen_name("LLVMFuzzerRunDriver")
  func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
  ) -> CInt

  @_cdecl("segscope_fuzz_main")
  public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v) { data, size in fuzzOneInput(data, size) }
  }
#else
  @main
  struct Replay {
    static func main() {
      let args = Array(CommandLine.arguments.dropFirst())
      guard let name = args.first, let target = FuzzTarget(rawValue: name), args.count >= 2 else {
        complain("usage: segscope-fuzz TARGET FILE_OR_DIR... (targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " ")))\n")
        exit(2)
      }
      var count = 0
      for path in args.dropFirst() {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
          complain("\(path): no such file\n")
          exit(2)
        }
        let files = isDir.boolValue ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 } : [path]
        for f in files {
          guard let bytes = try? FileBytes.read(f) else { continue }
          target.run(bytes)
          count += 1
        }
      }
      print("\(target.rawValue): \(count) inputs replayed")
    }
  }
#endif
