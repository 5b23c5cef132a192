import SegmentationCore
import TerminalRender

/// One sample: image with ground truth, prediction, error map; this sample's per-class numbers; a
/// pixel inspector.
enum SampleScreen {
  static func draw(_ s: AppState, _ area: Rect, _ frame: inout Frame, _ t: Theme) {
    guard let id = s.currentSampleId else { return }
    let row = s.rows[id]
    var title = "\(s.cursor + 1)/\(s.viewIds.count)  " + (row.map { Sanitize.forTerminal($0.path) + "  \($0.width)x\($0.height)" } ?? "")
    if let rev = s.images[id]?.revision, rev.revision > 0 { title += "  GT r\(rev.revision)" }
    if let r = s.review { title += "  [\(ReviewMarks.text(r, id))]" }
    frame.buffer.putPadded(" " + title + (s.zoom > 1 ? "  zoom x\(s.zoom)" : ""), x: area.x, y: area.y, width: area.width, style: t.style("ui.header"))
    guard let full = s.images[id] else {
      frame.buffer.putPadded(" decoding…", x: area.x, y: area.y + 2, width: area.width, style: t.style("ui.dim"))
      return
    }
    // Zoomed: every panel shows the same window of the image.
    let imgs: SampleImages
    var zoomNote = ""
    var window = (x: 0, y: 0, w: full.image.width, h: full.image.height)
    if s.zoom > 1 {
      let (zx, zy, zw, zh) = zoomWindow(width: full.image.width, height: full.image.height, zoom: s.zoom, centerX: s.zoomCenter.x, centerY: s.zoomCenter.y)
      var cropped = SampleImages(
        id: id, image: full.image.cropped(x: zx, y: zy, width: zw, height: zh),
        groundTruth: full.groundTruth?.cropped(x: zx, y: zy, width: zw, height: zh),
        predictions: full.predictions.mapValues { $0.cropped(x: zx, y: zy, width: zw, height: zh) }, problems: full.problems)
      cropped.confidence = full.confidence.mapValues { $0.cropped(x: zx, y: zy, width: zw, height: zh) }
      imgs = cropped
      window = (zx, zy, zw, zh)
      zoomNote = "  zoom x\(s.zoom) at \(zx),\(zy) \(zw)x\(zh) (z/Z, arrows pan)"
    } else {
      imgs = full
    }
    let field = s.shownPrediction
    let pred = field.flatMap { imgs.predictions[$0] }
    let gt = imgs.groundTruth
    let comparable = gt != nil && pred != nil && gt!.width == pred!.width && gt!.height == pred!.height
    let sideW = area.width >= 100 ? 34 : 0
    // The info lines get their own rows: a sixel picture drawn after the text would cover them.
    let lines = Array(infoLines(s, full: full, problems: imgs.problems, field: field, zoomNote: zoomNote).prefix(area.height >= 16 ? 3 : 2))
    let (picsFull, side) = area.splitLeft(area.width - sideW)
    let pics = Rect(x: picsFull.x, y: picsFull.y, width: picsFull.width, height: max(2, picsFull.height - lines.count))
    var panels: [Panel] = [.overlay]
    if pred != nil { panels.append(.prediction) }
    if comparable { panels.append(.errors) }
    let conf = field.flatMap { imgs.confidence[$0] }
    if conf != nil { panels.append(.confidence) }
    // Three panels leave a quarter of a 2x2 grid empty: the photo without overlay fills it.
    if panels.count == 3 { panels.append(.image) }
    if s.layout == .single { panels = [panels.contains(s.single) || s.single == .image || (s.single == .groundTruth && gt != nil) ? s.single : .overlay] }
    // The augmentation preview: a seeded draw of the pipeline beside the sample, the other panels
    // kept below (v shows the one panel f picks beside the draw).
    let augment = s.augmentDraw > 0 ? s.augmentPipeline : nil
    let augmentSeed = UInt64(bitPattern: id) &* 1_000_003 &+ UInt64(s.augmentDraw)
    if augment != nil { panels = [panels[0], .augmented] + panels.dropFirst().filter { $0 != .image } }
    // Lay panels out in a row when wide, else in a column.
    let n = panels.count
    // Side by side or stacked: whichever shows the pictures larger.
    let aspect = Double(s.cell.height) / Double(2 * s.cell.width)
    let pixelGraphics = s.graphics == .sixel || s.graphics == .kitty
    func shownPixels(_ w: Int, _ h: Int) -> Int {
      if pixelGraphics {
        let (pw, ph) = Resample.fit(
          width: imgs.image.width, height: imgs.image.height, maxWidth: max(1, w * s.cell.width), maxHeight: max(1, (h - 1) * s.cell.height))
        return pw * ph
      }
      let (pw, ph) = Resample.fit(width: imgs.image.width, height: imgs.image.height, maxWidth: max(1, w), maxHeight: max(1, (h - 1) * 2), pixelAspect: aspect)
      return pw * ph
    }
    // A row, a column, or (for 3 or 4 panels) a 2-column grid: whichever shows the pictures largest.
    let gridRows = (n + 1) / 2
    let rowPixels = n == 1 ? Int.max : shownPixels(pics.width / n - 1, pics.height - 1)
    let columnPixels = shownPixels(pics.width, (pics.height - 1) / n)
    let gridPixels = n >= 3 ? shownPixels(pics.width / 2 - 1, (pics.height - 1) / gridRows) : 0
    var columns = gridPixels > max(rowPixels, columnPixels) ? 2 : (rowPixels >= columnPixels ? n : 1)
    // The draw goes beside the sample: never stacked under it.
    if augment != nil { columns = max(2, min(columns, n)) }
    let rowsOfPanels = (n + columns - 1) / columns
    let wide = columns > 1
    let cellW = pics.width / columns
    let cellH = (pics.height - 1) / rowsOfPanels
    let palette = s.palette
    let opts = MaskComposer.Overlay(alpha: s.overlayAlpha, outlines: s.outlines, hidden: s.overlayHidden, ignore: s.ignoreValues)
    let ignore = s.ignoreValues
    let errorClass = s.errorClass
    let errorColors = t.errors
    // Suspect regions of a label-error run: the outlined one bold, the sample's others thin.
    let outlined = s.outlinedSuspect
    // Open flags that mark a rectangle are outlined too (thin, like a suspect that is not the current one).
    let suspectBoxes =
      (outlined.map { o in
        s.suspects.regions(of: id).map { (x: $0.region.x, y: $0.region.y, w: $0.region.width, h: $0.region.height, bold: $0 == o) }
      } ?? [])
      + (full.revision?.flagBoxes ?? []).compactMap { region in
        guard case .rect(let x, let y, let w, let h) = region else { return nil }
        return (x: x, y: y, w: w, h: h, bold: false)
      }
    let suspectStamp = suspectBoxes.map { "-k\($0.x),\($0.y),\($0.w),\($0.h),\($0.bold)" }.joined()
    for (i, panel) in panels.enumerated() {
      let col = i % columns, row = i / columns
      let r = Rect(x: pics.x + col * cellW, y: pics.y + 1 + row * cellH, width: wide ? cellW - 1 : cellW, height: cellH)
      let caption: String
      switch panel {
      case .image: caption = "image"
      case .overlay: caption = gt == nil ? "image (no ground truth)" : "ground truth"
      case .groundTruth: caption = "ground truth (mask)"
      case .prediction: caption = Sanitize.forTerminal(field ?? "prediction")
      case .confidence:
        caption = "confidence of " + Sanitize.forTerminal(field ?? "prediction") + " (dark = unsure)"
      case .augmented: caption = "\(Sanitize.forTerminal(s.augmentName)) draw \(s.augmentDraw) (A next)"
      case .errors:
        caption =
          "errors"
          + (errorClass.map { " of " + (s.classNames.indices.contains(Int($0)) ? s.classNames[Int($0)] : "\($0)") + ": TP FP FN" } ?? ": ok / wrong / ignored")
      }
      frame.buffer.putPadded(caption, x: r.x, y: r.y, width: r.width, style: t.style("ui.dim"))
      let picRect = Rect(x: r.x, y: r.y + 1, width: r.width, height: r.height - 1)
      // The key names everything the picture shows: a new mask revision or a moved inspector re-sends it.
      let revisionStamp = full.revision.map { "r\($0.revision)-\($0.history.first?.hashValue ?? 0)" } ?? "r0"
      let marks = i == 0 && pixelGraphics ? s.inspector.map { ins in (ins, s.rectAnchor) } : nil
      let markStamp = marks.map { "-m\($0.0.x),\($0.0.y)" + ($0.1.map { "-a\($0.x),\($0.y)" } ?? "") } ?? ""
      let key =
        "s\(id)-\(panel.rawValue)-\(field ?? "")-\(s.overlayAlpha)-\(s.outlines)-\(s.overlayHidden.sorted())-\(errorClass.map(String.init) ?? "all")-\(revisionStamp)\(markStamp)"
        + "-w\(window.x),\(window.y),\(window.w)x\(window.h)" + suspectStamp + (panel == .augmented ? "-aug\(s.augmentName)-\(s.augmentDraw)" : "")
      func compose(_ w: Int, _ h: Int) -> ComposedImage {
        let outlineOpts = { () -> MaskComposer.Overlay in
          var o = opts
          o.outlines = opts.outlines && w >= 120
          return o
        }()
        // Kitty blends pictures: the photo under the overlays goes once, shared by the panels, at
        // its own resolution when that is smaller (the terminal scales it).
        let photoKey = "s\(id)-photo-w\(window.x),\(window.y),\(window.w)x\(window.h)"
        let baseKey = s.graphics == .kitty ? photoKey + "@\(w)x\(h)" : nil
        func layered(_ c: ComposedImage) -> ComposedImage {
          guard var l = c.layers, imgs.image.width * imgs.image.height < w * h else { return c }
          var out = c
          l.base = imgs.image
          l.baseKey = photoKey
          out.layers = l
          return out
        }
        switch panel {
        case .image: return layered(ComposedImage.photo(Resample.area(imgs.image, width: w, height: h), baseKey: baseKey))
        case .overlay:
          let small = Resample.area(imgs.image, width: w, height: h)
          guard let gt else { return layered(ComposedImage.photo(small, baseKey: baseKey)) }
          return layered(MaskComposer.overlay(small, Resample.majority(gt, width: w, height: h), palette: palette, options: outlineOpts, baseKey: baseKey))
        case .groundTruth:
          guard let gt else { return ComposedImage(image: Resample.area(imgs.image, width: w, height: h)) }
          return MaskComposer.colorize(Resample.majority(gt, width: w, height: h), palette: palette, ignore: ignore)
        case .prediction:
          let small = Resample.area(imgs.image, width: w, height: h)
          guard let pred else { return layered(ComposedImage.photo(small, baseKey: baseKey)) }
          return layered(MaskComposer.overlay(small, Resample.majority(pred, width: w, height: h), palette: palette, options: outlineOpts, baseKey: baseKey))
        case .confidence:
          guard let conf else { return ComposedImage(image: RGBImage(width: w, height: h)) }
          return ComposedImage(image: Resample.area(ConfidenceRamp.colorize(conf), width: w, height: h))
        case .augmented:
          guard let augment else { return ComposedImage(image: RGBImage(width: w, height: h)) }
          let (img, m, applied) = augment.draw(image: imgs.image, mask: gt, seed: augmentSeed)
          s.composeCache.setNote(key, applied)
          // Letterboxed: a crop or resize may change the aspect.
          let (aw, ah) = Resample.fit(width: img.width, height: img.height, maxWidth: w, maxHeight: h)
          let small = Resample.area(img, width: aw, height: ah)
          let drawn =
            m.map { MaskComposer.overlay(small, Resample.majority($0, width: aw, height: ah), palette: palette, options: outlineOpts) }
            ?? ComposedImage(image: small)
          var canvas = RGBImage(width: w, height: h)
          for y in 0..<ah { for x in 0..<aw { canvas[x: x, y: y] = drawn.image[x: x, y: y] } }
          return ComposedImage(image: canvas)
        case .errors:
          guard let gt, let pred else { return ComposedImage(image: RGBImage(width: w, height: h)) }
          return MaskComposer.errorMap(
            gt: Resample.majority(gt, width: w, height: h), pred: Resample.majority(pred, width: w, height: h), ignore: ignore, classId: errorClass,
            colors: errorColors)
        }
      }
      ImageSlot.draw(
        into: &frame, rect: picRect, key: key, source: (imgs.image.width, imgs.image.height), graphics: s.graphics, colors: s.colors, cell: s.cell,
        cache: s.composeCache
      ) { w, h in
        var composed = compose(w, h)
        if !suspectBoxes.isEmpty { SuspectMarks.draw(&composed, boxes: suspectBoxes, window: window) }
        if let (ins, anchor) = marks { InspectorMarks.draw(&composed, cursor: ins, anchor: anchor, window: window) }
        return composed
      }
      // The draw's caption names the transforms it applied (each step has its probability).
      if panel == .augmented, let applied = s.composeCache.note(key) {
        frame.buffer.putPadded(
          "\(Sanitize.forTerminal(s.augmentName)) draw \(s.augmentDraw): " + (applied.isEmpty ? "nothing applied" : applied.joined(separator: ", "))
            + " (A next)",
          x: r.x, y: r.y, width: r.width, style: t.style("ui.dim"))
      }
      // The inspector's cursor (and the rectangle's first corner), over the first panel.
      if i == 0, let ins = s.inspector, s.graphics == .halfblock || s.graphics == .ascii {
        let aspect = Double(s.cell.height) / Double(2 * s.cell.width)
        let (pw, ph) = Resample.fit(
          width: imgs.image.width, height: imgs.image.height, maxWidth: picRect.width, maxHeight: picRect.height * 2, pixelAspect: aspect)
        for (p, mark) in [(s.rectAnchor, "┼"), (ins, "+")] {
          guard let p, p.x >= window.x, p.x < window.x + window.w, p.y >= window.y, p.y < window.y + window.h else { continue }
          let cx = picRect.x + (p.x - window.x) * pw / max(1, window.w), cy = picRect.y + ((p.y - window.y) * ph / max(1, window.h)) / 2
          frame.buffer[cx, cy] = Cell(mark, style: Style(fg: RGB(255, 255, 255), bg: RGB(0, 0, 0), attributes: .bold))
        }
      }
    }
    // This sample's numbers: always the whole sample, zoomed or not.
    if sideW > 0, comparable, let fg = full.groundTruth, let fp = field.flatMap({ full.predictions[$0] }),
      let m = field.flatMap({ full.matrices[$0] })
        ?? (try? ConfusionMatrix.of(gt: fg, pred: fp, classCount: min(65536, max(1, s.classNames.count)), ignore: s.ignoreValues))
    {
      let metrics = SemanticMetrics(matrix: m, dialect: s.activeRunSummary?.dialect.metric ?? .mmseg)
      var y = side.y + 1
      frame.buffer.putPadded(
        // It names the prediction it follows (Tab changes it), which need not be the active run's.
        " \(Sanitize.forTerminal(field ?? "")) here: mIoU \(AppView.pct(metrics.mIoU)), acc \(AppView.pct(metrics.aAcc))", x: side.x, y: y,
        width: side.width, style: t.style("ui.header"))
      y += 1
      for c in metrics.classes where c.gtPixels + c.predPixels > 0 && y < side.maxY - 1 {
        let name = s.classNames.indices.contains(c.classId) ? s.classNames[c.classId] : "\(c.classId)"
        let swatch = palette.color(UInt16(c.classId))
        frame.buffer.put("■", x: side.x + 1, y: y, style: Style(fg: swatch))
        frame.buffer.putPadded(
          " " + Sanitize.forTerminal(name).padding(13) + AppView.pct(c.iou).leftPadding(6) + " " + AppView.bar(c.iou, width: 10), x: side.x + 2, y: y,
          width: side.width - 2, style: c.iou < 0.5 ? t.style("ui.bar.bad") : t.style("ui"))
        y += 1
      }
    }
    for (i, l) in lines.enumerated() {
      frame.buffer.putPadded(" " + l, x: area.x, y: area.maxY - 1 - i, width: area.width, style: t.style(l.hasPrefix("!") ? "ui.palette.error" : "ui.header"))
    }
  }

