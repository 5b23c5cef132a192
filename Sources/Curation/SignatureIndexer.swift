import Parallel
import Dispatch
import DatasetStore
import ImageCodec
import SegmentationCore
import Synchronization

/// Computes the image signatures a dataset lacks (new samples, changed image files, an older
/// recipe), in batches that are committed as they finish: interrupted, the next run resumes.
public struct SignatureIndexer: Sendable {
  public let store: DatasetStore
  public var batchSize = 256
  public init(store: DatasetStore) { self.store = store }

  public struct Outcome: Sendable {
    /// Signatures made now.
    public var made: Int
    /// Signatures that were already up to date.
    public var kept: Int
    /// Images that could not be read, one line each (file: problem).
    public var problems: [String]
  }

  public struct Cancelled: Error, CustomStringConvertible {
    public var description: String { "signature pass cancelled (the batches done are kept; run it again to go on)" }
  }

  /// The samples (of `ids`, else every present one) whose signature is missing or stale.
  public func pending(ids: [Int64]? = nil) throws -> [SampleRow] {
    try pending(ids: ids, gtRefs: groundTruth().refs)
  }

  func pending(ids: [Int64]?, gtRefs: [Int64: MaskRef]) throws -> [SampleRow] {
    let stamps = try store.signatureStamps()
    let rows = try store.samples(ids: ids ?? store.sampleIds(ViewExpression()))
    return rows.filter { r in
      guard let s = stamps[r.id] else { return true }
      return s.version != ImageSignature.version || s.fileSig != Self.stamp(store.absolutePath(r.path), gtRevision: gtRefs[r.id]?.revision)
    }
  }

  /// The image file's signature and the ground truth's revision: a new image or a corrected mask
  /// makes the signature again.
  static func stamp(_ imagePath: String, gtRevision: Int?) -> String {
    DatasetStore.fileSignature(imagePath) + (gtRevision.map { "|gt\($0)" } ?? "")
  }

  /// The semantic ground-truth field and the newest mask of each sample in it.
  func groundTruth() throws -> (field: FieldInfo?, refs: [Int64: MaskRef]) {
    guard let gt = try store.fields().first(where: { $0.role == .groundTruth && $0.kind == .semantic }) else { return (nil, [:]) }
    return (gt, try store.newestMaskRefs(field: gt.name))
  }

  public func run(ids: [Int64]? = nil, progress: (@Sendable (Int, Int) -> Void)? = nil, shouldStop: (@Sendable () -> Bool)? = nil) throws -> Outcome {
    let (gt, gtRefs) = try groundTruth()
    let todo = try pending(ids: ids, gtRefs: gtRefs)
    let total = try ids?.count ?? store.sampleCount()
    let ignore = Set((gt?.classes ?? []).filter(\.isIgnore).map { UInt16(clamping: $0.value) }).union([255])
    let gtName = gt?.name
    let decoding = gt?.decoding ?? .identity
    // Layouts the indexing pass made are taken as they are; only the others decode the mask.
    let madeLayouts = try gtName.map { try self.store.maskLayouts(field: $0) } ?? [:]
    let problems = Mutex<[String]>([])
    let done = AtomicCounter()
    let store = self.store
    var start = 0
    while start < todo.count {
      if shouldStop?() == true { throw Cancelled() }
      let batch = Array(todo[start..<min(todo.count, start + batchSize)])
      let slots = ResultSlots<StoredSignature>(count: batch.count)
      DispatchQueue.concurrentPerform(iterations: batch.count) { i in
        if shouldStop?() == true { return }
        let row = batch[i]
        defer { progress?(done.increment(), todo.count) }
        let path = store.absolutePath(row.path)
        do {
          let fileSig = Self.stamp(path, gtRevision: gtRefs[row.id]?.revision)
          let bytes = try FileBytes.read(path)
          // A JPEG decodes at the smallest DCT scale that keeps 64 pixels on its short side (a
          // quarter-size 320x240 photo, 80x60, moves near duplicates measurably farther apart): the
          // signature looks at 64x64.
          let short = min(row.width, row.height)
          let scale: JPEGScale = short >= 512 ? .eighth : short >= 256 ? .quarter : short >= 128 ? .half : .full
          let image = try ImageLoader.loadImage(data: bytes, path: path, scale: scale).image
          let sig = ImageSignature.of(image)
          var layout: [Float]? = nil
          if let made = madeLayouts[row.id] {
            layout = made
          } else if let ref = gtRefs[row.id] {
            if let mask = try? ImageLoader.loadMask(path: store.absolutePath(ref.path), decoding: ref.decoding ?? decoding).mask {
              layout = MaskLayout.of(mask, ignore: ignore)
            }
          }
          slots.set(
            i,
            StoredSignature(
              sampleId: row.id, fileSig: fileSig, contentHash: ContentHash.fnv1a(bytes), fileSize: bytes.count, phash: sig.phash, dhash: sig.dhash,
              embedding: sig.embedding, layout: layout, version: ImageSignature.version, brightness: sig.brightness, contrast: sig.contrast))
        } catch {
          problems.withLock { $0.append("\(error)") }
        }
      }
      // What the batch finished is kept, also when it was cancelled part way.
      try store.saveSignatures(slots.values().compactMap { $0 })
      if shouldStop?() == true { throw Cancelled() }
      start += batch.count
    }
    let made = todo.count - problems.withLock { $0.count }
    return Outcome(made: made, kept: max(0, total - todo.count), problems: problems.withLock { $0 }.sorted())
  }
}

/// Hashes of file contents.
public enum ContentHash {
  /// FNV-1a over 64-bit little-endian words (then the remaining bytes, then the length), eight
  /// times fewer steps than byte-wise. Equal bytes give equal hashes; groups found by hash are
  /// confirmed byte by byte.
  public static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    let prime: UInt64 = 0x100_0000_01b3
    bytes.withUnsafeBytes { raw in
      let words = raw.count / 8
      for i in 0..<words {
        h ^= UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
        h = h &* prime
        h ^= h >> 29
      }
      for i in (words * 8)..<raw.count {
        h ^= UInt64(raw[i])
        h = h &* prime
      }
    }
    h ^= UInt64(bytes.count)
    return h &* prime
  }
}
