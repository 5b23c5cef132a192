/// The view language: which samples to show and in what order. Terms are separated by spaces and
/// all must hold; `not` negates the next filter.
///
///     split=val                 split!=train           tag:hard        not tag:reviewed
///     has:model_a               path~street_00         class:car       class:person>=500
///     view:hard_cases (the filters of a saved view)
///     class:car@model_b<10      miou(model_b)<0.5      acc(model_a)>=0.9
///     iou(model_b,sidewalk)<0.3 sort:-miou(model_b)    sort:pixels(car)        sort:path
///     suspect(model_a+model_b)>0.5                      sort:-suspect(model_a+model_b)
///     limit:50                  skip:100
///     flagged   flagged:fixed   verdict:worst=needs-fix   revised   dismissed
///     dup       leak            group:3                   uniqueness<0.2   sort:-uniqueness   sort:group
///     cluster:2 sort:cluster    brightness<0.25           contrast>=0.2
///
/// `class:NAME[@FIELD][OP N]` tests the pixel count of a class in a mask field (ground truth by
/// default; no comparison means more than 0 pixels). Metric filters and sorts name an evaluation run.
public struct ViewExpression: Sendable, Equatable {
  public enum Comparison: String, Sendable, Equatable {
    case lt = "<", le = "<=", gt = ">", ge = ">=", eq = "=", ne = "!="
  }

  public enum Metric: Sendable, Equatable {
    case miou(run: String)
    case accuracy(run: String)
    /// A label-error run's sample score (`suspect(RUN)`, 1 = surely mislabeled).
    case suspect(run: String)
    /// An instance run's per-sample count of true positives, false positives or false negatives
    /// (`tp(RUN)`, `fp(RUN)`, `fn(RUN)`) at its match IoU.
    case instanceCount(run: String, outcome: String)
    case classIoU(run: String, className: String)
    case path
    case width
    case height
    case classPixels(className: String, field: String)
    /// FiftyOne-style uniqueness in [0, 1] (`segscope uniqueness`).
    case uniqueness
    /// The number of a sample's group of duplicates (`sort:group` lists each group's members together).
    case duplicateGroup
    /// The sample's cluster (`segscope clusters`; `sort:cluster` lists each cluster's members together,
    /// nearest the centre first).
    case cluster
    /// The image's mean luma in [0, 1] and its RMS contrast (made with the image signatures).
    case brightness
    case contrast
    /// FiftyOne's per-sample micro accuracy, precision or recall in a run made with `--dialect
    /// fiftyone` (`acc_fo(RUN)`, `precision_fo(RUN)`, `recall_fo(RUN)`).
    case fiftyone(run: String, measure: String)
  }

  public indirect enum Filter: Sendable, Equatable {
    case split(String, equal: Bool)
    case tag(String)
    case hasField(String)
    case pathContains(String)
    /// The filters of a saved view.
    case savedView(String)
    case classPixels(className: String, field: String, Comparison, Double)
    case metric(Metric, Comparison, Double)
    case not(Filter)
    /// Samples with a flag in a state (`flagged` = open flags, `flagged:fixed`, `flagged:any`).
    case flagged(state: FlagState?)
    /// Samples a review queue gave a verdict (`verdict:QUEUE=needs-fix`).
    case verdict(queue: String, Verdict)
    /// Samples whose ground truth has a corrected revision.
    case revised
    /// Samples with a suspect region a reviewer dismissed ("the label is right").
    case dismissed
    /// Samples in a group of duplicates (`dup`), or in one that spans splits (`leak`).
    case duplicate(leak: Bool)
    /// The samples of one group of duplicates (`group:N`, as `segscope duplicates` numbers them).
    case duplicateGroup(Int)
    /// The samples of one cluster (`cluster:N`, as `segscope clusters` numbers them).
    case cluster(Int)
  }

  public struct Sort: Sendable, Equatable {
    public var metric: Metric
    public var descending: Bool
    public init(metric: Metric, descending: Bool) {
      self.metric = metric
      self.descending = descending
    }
  }

  public var filters: [Filter] = []
  public var sort: Sort? = nil
  public var limit: Int? = nil
  public var skip: Int = 0

  public init(filters: [Filter] = [], sort: Sort? = nil, limit: Int? = nil, skip: Int = 0) {
    self.filters = filters
    self.sort = sort
    self.limit = limit
    self.skip = skip
  }

  /// Parses an expression; the error names the character position and what was expected.
  /// No term at all: every sample, in the dataset's order.
  public var isEmpty: Bool { self == ViewExpression() }