  /// The lines under the pictures: zoom window, inspector, problems, revision and flags.
  static func infoLines(_ s: AppState, full: SampleImages, problems: [String], field: String?, zoomNote: String) -> [String] {
    var lines: [String] = []
    if let e = s.outlinedSuspect {
      let all = s.suspects.regions(of: e.sampleId)
      let which = all.count > 1 ? " \((all.firstIndex(of: e) ?? 0) + 1)/\(all.count)" : ""
      let given = Sanitize.forTerminal(SuspectEntry.name(e.region.given, s.classNames))
      let suggested = Sanitize.forTerminal(SuspectEntry.name(e.region.predicted, s.classNames))
      let score = "\(Int((e.region.score * 100).rounded()))%"
      // Wide: the explanation in words; narrow: the class pair, so that the keys stay on screen.
      let what = s.width >= 120 ? Sanitize.forTerminal(e.explanation(s.classNames)) : "\(given) → \(suggested)"
      let keys = s.width >= 120 ? "L relabel as \(suggested) · F flag · d label is right" : "L → \(suggested)  F flag  d label ok"
      lines.append("suspect\(which) \(e.region.kind) \(score): \(what) │ \(keys)" + (all.count > 1 ? "  ] next" : ""))
    }
    if !zoomNote.isEmpty { lines.append(zoomNote.trimmingCharacters()) }
    if let ins = s.inspector {
      func name(_ v: UInt16?) -> String {
        guard let v else { return "-" }
        if s.ignoreValues.contains(v) { return "ignore (\(v))" }
        return s.classNames.indices.contains(Int(v)) ? "\(s.classNames[Int(v)]) (\(v))" : "unknown value \(v)"
      }
      let fullPred = field.flatMap { full.predictions[$0] }
      let g = full.groundTruth.flatMap { ins.x < $0.width && ins.y < $0.height ? $0[x: ins.x, y: ins.y] : nil }
      let p = fullPred.flatMap { ins.x < $0.width && ins.y < $0.height ? $0[x: ins.x, y: ins.y] : nil }
      var line = "pixel \(ins.x),\(ins.y): GT \(name(g)), pred \(name(p))"
      if let c = field.flatMap({ full.confidence[$0] }), ins.x < c.width, ins.y < c.height {
        let v = Double(c[x: ins.x, y: ins.y]) / (c.bitDepth > 8 ? 65535 : 255)
        line += " (confidence \(Int((v * 100).rounded()))%)"
      }
      if let region = s.markedRegion, case .rect = region { line += "  · marked \(region.text) (F flag, L relabel, b clear)" }
      lines.append(line)
    }
    for p in problems { lines.append("! " + Sanitize.forTerminal(p)) }
    if let rev = full.revision {
      if let newest = rev.history.first {
        lines.append("GT " + Sanitize.forTerminal(newest) + (rev.history.count > 1 ? "  (+\(rev.history.count - 1) older; u undoes)" : "  (u undoes)"))
      }
      if !rev.flags.isEmpty {
        lines.append(
          "⚑ " + rev.flags.prefix(2).map(Sanitize.forTerminal).joined(separator: " · ") + (rev.flags.count > 2 ? " · +\(rev.flags.count - 2) more (6)" : ""))
      }
    }
    return lines
  }
}

