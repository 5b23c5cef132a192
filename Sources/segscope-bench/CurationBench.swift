import AppSession
import Workflows
import Curation
import DatasetStore
import Foundation

/// Calibration and quality of the duplicate finder on a look-alike set with planted duplicates.
enum CurationBench {
  static func quality(root: String, scenes: Int, planted: Int) throws {
    try? FileManager.default.removeItem(atPath: root)
    let set = LookAlikeSet(root: root, scenes: scenes, planted: planted)
    let items = try set.write()
    let store = try DatasetStore(root: root)
    _ = try FolderImport().run(into: store)
    let t0 = nowMs()
    let curator = Curator(store: store)
    let (sigs, problems) = try curator.signatures()
    let t1 = nowMs()
    let dups = try curator.duplicates(sigs)
    let t2 = nowMs()
    let uniq = try curator.uniqueness(sigs)
    let t3 = nowMs()
    let rows = try store.samples(ids: sigs.map(\.sampleId))
    let idOf = Dictionary(uniqueKeysWithValues: rows.map { ($0.path, $0.id) })
    let index = Dictionary(uniqueKeysWithValues: sigs.enumerated().map { ($1.sampleId, $0) })
    let score = try LookAlikeSet.score(
      items: items, idOf: idOf, duplicates: dups, similar: { try curator.similar(to: $0, in: sigs, limit: 3).map(\.sampleId) }, uniqueness: uniq,
      distance: { a, b in Double(1 - zip(sigs[index[a]!].embedding, sigs[index[b]!].embedding).reduce(Float(0)) { $0 + $1.0 * $1.1 }) })
    print("look-alike set: \(items.count) images (\(scenes) scenes, \(planted) planted), threshold \(dups.threshold); \(problems.count) problems")
    print(score)
    print("signatures \(fmt(t1 - t0, 0)) ms, duplicates \(fmt(t2 - t1, 0)) ms, uniqueness \(fmt(t3 - t2, 0)) ms")
    // Per kind: the distance of each planted file to its original.
    for kind in LookAlikeSet.Kind.allCases.dropFirst(2) {
      let ds = items.filter { $0.kind == kind }.compactMap { it -> Double? in
        guard let v = idOf[it.path], let o = items.first(where: { $0.scene == it.scene && $0.kind == .original }).flatMap({ idOf[$0.path] }) else { return nil }
        return Double(1 - zip(sigs[index[v]!].embedding, sigs[index[o]!].embedding).reduce(Float(0)) { $0 + $1.0 * $1.1 })
      }
      print("  \(kind.rawValue): max distance \(fmt(ds.max() ?? 0, 4)), mean \(fmt(ds.reduce(0, +) / Double(max(1, ds.count)), 4))")
    }
  }
}

import Dispatch
import ImageCodec
import SegmentationCore

