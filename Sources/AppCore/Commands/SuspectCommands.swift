import SegmentationCore

/// The Suspects screen's commands: pick a label-error run, start one in the background, open a
/// suspect's sample with its region outlined, dismiss a region. Flag (F), relabel (L) and undo (u)
/// are the triage commands, which act on the suspect region when there is one (`suspectTarget`).
enum SuspectCommands {
  static let verbs: [String: CommandID] = ["mistakes": .suspectsFind]

  /// The commands this file handles (`Commands.run` maps each `CommandID` to one, so both switches
  /// are exhaustive: a new command that nothing handles does not compile).
  enum Command: Sendable, Equatable {
    case screenSuspects, suspectsRun, suspectsFind, suspectDismiss, suspectNext
  }

  static func run(_ s: inout AppState, _ id: Command, _ args: [String]) -> [Effect] {
    let arg = args.joined(separator: " ").trimmingCharacters()
    switch id {
    case .screenSuspects:
      Commands.go(&s, .suspects)
      s.suspects.loading = true
      return [.suspects(.loadSuspects(run: s.suspects.run))]
    case .suspectsRun:
      guard s.suspects.runs.count > 1 else {
        Reducer.setStatus(&s, s.suspects.runs.isEmpty ? "no label-error run yet: : mistakes FIELD... starts one" : "only one label-error run", error: false)
        return []
      }
      let i = s.suspects.runs.firstIndex { $0.key == s.suspects.run } ?? -1
      let next = s.suspects.runs[(i + 1) % s.suspects.runs.count].key
      s.suspects.cursor = 0
      s.suspects.loading = true
      return [.suspects(.loadSuspects(run: next))]
    case .suspectsFind:
      let preds = s.fields.filter { $0 != FieldName.groundTruth }
      guard !arg.isEmpty else {
        Palette.open(&s, prefill: "mistakes " + preds.joined(separator: " "))
        Reducer.setStatus(&s, "mistakes FIELD...: the prediction fields to use as evidence (two or more are stronger than one)", error: false)
        return []
      }
      let fields = arg.split(separator: " ").map(String.init)
      if let unknown = fields.first(where: { !preds.contains($0) }) {
        Reducer.setStatus(&s, "mistakes: no prediction field '\(unknown)' (fields: \(preds.joined(separator: ", ")))", error: true)
        return []
      }
      guard Set(fields).count == fields.count else {
        Reducer.setStatus(&s, "mistakes: a prediction field is given twice", error: true)
        return []
      }
      let job = JobID.mistakes(fields: fields)
      guard s.jobs[job] == nil else {
        Reducer.setStatus(&s, "\(job) is running already", error: false)
        return []
      }
      s.jobs[job] = Job(title: job.description, done: 0, total: 0)
      // The status bar shows the job's progress (a status message would cover it).
      s.status = nil
      return [.suspects(.findMistakes(fields: fields, job: job))]
    case .suspectDismiss:
      guard let e = s.suspectTarget, let run = s.suspects.run else { return [] }
      forget(&s, e)
      s.suspects.lastChange = .dismissed(e)
      Reducer.setStatus(&s, "dismissed: the label of \(e.explanation(s.classNames)) is right; later runs leave it out (u undoes)", error: false)
      return [.suspects(.dismissSuspect(run: run, sample: e.sampleId, region: e.region))]
    case .suspectNext:
      guard let current = s.outlinedSuspect else { return [] }
      let all = s.suspects.regions(of: current.sampleId)
      let i = all.firstIndex(of: current) ?? -1
      let next = all[(i + 1) % all.count]
      s.suspects.focus = next
      Reducer.setStatus(&s, "suspect \(all.firstIndex(of: next).map { $0 + 1 } ?? 1)/\(all.count): \(next.explanation(s.classNames))", error: false)
      return []
    }
  }

  /// Takes a region off the screen (dismissed, or relabelled): the cursor stays on the row that
  /// follows, the sample view moves to the sample's next region.
  static func forget(_ s: inout AppState, _ e: SuspectEntry) {
    let siblings = s.suspects.regions(of: e.sampleId).filter { $0 != e }
    s.suspects.entries.removeAll { $0 == e }
    s.suspects.cursor = max(0, min(s.suspects.cursor, s.suspects.entries.count - 1))
    if s.suspects.focus == e || s.suspects.focus == nil { s.suspects.focus = siblings.first }
  }

