import Parallel
import DemoScenes
import Dispatch
import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore

/// A dataset of look-alike street scenes with planted duplicates, for calibrating and testing the
/// duplicate finder: every image is a demo street (same palette, same layout rules), so unrelated
/// images are close, as in a real set of frames from one street.
///
/// Layout (imgseg): `images/{train,val}/NAME.jpg` and `masks/{train,val}/NAME.png`. Planted:
/// - byte copies of some scenes (`copy`), a third of them in the other split;
/// - near duplicates, one per kind per planted scene: JPEG quality 45 (`jpeg45`), resized to 0.6x
///   (`resize60`), 4 % cropped off (`crop4`), 15 % brighter (`bright15`), a 3x3 blur (`blur`); a third
///   of them in the other split.
public struct LookAlikeSet: Sendable {
  public enum Kind: String, Sendable, CaseIterable {
    case original, copy, jpeg45, resize60, crop4, bright15, blur
  }

  /// One written image.
  public struct Item: Sendable, Equatable {
    /// The file's path below the root, as `query --json` prints it.
    public let path: String
    /// The scene it shows (equal scenes: duplicates).
    public let scene: Int
    public let kind: Kind
    public let split: String
  }

  public let root: String
  public let scenes: Int
  /// Scenes that get copies and near duplicates.
  public let planted: Int
  public let width: Int
  public let height: Int

  public init(root: String, scenes: Int = 160, planted: Int = 8, width: Int = 320, height: Int = 240) {
    self.root = root
    self.scenes = scenes
    self.planted = planted
    self.width = width
    self.height = height
  }