  public static func parse(_ text: String) throws(ViewSyntaxError) -> ViewExpression {
    var p = ViewParser(text)
    return try p.parseAll()
  }
}

/// A syntax error in a view expression.
public struct ViewSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
  /// 1-based character position.
  public let position: Int
  public let expected: String
  public let found: String

  /// One line, with any control character of the expression escaped (it may come from a script).
  public var description: String { Sanitize.forTerminal("at position \(position): expected \(expected), found \(found)") }
}

struct ViewParser {
  let chars: [Character]
  var i = 0

  init(_ s: String) { chars = Array(s) }

  /// More filters than this are refused with a syntax error (SQLite nests one level per filter and
  /// stops at a depth of 1000).
  static let maxFilters = 256

  mutating func parseAll() throws(ViewSyntaxError) -> ViewExpression {
    var v = ViewExpression()
    skipSpaces()
    while i < chars.count {
      try parseTerm(into: &v)
      if v.filters.count > ViewParser.maxFilters {
        throw ViewSyntaxError(
          position: i, expected: "at most \(ViewParser.maxFilters) filters", found: "more (save parts as views with :save, or use fewer terms)")
      }
      skipSpaces()
    }
    return v
  }

  mutating func skipSpaces() { while i < chars.count && chars[i].isWhitespace { i += 1 } }

  func error(_ expected: String) -> ViewSyntaxError {
    let found = i < chars.count ? "'" + String(chars[i..<min(chars.count, i + 12)]) + "'" : "end of input"
    return ViewSyntaxError(position: i + 1, expected: expected, found: found)
  }