/// The inspector's crosshair and the marked rectangle, drawn into a picture (sixel and kitty, where
/// text cannot go over the image).
enum InspectorMarks {
  /// `cursor` and `anchor` are in image pixels; `window` is the part of the image the picture shows.
  /// The marks' pixels are exact colours: a sixel terminal gets them in their own registers, so a
  /// moved crosshair can be sent as a small tile in the palette already on screen.
  static func draw(_ composed: inout ComposedImage, cursor: (x: Int, y: Int), anchor: (x: Int, y: Int)?, window: (x: Int, y: Int, w: Int, h: Int)) {
    let iw = composed.image.width, ih = composed.image.height
    guard iw > 0, ih > 0, window.w > 0, window.h > 0 else { return }
    func map(_ p: (x: Int, y: Int)) -> (Int, Int) {
      ((p.x - window.x) * iw / window.w + iw / window.w / 2, (p.y - window.y) * ih / window.h + ih / window.h / 2)
    }
    func put(_ x: Int, _ y: Int, _ c: RGB) { composed.paint(x: x, y: y, c) }
    let white = RGB(255, 255, 255), black = RGB(0, 0, 0), yellow = RGB(255, 220, 0)
    if let anchor {
      let (ax, ay) = map(anchor), (cx, cy) = map(cursor)
      let x0 = min(ax, cx), x1 = max(ax, cx), y0 = min(ay, cy), y1 = max(ay, cy)
      for x in x0...x1 { put(x, y0, yellow); put(x, y1, yellow) }
      for y in y0...y1 { put(x0, y, yellow); put(x1, y, yellow) }
    }
    let (cx, cy) = map(cursor)
    let arm = max(3, min(iw, ih) / 25)
    // A white cross with a black outline shows on any colour.
    for d in -arm...arm where abs(d) > 1 {
      for o in [-1, 1] { put(cx + d, cy + o, black); put(cx + o, cy + d, black) }
    }
    for d in -arm...arm where abs(d) > 1 { put(cx + d, cy, white); put(cx, cy + d, white) }
  }
}