  /// Enter on the Suspects screen: the run's suspect samples as the view, opened at this region.
  static func open(_ s: inout AppState) -> [Effect] {
    guard let e = s.suspects.current, let run = s.suspects.run else { return [] }
    let view = SuspectsState.view(run: run)
    s.suspects.focus = e
    s.suspects.focusView = view
    s.focusAfterLoad = e.sampleId
    s.review = nil
    s.inspector = nil
    s.rectAnchor = nil
    s.zoom = 1
    // The suspect's sample opens with the whole error map: a one-class map (e) chosen earlier
    // would hide the region's classes.
    s.errorClass = nil
    Commands.go(&s, .sample)
    s.viewLoading = true
    return [.loadView(view, run: s.activeRunSummary?.key)]
  }

  /// The palette line F opens for a suspect region: its suggested class and a note saying why.
  static func flagPrefill(_ s: AppState, _ e: SuspectEntry) -> String {
    let name = SuspectEntry.name(e.region.predicted, s.classNames)
    // A name with a space is given by its value (the flag's first word is the class).
    let cls = name.contains(" ") ? String(e.region.predicted) : name
    let score = Int((e.region.score * 100).rounded())
    return "flag \(cls) suspect \(e.region.kind) (score \(score)%): \(e.explanation(s.classNames))"
  }

  /// Relabels a suspect region as the class the evidence names.
  static func relabel(_ s: inout AppState, _ e: SuspectEntry) -> [Effect] {
    guard let run = s.suspects.run else { return [] }
    // The revision the user sees: the loaded picture's, else the one the verdict was made on.
    let base = s.screen == .sample ? (s.images[e.sampleId]?.revision?.revision ?? e.gtRevision) : e.gtRevision
    let name = SuspectEntry.name(e.region.predicted, s.classNames)
    s.suspects.lastChange = .relabelled(sample: e.sampleId)
    Reducer.setStatus(&s, "relabelling the suspect \(e.region.kind) as \(name)…", error: false)
    return [.suspects(.relabelSuspect(run: run, sample: e.sampleId, region: e.region, baseRevision: base))]
  }

  /// `u` after a dismissal or a relabel of a suspect region (on the Suspects screen, or in the
  /// sample view of that sample): takes it back, wherever the cursor has moved since. Nil when the
  /// last change is not this one to undo (u then undoes the shown sample's newest revision).
  static func undo(_ s: inout AppState) -> [Effect]? {
    guard let change = s.suspects.lastChange, let run = s.suspects.run else { return nil }
    guard s.screen == .suspects || change.sampleId == s.targetSampleId else { return nil }
    s.suspects.lastChange = nil
    switch change {
    case .dismissed(let e):
      Reducer.setStatus(&s, "restoring the suspect \(e.region.kind): \(e.explanation(s.classNames))…", error: false)
      return [.suspects(.restoreSuspect(run: run, sample: e.sampleId, region: e.region))]
    case .relabelled(let sample):
      Reducer.setStatus(&s, "undoing the relabel of sample \(sample)…", error: false)
      return [.triage(.undoRevision(sample: sample))]
    }
  }

  static func reduce(_ s: inout AppState, _ action: SuspectAction) -> [Effect] {
    switch action {
    case .suspectsLoaded(let runs, let run, let entries, let checked):
      let previous = s.suspects.current
      s.suspects.runs = runs
      s.suspects.run = run
      s.suspects.entries = entries
      s.suspects.samplesChecked = checked
      s.suspects.loading = false
      // Keep the cursor on the same region when it is still there.
      if let p = previous, let i = entries.firstIndex(where: { $0.sampleId == p.sampleId && $0.region == p.region }) {
        s.suspects.cursor = i
      }
      s.suspects.cursor = max(0, min(s.suspects.cursor, entries.count - 1))
      if let f = s.suspects.focus {
        s.suspects.focus = entries.first { $0.sampleId == f.sampleId && $0.region == f.region } ?? entries.first { $0.sampleId == f.sampleId }
      }
      return []
    }
  }
}
