import SegmentationCore

/// The embedding map: open it (made in the background for the current view), move between points,
/// colour it, select a rectangle of points as the view, open a point's sample.
enum MapCommands {
  static let job = JobID.map

  /// The commands this file handles (`Commands.run` maps each `CommandID` to one, so both switches
  /// are exhaustive: a new command that nothing handles does not compile).
  enum Command: Sendable, Equatable {
    case screenMap, mapColour, mapSelect
  }

  static func run(_ s: inout AppState, _ id: Command, _ arg: String) -> [Effect] {
    switch id {
    case .screenMap:
      Commands.go(&s, .map)
      if !arg.isEmpty {
        guard let name = TriageCommands.resolveClass(s, arg) else {
          Reducer.setStatus(&s, "map: no class '\(arg)'", error: true)
          return []
        }
        s.map.className = name
        s.map.colouring = .classPresence
        return load(&s)
      }
      // Made once per view; a new view (or the first visit) makes it again.
      return s.map.view == s.view && !s.map.points.isEmpty ? [] : load(&s)
    case .mapColour:
      let all = MapColouring.allCases.filter {
        ($0 != .classPresence || s.map.className != nil) && ($0 != .cluster || s.map.points.contains { $0.cluster != nil })
      }
      s.map.colouring = all[((all.firstIndex(of: s.map.colouring) ?? -1) + 1) % all.count]
      Reducer.setStatus(&s, "map coloured by \(describe(s.map))", error: false)
      return []
    case .mapSelect:
      guard s.map.current != nil else { return [] }
      guard s.map.anchor != nil else {
        s.map.anchor = s.map.cursor
        Reducer.setStatus(&s, "selection from this point: move to the other corner, then v again (Esc cancels)", error: false)
        return []
      }
      let ids = s.map.selection.map(\.id)
      s.map.anchor = nil
      Commands.go(&s, .samples)
      s.viewLoading = true
      Reducer.setStatus(&s, "\(ids.count) samples selected on the map (tag map)", error: false)
      return [.curation(.selectionToView(ids: ids, tag: "map"))]
    }
  }

  static func load(_ s: inout AppState) -> [Effect] {
    guard s.jobs[job] == nil else { return [] }
    s.map.loading = true
    s.map.anchor = nil
    s.jobs[job] = Job(title: "map", done: 0, total: 0)
    return [.curation(.loadMap(view: s.view, run: s.activeRunSummary?.key, className: s.map.className, job: job))]
  }

  static func describe(_ m: MapState) -> String {
    switch m.colouring {
    case .split: return "split"
    case .miou: return "mIoU of the active run"
    case .suspicion: return "suspicion (newest label-error run)"
    case .duplicates: return "duplicates and leaks"
    case .classPresence: return "presence of \(m.className ?? "a class")"
    case .cluster: return "cluster (: clusters [K] makes them)"
    }
  }

  static func move(_ s: inout AppState, _ how: Move) {
    let d: (Int, Int)
    switch how {
    case .left: d = (-1, 0)
    case .right: d = (1, 0)
    case .up: d = (0, -1)
    case .down: d = (0, 1)
    case .home:
      s.map.cursor = 0
      return
    case .end:
      s.map.cursor = max(0, s.map.points.count - 1)
      return
    case .pageUp, .pageDown:
      // The map has no pages: a point's neighbours are where it lies, not in a list.
      return
    }
    if let next = s.map.step(dx: d.0, dy: d.1) { s.map.cursor = next }
  }

  /// The row (path, split) of the point under the cursor, when not loaded yet.
  static func rowEffect(_ s: AppState) -> [Effect] {
    guard let p = s.map.current, s.rows[p.id] == nil else { return [] }
    return [.loadRows([p.id], run: s.activeRunSummary?.key)]
  }

  /// Enter: the sample under the cursor, in the view the map was made of.
  static func open(_ s: inout AppState) -> [Effect] {
    guard let p = s.map.current, let i = s.viewIds.firstIndex(of: p.id) else { return [] }
    s.cursor = i
    s.zoom = 1
    s.inspector = nil
    Reducer.clampScroll(&s)
    Commands.go(&s, .sample)
    return Commands.imageEffects(s)
  }
}
