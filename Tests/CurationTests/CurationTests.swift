import DemoScenes
import AppSession
import CommandOutput
import Workflows
import Curation
import DatasetImport
import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore
import Testing

/// The look-alike set of the issue, written and imported once for the suite.
final class LookAlikeFixture: @unchecked Sendable {
  static let shared = LookAlikeFixture()
  let root: String
  let items: [LookAlikeSet.Item]
  let store: DatasetStore

  private init() {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-\(getpid())").path
    try? FileManager.default.removeItem(atPath: root)
    items = try! LookAlikeSet(root: root, scenes: 150, planted: 8).write()
    store = try! DatasetStore(root: root)
    _ = try! FolderImport().run(into: store)
  }

  var idOf: [String: Int64] {
    Dictionary(uniqueKeysWithValues: (try? store.samples(ids: store.sampleIds(ViewExpression())))?.map { ($0.path, $0.id) } ?? [])
  }
}

@Suite("Curation on a look-alike set: exact and near duplicates, leaks, similar, uniqueness", .serialized)
struct CurationTests {
  let f = LookAlikeFixture.shared

  @Test("with the default threshold: every copy, near-duplicate recall and precision >= 0.9, the leaks, the original in the top 3, planted groups less unique")
  func plantedDuplicates() throws {
    #expect(f.items.count >= 150 + 8 * 6)
    let curator = Curator(store: f.store)
    let (sigs, problems) = try curator.signatures()
    #expect(problems.isEmpty && sigs.count == f.items.count)
    let dups = try curator.duplicates(sigs)
    let uniq = try curator.uniqueness(sigs)
    let index = Dictionary(uniqueKeysWithValues: sigs.enumerated().map { ($1.sampleId, $0) })
    let space = EmbeddingSpace(rows: sigs.map(\.embedding))
    let score = try LookAlikeSet.score(
      items: f.items, idOf: f.idOf, duplicates: dups, similar: { try curator.similar(to: $0, in: sigs, limit: 3).map(\.sampleId) }, uniqueness: uniq,
      distance: { Double(space.distance(index[$0]!, index[$1]!)) })
    #expect(score.exactPlanted == 8 && score.exactFound == 8)
    #expect(score.nearRecall >= 0.9 && score.nearPrecision >= 0.9, "\(score)")
    #expect(score.leaksPlanted > 0 && score.leaksFound == score.leaksPlanted, "\(score)")
    #expect(score.similarTop3 == score.similarAsked, "\(score)")
    #expect(score.uniquenessPlanted < score.uniquenessRest / 2, "\(score)")
    // The threshold lies between the planted copies and the unrelated scenes.
    #expect(score.largestPlanted < Curator.defaultThreshold && Curator.defaultThreshold < score.smallestUnrelated, "\(score)")
    // imagededup's default (pHash within 10 bits) pairs unrelated look-alike scenes: that is why a
    // hash match is only a candidate here.
    let idOf = f.idOf
    let originalIds = Set(f.items.filter { $0.kind == .original }.compactMap { idOf[$0.path] })
    let originals = sigs.filter { originalIds.contains($0.sampleId) }
    var unrelatedWithin10 = 0
    for (i, a) in originals.enumerated() { for b in originals[(i + 1)...] where ImageSignature.hamming(a.phash, b.phash) <= 10 { unrelatedWithin10 += 1 } }
    #expect(unrelatedWithin10 > 0, "the look-alike set should fool a plain pHash threshold")
  }

