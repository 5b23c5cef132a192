import Foundation
import TestSupport
import Testing

/// A JSON value, decoded strictly (a bool stays a bool, a number a number).
indirect enum JSONValue: Decodable {
  case object([String: JSONValue]), array([JSONValue]), string, number, bool, null

  init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() {
      self = .null
    } else if (try? c.decode(Bool.self)) != nil {
      self = .bool
    } else if (try? c.decode(Double.self)) != nil {
      self = .number
    } else if (try? c.decode(String.self)) != nil {
      self = .string
    } else if let a = try? c.decode([JSONValue].self) {
      self = .array(a)
    } else {
      self = .object(try c.decode([String: JSONValue].self))
    }
  }

  /// Keys (sorted), value types, and for arrays the shapes their elements take.
  var shape: String {
    switch self {
    case .object(let d): return "{" + d.keys.sorted().map { "\($0): \(d[$0]!.shape)" }.joined(separator: ", ") + "}"
    case .array(let a): return "[" + Set(a.map(\.shape)).sorted().joined(separator: " | ") + "]"
    case .string: return "string"
    case .number: return "number"
    case .bool: return "bool"
    case .null: return "null"
    }
  }
}

/// The JSON that segscope prints is an interface: its key names and shapes are pinned here.
@Suite("JSON outputs keep their keys and shapes", .serialized)
struct JSONInterfaceTests {
  func shape(_ args: [String]) throws -> String {
    let r = try Shell.run([Binary.path] + args)
    guard r.status == 0 || args.first == "file" else { throw TmuxError(message: "segscope \(args.joined(separator: " ")) failed: \(r.err)") }
    let text = String(decoding: r.out, as: UTF8.self)
    // One JSON document, or one per line (file --json).
    let docs = text.split(separator: "\n").filter { !$0.isEmpty }
    let parsed = try (docs.count > 1 && args.first == "file" ? docs.map(String.init) : [text]).map {
      try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)).shape
    }
    return parsed.joined(separator: "\n")
  }

  @Test("info, query, eval (mmseg and fiftyone), flags, review, revisions, file, the JSON view export")
  func shapes() throws {
    let dir = try triageDataset("json", samples: 12, size: "96x64")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // Something in each list: a flag, a verdict, a revision.
    let columns = String(decoding: try Shell.run([Binary.path, "query", dir, "limit:1"]).out, as: UTF8.self).split(separator: "\t")
    let first = try #require(columns.count > 1 ? columns[1] : nil, "query printed no sample")
    _ = try Shell.run([Binary.path, "flag", dir, String(first), "--rect", "1,1,5,5", "--class", "car", "--note", "n"])
    _ = try Shell.run([Binary.path, "review", dir, "--queue", "q", "--view", "split=val", "--verdict", "\(first)=ok"])
    _ = try Shell.run([Binary.path, "relabel", dir, String(first), "--rect", "0,0,4,4", "--to", "road"])
    let csvOut = dir + "-view.json"
    defer { try? FileManager.default.removeItem(atPath: csvOut) }
    _ = try Shell.run([Binary.path, "export", dir, "--format", "json", "--out", csvOut, "--run", "model_b"])
    let exported = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: csvOut))).shape
    var out: [String] = []
    out.append("info: " + (try shape(["info", dir, "--json"])))
    out.append("query: " + (try shape(["query", dir, "limit:2", "--json"])))
    out.append("eval: " + (try shape(["eval", dir, "--pred", "model_b", "--key", "pin", "--format", "json"])))
    out.append("eval fiftyone: " + (try shape(["eval", dir, "--pred", "model_b", "--key", "pin2", "--dialect", "fiftyone", "--format", "json"])))
    out.append("flags: " + (try shape(["flags", dir, "--json"])))
    out.append("review: " + (try shape(["review", dir, "--queue", "q", "--json"])))
    out.append("revisions: " + (try shape(["revisions", dir, String(first), "--json"])))
    out.append("file: " + (try shape(["file", dir + "/" + String(first), dir + "/.segscope-demo", "--json"])))
    out.append("export json: " + exported)
    if let m = Snapshot.mismatch(out.joined(separator: "\n") + "\n", named: "json-shapes") { Issue.record(Comment(rawValue: m)) }
  }
}