  /// Writes every file and returns the items.
  public func write() throws -> [Item] {
    for d in ["images/train", "images/val", "masks/train", "masks/val"] {
      try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true)
    }
    try DemoClasses.table.map(\.name).joined(separator: "\n").write(toFile: root + "/classes.txt", atomically: true, encoding: .utf8)
    // Scenes are written in parallel; each returns its items.
    let slots = ResultSlots<[Item]>(count: scenes)
    let failures = ResultSlots<String>(count: scenes)
    let me = self
    DispatchQueue.concurrentPerform(iterations: scenes) { s in
      do { slots.set(s, try me.writeScene(s)) } catch { failures.set(s, "\(error)") }
    }
    if let first = failures.values().compactMap({ $0 }).first { throw StoreError.invalid(first) }
    return slots.values().compactMap { $0 }.flatMap { $0 }
  }

  func writeScene(_ s: Int) throws -> [Item] {
    var items: [Item] = []
    do {
      let split = s % 5 == 0 ? "val" : "train"
      let scene = DemoScene.generate(seed: UInt64(7000 + s), width: width, height: height)
      let name = String(format: "scene_%04d", s)
      let jpeg = try JPEGEncoder.encode(scene.image, quality: 88)
      try put(jpeg, mask: scene.groundTruth, split: split, name: name)
      items.append(Item(path: "images/\(split)/\(name).jpg", scene: s, kind: .original, split: split))
      guard s < planted else { return items }
      for (k, kind) in Kind.allCases.dropFirst().enumerated() {
        // A third of the planted files go to the other split: leaks.
        let other = (s + k) % 3 == 0
        let where_ = other ? (split == "val" ? "train" : "val") : split
        let file = "\(name)_\(kind.rawValue)"
        let bytes: [UInt8]
        var mask = scene.groundTruth
        switch kind {
        case .original: continue
        case .copy: bytes = jpeg
        case .jpeg45: bytes = try JPEGEncoder.encode(scene.image, quality: 45)
        case .resize60:
          let w = width * 6 / 10, h = height * 6 / 10
          bytes = try JPEGEncoder.encode(Self.resize(scene.image, width: w, height: h), quality: 88)
          mask = mask.resizedNearest(width: w, height: h)
        case .crop4:
          // 4 % of each side's length off, split between both ends.
          let dx = width * 2 / 100, dy = height * 2 / 100
          bytes = try JPEGEncoder.encode(scene.image.cropped(x: dx, y: dy, width: width - 2 * dx, height: height - 2 * dy), quality: 88)
          mask = mask.cropped(x: dx, y: dy, width: width - 2 * dx, height: height - 2 * dy)
        case .bright15: bytes = try JPEGEncoder.encode(Self.brighten(scene.image, by: 0.15), quality: 88)
        case .blur: bytes = try JPEGEncoder.encode(Self.blur(scene.image), quality: 88)
        }
        try put(bytes, mask: mask, split: where_, name: file)
        items.append(Item(path: "images/\(where_)/\(file).jpg", scene: s, kind: kind, split: where_))
      }
    }
    return items
  }

  func put(_ jpeg: [UInt8], mask: LabelMask, split: String, name: String) throws {
    try FileBytes.writeAtomically(jpeg, to: "\(root)/images/\(split)/\(name).jpg")
    try FileBytes.writeAtomically(PNGEncoder.encode(mask), to: "\(root)/masks/\(split)/\(name).png")
  }

  /// Area-average shrink.
  static func resize(_ img: RGBImage, width w: Int, height h: Int) -> RGBImage {
    var out = RGBImage(width: w, height: h)
    for oy in 0..<h {
      let y0 = oy * img.height / h, y1 = max(y0 + 1, (oy + 1) * img.height / h)
      for ox in 0..<w {
        let x0 = ox * img.width / w, x1 = max(x0 + 1, (ox + 1) * img.width / w)
        var r = 0, g = 0, b = 0
        for y in y0..<y1 {
          for x in x0..<x1 {
            let p = img[x: x, y: y]
            r += Int(p.r)
            g += Int(p.g)
            b += Int(p.b)
          }
        }
        let n = (y1 - y0) * (x1 - x0)
        out[x: ox, y: oy] = RGB(UInt8(r / n), UInt8(g / n), UInt8(b / n))
      }
    }
    return out
  }

  static func brighten(_ img: RGBImage, by f: Double) -> RGBImage {
    var out = img
    for i in out.pixels.indices { out.pixels[i] = UInt8(min(255, (Double(out.pixels[i]) * (1 + f)).rounded())) }
    return out
  }

  /// A 3x3 box blur (edges clamp).
  static func blur(_ img: RGBImage) -> RGBImage {
    var out = img
    for y in 0..<img.height {
      for x in 0..<img.width {
        var r = 0, g = 0, b = 0
        for dy in -1...1 {
          for dx in -1...1 {
            let p = img[x: min(img.width - 1, max(0, x + dx)), y: min(img.height - 1, max(0, y + dy))]
            r += Int(p.r)
            g += Int(p.g)
            b += Int(p.b)
          }
        }
        out[x: x, y: y] = RGB(UInt8(r / 9), UInt8(g / 9), UInt8(b / 9))
      }
    }
    return out
  }
}

extension LookAlikeSet {
  /// How the duplicate finder did on a look-alike set.
  public struct Score: Sendable, CustomStringConvertible {
    public var exactFound: Int
    public var exactPlanted: Int
    public var nearRecall: Double
    public var nearPrecision: Double
    public var nearFound: Int
    public var leaksFound: Int
    public var leaksPlanted: Int
    /// Planted near duplicates whose original `similar` ranks in its top 3.
    public var similarTop3: Int
    public var similarAsked: Int
    /// Mean uniqueness of the planted files and originals (their group) and of the rest.
    public var uniquenessPlanted: Double
    public var uniquenessRest: Double
    /// The largest distance of a planted near duplicate to its original, and the smallest distance
    /// between two different scenes: the threshold's margin lies between them.
    public var largestPlanted: Double
    public var smallestUnrelated: Double

    public var description: String {
      """
      exact copies found: \(exactFound)/\(exactPlanted)
      near duplicates: recall \(fmt(nearRecall)), precision \(fmt(nearPrecision)) (\(nearFound) pairs reported)
      leaks found: \(leaksFound)/\(leaksPlanted) planted cross-split pairs
      similar: the original in the top 3 for \(similarTop3)/\(similarAsked) near duplicates
      uniqueness: planted groups \(fmt(uniquenessPlanted)), the rest \(fmt(uniquenessRest))
      distances: largest planted \(fmt(largestPlanted, 4)), smallest between different scenes \(fmt(smallestUnrelated, 4))
      """
    }

