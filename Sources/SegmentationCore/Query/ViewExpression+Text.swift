import Foundation

/// The view language written back: `ViewExpression.parse(v.text) == v` for every expression the
/// parser can make, so workflows build expressions as values and print them only for people (a
/// slice's definition, a saved view, the status bar).
extension ViewExpression {
  /// The expression as the parser reads it: filters, then the sort, limit and skip.
  public var text: String {
    var terms = filters.map(\.text)
    if let sort { terms.append("sort:" + (sort.descending ? "-" : "") + sort.metric.text) }
    if let limit { terms.append("limit:\(limit)") }
    if skip > 0 { terms.append("skip:\(skip)") }
    return terms.joined(separator: " ")
  }

  /// This expression with one more filter.
  public func and(_ filter: Filter) -> ViewExpression {
    var v = self
    v.filters.append(filter)
    return v
  }

  /// This expression sorted by another key (the old sort replaced).
  public func sorted(by metric: Metric, descending: Bool = false) -> ViewExpression {
    var v = self
    v.sort = Sort(metric: metric, descending: descending)
    return v
  }

  /// A word as the parser reads it: bare when it can be, else quoted.
  static func word(_ s: String) -> String {
    let bare = !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." || $0 == "/" || $0 == "+" }
    if bare { return s }
    return s.contains("'") ? "\"" + s + "\"" : "'" + s + "'"
  }

  /// A number as the parser reads it (digits, a point, a leading minus; no exponent). Values are
  /// written with up to 9 decimals; workflows that make thresholds round them with `rounded(_:)`
  /// first, so the printed expression selects exactly the samples the value did.
  public static func number(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    var s = String(format: "%.9f", v)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s
  }

  /// `v` rounded to `decimals` places the way `text` prints it.
  public static func rounded(_ v: Double, decimals: Int = 4) -> Double {
    Double(String(format: "%.\(decimals)f", v)) ?? v
  }
}

extension ViewExpression.Metric {
  public var text: String {
    let w = ViewExpression.word
    switch self {
    case .miou(let run): return "miou(\(w(run)))"
    case .accuracy(let run): return "acc(\(w(run)))"
    case .suspect(let run): return "suspect(\(w(run)))"
    case .instanceCount(let run, let outcome): return "\(outcome)(\(w(run)))"
    case .classIoU(let run, let c): return "iou(\(w(run)),\(w(c)))"
    case .path: return "path"
    case .width: return "width"
    case .height: return "height"
    case .classPixels(let c, let field): return "pixels(\(w(c))\(field == FieldName.groundTruth ? "" : "@" + w(field)))"
    case .uniqueness: return "uniqueness"
    case .duplicateGroup: return "group"
    case .fiftyone(let run, let measure): return "\(measure)(\(w(run)))"
    case .cluster: return "cluster"
    case .brightness: return "brightness"
    case .contrast: return "contrast"
    }
  }
}

extension ViewExpression.Filter {
  public var text: String {
    let w = ViewExpression.word, n = ViewExpression.number
    switch self {
    case .split(let s, let equal): return "split" + (equal ? "=" : "!=") + w(s)
    case .tag(let t): return "tag:" + w(t)
    case .hasField(let f): return "has:" + w(f)
    case .pathContains(let p): return "path~" + w(p)
    case .savedView(let v): return "view:" + w(v)
    case .classPixels(let c, let field, let op, let v):
      let head = "class:" + w(c) + (field == FieldName.groundTruth ? "" : "@" + w(field))
      return op == .gt && v == 0 ? head : head + op.rawValue + n(v)
    case .metric(let m, let op, let v): return m.text + op.rawValue + n(v)
    case .not(let inner): return "not " + inner.text
    case .flagged(let state):
      guard let state else { return "flagged:any" }
      return state == .open ? "flagged" : "flagged:" + state.rawValue
    case .verdict(let queue, let v): return "verdict:" + w(queue) + "=" + v.rawValue
    case .revised: return "revised"
    case .dismissed: return "dismissed"
    case .duplicate(let leak): return leak ? "leak" : "dup"
    case .duplicateGroup(let g): return "group:\(g)"
    case .cluster(let c): return "cluster:\(c)"
    }
  }
}
