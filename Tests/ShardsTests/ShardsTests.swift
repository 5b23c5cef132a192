import Foundation
import SegmentationCore
import Shards
import Testing

@Suite("Shards: slices of a dataset and the part files they write")
struct ShardsTests {
  @Test("every sample id has exactly one owner among N shards, negative ids too")
  func owners() throws {
    let shards = try (0..<5).map { try Shard(index: $0, count: 5) }
    for id in Int64(-20)...Int64(200) { #expect(shards.filter { $0.owns(id) }.count == 1, "id \(id)") }
    #expect(throws: ShardError.self) { try Shard(index: 5, count: 5) }
    #expect(throws: ShardError.self) { try Shard(index: 0, count: 0) }
  }

  @Test("--shard I/N, or auto from Slurm's array or a Kubernetes Indexed Job; contradictions are errors")
  func parse() throws {
    #expect(try Shard.parse("2/4", shards: nil, environment: [:]) == Shard(index: 2, count: 4))
    let slurm = ["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "5", "SLURM_ARRAY_TASK_COUNT": "3"]
    #expect(try Shard.parse("auto", shards: nil, environment: slurm) == Shard(index: 2, count: 3))
    #expect(try Shard.parse("auto", shards: 6, environment: ["JOB_COMPLETION_INDEX": "4"]) == Shard(index: 4, count: 6))
    for (text, shards, env) in [
      ("2/4", 3, [String: String]()), ("x", nil, [:]), ("auto", nil, [:]), ("auto", nil, ["JOB_COMPLETION_INDEX": "1"]), ("auto", 4, slurm),
    ] {
      do {
        _ = try Shard.parse(text, shards: shards, environment: env)
        Issue.record("accepted \(text) \(String(describing: shards)) \(env)")
      } catch {
        #expect(!error.message.isEmpty)
      }
    }
  }

  @Test("a header's dialect is typed: the word as before on disk, none for index parts, an unknown word refused by name")
  func headerDialect() throws {
    var header = ShardHeader(
      kind: .instance, segscopeVersion: "t", database: "/d", root: "/r", fingerprint: "f", pairs: 2, shardIndex: 0, shardCount: 1, samples: 2, dialect: .coco)
    let text = String(decoding: try JSONEncoder().encode(header), as: UTF8.self)
    #expect(text.contains("\"dialect\":\"coco\""))
    #expect(try JSONDecoder().decode(ShardHeader.self, from: Data(text.utf8)).dialect == .coco)
    header.kind = .index
    header.dialect = nil
    let index = String(decoding: try JSONEncoder().encode(header), as: UTF8.self)
    #expect(index.contains("\"dialect\":\"\""))
    #expect(try JSONDecoder().decode(ShardHeader.self, from: Data(index.utf8)).dialect == nil)
    let klingon = text.replacingOccurrences(of: "\"dialect\":\"coco\"", with: "\"dialect\":\"klingon\"")
    do {
      _ = try JSONDecoder().decode(ShardHeader.self, from: Data(klingon.utf8))
      Issue.record("an unknown dialect was read")
    } catch {
      #expect("\(error)".contains("unknown dialect 'klingon'"))
    }
  }

  @Test("a part is read back only whole: header, every line's checksum and the end line")
  func partChecksum() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parts-" + UUID().uuidString).path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let header = ShardHeader(
      kind: .semantic, segscopeVersion: "t", database: "/d", root: "/r", fingerprint: "f", pairs: 2, shardIndex: 0, shardCount: 1, samples: 2, gtField: "gt",
      predField: "p", dialect: .semantic(.mmseg), ignore: [255], reduceZeroLabel: false, classCount: 3)
    let head = String(decoding: try JSONEncoder().encode(header), as: UTF8.self)
    let lines = [head, "{\"s\":1}", "{\"s\":2}"]
    var sum = PartChecksum()
    for l in lines { sum.add(line: l) }
    let good = lines.joined(separator: "\n") + "\n" + sum.endLine(samples: 2)
    try good.write(toFile: dir + "/good.part", atomically: true, encoding: .utf8)
    #expect(try PartFiles.readHeader(dir + "/good.part") == header)
    try good.replacingOccurrences(of: "{\"s\":2}", with: "{\"s\":3}").write(toFile: dir + "/flipped.part", atomically: true, encoding: .utf8)
    #expect(throws: ShardError.self) { try PartFiles.readHeader(dir + "/flipped.part") }
    try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/cut.part", atomically: true, encoding: .utf8)
    do {
      _ = try PartFiles.readHeader(dir + "/cut.part")
      Issue.record("read a part without its end line")
    } catch {
      #expect("\(error)".contains("incomplete") && "\(error)".contains("run shard 0/1 again"))
    }
  }
}
