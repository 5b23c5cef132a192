import SegmentationCore
import TerminalRender

/// Tile geometry of the thumbnail grid.
public enum GridLayout {
  /// The narrowest tile for the terminal's width; the tiles then share the whole width.
  static func minimumTileWidth(_ s: AppState) -> Int { s.width >= 100 ? 24 : (s.width >= 60 ? 20 : max(10, s.width / 2)) }
  public static func columns(_ s: AppState) -> Int { max(1, s.width / minimumTileWidth(s)) }
  public static func tileWidth(_ s: AppState) -> Int { max(1, s.width / columns(s)) }
  /// Tall enough for a picture of the dataset's aspect across the tile's width (plus the caption
  /// row), within what the screen has room for.
  public static func tileHeight(_ s: AppState) -> Int {
    let cellAspect = Double(max(1, s.cell.height)) / Double(max(1, s.cell.width))
    let picture = Double(tileWidth(s) - 2) / max(0.2, s.imageAspect) / cellAspect
    let room = max(3, s.height - 2)
    return max(3, min(room, Int(picture.rounded()) + 1))
  }
  public static func rows(_ s: AppState) -> Int { max(1, (s.height - 2) / tileHeight(s)) }
}

/// The samples of the view as thumbnails with the ground truth overlaid, a caption and an mIoU badge.
enum GridScreen {
  static func draw(_ s: AppState, _ area: Rect, _ frame: inout Frame, _ t: Theme) {
    let tw = GridLayout.tileWidth(s), th = GridLayout.tileHeight(s)
    let cols = GridLayout.columns(s)
    if s.viewIds.isEmpty {
      frame.buffer.putPadded(
        s.viewLoading ? " loading…" : " no samples in this view (0 resets it, / filters)", x: area.x, y: area.y + 1, width: area.width, style: t.style("ui.dim")
      )
    }
    for (k, id) in Reducer.visibleIds(s).enumerated() {
      let idx = s.scroll + k
      let x = area.x + (k % cols) * tw, y = area.y + (k / cols) * th
      guard y + th <= area.maxY + 1 else { break }
      let selected = idx == s.cursor
      let row = s.rows[id]
      let name = row.map { Sanitize.forTerminal(String($0.path.split(separator: "/").last ?? "")) } ?? "…"
      let badge = row?.miou.map { AppView.pct($0) } ?? ""
      let capStyle = selected ? t.style("ui.selection") : t.style("ui.dim")
      frame.buffer.putPadded(" " + name, x: x, y: y + th - 1, width: tw - 1 - badge.count - 1, style: capStyle)
      var badgeStyle = capStyle
      if !selected, let m = row?.miou { badgeStyle = badgeStyle.patched(with: Style(fg: t.heatText(1 - m))) }
      frame.buffer.putPadded(badge + " ", x: x + tw - 1 - badge.count - 1, y: y + th - 1, width: badge.count + 1, style: badgeStyle)
      if selected {
        frame.buffer.fill(Rect(x: x, y: y, width: 1, height: th - 1), symbol: "▌", style: Style(fg: t.style("ui.selection").bg))
      }
      guard let thumb = s.thumbnails[id] else {
        frame.buffer.putPadded("  …", x: x + 1, y: y + 1, width: tw - 2, style: t.style("ui.dim"))
        continue
      }
      let palette = s.palette
      let opts = MaskComposer.Overlay(alpha: s.overlayAlpha, outlines: false, hidden: s.overlayHidden, ignore: s.ignoreValues)
      ImageSlot.draw(
        into: &frame, rect: Rect(x: x + 1, y: y, width: tw - 2, height: th - 1), key: "thumb-\(id)-\(s.overlayAlpha)-\(s.overlayHidden.sorted())",
        source: (thumb.image.width, thumb.image.height), graphics: s.graphics, colors: s.colors, cell: s.cell
      ) { w, h in
        let small = Resample.area(thumb.image, width: w, height: h)
        guard let gt = thumb.groundTruth else { return ComposedImage(image: small) }
        return MaskComposer.overlay(small, Resample.majority(gt, width: w, height: h), palette: palette, options: opts)
      }
    }
  }
}
