import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore

/// Writes corrected masks as new revisions: relabel a connected component, undo, and re-import
/// masks corrected elsewhere. The user's mask files are never modified: each revision is a new PNG
/// in the revisions folder beside the database, holding class ids as they are.
public struct MaskEditor: Sendable {
  public let store: DatasetStore
  public init(store: DatasetStore) { self.store = store }

  /// The result of one edit.
  public struct Edit: Sendable, Equatable {
    public let sampleId: Int64
    public let revision: Int
    public let diff: MaskEdit.Diff
  }

  /// A sample's newest mask of a field, decoded, with the revision it is.
  public func current(sampleId: Int64, field: String = FieldName.groundTruth) throws -> (LabelMask, MaskRef) {
    guard let ref = try store.maskRefs(sampleId: sampleId)[field] else { throw StoreError.notFound("\(field) mask of sample \(sampleId)") }
    let fieldDecoding = try store.fields().first { $0.name == field }?.decoding ?? .identity
    let mask = try ImageLoader.loadMask(path: store.absolutePath(ref.path), decoding: ref.decoding ?? fieldDecoding).mask
    return (mask, ref)
  }

  /// Relabels the connected component under (x, y) as `value`; a new revision. With `base`, the edit
  /// is refused (RevisionConflict) when the newest revision is no longer the one the user saw.
  public func relabelComponent(sampleId: Int64, field: String = FieldName.groundTruth, x: Int, y: Int, to value: UInt16, base: Int? = nil) throws -> Edit {
    let (mask, ref) = try current(sampleId: sampleId, field: field)
    if let base, base != ref.revision { throw RevisionConflict(expected: base, found: ref.revision) }
    guard x >= 0, y >= 0, x < mask.width, y < mask.height else { throw StoreError.invalid("pixel \(x),\(y) is outside the \(mask.width)x\(mask.height) mask") }
    let from = mask[x: x, y: y]
    guard from != value else { throw StoreError.invalid("the component is already class \(value)") }
    let pixels = MaskEdit.component(of: mask, x: x, y: y)
    let edited = MaskEdit.relabel(mask, pixels: pixels, to: value)
    return try commit(
      sampleId: sampleId, field: field, base: ref.revision, before: mask, after: edited,
      note: "relabel component at \(x),\(y): \(pixels.count) px from \(from) to \(value)")
  }

  /// Relabels every pixel of a rectangle as `value`; a new revision.
  public func relabelRect(sampleId: Int64, field: String = FieldName.groundTruth, x: Int, y: Int, width: Int, height: Int, to value: UInt16, base: Int? = nil)
    throws -> Edit
  {
    let (mask, ref) = try current(sampleId: sampleId, field: field)
    if let base, base != ref.revision { throw RevisionConflict(expected: base, found: ref.revision) }
    let pixels = MaskEdit.rectangle(of: mask, x: x, y: y, width: width, height: height)
    guard !pixels.isEmpty else { throw StoreError.invalid("the rectangle is outside the mask") }
    let edited = MaskEdit.relabel(mask, pixels: pixels, to: value)
    return try commit(
      sampleId: sampleId, field: field, base: ref.revision, before: mask, after: edited, note: "relabel rect \(x),\(y) \(width)x\(height) to \(value)")
  }

  /// Stores `after` as the revision following `base`. Unchanged masks store nothing (revision = base).
  public func commit(sampleId: Int64, field: String, base: Int, before: LabelMask, after: LabelMask, note: String) throws -> Edit {
    let diff = MaskEdit.diff(from: before, to: after)
    guard diff.changedPixels > 0 else { return Edit(sampleId: sampleId, revision: base, diff: diff) }
    let dir = store.revisionsFolder + "/" + field.replacingOccurrences(of: "/", with: "_")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let file = "\(dir)/\(sampleId)-r\(base + 1)-\(getpid())-\(UInt64(Date().timeIntervalSince1970 * 1000)).png"
    try FileBytes.writeAtomically(PNGEncoder.encode(after), to: file)
    do {
      let rev = try store.addRevision(
        sampleId: sampleId, field: field, baseRevision: base, path: store.storedPath(file), width: after.width, height: after.height,
        bitDepth: after.bitDepth, note: note, diff: diff, histogram: after.histogram())
      return Edit(sampleId: sampleId, revision: rev, diff: diff)
    } catch {
      unlink(file)
      throw error
    }
  }

  /// Removes the newest corrected revision of a sample's mask (and its file).
  public func undo(sampleId: Int64, field: String = FieldName.groundTruth) throws -> MaskRevision {
    let removed = try store.undoRevision(sampleId: sampleId, field: field)
    if removed.path.hasPrefix(store.revisionsFolder) || store.absolutePath(removed.path).hasPrefix(store.revisionsFolder) {
      unlink(store.absolutePath(removed.path))
    }
    return removed
  }
}
