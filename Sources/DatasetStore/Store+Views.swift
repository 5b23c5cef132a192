import GRDB
import SegmentationCore

/// A view expression that refers to something the dataset does not have.
public struct ViewResolveError: Error, Sendable, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}

extension DatasetStore {
  /// Loads, in the calling thread, what views of class and split terms need, so that the first such
  /// view is answered from memory (the app calls it in the background after opening a dataset).
  public func warmViewColumns() throws {
    // The ground truth's classes: what `class:` terms ask about unless they name another field.
    // (Without a class map, value 0 stands in: one scan of the field loads every value's column.)
    let fields = try fields().filter { $0.kind == .semantic && $0.role == .groundTruth }.map { f in
      (f.name, f.hasClassMap ? f.classes.filter { !$0.isIgnore }.map(\.value) : [0])
    }
    try columns?.warm(fields: fields, store: self)
  }

  /// The ids of the samples in a view, in the view's order (path order without a sort).
  public func sampleIds(_ view: ViewExpression) throws -> [Int64] {
    if let fast = try limitedRunSort(view) { return fast }
    // Any failure in memory (a name that does not resolve, a database the probe cannot read) falls
    // back to SQL, which reports the same error or answers.
    if let columns, let fast = try? columns.sampleIds(view, store: self) { return fast }
    let (sql, args) = try compile(view)
    return try read { db in try Int64.fetchAll(db, sql: sql, arguments: args) }
  }

  /// `sort:miou(RUN) limit:N` (or acc) walks the run's (run_id, value) index in order and stops after
  /// N rows instead of sorting every sample; samples without a value follow, as in the general plan.
  func limitedRunSort(_ view: ViewExpression) throws -> [Int64]? {
    guard let sort = view.sort, let limit = view.limit else { return nil }
    let column: String, run: String
    switch sort.metric {
    case .miou(let r), .accuracy(let r), .instanceCount(let r, _): (column, run) = (Self.column(sort.metric), r)
    default: return nil
    }
    let runId = try runId(named: run)
    let want = limit + view.skip
    var filterArgs: [(any DatabaseValueConvertible)?] = []
    var wheres = ["s.present = 1"]
    for f in view.filters { wheres.append(try filterSQL(f, &filterArgs)) }
    let filters = wheres.joined(separator: " AND ")
    let order = sort.descending ? "DESC" : "ASC"
    let withValue =
      "SELECT s.id FROM eval_sample k JOIN sample s ON s.id = k.sample_id WHERE k.run_id = ? AND k.\(column) IS NOT NULL AND \(filters) ORDER BY k.\(column) \(order), k.sample_id LIMIT \(want)"
    let withoutValue =
      "SELECT s.id FROM sample s LEFT JOIN eval_sample k ON k.run_id = ? AND k.sample_id = s.id WHERE k.\(column) IS NULL AND \(filters) ORDER BY s.id LIMIT \(want)"
    let args = StatementArguments([runId] + filterArgs)
    let ids: [Int64] = try read { db in
      var out = try Int64.fetchAll(db, sql: withValue, arguments: args)
      if out.count < want { out += try Int64.fetchAll(db, sql: withoutValue, arguments: args).prefix(want - out.count) }
      return out
    }
    return Array(ids.dropFirst(view.skip))
  }

  /// The number of samples in a view (limit and skip applied).
  public func count(_ view: ViewExpression) throws -> Int {
    let (sql, args) = try compile(view)
    return try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM (\(sql))", arguments: args) ?? 0 }
  }

