import SegmentationCore

/// What each command does to the state.
enum Commands {
  static func run(_ s: inout AppState, _ id: CommandID, _ args: [String], keymap: Keymap) -> [Effect] {
    let arg = args.joined(separator: " ")
    switch id {
    case .appQuit:
      s.quitRequested = true
      return [.quit]
    case .appHelp:
      if s.screen == .help { back(&s) } else { go(&s, .help) }
      s.helpScroll = 0
    case .appPalette:
      Palette.open(&s, prefill: "")
    case .screenSamples: go(&s, .samples); return previewEffects(&s)
    case .screenClasses: go(&s, .classes)
    case .screenConfusion: go(&s, .confusion)
    case .screenRuns: go(&s, .runs)
    case .screenProblems: go(&s, .problems)
    case .navUp: return Navigation.move(&s, .up)
    case .navDown: return Navigation.move(&s, .down)
    case .navLeft: return Navigation.move(&s, .left)
    case .navRight: return Navigation.move(&s, .right)
    case .navPageUp: return Navigation.move(&s, .pageUp)
    case .navPageDown: return Navigation.move(&s, .pageDown)
    case .navHome: return Navigation.move(&s, .home)
    case .navEnd: return Navigation.move(&s, .end)
    case .navOpen: return open(&s)
    case .navBack:
      if s.status != nil && s.screen == .samples { s.status = nil }
      if s.screen == .map && s.map.anchor != nil {
        s.map.anchor = nil
      } else if s.screen == .sample && s.rectAnchor != nil {
        s.rectAnchor = nil
      } else if s.screen == .sample && s.inspector != nil {
        s.inspector = nil
      } else if s.screen != .samples || !s.screenHistory.isEmpty {
        back(&s)
        let target = s.screen
        // Back from a flag's sample: the flagged-samples view it opened gives way to the one before.
        if target == .flags, let previous = s.viewBeforeFlag {
          s.viewBeforeFlag = nil
          s.viewLoading = true
          return [.loadView(previous, run: s.activeRunSummary?.key)]
        }
        return target == .sample ? imageEffects(s) : Reducer.rowsEffect(s)
      }
    case .sampleNext, .samplePrev:
      let next = s.cursor + (id == .sampleNext ? 1 : -1)
      guard s.viewIds.indices.contains(next) else {
        Reducer.setStatus(&s, id == .sampleNext ? "last sample of the view" : "first sample of the view", error: false)
        return []
      }
      s.cursor = next
      s.zoom = 1
      s.rectAnchor = nil
      if let ins = s.inspector, let img = s.images[s.viewIds[next]]?.image {
        s.inspector = (min(ins.x, img.width - 1), min(ins.y, img.height - 1))
      }
      Reducer.clampScroll(&s)
      let position: [Effect] = s.review.map { [.triage(.setReviewPosition(queue: $0.queue, sample: s.viewIds[next]))] } ?? []
      return imageEffects(s) + position
    case .samplesGrid:
      s.gridMode.toggle()
      s.scroll = 0
      Reducer.clampScroll(&s)
      return previewEffects(&s)
    case .samplePrediction:
      s.predictionIndex += 1
    case .sampleLayout:
      s.layout = s.layout == .sideBySide ? .single : .sideBySide
    case .samplePanel:
      let all = Panel.allCases.filter { $0 != .augmented }
      s.single = all[((all.firstIndex(of: s.single) ?? 0) + 1) % all.count]
      s.layout = .single
    case .sampleAlphaUp: s.overlayAlpha = min(1, (s.overlayAlpha * 10 + 1).rounded() / 10)
    case .sampleAlphaDown: s.overlayAlpha = max(0, (s.overlayAlpha * 10 - 1).rounded() / 10)
    case .sampleOutlines:
      s.outlines.toggle()
      // Say what changed: pictures under 120 pixels wide (half-blocks) are not outlined.
      let coarse = s.graphics == .halfblock || s.graphics == .ascii
      Reducer.setStatus(
        &s,
        "outlines \(s.outlines ? "on" : "off")"
          + (coarse && s.outlines ? " (not drawn on half-block pictures, which are too small: sixel or kitty show them)" : ""),
        error: false)
    case .sampleInspector:
      if s.inspector == nil, let id = s.currentSampleId, let img = s.images[id]?.image {
        s.inspector = (img.width / 2, img.height / 2)
      } else {
        s.inspector = nil
        s.rectAnchor = nil
      }
    case .sampleZoomIn, .sampleZoomOut:
      if id == .sampleZoomIn {
        if s.zoom == 1, let cid = s.currentSampleId, let img = s.images[cid]?.image {
          s.zoomCenter = s.inspector ?? (img.width / 2, img.height / 2)
        }
        s.zoom = min(16, s.zoom * 2)
      } else {
        s.zoom = max(1, s.zoom / 2)
      }
    case .sampleErrorClass:
      let n = UInt16(s.classNames.count)
      if let c = s.errorClass { s.errorClass = c + 1 < n ? c + 1 : nil } else if n > 0 { s.errorClass = 0 }
    case .sampleHideClass:
      guard let v = s.classNames.firstIndex(of: arg) else {
        Reducer.setStatus(&s, "no class '\(arg)'", error: true)
        return []
      }
      let c = UInt16(v)
      if s.hiddenClasses.contains(c) { s.hiddenClasses.remove(c) } else { s.hiddenClasses.insert(c) }
    case .classesAll:
      s.showAllClasses.toggle()
      s.classCursor = 0
      Reducer.setStatus(&s, s.showAllClasses ? "every class shown" : "classes absent from ground truth and prediction hidden (A shows them)", error: false)
    case .sampleBackground:
      guard let bg = s.backgroundClass else {
        Reducer.setStatus(&s, "class 0 is not a background class here: every class is painted", error: false)
        return []
      }
      s.paintBackground.toggle()
      let name = s.classNames.indices.contains(Int(bg)) ? s.classNames[Int(bg)] : "class 0"
      Reducer.setStatus(&s, s.paintBackground ? "painting \(name)" : "\(name) left transparent (B paints it)", error: false)
    case .classesSort:
      let all = ClassSort.allCases
      s.classSort = all[((all.firstIndex(of: s.classSort) ?? 0) + 1) % all.count]
    case .confusionNormalize: s.confusionNormalized.toggle()
    case .runNext:
      s.activeRun = ((s.activeRun ?? -1) + 1) % max(1, s.runs.count)
      s.rows = [:]
      Reducer.setStatus(&s, "active run: \(s.activeRunSummary?.key ?? "-")", error: false)
      return [.loadView(s.view, run: s.activeRunSummary?.key)]
    case .runCompare:
      guard s.runs.indices.contains(s.runsCursor), s.runsCursor != s.activeRun else {
        Reducer.setStatus(&s, "pick a run other than the active one to compare with", error: true)
        return []
      }
      guard let base = s.activeRunSummary else {
        Reducer.setStatus(&s, "make a run active first (Enter), then compare another with it", error: true)
        return []
      }
      s.compareRun = s.runsCursor
      s.comparison = nil
      return [.loadCompare(base: base.key, run: s.runs[s.runsCursor].key, view: s.view)]
    case .runWorse:
      guard let a = s.activeRunSummary, let ci = s.compareRun, s.runs.indices.contains(ci) else { return [] }
      go(&s, .samples)
      s.viewLoading = true
      return [.loadChanges(from: a.key, to: s.runs[ci].key, view: s.view)]
    case .runEvaluate:
      let preds = s.fields.filter { $0 != FieldName.groundTruth }
      guard !args.isEmpty else {
        Palette.open(&s, prefill: "eval " + (preds.first ?? ""))
        return []
      }
      guard preds.contains(arg) else {
        Reducer.setStatus(&s, "no prediction field '\(arg)' (fields: \(preds.joined(separator: ", ")))", error: true)
        return []
      }
      let job = JobID.evaluate(field: arg)
      guard s.jobs[job] == nil else { return [] }
      s.jobs[job] = Job(title: job.description, done: 0, total: 0)
      return [.evaluate(field: arg, job: job)]
    case .jobCancel:
      let ids = s.jobs.keys.sorted { $0.description < $1.description }
      Reducer.setStatus(&s, "cancelling \(ids.map(\.description).joined(separator: ", "))", error: false)
      return [.cancelJobs(ids)]
    case .viewSet:
      if args.isEmpty {
        Palette.open(&s, prefill: "view " + s.viewText)
        return []
      }
      s.paletteState.history.append("view " + arg)
      return loadView(&s, arg, run: s.activeRunSummary?.key)
    case .viewReset:
      s.viewLoading = true
      return [.loadView(ViewExpression(), run: s.activeRunSummary?.key)]
    case .viewWorst:
      // The view as it is, its sort replaced.
      let base = s.view
      guard let run = s.activeRunSummary else {
        // Instance runs: the most missed objects first.
        guard let key = s.instanceRunKey else { return [] }
        s.viewLoading = true
        return [.loadView(base.sorted(by: .instanceCount(run: key, outcome: "fn"), descending: true), run: nil)]
      }
      s.viewLoading = true
      return [.loadView(base.sorted(by: .miou(run: run.key)), run: run.key)]
    case .viewSave:
      guard !arg.isEmpty else {
        Palette.open(&s, prefill: "save ")
        return []
      }
      return [.saveView(name: arg, view: s.view)]
    case .tagAdd:
      guard !arg.isEmpty else {
        Palette.open(&s, prefill: "tag ")
        return []
      }
      return [.tag(s.viewIds, arg)]
    // No default: the compiler checks that every command is handled here, and each feature's own
    // switch checks its commands.
    case .reviewStart: return TriageCommands.run(&s, .reviewStart, args)
    case .reviewOk: return TriageCommands.run(&s, .reviewOk, args)
    case .reviewFix: return TriageCommands.run(&s, .reviewFix, args)
    case .reviewSkip: return TriageCommands.run(&s, .reviewSkip, args)
    case .reviewEnd: return TriageCommands.run(&s, .reviewEnd, args)
    case .flagAnchor: return TriageCommands.run(&s, .flagAnchor, args)
    case .flagAdd: return TriageCommands.run(&s, .flagAdd, args)
    case .maskRelabel: return TriageCommands.run(&s, .maskRelabel, args)
    case .maskUndo: return TriageCommands.run(&s, .maskUndo, args)
    case .screenFlags: return TriageCommands.run(&s, .screenFlags, args)
    case .flagsFix: return TriageCommands.run(&s, .flagsFix, args)
    case .flagsReject: return TriageCommands.run(&s, .flagsReject, args)
    case .flagsReopen: return TriageCommands.run(&s, .flagsReopen, args)
    case .flagsState: return TriageCommands.run(&s, .flagsState, args)
    case .flagsFilter: return TriageCommands.run(&s, .flagsFilter, args)
    case .viewExport: return TriageCommands.run(&s, .viewExport, args)
    case .screenSuspects: return SuspectCommands.run(&s, .screenSuspects, args)
    case .suspectsRun: return SuspectCommands.run(&s, .suspectsRun, args)
    case .suspectsFind: return SuspectCommands.run(&s, .suspectsFind, args)
    case .suspectDismiss: return SuspectCommands.run(&s, .suspectDismiss, args)
    case .suspectNext: return SuspectCommands.run(&s, .suspectNext, args)
    case .curateDuplicates: return CurationCommands.run(&s, .curateDuplicates, args)
    case .curateUniqueness: return CurationCommands.run(&s, .curateUniqueness, args)
    case .curateSimilar: return CurationCommands.run(&s, .curateSimilar, args)
    case .curateNext: return CurationCommands.run(&s, .curateNext, args)
    case .screenMap: return MapCommands.run(&s, .screenMap, arg.trimmingCharacters())
    case .mapColour: return MapCommands.run(&s, .mapColour, arg.trimmingCharacters())
    case .mapSelect: return MapCommands.run(&s, .mapSelect, arg.trimmingCharacters())
    case .sampleAugment: return ModelCommands.run(&s, .sampleAugment, arg)
    case .predictRun: return ModelCommands.run(&s, .predictRun, arg)
    case .screenSlices: return SliceCommands.run(&s, .screenSlices, args)
    case .slicesToggle: return SliceCommands.run(&s, .slicesToggle, args)
    case .curateClusters: return SliceCommands.run(&s, .curateClusters, args)
    case .curateSlices: return SliceCommands.run(&s, .curateSlices, args)
    }
    return []
  }

