import AppSession
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