  /// SQL and arguments for a view. Names (runs, classes, fields) are resolved here; an unknown one is
  /// an error that names it and lists what exists.
  public func compile(_ view: ViewExpression) throws -> (String, StatementArguments) {
    var args: [(any DatabaseValueConvertible)?] = []
    var join = ""
    var order = "s.path"
    // The sort key comes in through a LEFT JOIN (one index lookup per sample, and SQLite's top-N
    // sorter for a limit); its arguments are bound first because the join comes first in the SQL.
    if let sort = view.sort {
      let (j, expr) = try sortJoin(sort.metric, &args)
      join = j
      order = "(\(expr)) IS NULL, \(expr) \(sort.descending ? "DESC" : "ASC"), s.path"
    }
    var wheres = ["s.present = 1"]
    for f in view.filters { wheres.append(try filterSQL(f, &args)) }
    var sql = "SELECT s.id FROM sample s" + join + " WHERE " + wheres.joined(separator: " AND ") + " ORDER BY " + order
    if let limit = view.limit { sql += " LIMIT \(limit)" } else if view.skip > 0 { sql += " LIMIT -1" }
    if view.skip > 0 { sql += " OFFSET \(view.skip)" }
    return (sql, StatementArguments(args))
  }

  func sortJoin(_ m: ViewExpression.Metric, _ args: inout [(any DatabaseValueConvertible)?]) throws -> (String, String) {
    switch m {
    case .path, .width, .height:
      return ("", try metricSQL(m, &args))
    case .uniqueness:
      try requireCuration("uniqueness", table: "uniqueness", command: "segscope uniqueness PATH")
      return (" LEFT JOIN uniqueness k ON k.sample_id = s.id", "k.value")
    case .duplicateGroup:
      try requireCuration("sort:group", table: "duplicate_group", command: "segscope duplicates PATH")
      return (" LEFT JOIN duplicate_group k ON k.sample_id = s.id", "k.group_id")
    case .cluster:
      try requireCuration("sort:cluster", table: "sample_cluster", command: "segscope clusters PATH")
      // Cluster first, then nearest the centre first (a cosine distance is below 4).
      return (" LEFT JOIN sample_cluster k ON k.sample_id = s.id", "k.cluster * 4 + k.distance")
    case .brightness, .contrast:
      try requireLuma(m)
      return (" LEFT JOIN image_signature k ON k.sample_id = s.id", "k.\(m.text)")
    case .suspect(let run):
      args.append(try suspectRunKey(run))
      return (" LEFT JOIN suspect_sample k ON k.run_key = ? AND k.sample_id = s.id", "k.score")
    case .miou(let run), .accuracy(let run), .instanceCount(let run, _):
      args.append(try runId(named: run))
      return (" LEFT JOIN eval_sample k ON k.run_id = ? AND k.sample_id = s.id", "k.\(Self.column(m))")
    case .fiftyone(let run, let measure):
      args.append(try fiftyoneRunId(run, measure))
      return (" LEFT JOIN eval_sample k ON k.run_id = ? AND k.sample_id = s.id", "k.\(Self.column(m))")
    case .classIoU(let run, let cls):
      let id = try runId(named: run)
      let gtField = try read { db in try String.fetchOne(db, sql: "SELECT gt_field FROM eval_run WHERE id = ?", arguments: [id]) } ?? FieldName.groundTruth
      args.append(id)
      args.append(try classValue(cls, field: gtField))
      return (" LEFT JOIN eval_class k ON k.run_id = ? AND k.class = ? AND k.sample_id = s.id", "k.iou")
    case .classPixels(let cls, let field):
      try requireField(field)
      args.append(field)
      // The class value is an Int from the class table, written into the SQL as a number.
      let value = try classValue(cls, field: field)
      if try isInstanceField(field) {
        return (
          " LEFT JOIN (SELECT sample_id, sum(max(area, 1)) AS px FROM instance WHERE field = ? AND category = \(value) AND iscrowd = 0 GROUP BY sample_id) k ON k.sample_id = s.id",
          "COALESCE(k.px, 0)"
        )
      }
      return (" LEFT JOIN mask_histogram k ON k.field = ? AND k.sample_id = s.id", "COALESCE(segscope_px(k.hist, \(value)), 0)")
    }
  }