  /// A view typed as text, loaded; its syntax error goes on the status line instead (as a failed
  /// load's does) and nothing is loaded.
  static func loadView(_ s: inout AppState, _ text: String, run: String?) -> [Effect] {
    do {
      let view = try ViewExpression.parse(text)
      s.viewLoading = true
      return [.loadView(view, run: run)]
    } catch {
      Reducer.setStatus(&s, "view '\(text)': syntax error \(error.description)", error: true)
      return []
    }
  }

  static func go(_ s: inout AppState, _ screen: Screen) {
    if s.screen != screen {
      if s.screen != .help { s.screenHistory.append(s.screen) }
      if s.screenHistory.count > 32 { s.screenHistory.removeFirst(s.screenHistory.count - 32) }
      s.screen = screen
    }
  }

  /// Returns to the screen before this one (the list when there is none), as the help says Esc
  /// does; the screen left is not remembered.
  static func back(_ s: inout AppState) {
    var target = Screen.samples
    while let last = s.screenHistory.popLast() {
      if last != s.screen {
        target = last
        break
      }
    }
    s.screen = target
  }

  static func imageEffects(_ s: AppState) -> [Effect] {
    var e: [Effect] = []
    if let id = s.currentSampleId, s.images[id] == nil { e.append(.loadImages(id)) }
    for n in Reducer.neighbours(s) where s.images[n] == nil { e.append(.loadImages(n)) }
    return e + Reducer.rowsEffect(s)
  }

