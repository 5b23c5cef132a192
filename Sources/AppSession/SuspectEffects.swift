import AppCore
import DatasetImport
import DatasetStore
import LabelErrors
import SegmentationCore
import Workflows

/// The Suspects screen's effects: load a label-error run, make one in the background, dismiss,
/// relabel and re-check suspect regions. Each change is committed before the screen hears of it.
extension EffectRunner {
  /// Regions listed at most (the most suspicious samples' regions; memory does not grow with the
  /// dataset).
  static let suspectRegionLimit = 5000

  public func suspects(_ effect: SuspectEffect) throws -> [AppAction] {
    switch effect {
    case .loadSuspects(let run):
      return [try loadSuspects(run)]
    case .findMistakes(let fields, let job):
      return findMistakes(fields, job: job)
    case .dismissSuspect(let run, let sample, let region):
      try store.dismissSuspect(sampleId: sample, region: region)
      return [try loadSuspects(run)]
    case .restoreSuspect(let run, let sample, let region):
      let back = try SuspectEditor(store: store).restore(sampleId: sample, region: region, version: version)
      let message = back.isEmpty ? "nothing to restore: the region is not dismissed" : "restored: the region is a suspect again"
      return [try loadSuspects(run), .statusMessage(message, isError: back.isEmpty)]
    case .relabelSuspect(let run, let sample, let region, let base):
      guard let edit = try SuspectEditor(store: store).relabel(run: run, sampleId: sample, region: region, base: base) else {
        // The masks no longer show it: the verdict is stale; check the sample again.
        try SuspectEditor(store: store).recheck(run: run, sampleId: sample, version: version)
        return [try loadSuspects(run), .statusMessage("the masks no longer show this region (the sample was checked again)", isError: false)]
      }
      let names = ClassNaming.namer(store, field: FieldName.groundTruth)
      return [.triage(.maskRevised(sample: sample, message: "saved GT revision \(edit.revision): \(edit.diff.describe(names: names)) (u undoes)"))]
    case .recheckSuspects(let run, let sample):
      // Only a sample the run has a verdict for (a mask corrected elsewhere is not added to it).
      guard try store.suspectRuns().contains(where: { $0.key == run }), try store.suspectSampleIds(run: run).contains(sample) else { return [] }
      try SuspectEditor(store: store).recheck(run: run, sampleId: sample, version: version)
      return [try loadSuspects(run)]
    }
  }

  /// A run's regions, most suspicious sample first (the newest run when `run` is nil or gone).
  public func loadSuspects(_ run: String?) throws -> AppAction {
    let runs = try store.suspectRuns()
    let summaries = runs
    guard let key = runs.first(where: { $0.key == run })?.key ?? runs.first?.key else {
      return .suspects(.suspectsLoaded(runs: [], run: nil, entries: [], checked: 0))
    }
    let checked = try store.suspectSampleIds(run: key).count
    var entries: [SuspectEntry] = []
    let samples = try store.suspects(run: key, limit: Self.suspectRegionLimit).filter { !$0.regions.isEmpty }
    let paths = try store.samplePaths(ids: samples.map(\.sampleId))
    for sample in samples {
      for region in sample.regions where entries.count < Self.suspectRegionLimit {
        entries.append(
          SuspectEntry(sampleId: sample.sampleId, path: paths[sample.sampleId] ?? "?", sampleScore: sample.score, gtRevision: sample.gtRevision, region: region)
        )
      }
    }
    return .suspects(.suspectsLoaded(runs: summaries, run: key, entries: entries, checked: checked))
  }

  /// Runs the label-error finder as a background job, posting progress; a cancelled job keeps the
  /// batches it finished (each is a whole sample's verdict) and says so.
  public func findMistakes(_ fields: [String], job: JobID) -> [AppAction] {
    control.start(job)
    let control = self.control
    let key = MistakesRunner.Request.defaultKey(fields)
    // The runner adds the class map's ignore values to the request's (255).
    let request = MistakesRunner.Request(key: key, predFields: fields)
    do {
      let outcome = try MistakesRunner(store: store).run(
        request, version: version, progress: jobProgress(job, title: job.description), shouldStop: { control.isCancelled(job) })
      let found = outcome.samples.filter { !$0.regions.isEmpty }
      let regions = found.reduce(0) { $0 + $1.regions.count }
      let problems = outcome.problems.isEmpty ? "" : " (\(outcome.problems.count) files could not be used; segscope mistakes lists them)"
      return [
        .jobProgress(id: job, nil), try loadSuspects(key),
        .statusMessage(
          "\(job): \(regions) suspect regions in \(found.count) of \(outcome.samples.count) samples (\(outcome.run.evidence.rawValue)); 7 lists them\(problems)",
          isError: false),
      ]
    } catch let e as MistakesRunner.Cancelled {
      let stored = (try? loadSuspects(key)).map { [$0] } ?? []
      return [.jobProgress(id: job, nil)] + stored + [.statusMessage("\(job): \(e.description); the samples checked so far are stored", isError: false)]
    } catch {
      return [.jobProgress(id: job, nil), .statusMessage("\(job): \(error)", isError: true)]
    }
  }
}