  func filterSQL(_ f: ViewExpression.Filter, _ args: inout [(any DatabaseValueConvertible)?]) throws -> String {
    switch f {
    case .split(let name, let equal):
      args.append(name)
      // IS / IS NOT: a sample without a split is simply not in it, also under `not`.
      return equal ? "s.split IS ?" : "s.split IS NOT ?"
    case .tag(let t):
      args.append(t)
      return "EXISTS (SELECT 1 FROM tag t WHERE t.sample_id = s.id AND t.tag = ?)"
    case .hasField(let field):
      try requireField(field)
      args.append(field)
      return "EXISTS (SELECT 1 FROM mask m WHERE m.sample_id = s.id AND m.field = ?)"
    case .pathContains(let text):
      args.append(text)
      return "instr(s.path, ?) > 0"
    case .savedView(let name):
      guard let expr = try savedViews().first(where: { $0.name == name })?.expression else {
        throw ViewResolveError(message: "no saved view '\(name)' (saved: \(try savedViews().map(\.name).joined(separator: ", ")))")
      }
      guard !expr.contains("view:") else { throw ViewResolveError(message: "saved view '\(name)' refers to another saved view") }
      let inner = try ViewExpression.parse(expr)
      if inner.filters.isEmpty { return "1" }
      return "(" + (try inner.filters.map { try filterSQL($0, &args) }.joined(separator: " AND ")) + ")"
    case .classPixels(let name, let field, let op, let n):
      // A sample without the class (or not indexed yet) has 0 pixels.
      try requireField(field)
      let value = try classValue(name, field: field)
      if try isInstanceField(field) {
        let expr = try instancePixelsSQL(field: field, value: value, &args)
        args.append(n)
        return "\(expr) \(op.rawValue) ?"
      }
      args.append(field)
      args.append(n)
      // One primary-key lookup per sample the rest of the plan visits (a limited walk over a run's
      // index stops early), not a scan of every histogram of the field.
      return "COALESCE((SELECT segscope_px(h.hist, \(value)) FROM mask_histogram h WHERE h.field = ? AND h.sample_id = s.id), 0) \(op.rawValue) ?"
    case .metric(let m, let op, let n):
      switch m {
      case .miou(let run), .accuracy(let run), .instanceCount(let run, _):
        args.append(try runId(named: run))
        args.append(n)
        return "s.id IN (SELECT sample_id FROM eval_sample WHERE run_id = ? AND \(Self.column(m)) \(op.rawValue) ?)"
      case .fiftyone(let run, let measure):
        args.append(try fiftyoneRunId(run, measure))
        args.append(n)
        return "s.id IN (SELECT sample_id FROM eval_sample WHERE run_id = ? AND \(Self.column(m)) \(op.rawValue) ?)"
      case .classPixels(let cls, let field):
        return try filterSQL(.classPixels(className: cls, field: field, op, n), &args)
      default:
        let expr = try metricSQL(m, &args)
        args.append(n)
        return "\(expr) \(op.rawValue) ?"
      }
    case .not(let inner):
      return "NOT (" + (try filterSQL(inner, &args)) + ")"
    case .flagged(let state):
      guard let state else { return "s.id IN (SELECT sample_id FROM flag)" }
      args.append(state)
      return "s.id IN (SELECT sample_id FROM flag WHERE state = ?)"
    case .verdict(let queue, let verdict):
      args.append(queue)
      args.append(verdict)
      return "s.id IN (SELECT sample_id FROM review_verdict WHERE queue = ? AND verdict = ?)"
    case .revised:
      return "s.id IN (SELECT sample_id FROM mask WHERE field = 'ground_truth' AND revision > 0)"
    case .dismissed:
      return "s.id IN (SELECT sample_id FROM suspect_dismissal)"
    case .duplicate(let leak):
      try requireCuration(leak ? "leak" : "dup", table: "duplicate_group", command: "segscope duplicates PATH")
      return leak ? "s.id IN (SELECT sample_id FROM duplicate_group WHERE leak = 1)" : "s.id IN (SELECT sample_id FROM duplicate_group)"
    case .duplicateGroup(let n):
      try requireCuration("group:\(n)", table: "duplicate_group", command: "segscope duplicates PATH")
      args.append(n)
      return "s.id IN (SELECT sample_id FROM duplicate_group WHERE group_id = ?)"
    case .cluster(let n):
      try requireCuration("cluster:\(n)", table: "sample_cluster", command: "segscope clusters PATH")
      args.append(n)
      return "s.id IN (SELECT sample_id FROM sample_cluster WHERE cluster = ?)"
    }
  }