  @Test("views: dup, leak, group:N, uniqueness; a term whose pass has not run is an error naming the command")
  func views() throws {
    try FileManager.default.createDirectory(atPath: f.root + "-views", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: f.root + "-views") }
    let fresh = try DatasetStore(root: f.root + "-views")
    #expect(throws: (any Error).self) { try fresh.sampleIds(ViewExpression.parse("dup")) }
    do {
      _ = try fresh.sampleIds(ViewExpression.parse("uniqueness<0.2"))
    } catch {
      #expect("\(error)".contains("segscope uniqueness PATH"))
    }
    let curator = Curator(store: f.store)
    let (sigs, _) = try curator.signatures()
    let dups = try curator.duplicates(sigs)
    _ = try curator.uniqueness(sigs)
    let dupIds = Set(try f.store.sampleIds(ViewExpression.parse("dup")))
    #expect(dupIds == Set(dups.members.map(\.sampleId)) && dupIds.count == 8 * 7)
    let leakIds = Set(try f.store.sampleIds(ViewExpression.parse("leak")))
    #expect(!leakIds.isEmpty && leakIds.isSubset(of: dupIds))
    let group1 = try f.store.sampleIds(ViewExpression.parse("group:1"))
    #expect(group1.count == 7)
    // sort:group lists each group's members together, group 1 first.
    let byGroup = try f.store.sampleIds(ViewExpression.parse("dup sort:group"))
    let groupOf = Dictionary(uniqueKeysWithValues: dups.members.map { ($0.sampleId, $0.group) })
    #expect(byGroup.map { groupOf[$0] ?? 0 } == byGroup.map { groupOf[$0] ?? 0 }.sorted())
    #expect(Set(byGroup.prefix(7)) == Set(group1))
    let sorted = try f.store.sampleIds(ViewExpression.parse("sort:-uniqueness limit:5"))
    let values = try f.store.uniqueness()
    #expect(sorted.map { values[$0] ?? -1 } == sorted.map { values[$0] ?? -1 }.sorted(by: >))
    #expect(values[sorted[0]] == 1)
    let low = Set(try f.store.sampleIds(ViewExpression.parse("uniqueness<0.2")))
    #expect(!low.isEmpty && low.isSubset(of: dupIds))
  }

  @Test("two byte copies and nothing else: neither is unique (rounding does not make them so)")
  func copiesOnly() throws {
    // A scene whose embedding's dot product with itself rounds below 1 (most do): the case at issue.
    let sig = try #require(
      (1...50).lazy.map { ImageSignature.of(DemoScene.generate(seed: UInt64($0), width: 96, height: 64).image) }.first {
        EmbeddingSpace(rows: [$0.embedding, $0.embedding]).distance(0, 1) > 0
      })
    let rows = [Int64(1), 2].map {
      StoredSignature(
        sampleId: $0, fileSig: "", contentHash: 1, fileSize: 1, phash: sig.phash, dhash: sig.dhash, embedding: sig.embedding, layout: nil, version: 0)
    }
    #expect(try Curator(store: f.store).uniqueness(rows, save: false) == [1: 0, 2: 0])
  }

  @Test("signatures resume after a cancelled pass and are made again when an image file changes")
  func resumable() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-small-\(getpid())").path
    try? FileManager.default.removeItem(atPath: root)
    defer { try? FileManager.default.removeItem(atPath: root) }
    _ = try LookAlikeSet(root: root, scenes: 12, planted: 1).write()
    let store = try DatasetStore(root: root)
    _ = try FolderImport().run(into: store)
    var indexer = SignatureIndexer(store: store)
    indexer.batchSize = 4
    let seen = AtomicFlag()
    // Stop once the first batch is under way: that batch is kept, the rest is not made.
    #expect(throws: SignatureIndexer.Cancelled.self) {
      try indexer.run(progress: { done, _ in if done >= 4 { seen.set() } }, shouldStop: { seen.isSet })
    }
    let after = try store.signatures().count
    #expect(after > 0 && after < 18)
    let rest = try indexer.run()
    #expect(rest.made == 18 - after && rest.kept == after)
    // A changed image is made again; the others are kept.
    let file = root + "/images/train/scene_0001.jpg"
    let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
    try (bytes + Data([0xFF, 0xD9])).write(to: URL(fileURLWithPath: file))
    let again = try indexer.run()
    #expect(again.made == 1 && again.kept == 17)
    // The indexing pass made the ground truth's layouts; the signatures took them as they are.
    let layouts = try store.maskLayouts(field: "ground_truth")
    #expect(layouts.count == 18)
    let sigs = try store.signatures()
    #expect(sigs.allSatisfy { $0.layout != nil && $0.layout == layouts[$0.sampleId] })
    // A corrected mask drops its layout and makes the sample's signature again, with a new layout.
    let sid = try #require(sigs.first?.sampleId)
    let before = try #require(sigs.first?.layout)
    _ = try MaskEditor(store: store).relabelRect(sampleId: sid, x: 0, y: 0, width: 200, height: 120, to: 6)
    #expect(try store.maskLayouts(field: "ground_truth")[sid] == nil)
    let relabelled = try indexer.run()
    #expect(relabelled.made == 1)
    let remade = try #require(try store.signatures(ids: [sid]).first?.layout)
    let expected = MaskLayout.of(try MaskEditor(store: store).current(sampleId: sid).0, ignore: [255])
    #expect(remade != before && remade == expected)
  }
}

