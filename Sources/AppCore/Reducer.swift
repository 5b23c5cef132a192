import TerminalRender
import SegmentationCore

/// The pure reducer: state and action in, new state and effects out. No I/O, no clock, no terminal.
public enum Reducer {
  public static func reduce(_ s: inout AppState, _ action: AppAction) -> [Effect] {
    let keymap = s.keymap
    switch action {
    case .keyPressed(let key):
      if s.paletteState.isOpen { return Palette.key(&s, key, keymap: keymap) }
      if s.screen == .sample, s.inspector != nil, let moved = moveInspector(&s, key) { return moved }
      if s.screen == .sample, s.zoom > 1, let moved = pan(&s, key) { return moved }
      guard let id = keymap.command(for: key, on: s.screen) else { return [] }
      return reduce(&s, .commandInvoked(id, []))
    case .terminalResized(let w, let h):
      s.width = max(1, w)
      s.height = max(1, h)
      clampScroll(&s)
      return s.screen == .samples ? Commands.previewEffects(&s) : rowsEffect(s)
    case .linkTooSlow(let kbps):
      // Pixels cost more than the link carries: half-blocks from now on, and the user is told why.
      guard s.graphics == .sixel || s.graphics == .kitty else { return [] }
      s.graphics = s.colors == .none ? .ascii : .halfblock
      s.status = "slow link (~\(Int(kbps.rounded())) KB/s): pictures as half-blocks (--bandwidth KBPS or bandwidth in config.toml to choose)"
      s.statusIsError = false
      return []
    case .mouseClicked(let x, let y):
      if s.screen == .samples && s.gridMode && y >= 1 && y < s.height - 1 {
        let col = x / GridLayout.tileWidth(s), row = (y - 1) / GridLayout.tileHeight(s)
        let idx = s.scroll + row * GridLayout.columns(s) + col
        if col < GridLayout.columns(s) && s.viewIds.indices.contains(idx) { s.cursor = idx }
        return Commands.previewEffects(&s)
      }
      if s.screen == .samples && y >= 1 && y < s.height - 1 {
        let idx = s.scroll + (y - 2)
        if s.viewIds.indices.contains(idx) && y >= 2 { s.cursor = idx }
        return rowsEffect(s)
      }
      return []
    case .mouseScrolled(let up):
      return reduce(&s, .commandInvoked(up ? .navUp : .navDown, []))
    case .commandInvoked(let id, let args):
      guard let cmd = CommandRegistry.command(id) else { return [] }
      if !cmd.screens.isEmpty, !cmd.screens.contains(s.screen) {
        setStatus(&s, "\(cmd.title): not on this screen", error: true)
        return []
      }
      if let why = cmd.disabledReason(s) {
        setStatus(&s, "\(cmd.title): \(why)", error: true)
        return []
      }
      // A message belongs to the screen it was written on: moving to another screen clears it,
      // unless the move itself said something.
      let (screenBefore, statusBefore) = (s.screen, s.status)
      let effects = Commands.run(&s, id, args, keymap: keymap)
      if s.screen != screenBefore && s.status == statusBefore { s.status = nil }
      return effects
    case .datasetLoaded(let name, let total, let fields, let names, let palette, let ignore, let runs, let problems):
      s.datasetName = name
      s.totalSamples = total
      s.fields = fields
      s.classNames = names
      s.backgroundClass = AppState.backgroundClass(names)
      s.palette = palette
      s.ignoreValues = ignore
      s.runs = runs
      s.problems = problems
      if s.activeRun == nil && !runs.isEmpty { s.activeRun = runs.count - 1 }
      s.viewLoading = true
      return [.loadView(s.view, run: s.activeRunSummary?.key)]
    case .viewRequested(let id):
      s.viewRequest = id
      return []
    case .viewLoaded(let view, let title, let ids, let matrix, let request, let changes):
      // A slower, older load finishing after a newer one must not replace it.
      guard request == s.viewRequest else { return [] }
      s.viewLoading = false
      s.view = view
      s.viewTitle = title
      s.viewIds = ids
      s.viewChanges = changes
      s.cursor = min(s.cursor, max(0, ids.count - 1))
      if s.screen != .sample { s.cursor = 0 }
      if let focus = s.focusAfterLoad {
        s.focusAfterLoad = nil
        if let i = ids.firstIndex(of: focus) { s.cursor = i }
      }
      // A new view ends a review (its samples are no longer the queue's), and the outlining of suspects.
      if let r = s.review, view != r.expression { s.review = nil }
      if let v = s.suspects.focusView, view != v {
        s.suspects.focusView = nil
        s.suspects.focus = nil
      }
      s.scroll = 0
      s.matrix = matrix
      s.metrics = matrix.map { SemanticMetrics(matrix: $0, dialect: s.activeRunSummary?.dialect.metric ?? .mmseg) }
      s.rows = [:]
      clampScroll(&s)
      // The map shows the view: a new view on the map screen remakes it.
      if s.screen == .map && s.map.view != view { return MapCommands.load(&s) }
      return s.screen == .sample ? Commands.imageEffects(s) : Commands.previewEffects(&s)
    case .viewFailed(let text, let message, let request):
      guard request == s.viewRequest else { return [] }
      s.viewLoading = false
      setStatus(&s, "view '\(text)': \(message)", error: true)
      return []
    case .rowsLoaded(let rows):
      for r in rows { s.rows[r.id] = r }
      // The grid's tiles follow the images' shape (the median of the rows seen).
      let aspects = s.rows.values.filter { $0.width > 0 && $0.height > 0 }.map { Double($0.width) / Double($0.height) }.sorted()
      if !aspects.isEmpty { s.imageAspect = aspects[aspects.count / 2] }
      return []
    case .imagesLoaded(let images):
      // Keep a few decoded samples around: the current one and its neighbours.
      s.images[images.id] = images
      if s.images.count > 6 {
        let keep = Set([s.currentSampleId].compactMap { $0 } + neighbours(s))
        s.images = s.images.filter { keep.contains($0.key) || $0.key == images.id }
      }
      return []
    case .imagesFailed(let id, let message):
      if id == s.currentSampleId { setStatus(&s, message, error: true) }
      return []
    case .thumbnailLoaded(let thumb):
      s.thumbnails[thumb.id] = thumb
      s.thumbnailsPending.remove(thumb.id)
      if s.thumbnails.count > 400 {
        let keep = Set(visibleIds(s))
        s.thumbnails = s.thumbnails.filter { keep.contains($0.key) }
      }
      return []
    case .compareLoaded(let paired):
      if s.compareRun.map({ s.runs[safe: $0]?.key }) == paired.b && s.activeRunSummary?.key == paired.a { s.comparison = paired }
      return []
    case .jobProgress(let id, let job):
      s.jobs[id] = job
      return []
    case .statusMessage(let m, let isError):
      setStatus(&s, m, error: isError)
      return []
    case .otherRunsLoaded(let runs):
      s.otherRuns = runs
      return []
    case .triage(let a): return TriageCommands.reduce(&s, a)
    case .suspects(let a): return SuspectCommands.reduce(&s, a)
    case .curation(let a): return CurationCommands.reduce(&s, a)
    case .model(let a): return ModelCommands.reduce(&s, a)
    case .slices(let a): return SliceCommands.reduce(&s, a)
    }
  }