  func metricSQL(_ m: ViewExpression.Metric, _ args: inout [(any DatabaseValueConvertible)?]) throws -> String {
    switch m {
    case .path: return "s.path"
    case .width: return "s.width"
    case .height: return "s.height"
    case .uniqueness:
      try requireCuration("uniqueness", table: "uniqueness", command: "segscope uniqueness PATH")
      return "(SELECT u.value FROM uniqueness u WHERE u.sample_id = s.id)"
    case .duplicateGroup:
      try requireCuration("group", table: "duplicate_group", command: "segscope duplicates PATH")
      return "(SELECT d.group_id FROM duplicate_group d WHERE d.sample_id = s.id)"
    case .cluster:
      try requireCuration("cluster", table: "sample_cluster", command: "segscope clusters PATH")
      return "(SELECT c.cluster FROM sample_cluster c WHERE c.sample_id = s.id)"
    case .brightness, .contrast:
      try requireLuma(m)
      return "(SELECT g.\(m.text) FROM image_signature g WHERE g.sample_id = s.id)"
    case .miou(let run):
      args.append(try runId(named: run))
      return "(SELECT e.miou FROM eval_sample e WHERE e.run_id = ? AND e.sample_id = s.id)"
    case .suspect(let run):
      args.append(try suspectRunKey(run))
      return "(SELECT ss.score FROM suspect_sample ss WHERE ss.run_key = ? AND ss.sample_id = s.id)"
    case .accuracy(let run), .instanceCount(let run, _):
      args.append(try runId(named: run))
      return "(SELECT e.\(Self.column(m)) FROM eval_sample e WHERE e.run_id = ? AND e.sample_id = s.id)"
    case .fiftyone(let run, let measure):
      args.append(try fiftyoneRunId(run, measure))
      return "(SELECT e.\(Self.column(m)) FROM eval_sample e WHERE e.run_id = ? AND e.sample_id = s.id)"
    case .classIoU(let run, let cls):
      let id = try runId(named: run)
      let gtField = try read { db in try String.fetchOne(db, sql: "SELECT gt_field FROM eval_run WHERE id = ?", arguments: [id]) } ?? FieldName.groundTruth
      args.append(id)
      args.append(try classValue(cls, field: gtField))
      return "(SELECT c.iou FROM eval_class c WHERE c.run_id = ? AND c.class = ? AND c.sample_id = s.id)"
    case .classPixels(let cls, let field):
      try requireField(field)
      let value = try classValue(cls, field: field)
      if try isInstanceField(field) { return try instancePixelsSQL(field: field, value: value, &args) }
      args.append(field)
      return "COALESCE((SELECT segscope_px(h.hist, \(value)) FROM mask_histogram h WHERE h.field = ? AND h.sample_id = s.id), 0)"
    }
  }

  /// The eval_sample column of a per-sample run metric (validated names only: they go into SQL).
  static func column(_ m: ViewExpression.Metric) -> String {
    switch m {
    case .miou: return "miou"
    case .fiftyone(_, let measure) where ["acc_fo", "precision_fo", "recall_fo"].contains(measure): return measure
    case .instanceCount(_, let outcome) where ["tp", "fp", "fn"].contains(outcome): return outcome
    default: return "accuracy"
    }
  }

  static func holds(_ x: Double, _ op: ViewExpression.Comparison, _ n: Double) -> Bool {
    switch op {
    case .lt: return x < n
    case .le: return x <= n
    case .gt: return x > n
    case .ge: return x >= n
    case .eq: return x == n
    case .ne: return x != n
    }
  }

