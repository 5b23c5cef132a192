import DatasetImport
import DatasetStore
import ImageCodec
import SegmentationCore

/// Acts on a suspect region of a label-error run: relabels it as the class the evidence points to
/// (a new ground-truth revision, undone like any other), and checks the sample again.
public struct SuspectEditor: Sendable {
  public let store: DatasetStore
  public init(store: DatasetStore) { self.store = store }

  /// Relabels the region's pixels (`SuspectPixels`) as its suggested class. `base` is the
  /// ground-truth revision the user saw; a newer one in the database refuses the edit
  /// (`RevisionConflict`). Returns the edit, or nil when the masks no longer show the region.
  public func relabel(run key: String, sampleId: Int64, region: SuspectRegion, base: Int) throws -> MaskEditor.Edit? {
    guard let run = try store.suspectRuns().first(where: { $0.key == key }) else { throw StoreError.notFound("label-error run '\(key)'") }
    guard let value = UInt16(exactly: region.predicted) else { throw StoreError.invalid("class value \(region.predicted) does not fit a mask") }
    let editor = MaskEditor(store: store)
    let (gt, ref) = try editor.current(sampleId: sampleId, field: run.gtField)
    if base != ref.revision { throw RevisionConflict(expected: base, found: ref.revision) }
    let fields = try store.fields()
    let refs = try store.maskRefs(sampleId: sampleId)
    var predictions: [LabelMask] = []
    for name in run.predFields {
      guard let pref = refs[name] else { continue }
      let decoding = pref.decoding ?? fields.first { $0.name == name }?.decoding ?? .identity
      let m = try ImageLoader.loadMask(path: store.absolutePath(pref.path), decoding: decoding).mask
      guard m.width == gt.width, m.height == gt.height else {
        throw StoreError.invalid("\(pref.path): prediction '\(name)' is \(m.width)x\(m.height), the ground truth \(gt.width)x\(gt.height)")
      }
      predictions.append(m)
    }
    guard !predictions.isEmpty else {
      throw StoreError.invalid("sample \(sampleId) has none of the run's predictions (\(run.predFields.joined(separator: ", ")))")
    }
    let pixels = try SuspectPixels.of(region, groundTruth: gt, predictions: predictions)
    guard !pixels.isEmpty else { return nil }
    let edited = MaskEdit.relabel(gt, pixels: pixels, to: value)
    return try editor.commit(
      sampleId: sampleId, field: run.gtField, base: ref.revision, before: gt, after: edited,
      note: "relabel suspect \(region.kind) at \(region.x),\(region.y) \(region.width)x\(region.height): \(pixels.count) px from \(region.given) to \(value)")
  }

  /// Takes back a dismissal ("the label is right"): the matching region of the sample, or all of
  /// its dismissed regions when `region` is nil. Every run with a verdict for the sample checks it
  /// again, so the regions return to the runs. Returns the restored regions.
  @discardableResult
  public func restore(sampleId: Int64, region: SuspectRegion? = nil, version: String) throws -> [SuspectRegion] {
    let restored = try store.restoreDismissals(sampleId: sampleId, region: region)
    guard !restored.isEmpty else { return [] }
    for key in try store.suspectRuns(of: sampleId) { try recheck(run: key, sampleId: sampleId, version: version) }
    return restored
  }

  /// Checks one sample again in run `key` with the run's own fields (after its mask changed), so
  /// that the stored verdict follows the mask.
  public func recheck(run key: String, sampleId: Int64, version: String) throws {
    guard let run = try store.suspectRuns().first(where: { $0.key == key }) else { throw StoreError.notFound("label-error run '\(key)'") }
    var r = MistakesRunner.Request(key: key, predFields: run.predFields)
    r.gtField = run.gtField
    r.sampleIds = [sampleId]
    _ = try MistakesRunner(store: store).run(r, version: version)
  }
}