@Suite("Signature and embedding maths")
struct SignatureMathTests {
  @Test("an image's signature: unit embedding, equal for equal images, far for another scene, finite on a flat image")
  func signature() {
    let a = DemoScene.generate(seed: 1, width: 160, height: 120).image
    let b = DemoScene.generate(seed: 2, width: 160, height: 120).image
    let sa = ImageSignature.of(a), sb = ImageSignature.of(b)
    #expect(sa.embedding.count == ImageSignature.dimensions)
    #expect(abs(sa.embedding.reduce(Float(0)) { $0 + $1 * $1 } - 1) < 1e-4)
    #expect(ImageSignature.of(a) == sa)
    #expect(ImageSignature.distance(sa.embedding, sa.embedding) < 1e-5)
    #expect(ImageSignature.distance(sa.embedding, sb.embedding) > 0.04)
    // A uniform image has no gradients and no colour variety, and still a valid unit embedding.
    let flat = ImageSignature.of(RGBImage(width: 10, height: 10, fill: RGB(40, 40, 40)))
    #expect(flat.embedding.allSatisfy { $0.isFinite })
    // Unit length too (a black image had only its colour part: length 0.5, so two of them were 0.75 apart).
    for image in [RGBImage(width: 10, height: 10), RGBImage(width: 64, height: 48, fill: RGB(40, 40, 40))] {
      #expect(abs(ImageSignature.of(image).embedding.reduce(Float(0)) { $0 + $1 * $1 } - 1) < 1e-4)
    }
  }