  /// Whether a field holds instances (COCO) rather than masks.
  func isInstanceField(_ field: String) throws -> Bool {
    try fields().first { $0.name == field }?.kind == .instance
  }

  /// A class's pixels in a sample of an instance field: the summed area of its (non-crowd) instances,
  /// as COCO counts area. A sample with an instance of the class has more than 0.
  func instancePixelsSQL(field: String, value: Int, _ args: inout [(any DatabaseValueConvertible)?]) throws -> String {
    args.append(field)
    return "COALESCE((SELECT sum(max(i.area, 1)) FROM instance i WHERE i.field = ? AND i.sample_id = s.id AND i.category = \(value) AND i.iscrowd = 0), 0)"
  }

  func requireField(_ field: String) throws {
    let names = try fields().map(\.name)
    guard names.contains(field) else {
      throw ViewResolveError(message: "no mask field '\(field)' (fields: \(names.joined(separator: ", ")))")
    }
  }

  /// The id of an evaluation run by key.
  /// A label-error run's key, checked.
  /// A run made with `--dialect fiftyone` (only those store FiftyOne's per-sample fields).
  func fiftyoneRunId(_ run: String, _ measure: String) throws -> Int64 {
    let id = try runId(named: run)
    let dialect = try read { db in try String.fetchOne(db, sql: "SELECT dialect FROM eval_run WHERE id = ?", arguments: [id]) }
    guard dialect == MetricDialect.fiftyone.rawValue else {
      throw ViewResolveError(
        message:
          "\(measure)(\(run)) needs a run made with --dialect fiftyone (run '\(run)' is \(dialect ?? "?")): segscope eval PATH --pred FIELD --dialect fiftyone --key NAME"
      )
    }
    return id
  }

  /// A curation term needs its pass to have run: an empty table is an error naming the command, not
  /// an empty view that looks like an answer.
  func requireCuration(_ term: String, table: String, command: String) throws {
    guard try hasCuration(table) else { throw ViewResolveError(message: "'\(term)' needs \(command) to have run on this dataset") }
  }

  /// Brightness and contrast come with the image signatures (made since they were added).
  func requireLuma(_ m: ViewExpression.Metric) throws {
    let made = try read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM image_signature WHERE brightness IS NOT NULL)") } ?? false
    guard made else { throw ViewResolveError(message: "'\(m.text)' needs segscope signatures PATH (or clusters) to have run on this dataset") }
  }

  func suspectRunKey(_ key: String) throws -> String {
    let keys = try read { db in try String.fetchAll(db, sql: "SELECT key FROM suspect_run ORDER BY key") }
    guard keys.contains(key) else {
      throw ViewResolveError(
        message: "no label-error run '\(key)' (runs: \(keys.isEmpty ? "none; run segscope mistakes first" : keys.joined(separator: ", ")))")
    }
    return key
  }

  public func runId(named key: String) throws -> Int64 {
    let found = try read { db in try Int64.fetchOne(db, sql: "SELECT id FROM eval_run WHERE key = ? AND kind != 'pending'", arguments: [key]) }
    guard let found else {
      let keys = try read { db in try String.fetchAll(db, sql: "SELECT key FROM eval_run WHERE kind != 'pending' ORDER BY id") }
      throw ViewResolveError(message: "no evaluation run '\(key)' (runs: \(keys.isEmpty ? "none; run segscope eval first" : keys.joined(separator: ", ")))")
    }
    return found
  }

  /// A class value by name (or by number) in a field's class table.
  public func classValue(_ name: String, field: String) throws -> Int {
    let classes = try fields().first { $0.name == field }?.classes ?? []
    if let c = classes.first(where: { $0.name == name }) { return c.value }
    if let v = Int(name) { return v }
    throw ViewResolveError(message: "no class '\(name)' in \(field) (classes: \(classes.map(\.name).joined(separator: ", ")))")
  }
}