/// Boxes around suspect regions, drawn into every picture of the sample view: the outlined region
/// two pixels wide in magenta with a dark edge, the sample's other regions one pixel wide in white.
enum SuspectMarks {
  /// Boxes are in image pixels; `window` is the part of the image the picture shows.
  static func draw(_ composed: inout ComposedImage, boxes: [(x: Int, y: Int, w: Int, h: Int, bold: Bool)], window: (x: Int, y: Int, w: Int, h: Int)) {
    let img = composed.image
    guard img.width > 1, img.height > 1, window.w > 0, window.h > 0 else { return }
    func put(_ x: Int, _ y: Int, _ c: RGB) { composed.paint(x: x, y: y, c, exact: false) }
    let magenta = RGB(255, 0, 255), white = RGB(255, 255, 255), dark = RGB(0, 0, 0)
    // The outlined box last, so that it is drawn over the others.
    for b in boxes.sorted(by: { !$0.bold && $1.bold }) {
      // Box edges in picture pixels (the last pixel of the box maps inside the picture).
      let x0 = (b.x - window.x) * img.width / window.w, y0 = (b.y - window.y) * img.height / window.h
      let x1 = max(x0, (b.x + b.w - window.x) * img.width / window.w - 1), y1 = max(y0, (b.y + b.h - window.y) * img.height / window.h - 1)
      guard x1 >= 0, y1 >= 0, x0 < img.width, y0 < img.height else { continue }
      let rings: [(Int, RGB)] = b.bold ? [(-2, dark), (-1, magenta), (0, magenta), (1, dark)] : [(0, white)]
      for (d, c) in rings {
        let ax = x0 + d, bx = x1 - d, ay = y0 + d, by = y1 - d
        guard ax <= bx, ay <= by else { continue }
        for x in ax...bx { put(x, ay, c); put(x, by, c) }
        for y in ay...by { put(ax, y, c); put(bx, y, c) }
      }
    }
  }
}