  func isWordChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "-" || c == "." || c == "/" || c == "+" }

  mutating func word(_ what: String) throws(ViewSyntaxError) -> String {
    if i < chars.count && (chars[i] == "\"" || chars[i] == "'") {
      let q = chars[i]
      let start = i
      i += 1
      var s = ""
      while i < chars.count && chars[i] != q {
        s.append(chars[i])
        i += 1
      }
      guard i < chars.count else {
        i = start
        throw error("a closing quote")
      }
      i += 1
      return s
    }
    let start = i
    while i < chars.count && isWordChar(chars[i]) { i += 1 }
    guard i > start else { throw error(what) }
    return String(chars[start..<i])
  }

  mutating func expect(_ s: String) throws(ViewSyntaxError) {
    let c = Array(s)
    guard i + c.count <= chars.count && Array(chars[i..<(i + c.count)]) == c else { throw error("'\(s)'") }
    i += c.count
  }

  mutating func peek(_ s: String) -> Bool {
    let c = Array(s)
    return i + c.count <= chars.count && Array(chars[i..<(i + c.count)]) == c
  }

  mutating func comparison() throws(ViewSyntaxError) -> ViewExpression.Comparison {
    for op in ["<=", ">=", "!=", "<", ">", "="] where peek(op) {
      i += op.count
      return ViewExpression.Comparison(rawValue: op)!
    }
    throw error("a comparison (<, <=, >, >=, =, !=)")
  }

  mutating func number() throws(ViewSyntaxError) -> Double {
    let start = i
    if i < chars.count && chars[i] == "-" { i += 1 }
    while i < chars.count && (chars[i].isNumber || chars[i] == ".") { i += 1 }
    guard let v = Double(String(chars[start..<i])) else {
      i = start
      throw error("a number")
    }
    return v
  }

  mutating func integer() throws(ViewSyntaxError) -> Int {
    let start = i
    while i < chars.count && chars[i].isNumber { i += 1 }
    guard let v = Int(String(chars[start..<i])) else {
      i = start
      throw error("a whole number")
    }
    return v
  }

  /// miou(run) | acc(run) | tp(run) | fp(run) | fn(run) | iou(run,class) | path | width | height | pixels(class[@field])
  mutating func metric() throws(ViewSyntaxError) -> ViewExpression.Metric {
    let start = i
    let name = try word("a metric (miou(RUN), acc(RUN), iou(RUN,CLASS), suspect(RUN), pixels(CLASS), path, width, height)")
    switch name {
    case "path": return .path
    case "width": return .width
    case "height": return .height
    case "uniqueness": return .uniqueness
    case "group": return .duplicateGroup
    case "cluster": return .cluster
    case "brightness": return .brightness
    case "contrast": return .contrast
    case "miou", "acc", "iou", "pixels", "tp", "fp", "fn", "suspect", "acc_fo", "precision_fo", "recall_fo":
      try expect("(")
      let a = try word(name == "pixels" ? "a class name" : name == "suspect" ? "a label-error run name" : "an evaluation run name")
      var b: String? = nil
      if name == "iou" {
        try expect(",")
        skipSpaces()
        b = try word("a class name")
      }
      var field = FieldName.groundTruth
      if name == "pixels" && peek("@") {
        i += 1
        field = try word("a mask field")
      }
      try expect(")")
      switch name {
      case "miou": return .miou(run: a)
      case "acc": return .accuracy(run: a)
      case "suspect": return .suspect(run: a)
      case "acc_fo", "precision_fo", "recall_fo": return .fiftyone(run: a, measure: name)
      case "tp", "fp", "fn": return .instanceCount(run: a, outcome: name)
      case "iou": return .classIoU(run: a, className: b ?? "")
      default: return .classPixels(className: a, field: field)
      }
    default:
      i = start
      throw error("a metric (miou(RUN), acc(RUN), iou(RUN,CLASS), suspect(RUN), pixels(CLASS), path, width, height)")
    }
  }

  mutating func parseTerm(into v: inout ViewExpression) throws(ViewSyntaxError) {
    if peek("sort:") {
      i += 5
      var desc = false
      if peek("-") {
        desc = true
        i += 1
      }
      v.sort = ViewExpression.Sort(metric: try metric(), descending: desc)
      return
    }
    if peek("limit:") {
      i += 6
      v.limit = try integer()
      return
    }
    if peek("skip:") {
      i += 5
      v.skip = try integer()
      return
    }
    v.filters.append(try filter())
  }

  mutating func filter() throws(ViewSyntaxError) -> ViewExpression.Filter {
    if peek("not ") {
      i += 4
      skipSpaces()
      return .not(try filter())
    }
    let start = i
    let key = try word("a filter (split=, tag:, has:, class:, path~, miou(RUN)<N, sort:, limit:)")
    switch key {
    case "split":
      let eq: Bool
      if peek("!=") {
        i += 2
        eq = false
      } else {
        try expect("=")
        eq = true
      }
      return .split(try word("a split name"), equal: eq)
    case "tag":
      try expect(":")
      return .tag(try word("a tag"))
    case "has":
      try expect(":")
      return .hasField(try word("a mask field name"))
    case "view":
      try expect(":")
      return .savedView(try word("a saved view name"))
    case "path":
      try expect("~")
      return .pathContains(try word("text to find in the path"))
    case "class":
      try expect(":")
      let name = try word("a class name")
      var field = FieldName.groundTruth
      if peek("@") {
        i += 1
        field = try word("a mask field")
      }
      if i < chars.count && "<>=!".contains(chars[i]) {
        let op = try comparison()
        return .classPixels(className: name, field: field, op, try number())
      }
      return .classPixels(className: name, field: field, .gt, 0)
    case "flagged":
      guard peek(":") else { return .flagged(state: .open) }
      i += 1
      let start = i
      let state = try word("a flag state (open, fixed, rejected, any)")
      if state == "any" { return .flagged(state: nil) }
      guard let s = FlagState(rawValue: state) else {
        throw ViewSyntaxError(position: start + 1, expected: "a flag state (open, fixed, rejected, any)", found: "'\(state)'")
      }
      return .flagged(state: s)
    case "verdict":
      try expect(":")
      let queue = try word("a review queue name")
      try expect("=")
      let start = i
      let text = try word("a verdict (ok, needs-fix, skip)")
      guard let v = Verdict(rawValue: text) else { throw ViewSyntaxError(position: start + 1, expected: "a verdict (ok, needs-fix, skip)", found: "'\(text)'") }
      return .verdict(queue: queue, v)
    case "revised":
      return .revised
    case "dismissed":
      return .dismissed
    case "dup":
      return .duplicate(leak: false)
    case "leak":
      return .duplicate(leak: true)
    case "group":
      try expect(":")
      return .duplicateGroup(try integer())
    case "cluster" where peek(":"):
      i += 1
      return .cluster(try integer())
    case "miou", "acc", "iou", "width", "height", "pixels", "tp", "fp", "fn", "suspect", "uniqueness", "acc_fo", "precision_fo", "recall_fo", "cluster",
      "brightness", "contrast":
      i = start
      let m = try metric()
      let op = try comparison()
      return .metric(m, op, try number())
    default:
      i = start
      throw error(
        "a filter (split=, tag:, has:, class:, path~, flagged, verdict:, revised, dismissed, dup, leak, group:N, cluster:N, brightness<N, miou(RUN)<N, sort:, limit:)"
      )
    }
  }
}
