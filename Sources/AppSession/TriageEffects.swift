import AppCore
import DatasetImport
import DatasetStore
import Foundation
import SegmentationCore
import Workflows

/// The triage effects: review queues, flags, corrections and exports, each committed to the
/// database before the screen is told it is done.
extension EffectRunner {
  public func triage(_ effect: TriageEffect) throws -> [AppAction] {
    switch effect {
    case .openReview(let name, let expression, let newQueueView, let run):
      let existing = try store.queues().first { $0.name == name }
      // The view must resolve (classes, runs, fields) before the queue stores it.
      let given = expression ?? (existing == nil ? newQueueView : nil)
      if let given { _ = try store.sampleIds(given) }
      let queue = try store.openQueue(name, expression: given?.text)
      let view: ViewExpression
      do {
        view = try ViewExpression.parse(queue.expression)
      } catch {
        return [.viewFailed(text: queue.expression, message: "review \(name): syntax error \(error.description)")]
      }
      let ids = try store.sampleIds(view)
      var matrix: ConfusionMatrix? = nil
      if let run, let r = try store.runs().first(where: { $0.key == run }) {
        matrix = try store.matrix(run: r, sampleIds: view.isEmpty ? nil : ids).0
      }
      return [
        .triage(
          .reviewLoaded(
            queue: name, expression: view, ids: ids, verdicts: try store.verdicts(queue: name), position: queue.position, matrix: matrix))
      ]
    case .setVerdict(let queue, let sample, let verdict):
      do {
        try store.setVerdict(queue: queue, sampleId: sample, verdict)
        return [.triage(.verdictSaved(queue: queue, sample: sample, verdict: verdict))]
      } catch {
        return [.triage(.verdictFailed(queue: queue, sample: sample, message: "\(error)"))]
      }
    case .setReviewPosition(let queue, let sample):
      try store.setQueuePosition(queue, sampleId: sample)
      return []
    case .addFlag(let sample, let region, let className, let note):
      let value = try className.map { try store.classValue($0, field: FieldName.groundTruth) }
      let flag = RegionFlag(sampleId: sample, region: region, suggestedClass: value, note: note)
      let id = try store.addFlag(flag)
      return [.triage(.flagSaved(id: id, sample: sample, text: region.text + (className.map { " → \($0)" } ?? "") + (note.isEmpty ? "" : " \"\(note)\"")))]
    case .loadRevisionInfo(let sample):
      return [.triage(.revisionInfoLoaded(sample: sample, try revisionInfo(sample)))]
    case .loadFlags(let filter):
      return [.triage(.flagsLoaded(try flagSummaries(filter)))]
    case .setFlagState(let id, let state, let filter):
      try store.setFlagState(id, state)
      return [.triage(.flagsLoaded(try flagSummaries(filter))), .statusMessage("flag #\(id) is \(state)", isError: false)]
    case .relabel(let sample, let region, let className, let base):
      let value = try store.classValue(className, field: FieldName.groundTruth)
      guard let v = UInt16(exactly: value) else { throw StoreError.invalid("class value \(value) does not fit a mask") }
      let editor = MaskEditor(store: store)
      let edit: MaskEditor.Edit
      switch region {
      case .component(let x, let y): edit = try editor.relabelComponent(sampleId: sample, x: x, y: y, to: v, base: base)
      case .rect(let x, let y, let w, let h): edit = try editor.relabelRect(sampleId: sample, x: x, y: y, width: w, height: h, to: v, base: base)
      case .mask, .instance: throw StoreError.invalid("relabel a component or a rectangle, not the whole mask")
      }
      guard edit.diff.changedPixels > 0 else { return [.statusMessage("nothing changed: the \(region.text) is \(className) already", isError: false)] }
      let names = ClassNaming.namer(store, field: FieldName.groundTruth)
      return [.triage(.maskRevised(sample: sample, message: "saved GT revision \(edit.revision): \(edit.diff.describe(names: names)) (u undoes)"))]
    case .undoRevision(let sample):
      let removed = try MaskEditor(store: store).undo(sampleId: sample)
      return [.triage(.maskRevised(sample: sample, message: "undid GT revision \(removed.revision)"))]
    case .exportView(let format, let out, let view, let run):
      let path = expandHome(out)
      let text = view.text
      let ids = try store.sampleIds(view)
      switch format {
      case .file(let kind):
        let n = try ViewExport(store: store, run: run).write(kind, ids: kind == .sheet ? Array(ids.prefix(48)) : ids, title: text, to: path)
        let more = kind == .sheet && ids.count > n ? " (the first \(n) of \(ids.count))" : ""
        return [.statusMessage("wrote \(n) samples as \(format.name) to \(path)\(more)", isError: false)]
      case .folder(let f):
        let report = try Exporter(store: store).export(f, sampleIds: ids, to: path)
        let problems = report.problems.isEmpty ? "" : " (\(report.problems.count) problems, first: \(report.problems[0].0): \(report.problems[0].1))"
        return [.statusMessage("exported \(report.samples) samples as \(format.name) to \(path)\(problems)", isError: !report.problems.isEmpty)]
      }
    }
  }

  public func flagSummaries(_ filter: FlagFilter) throws -> [FlagSummary] {
    let flags = try store.flags(filter)
    let paths = try store.samplePaths(ids: flags.map(\.sampleId))
    let names = ClassNaming.namer(store, field: FieldName.groundTruth)
    return flags.map {
      FlagSummary(
        id: $0.id, sampleId: $0.sampleId, path: paths[$0.sampleId] ?? "?", field: $0.field, region: $0.regionText,
        suggestedClass: $0.suggestedClass.map(names), note: $0.note, state: $0.state, author: $0.author, createdAt: $0.createdAt)
    }
  }

  /// The ground truth's revision, its corrections (newest first) and the sample's open flags.
  public func revisionInfo(_ id: Int64) throws -> RevisionInfo {
    let names = ClassNaming.namer(store, field: FieldName.groundTruth)
    let revs = try store.revisions(sampleId: id, field: FieldName.groundTruth)
    let history = revs.filter { $0.revision > 0 }.reversed().map { r in
      "r\(r.revision) by \(r.author ?? "?") \(r.createdAt ?? ""): \(r.diff?.describe(names: names) ?? "")"
    }
    var open = FlagFilter()
    open.sampleId = id
    open.state = .open
    let openFlags = try store.flags(open)
    let flags = openFlags.map { f in
      "#\(f.id) \(f.regionText)" + (f.suggestedClass.map { " → " + names($0) } ?? "") + (f.note.isEmpty ? "" : ": \(f.note)")
    }
    let boxes = openFlags.map(\.region).filter { if case .rect = $0 { true } else { false } }
    return RevisionInfo(revision: revs.map(\.revision).max() ?? 0, history: Array(history), flags: flags, flagBoxes: boxes)
  }

  public func expandHome(_ path: String) -> String {
    guard path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] else { return path }
    return home + path.dropFirst(1)
  }
}
