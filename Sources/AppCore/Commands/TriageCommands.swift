import SegmentationCore

/// The triage commands: review queues (verdicts with auto-advance), region flags, mask corrections
/// (relabel, undo) and exporting the view.
enum TriageCommands {
  /// Palette verbs that take arguments.
  static let verbs: [String: CommandID] = [
    "review": .reviewStart, "flag": .flagAdd, "relabel": .maskRelabel, "export": .viewExport, "flags": .flagsFilter,
  ]

  /// Runs a triage command (`Commands.run` sends only those here).
  /// The commands this file handles (`Commands.run` maps each `CommandID` to one, so both switches
  /// are exhaustive: a new command that nothing handles does not compile).
  enum Command: Sendable, Equatable {
    case reviewStart, reviewOk, reviewFix, reviewSkip, reviewEnd, flagAnchor, flagAdd, maskRelabel, maskUndo, screenFlags, flagsFix, flagsReject, flagsReopen,
      flagsState, flagsFilter, viewExport
  }

  static func run(_ s: inout AppState, _ id: Command, _ args: [String]) -> [Effect] {
    let arg = args.joined(separator: " ").trimmingCharacters()
    switch id {
    case .reviewStart:
      let words = arg.split(separator: " ", maxSplits: 1).map(String.init)
      guard let name = words.first else {
        Palette.open(&s, prefill: "review ")
        return []
      }
      // A new queue takes the current view, worst first when there is a run; an existing one keeps its own.
      // On the Suspects screen it takes the run's suspect samples, most suspicious first.
      var newView = worstFirst(s)
      if s.screen == .suspects, let run = s.suspects.run {
        newView = SuspectsState.view(run: run)
        s.suspects.focusView = newView
        s.suspects.focus = nil
      }
      var expression: ViewExpression? = nil
      if words.count > 1 {
        do { expression = try ViewExpression.parse(words[1]) } catch {
          Reducer.setStatus(&s, "view '\(words[1])': review \(name): \(error)", error: true)
          return []
        }
      }
      s.viewLoading = true
      return [.triage(.openReview(queue: name, expression: expression, newQueueView: newView, run: s.activeRunSummary?.key))]
    case .reviewOk, .reviewFix, .reviewSkip:
      let verdict: Verdict = id == .reviewOk ? .ok : id == .reviewFix ? .needsFix : .skip
      guard var r = s.review, let sample = s.currentSampleId else { return [] }
      r.pending[sample] = verdict
      s.review = r
      var effects: [Effect] = [.triage(.setVerdict(queue: r.queue, sample: sample, verdict: verdict))]
      if s.screen == .sample {
        if s.viewIds.indices.contains(s.cursor + 1) {
          s.cursor += 1
          s.zoom = 1
          s.inspector = nil
          s.rectAnchor = nil
          Reducer.clampScroll(&s)
          effects += Commands.imageEffects(s)
        }
      } else {
        s.cursor = min(s.cursor + 1, max(0, s.viewIds.count - 1))
        Reducer.clampScroll(&s)
        effects += Commands.previewEffects(&s)
      }
      Reducer.setStatus(&s, "\(verdict) · saving…", error: false)
      return effects
    case .reviewEnd:
      guard let r = s.review else { return [] }
      s.review = nil
      Reducer.setStatus(&s, "left review \(r.queue): \(r.progress(s.viewIds)); : review \(r.queue) resumes it", error: false)
      return []
    case .flagAnchor:
      guard let p = s.inspector else { return [] }
      if s.rectAnchor != nil {
        s.rectAnchor = nil
        Reducer.setStatus(&s, "rectangle cleared: F and L act on the component under the inspector", error: false)
      } else {
        s.rectAnchor = p
        Reducer.setStatus(&s, "rectangle from \(p.x),\(p.y): move to the other corner, then F flags or L relabels it (b clears)", error: false)
      }
      return []
    case .flagAdd:
      guard let sample = s.targetSampleId else { return [] }
      let suspect = s.suspectTarget
      let region = s.screen == .sample ? (s.markedRegion ?? suspect.map(\.region.box) ?? .mask) : (suspect.map(\.region.box) ?? .mask)
      guard !arg.isEmpty else {
        // A suspect region comes with the class the evidence names and a note saying why.
        Palette.open(&s, prefill: suspect.map { SuspectCommands.flagPrefill(s, $0) } ?? "flag ")
        Reducer.setStatus(
          &s, "flag the \(region.text): CLASS (the class it should be, or -) and a note" + (suspect == nil ? "" : "; Enter saves"), error: false)
        return []
      }
      let words = arg.split(separator: " ", maxSplits: 1).map(String.init)
      var className: String? = words[0]
      if className == "-" || className == "none" { className = nil }
      if let c = className, resolveClass(s, c) == nil {
        Reducer.setStatus(
          &s, "no class '\(c)' (classes: \(s.classNames.prefix(8).joined(separator: ", "))\(s.classNames.count > 8 ? ", …" : ""); - for none)", error: true)
        return []
      }
      s.rectAnchor = nil
      Reducer.setStatus(&s, "flagging the \(region.text)…", error: false)
      return [.triage(.addFlag(sample: sample, region: region, className: className.flatMap { resolveClass(s, $0) }, note: words.count > 1 ? words[1] : ""))]
    case .maskRelabel:
      // No region of the inspector's own: the suspect region, as the class the evidence names.
      if s.screen == .suspects || s.inspector == nil {
        guard let e = s.suspectTarget else { return [] }
        guard arg.isEmpty || resolveClass(s, arg) == SuspectEntry.name(e.region.predicted, s.classNames) else {
          Reducer.setStatus(&s, "a suspect region is relabelled as the class the evidence names; to choose another, use the inspector (i)", error: true)
          return []
        }
        return SuspectCommands.relabel(&s, e)
      }
      guard let sample = s.currentSampleId, let region = s.markedRegion else { return [] }
      guard !arg.isEmpty else {
        Palette.open(&s, prefill: "relabel ")
        Reducer.setStatus(&s, "relabel the \(region.text) as CLASS (a new revision; u undoes it)", error: false)
        return []
      }
      guard let name = resolveClass(s, arg) else {
        Reducer.setStatus(&s, "no class '\(arg)'", error: true)
        return []
      }
      guard let images = s.images[sample] else {
        Reducer.setStatus(&s, "the mask is still loading", error: true)
        return []
      }
      s.rectAnchor = nil
      Reducer.setStatus(&s, "relabelling the \(region.text) as \(name)…", error: false)
      return [.triage(.relabel(sample: sample, region: region, className: name, baseRevision: images.revision?.revision ?? 0))]
    case .maskUndo:
      if let undone = SuspectCommands.undo(&s) { return undone }
      guard let sample = s.targetSampleId else { return [] }
      if let rev = s.images[sample]?.revision, rev.revision == 0 {
        Reducer.setStatus(&s, "nothing to undo: the ground truth is as imported", error: true)
        return []
      }
      return [.triage(.undoRevision(sample: sample))]
    case .screenFlags:
      Commands.go(&s, .flags)
      s.flagsLoading = true
      return [.triage(.loadFlags(s.flagsFilter))]
    case .flagsFix, .flagsReject, .flagsReopen:
      guard let f = s.flags[safe: s.flagsCursor] else { return [] }
      let state: FlagState = id == .flagsFix ? .fixed : id == .flagsReject ? .rejected : .open
      return [.triage(.setFlagState(id: f.id, state: state, reload: s.flagsFilter))]
    case .flagsState:
      let cycle: [FlagState?] = [.open, .fixed, .rejected, nil]
      let i = cycle.firstIndex(of: s.flagsFilter.state) ?? 0
      s.flagsFilter.state = cycle[(i + 1) % cycle.count]
      s.flagsCursor = 0
      s.flagsLoading = true
      return [.triage(.loadFlags(s.flagsFilter))]
    case .flagsFilter:
      guard !arg.isEmpty else {
        Palette.open(&s, prefill: "flags " + s.flagsFilter.text)
        return []
      }
      do {
        s.flagsFilter = try FlagFilter.parse(arg, base: s.flagsFilter)
      } catch {
        Reducer.setStatus(&s, "flags: \(error.message)", error: true)
        return []
      }
      Commands.go(&s, .flags)
      s.flagsCursor = 0
      s.flagsLoading = true
      return [.triage(.loadFlags(s.flagsFilter))]
    case .viewExport:
      let words = arg.split(separator: " ", maxSplits: 1).map(String.init)
      guard words.count == 2 else {
        Palette.open(&s, prefill: "export " + (words.first.map { $0 + " " } ?? ""))
        Reducer.setStatus(&s, "export FORMAT PATH: csv, json, sheet or map (PNGs), or imgseg, voc, coco, cvat folders", error: !arg.isEmpty)
        return []
      }
      guard let format = ExportFormat(name: words[0]) else {
        Reducer.setStatus(&s, "export: no format '\(words[0])' (\(ExportFormat.names))", error: true)
        return []
      }
      Reducer.setStatus(&s, "exporting \(s.viewIds.count) samples as \(words[0])…", error: false)
      return [.triage(.exportView(format: format, out: words[1], view: s.view, run: s.activeRunSummary?.key))]
    }
  }