  /// Rows of the page and the preview of the sample under the cursor.
  static func previewEffects(_ s: inout AppState) -> [Effect] {
    var e = Reducer.rowsEffect(s)
    if s.gridMode {
      return e + thumbnailEffects(&s, Reducer.visibleIds(s))
    }
    if s.width >= 70, let id = s.currentSampleId, s.images[id] == nil { e.append(.loadImages(id)) }
    return e
  }

  /// Thumbnails of `ids` not loaded or asked for yet, one effect each so that they decode in
  /// parallel; they are marked pending so that moving around does not ask twice.
  static func thumbnailEffects(_ s: inout AppState, _ ids: [Int64]) -> [Effect] {
    let missing = ids.filter { s.thumbnails[$0] == nil && !s.thumbnailsPending.contains($0) }
    s.thumbnailsPending.formUnion(missing)
    return missing.map { .loadThumbnails([$0]) }
  }

  static func open(_ s: inout AppState) -> [Effect] {
    switch s.screen {
    case .samples:
      guard s.currentSampleId != nil else { return [] }
      go(&s, .sample)
      return imageEffects(s)
    case .classes:
      guard let run = s.activeRunSummary, let m = s.metrics else { return [] }
      let rows = ClassTableScreen.sortedClasses(m, s)
      guard rows.indices.contains(s.classCursor) else { return [] }
      let c = rows[s.classCursor]
      let name = s.classNames.indices.contains(c.classId) ? s.classNames[c.classId] : String(c.classId)
      go(&s, .samples)
      s.viewLoading = true
      let view = ViewExpression(
        filters: [.classPixels(className: name, field: FieldName.groundTruth, .gt, 0)],
        sort: .init(metric: .classIoU(run: run.key, className: name), descending: false))
      return [.loadView(view, run: run.key)]
    case .confusion:
      guard let run = s.activeRunSummary, let m = s.matrix else { return [] }
      let g = s.confusionCursor.row, p = s.confusionCursor.col
      guard g < m.classCount, p < m.classCount else { return [] }
      go(&s, .samples)
      s.viewLoading = true
      return [.loadCell(run: run.key, gt: g, pred: p, gtName: s.classNames[safe: g] ?? "\(g)", predName: s.classNames[safe: p] ?? "\(p)")]
    case .flags:
      return TriageCommands.openFlag(&s)
    case .suspects:
      return SuspectCommands.open(&s)
    case .map:
      return MapCommands.open(&s)
    case .slices:
      return SliceCommands.open(&s)
    case .problems:
      // A problem line starts with the file it is about: open the samples whose path holds its stem.
      guard let line = s.problems[safe: s.problemsCursor], let stem = ProblemsScreen.stem(line) else {
        Reducer.setStatus(&s, "this problem names no sample file", error: true)
        return []
      }
      s.cursor = 0
      go(&s, .sample)
      s.viewLoading = true
      return [.loadView(ViewExpression(filters: [.pathContains(stem)]), run: s.activeRunSummary?.key)]
    case .runs:
      guard s.runs.indices.contains(s.runsCursor) else { return [] }
      s.activeRun = s.runsCursor
      s.rows = [:]
      Reducer.setStatus(&s, "active run: \(s.runs[s.runsCursor].key)", error: false)
      return [.loadView(s.view, run: s.runs[s.runsCursor].key)]
    case .sample, .help:
      // Enter on a sample or on the help opens nothing further.
      return []
    }
  }
}

extension Array {
  subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