  @Test("flat images are duplicates of each other: black PNG in train and black JPEG in val are a leak; identical black frames are not unique")
  func flatImages() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("flat-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    for d in ["images/train", "images/val", "masks"] { try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true) }
    let black = RGBImage(width: 64, height: 48)
    try FileBytes.writeAtomically(PNGEncoder.encode(black), to: root + "/images/train/black.png")
    try FileBytes.writeAtomically(JPEGEncoder.encode(black, quality: 75), to: root + "/images/val/black.jpg")
    // Five identical black frames (different sizes, so not byte copies), and scenes for contrast.
    for i in 0..<5 { try FileBytes.writeAtomically(PNGEncoder.encode(RGBImage(width: 40 + i, height: 30)), to: root + "/images/train/frame\(i).png") }
    for i in 0..<6 {
      try FileBytes.writeAtomically(
        JPEGEncoder.encode(DemoScene.generate(seed: UInt64(i + 1), width: 96, height: 64).image, quality: 90), to: root + "/images/train/scene\(i).jpg")
    }
    let store = try DatasetStore(root: root)
    _ = try FolderImport().run(into: store)
    let curator = Curator(store: store)
    let (sigs, _) = try curator.signatures()
    let ids = Dictionary(uniqueKeysWithValues: try store.samples(ids: sigs.map(\.sampleId)).map { (($0.path as NSString).lastPathComponent, $0.id) })
    let dups = try curator.duplicates(sigs)
    let png = try #require(ids["black.png"]), jpg = try #require(ids["black.jpg"])
    #expect(dups.leaks.contains { Set([$0.a, $0.b]) == [png, jpg] }, "\(dups.leaks)")
    let group = dups.members.first { $0.sampleId == png }?.group
    #expect(group != nil && (0..<5).allSatisfy { i in dups.members.first { $0.sampleId == ids["frame\(i).png"] }?.group == group })
    #expect(!dups.members.contains { m in (0..<6).contains { ids["scene\($0).jpg"] == m.sampleId } }, "a scene was called a duplicate of a black frame")
    let uniq = try curator.uniqueness(sigs, save: false)
    for i in 0..<5 { #expect((uniq[ids["frame\(i).png"]!] ?? 1) < 0.05, "\(uniq)") }
    #expect((0..<6).allSatisfy { (uniq[ids["scene\($0).jpg"]!] ?? 0) > 0.3 })
  }

  @Test("orientation bins without atan2 equal atan2's; the mask layout counts classes per cell and leaves ignore values out")
  func binsAndLayout() {
    var seed: UInt64 = 7
    var agree = 0
    for _ in 0..<10_000 {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1
      let gx = Float(Int(seed >> 33) % 2001 - 1000) / 7
      seed = seed &* 6_364_136_223_846_793_005 &+ 1
      let gy = Float(Int(seed >> 33) % 2001 - 1000) / 7
      guard gx != 0 || gy != 0 else { continue }
      var angle = atan2(gy, gx)
      if angle < 0 { angle += .pi }
      let expected = min(7, Int(angle / .pi * 8))
      if ImageSignature.orientationBin(gx, gy) == expected { agree += 1 } else { agree += abs(gy) < 1e-3 ? 1 : 0 }
    }
    #expect(agree >= 9_990)
    // A 4x4 mask: class 1 in the top-left quarter's cell, 255 (ignored) elsewhere, one 40 (counts as class 31).
    var values = [UInt8](repeating: 255, count: 16)
    values[0] = 1
    values[15] = 40
    let layout = MaskLayout.of(LabelMask(width: 4, height: 4, values: values), ignore: [255])
    let k = MaskLayout.classes
    #expect(layout[1] > 0 && layout[k - 1] > 0 && layout[1] == layout[k - 1])
    #expect(layout[k + 0 * k + 1] == layout[1] && layout[k + 15 * k + k - 1] == layout[1])
    #expect(layout.filter { $0 != 0 }.count == 4)
    // The same mask stored as 16-bit gives the same layout.
    #expect(MaskLayout.of(LabelMask(width: 4, height: 4, values16: values.map(UInt16.init)), ignore: [255]) == layout)
  }

  @Test("nearest neighbours through the PCA projection equal a brute-force search")
  func neighbours() {
    var rows: [[Float]] = []
    var seed: UInt64 = 42
    for _ in 0..<300 {
      var v = [Float](repeating: 0, count: 40)
      for k in 0..<40 {
        seed = seed &* 6_364_136_223_846_793_005 &+ 1
        let noise = Float(Int(seed >> 40) % 1000) / 1000
        let offset: Float = k < 3 ? 2 : 0
        v[k] = noise + offset
      }
      let n = v.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
      rows.append(v.map { $0 / n })
    }
    let space = EmbeddingSpace(rows: rows)
    // With every component the projection is a rotation: the search must equal brute force exactly.
    let fast = space.nearestNeighbours(k: 3, candidates: 10, reduced: 40, exactBelow: 0)
    var agree = 0
    for i in 0..<300 {
      var all: [(index: Int, distance: Float)] = []
      for j in 0..<300 where j != i { all.append((j, space.distance(i, j))) }
      all.sort { a, b in a.distance != b.distance ? a.distance < b.distance : a.index < b.index }
      let brute: [Int] = all.prefix(3).map { $0.index }
      if fast[i].map(\.index) == brute { agree += 1 }
    }
    #expect(agree == 300, "\(agree) of 300 rows agree")
    // PCA's first component follows the strongest spread.
    var line: [[Float]] = []
    for i in 0..<100 { line.append([Float(i), Float(i) * 0.5, 1]) }
    let pca = PCA.fit(EmbeddingSpace(rows: line), components: 2)
    #expect(abs(abs(pca.basis[0]) - 0.894) < 0.01 && abs(abs(pca.basis[1]) - 0.447) < 0.01)
    #expect(pca.variances[0] > 100 * max(pca.variances[1], 1e-6))
  }
}

/// A flag set from several threads.
final class AtomicFlag: @unchecked Sendable {
  private var value = false
  private let lock = NSLock()
  func set() { lock.withLock { value = true } }
  var isSet: Bool { lock.withLock { value } }
}