  /// The current view, sorted worst first by the active run's mIoU unless it has a sort already.
  static func worstFirst(_ s: AppState) -> ViewExpression {
    guard let run = s.activeRunSummary, s.view.sort == nil else { return s.view }
    return s.view.sorted(by: .miou(run: run.key))
  }

  /// A class typed by the user: its exact name, a name ignoring case, or its value.
  static func resolveClass(_ s: AppState, _ text: String) -> String? {
    let t = text.filter { $0 != "'" && $0 != "\"" }
    if s.classNames.contains(t) { return t }
    if let n = s.classNames.first(where: { $0.lowercased() == t.lowercased() }) { return n }
    if let v = Int(t), s.classNames.indices.contains(v) { return s.classNames[v] }
    return nil
  }

  /// Handles the triage actions.
  static func reduce(_ s: inout AppState, _ action: TriageAction) -> [Effect] {
    switch action {
    case .reviewLoaded(let queue, let expression, let ids, let verdicts, let position, let matrix):
      s.viewLoading = false
      s.review = ReviewSession(queue: queue, expression: expression, verdicts: verdicts)
      s.view = expression
      s.viewTitle = "review \(queue): " + (expression.text.isEmpty ? "all samples" : expression.text)
      s.viewIds = ids
      s.rows = [:]
      s.matrix = matrix
      s.metrics = matrix.map { SemanticMetrics(matrix: $0, dialect: s.activeRunSummary?.dialect.metric ?? .mmseg) }
      // Resume: the sample the last session stopped on if it has no verdict yet, else the next one
      // without a verdict after it (wrapping), else the first.
      let start = position.flatMap { ids.firstIndex(of: $0) } ?? 0
      let order = ids.indices.map { (start + $0) % max(1, ids.count) }
      s.cursor = order.first { verdicts[ids[$0]] == nil } ?? start
      s.scroll = 0
      s.zoom = 1
      s.inspector = nil
      s.rectAnchor = nil
      Reducer.clampScroll(&s)
      guard !ids.isEmpty else {
        Reducer.setStatus(&s, "review \(queue): the queue's view has no samples", error: true)
        return Reducer.rowsEffect(s)
      }
      Commands.go(&s, .sample)
      Reducer.setStatus(&s, "review \(queue): \(s.review!.progress(ids))  a ok · r needs-fix · s skip · n/p step", error: false)
      return Commands.imageEffects(s) + [.triage(.setReviewPosition(queue: queue, sample: ids[s.cursor]))]
    case .verdictSaved(let queue, let sample, let verdict):
      guard var r = s.review, r.queue == queue else { return [] }
      r.verdicts[sample] = verdict
      if r.pending[sample] == verdict { r.pending[sample] = nil }
      s.review = r
      Reducer.setStatus(&s, "\(verdict) saved · \(queue): \(r.progress(s.viewIds))", error: false)
      if r.verdicts.count >= s.viewIds.count, s.viewIds.allSatisfy({ r.verdicts[$0] != nil }) {
        Reducer.setStatus(&s, "\(queue): every sample has a verdict · \(r.progress(s.viewIds))", error: false)
      }
      return []
    case .verdictFailed(let queue, let sample, let message):
      if var r = s.review, r.queue == queue {
        r.pending[sample] = nil
        s.review = r
      }
      Reducer.setStatus(&s, "verdict not saved: \(message)", error: true)
      return []
    case .flagSaved(let id, let sample, let text):
      Reducer.setStatus(&s, "flag #\(id) saved: \(text)", error: false)
      var e: [Effect] = []
      // Only the flag lines changed: the pictures stay, the lines are read again.
      if s.images[sample] != nil { e.append(.triage(.loadRevisionInfo(sample))) }
      if s.screen == .flags { e.append(.triage(.loadFlags(s.flagsFilter))) }
      return e
    case .revisionInfoLoaded(let sample, let info):
      s.images[sample]?.revision = info
      return []
    case .flagsLoaded(let flags):
      s.flags = flags
      s.flagsLoading = false
      s.flagsCursor = max(0, min(s.flagsCursor, flags.count - 1))
      return []
    case .maskRevised(let sample, let message):
      s.thumbnails[sample] = nil
      s.thumbnailsPending.remove(sample)
      Reducer.setStatus(&s, message, error: false)
      // The old pictures stay on screen until the new revision is decoded; the label-error run
      // shown checks the sample again, so its verdict follows the mask.
      return [.loadImages(sample)] + (s.screen == .flags ? [.triage(.loadFlags(s.flagsFilter))] : [])
        + (s.suspects.run.map { [.suspects(.recheckSuspects(run: $0, sample: sample))] } ?? [])
    }
  }

  /// Enter on the flags screen: the view of flagged samples, opened at this flag's sample.
  static func openFlag(_ s: inout AppState) -> [Effect] {
    guard let f = s.flags[safe: s.flagsCursor] else { return [] }
    if s.viewBeforeFlag == nil { s.viewBeforeFlag = s.view }
    s.focusAfterLoad = f.sampleId
    s.review = nil
    Commands.go(&s, .sample)
    s.viewLoading = true
    s.inspector = nil
    s.rectAnchor = nil
    return [.loadView(ViewExpression(filters: [.flagged(state: s.flagsFilter.state)]), run: s.activeRunSummary?.key)]
  }
}
