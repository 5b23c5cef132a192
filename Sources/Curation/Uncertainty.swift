import Parallel
import Dispatch
import DatasetStore
import ImageCodec
import SegmentationCore
import Synchronization

/// How unsure the models are about each sample, from their confidence maps and from how much they
/// disagree with each other: what to annotate next.
public struct Uncertainty: Sendable {
  public let store: DatasetStore
  /// A pixel under this confidence counts as unsure (`lowShare`).
  public var lowConfidence = 0.5
  public init(store: DatasetStore) { self.store = store }

  public struct Score: Sendable, Equatable {
    public var sampleId: Int64
    /// The mean of the parts available, in [0, 1]; 1 = the models know nothing.
    public var score: Double
    /// Mean least confidence (1 - confidence) over the pixels, averaged over the fields with maps.
    public var leastConfidence: Double?
    /// Share of pixels under `lowConfidence`.
    public var lowShare: Double?
    /// Share of pixels where the prediction fields do not all agree (two fields or more).
    public var disagreement: Double?
  }

  /// Scores the samples (of `ids`, else all) that have every field in `predFields`. Needs a
  /// confidence map for one field at least, or two fields.
  public func scores(predFields: [String], ids: [Int64]? = nil) throws -> (scores: [Score], problems: [String]) {
    let fields = try store.fields()
    let names = fields.map(\.name)
    guard !predFields.isEmpty else { throw StoreError.invalid("give at least one prediction field (--pred FIELD)") }
    for p in predFields where !names.contains(p) { throw StoreError.invalid("no prediction field '\(p)' (fields: \(names.joined(separator: ", ")))") }
    let withConfidence = predFields.filter { names.contains(FieldName.confidence(of: $0)) }
    guard !withConfidence.isEmpty || predFields.count >= 2 else {
      throw StoreError.invalid(
        "one hard prediction says nothing about uncertainty: import its confidence maps (import --conf \(predFields[0])=DIR) or give a second prediction field")
    }
    let store = self.store
    let wanted = try ids ?? store.sampleIds(ViewExpression())
    // The newest mask of each field in one query per field, not one per sample.
    var byField: [String: [Int64: MaskRef]] = [:]
    for f in predFields + withConfidence.map(FieldName.confidence(of:)) where byField[f] == nil { byField[f] = try store.newestMaskRefs(field: f) }
    let refs = wanted.map { id in byField.compactMapValues { $0[id] } }
    // Samples without a mask of every field are left out: say how many, per field.
    var missing: [String] = []
    for p in predFields {
      let without = wanted.filter { byField[p]?[$0] == nil }.count
      if without > 0 { missing.append("\(p): \(without) of \(wanted.count) samples have no mask of this field (left out)") }
    }
    let sizes = Dictionary(uniqueKeysWithValues: try store.samples(ids: wanted).map { ($0.id, ($0.width, $0.height)) })
    let decodings = Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.decoding) })
    let slots = ResultSlots<Score>(count: wanted.count)
    let problems = Mutex<[String]>([])
    let threshold = lowConfidence
    DispatchQueue.concurrentPerform(iterations: wanted.count) { i in
      let r = refs[i]
      guard predFields.allSatisfy({ r[$0] != nil }) else { return }
      do {
        var least: [Double] = [], low: [Double] = []
        for p in withConfidence {
          guard let ref = r[FieldName.confidence(of: p)] else { continue }
          let c = try ImageLoader.loadMask(path: store.absolutePath(ref.path))
          if let (w, h) = sizes[wanted[i]], w > 0, c.width != w || c.height != h {
            throw StoreError.invalid("\(ref.path): a \(c.width)x\(c.height) confidence map for a \(w)x\(h) image (sample left out)")
          }
          let scale = c.bitDepth > 8 ? 65535.0 : 255.0
          var sum = 0.0, under = 0
          let cut = threshold * scale
          for v in c.values16 {
            sum += Double(v)
            if Double(v) < cut { under += 1 }
          }
          let n = Double(max(1, c.width * c.height))
          least.append(1 - sum / n / scale)
          low.append(Double(under) / n)
        }
        var disagreement: Double? = nil
        if predFields.count >= 2 {
          var masks: [[UInt16]] = []
          for p in predFields {
            let ref = r[p]!
            let m = try ImageLoader.loadMask(path: store.absolutePath(ref.path), decoding: ref.decoding ?? decodings[p] ?? .identity).mask
            if let (w, h) = sizes[wanted[i]], w > 0, m.width != w || m.height != h {
              throw StoreError.invalid("\(ref.path): prediction '\(p)' is \(m.width)x\(m.height), the image \(w)x\(h) (sample left out)")
            }
            masks.append(m.values16)
          }
          var differ = 0
          for px in 0..<masks[0].count where masks.dropFirst().contains(where: { $0[px] != masks[0][px] }) { differ += 1 }
          disagreement = Double(differ) / Double(max(1, masks[0].count))
        }
        let lc = least.isEmpty ? nil : least.reduce(0, +) / Double(least.count)
        let ls = low.isEmpty ? nil : low.reduce(0, +) / Double(low.count)
        let parts = [lc, disagreement].compactMap { $0 }
        slots.set(
          i,
          Score(
            sampleId: wanted[i], score: parts.reduce(0, +) / Double(max(1, parts.count)), leastConfidence: lc, lowShare: ls,
            disagreement: disagreement))
      } catch {
        problems.withLock { $0.append("\(error)") }
      }
    }
    let out = slots.values().compactMap { $0 }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.sampleId < $1.sampleId }
    return (out, missing + problems.withLock { $0 }.sorted())
  }

  /// Ranked batch sampling: the most uncertain first, skipping any sample within `minDistance` (the
  /// embedding's cosine distance) of one already picked, until `budget` are picked.
  public static func pick(_ ranked: [Score], budget: Int, embeddings: [Int64: [Float]], minDistance: Double) -> [Score] {
    var picked: [Score] = []
    var pickedVectors: [[Float]] = []
    for s in ranked where picked.count < budget {
      if let v = embeddings[s.sampleId] {
        if pickedVectors.contains(where: { Double(ImageSignature.distance($0, v)) <= minDistance }) { continue }
        pickedVectors.append(v)
      }
      picked.append(s)
    }
    return picked
  }

  /// What to annotate next, the one workflow behind `segscope next` and the app's `:next`: the
  /// samples (of `ids`, or all) scored by the uncertainty of `predFields`, most uncertain first,
  /// each at least `spread` from those picked before it in `signatures`' embeddings.
  public func next(predFields: [String], ids: [Int64]?, signatures: [StoredSignature], budget: Int, spread: Double = Curator.defaultThreshold) throws -> (
    picks: [Score], problems: [String]
  ) {
    let (scores, problems) = try scores(predFields: predFields, ids: ids)
    let embeddings = Dictionary(signatures.map { ($0.sampleId, $0.embedding) }, uniquingKeysWith: { a, _ in a })
    return (Self.pick(scores, budget: budget, embeddings: embeddings, minDistance: spread), problems)
  }
}