extension CurationBench {
  /// Speed on many 320x240 JPEGs: the signature pass against the JPEG decode floor (both on every
  /// core, measured side by side: decode, signatures, decode again), then duplicates, uniqueness, one
  /// similar query and the map's projection.
  static func speed(root: String, scenes: Int) throws {
    // A set written by an earlier run is reused (its signatures are dropped, so the pass starts over).
    let t0 = nowMs()
    let reuse = ProcessInfo.processInfo.environment["REUSE"] != nil && FileManager.default.fileExists(atPath: root + "/.segscope/dataset.sqlite")
    if !reuse {
      try? FileManager.default.removeItem(atPath: root)
      _ = try LookAlikeSet(root: root, scenes: scenes, planted: 20).write()
    }
    let store = try DatasetStore(root: root)
    if reuse { try store.dropSignatures() } else { _ = try FolderImport().run(into: store) }
    print("\(reuse ? "reused" : "wrote and imported") the set in \(fmt((nowMs() - t0) / 1000, 1)) s")
    let paths = try store.samples(ids: store.sampleIds(ViewExpression())).map { store.absolutePath($0.path) }
    func decodeAll() -> Double {
      let t = nowMs()
      DispatchQueue.concurrentPerform(iterations: paths.count) { i in _ = try? ImageLoader.loadImage(path: paths[i]) }
      return nowMs() - t
    }
    let d1 = decodeAll()
    let t1 = nowMs()
    let outcome = try SignatureIndexer(store: store).run()
    let sigMs = nowMs() - t1
    let d2 = decodeAll()
    let decodeMs = (d1 + d2) / 2
    print(
      "JPEG decode (full size, all cores): \(fmt(decodeMs, 0)) ms = \(fmt(Double(paths.count) / decodeMs * 1000, 0)) images/s; signatures: \(fmt(sigMs, 0)) ms = \(fmt(Double(outcome.made) / sigMs * 1000, 0)) images/s = \(fmt(decodeMs / sigMs * 100, 0))% of decode throughput"
    )
    let curator = Curator(store: store)
    let t2 = nowMs()
    let sigs = try store.signatures()
    let loadMs = nowMs() - t2
    let t3 = nowMs()
    let dups = try curator.duplicates(sigs)
    let dupMs = nowMs() - t3
    let t4 = nowMs()
    _ = try curator.uniqueness(sigs)
    let uniqMs = nowMs() - t4
    let t5 = nowMs()
    _ = try curator.similar(to: sigs[sigs.count / 2].sampleId, in: sigs, limit: 10)
    let simMs = nowMs() - t5
    let t6 = nowMs()
    let space = EmbeddingSpace(rows: sigs.map(\.embedding))
    let pca = PCA.fit(space, components: 2)
    _ = pca.project(space)
    let mapMs = nowMs() - t6
    print(
      "\(sigs.count) signatures loaded in \(fmt(loadMs, 0)) ms; duplicates \(fmt(dupMs, 0)) ms (\(dups.exact.count) exact groups, \(dups.near.count) near pairs); uniqueness \(fmt(uniqMs, 0)) ms; one similar query \(fmt(simMs, 0)) ms; map projection \(fmt(mapMs, 0)) ms"
    )
  }
}

extension CurationBench {
  /// Where a signature's time goes, one thread, on the first `n` images of the speed set.
  static func parts(root: String, n: Int) throws {
    let store = try DatasetStore(root: root)
    let rows = Array(try store.samples(ids: store.sampleIds(ViewExpression())).prefix(n))
    let masks = try store.newestMaskRefs(field: "ground_truth")
    var t = nowMs()
    var bytes: [[UInt8]] = []
    for r in rows { bytes.append(try FileBytes.read(store.absolutePath(r.path))) }
    let readMs = nowMs() - t
    t = nowMs()
    for b in bytes { _ = try ImageLoader.loadImage(data: b, path: "x") }
    let fullMs = nowMs() - t
    t = nowMs()
    var images: [RGBImage] = []
    for b in bytes { images.append(try ImageLoader.loadImage(data: b, path: "x", scale: .half).image) }
    let halfMs = nowMs() - t
    t = nowMs()
    for b in bytes { _ = ContentHash.fnv1a(b) }
    let hashMs = nowMs() - t
    t = nowMs()
    for i in images { _ = ImageSignature.of(i) }
    let sigMs = nowMs() - t
    t = nowMs()
    var decoded: [LabelMask] = []
    for r in rows { if let m = masks[r.id] { decoded.append(try ImageLoader.loadMask(path: store.absolutePath(m.path))) } }
    let maskMs = nowMs() - t
    t = nowMs()
    for m in decoded { _ = MaskLayout.of(m, ignore: [255]) }
    let layoutMs = nowMs() - t
    func per(_ ms: Double) -> String { fmt(ms / Double(rows.count) * 1000, 0) + " µs" }
    print(
      "per image, one thread: read \(per(readMs)), full JPEG decode \(per(fullMs)), half-scale decode \(per(halfMs)), content hash \(per(hashMs)), signature \(per(sigMs)), mask decode \(per(maskMs)), mask layout \(per(layoutMs))"
    )
  }
}