  static func setStatus(_ s: inout AppState, _ m: String, error: Bool) {
    s.status = m
    s.statusIsError = error
  }

  static func neighbours(_ s: AppState) -> [Int64] {
    [s.cursor - 1, s.cursor + 1].compactMap { s.viewIds.indices.contains($0) ? s.viewIds[$0] : nil }
  }

  /// Rows visible in the sample list.
  public static func listHeight(_ s: AppState) -> Int { max(1, s.height - 3) }

  /// Samples on screen (list rows, or grid tiles).
  public static func visibleIds(_ s: AppState) -> [Int64] {
    let n = s.gridMode && s.screen == .samples ? GridLayout.columns(s) * GridLayout.rows(s) : listHeight(s) + 1
    let lo = max(0, s.scroll), hi = min(s.viewIds.count, s.scroll + n)
    return lo < hi ? Array(s.viewIds[lo..<hi]) : []
  }

  static func clampScroll(_ s: inout AppState) {
    if s.gridMode {
      // The grid scrolls by whole rows of tiles.
      let cols = GridLayout.columns(s), rows = GridLayout.rows(s)
      let row = s.cursor / cols
      var top = s.scroll / cols
      if row < top { top = row }
      if row >= top + rows { top = row - rows + 1 }
      s.scroll = max(0, top * cols)
      return
    }
    let h = listHeight(s)
    if s.cursor < s.scroll { s.scroll = s.cursor }
    if s.cursor >= s.scroll + h { s.scroll = s.cursor - h + 1 }
    s.scroll = max(0, min(s.scroll, max(0, s.viewIds.count - h)))
  }

  /// Asks for the rows of the visible page that are not loaded yet.
  static func rowsEffect(_ s: AppState) -> [Effect] {
    let missing = visibleIds(s).filter { s.rows[$0] == nil }
    return missing.isEmpty ? [] : [.loadRows(Array(missing), run: s.activeRunSummary?.key)]
  }

  /// Arrows and hjkl pan a zoomed sample by a quarter of the visible width.
  static func pan(_ s: inout AppState, _ key: Key) -> [Effect]? {
    guard let id = s.currentSampleId, let img = s.images[id]?.image else { return nil }
    let step = max(1, img.width / s.zoom / 4)
    var c = s.zoomCenter
    switch key {
    case .left, .char("h"): c.x -= step
    case .right, .char("l"): c.x += step
    case .up, .char("k"): c.y -= step
    case .down, .char("j"): c.y += step
    default: return nil
    }
    let (x, y, w, h) = zoomWindow(width: img.width, height: img.height, zoom: s.zoom, centerX: c.x, centerY: c.y)
    s.zoomCenter = (x + w / 2, y + h / 2)
    return []
  }

  static func moveInspector(_ s: inout AppState, _ key: Key) -> [Effect]? {
    guard var p = s.inspector, let id = s.currentSampleId, let img = s.images[id]?.image else { return nil }
    let step = max(1, img.width / 64)
    switch key {
    case .left, .char("h"): p.x = max(0, p.x - step)
    case .right, .char("l"): p.x = min(img.width - 1, p.x + step)
    case .up, .char("k"): p.y = max(0, p.y - step)
    case .down, .char("j"): p.y = min(img.height - 1, p.y + step)
    default: return nil
    }
    s.inspector = p
    return []
  }
}