    func fmt(_ v: Double, _ d: Int = 3) -> String { String(format: "%.\(d)f", v) }
  }

  /// Scores the finder's answers against the planted truth. `idOf` maps an item's path to its sample.
  public static func score(
    items: [Item], idOf: [String: Int64], duplicates: Curator.Duplicates, similar: (Int64) throws -> [Int64], uniqueness: [Int64: Double],
    distance: (Int64, Int64) -> Double
  ) rethrows -> Score {
    var scene: [Int64: Int] = [:]
    var kind: [Int64: Kind] = [:]
    var split: [Int64: String] = [:]
    for it in items {
      guard let id = idOf[it.path] else { continue }
      scene[id] = it.scene
      kind[id] = it.kind
      split[id] = it.split
    }
    let original = Dictionary(items.filter { $0.kind == .original }.compactMap { it in idOf[it.path].map { (it.scene, $0) } }, uniquingKeysWith: { a, _ in a })
    let copies = items.filter { $0.kind == .copy }.compactMap { idOf[$0.path] }
    let exactFound = copies.filter { c in duplicates.exact.contains { $0.contains(c) && $0.contains(original[scene[c] ?? -1] ?? -1) } }.count
    // Planted near pairs: each variant with its original (copies are exact, not near).
    let variants = items.filter { ![.original, .copy].contains($0.kind) }.compactMap { idOf[$0.path] }
    let reported = Set(duplicates.near.map { Set([$0.a, $0.b]) })
    let found = variants.filter { v in reported.contains([v, original[scene[v] ?? -1] ?? -1]) }.count
    let correct = duplicates.near.filter { scene[$0.a] != nil && scene[$0.a] == scene[$0.b] }.count
    // Cross-split planted pairs (variant or copy against its original).
    let crossPlanted = (variants + copies).filter { split[$0] != split[original[scene[$0] ?? -1] ?? -1] }
    let leakPairs = Set(duplicates.leaks.map { Set([$0.a, $0.b]) })
    let leaksFound = crossPlanted.filter { leakPairs.contains([$0, original[scene[$0] ?? -1] ?? -1]) }.count
    var top3 = 0
    for v in variants {
      guard let o = original[scene[v] ?? -1] else { continue }
      if try similar(v).prefix(3).contains(o) { top3 += 1 }
    }
    let plantedScenes = Set((variants + copies).compactMap { scene[$0] })
    let inGroups = uniqueness.filter { plantedScenes.contains(scene[$0.key] ?? -1) }.map(\.value)
    let rest = uniqueness.filter { !plantedScenes.contains(scene[$0.key] ?? -1) }.map(\.value)
    let largest = variants.compactMap { v in original[scene[v] ?? -1].map { distance(v, $0) } }.max() ?? 0
    // The closest two originals of different scenes.
    let originals = Array(original.values)
    var smallest = Double.infinity
    for (i, a) in originals.enumerated() { for b in originals[(i + 1)...] { smallest = min(smallest, distance(a, b)) } }
    return Score(
      exactFound: exactFound, exactPlanted: copies.count, nearRecall: variants.isEmpty ? 1 : Double(found) / Double(variants.count),
      nearPrecision: duplicates.near.isEmpty ? 1 : Double(correct) / Double(duplicates.near.count), nearFound: duplicates.near.count,
      leaksFound: leaksFound, leaksPlanted: crossPlanted.count, similarTop3: top3, similarAsked: variants.count,
      uniquenessPlanted: inGroups.isEmpty ? 0 : inGroups.reduce(0, +) / Double(inGroups.count),
      uniquenessRest: rest.isEmpty ? 0 : rest.reduce(0, +) / Double(rest.count), largestPlanted: largest, smallestUnrelated: smallest)
  }
}