/// Confidence maps as colours: dark blue (0) through red (0.5) to pale yellow (1), so that unsure
/// regions stand out dark. 8-bit maps are value / 255, 16-bit ones value / 65535.
enum ConfidenceRamp {
  static func colorize(_ m: LabelMask) -> RGBImage {
    let scale = m.bitDepth > 8 ? 65535.0 : 255.0
    var lut: [RGB] = []
    let steps = m.bitDepth > 8 ? 1024 : 256
    for i in 0..<steps {
      let t = Double(i) / Double(steps - 1)
      lut.append(color(t))
    }
    var out = RGBImage(width: m.width, height: m.height)
    for y in 0..<m.height {
      for x in 0..<m.width {
        let t = min(1, Double(m[x: x, y: y]) / scale)
        out[x: x, y: y] = lut[Int(t * Double(steps - 1))]
      }
    }
    return out
  }

  /// The colour of confidence `t` in 0...1.
  static func color(_ t: Double) -> RGB {
    func mix(_ a: (Double, Double, Double), _ b: (Double, Double, Double), _ u: Double) -> RGB {
      RGB(UInt8(a.0 + (b.0 - a.0) * u), UInt8(a.1 + (b.1 - a.1) * u), UInt8(a.2 + (b.2 - a.2) * u))
    }
    return t < 0.5 ? mix((20, 20, 70), (200, 50, 40), t * 2) : mix((200, 50, 40), (250, 240, 190), (t - 0.5) * 2)
  }
}
