import DatasetStore
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A demo dataset of its own for each test: triage writes flags, verdicts and revisions.
func triageDataset(_ name: String, samples: Int = 12, size: String = "160x120") throws -> String {
  let d = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-triage-\(name)-\(getpid())").path
  try? FileManager.default.removeItem(atPath: d)
  let r = try Shell.run([Binary.path, "demo", "--dir", d, "--samples", String(samples), "--size", size, "--print"])
  guard r.status == 0 else { throw TmuxError(message: "demo failed: \(r.err)") }
  return d
}

/// Runs segscope and parses its JSON output.
func segscopeJSON(_ args: [String]) throws -> Any {
  let r = try Shell.run([Binary.path] + args)
  guard r.status == 0 else { throw TmuxError(message: "segscope \(args.joined(separator: " ")) failed: \(r.err)") }
  return try JSONSerialization.jsonObject(with: r.out)
}

/// The database passes `PRAGMA integrity_check`.
func integrity(_ dir: String) throws -> String {
  try DatasetStore(databaseFile: dir + "/.segscope/dataset.sqlite").integrityCheck()
}

@Suite("Triage end to end: review, flag, relabel in tmux; kill -9; two writers", .serialized)
struct TriageEndToEndTests {
  func start(_ dir: String) throws -> TmuxSession {
    try TmuxSession(command: "\(Binary.path) open \(dir) --graphics halfblock; echo \"EXIT=$?\"", width: 100, height: 30, env: ["TERM": "xterm-256color"])
  }

  func kill9(_ dir: String) throws {
    // The app only (its command line starts with the binary), not the pane's shell around it, which
    // then reports the exit status.
    let r = try Shell.run(["pkill", "-9", "-f", "^" + Binary.path + " open " + dir])
    guard r.status == 0 else { throw TmuxError(message: "no segscope process to kill for \(dir)") }
  }

  @Test("review: verdicts confirmed on screen survive kill -9; the next session resumes after them")
  func reviewKill9() throws {
    let dir = try triageDataset("review")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let t = try start(dir)
    defer { t.kill() }
    try t.waitFor { $0.contains("12/12 samples") }
    try t.send([":"])
    try t.send(["-l", "review q"])
    try t.send(["Enter"])
    var screen = try t.waitFor { $0.contains("review q: 0/12 reviewed") }
    #expect(screen.contains("1/12") && screen.contains("[no verdict]"))
    try t.send(["a"])
    screen = try t.waitFor { $0.contains("ok saved") }
    #expect(screen.contains("2/12"))
    try t.send(["r"])
    screen = try t.waitFor { $0.contains("needs-fix saved") }
    #expect(screen.contains("2/12 reviewed (ok 1, needs-fix 1, skip 0)"))
    try kill9(dir)
    try t.waitFor { $0.contains("EXIT=137") }
    #expect(try integrity(dir) == "ok")
    let progress = try #require(try segscopeJSON(["review", dir, "--queue", "q", "--json"]) as? [String: Any])
    #expect(progress["reviewed"] as? Int == 2 && progress["ok"] as? Int == 1 && progress["needs_fix"] as? Int == 1)
    #expect((progress["view"] as? String) == "sort:miou(model_b)")
    // A new session resumes on the third sample of the queue.
    let t2 = try start(dir)
    defer { t2.kill() }
    try t2.waitFor { $0.contains("12/12 samples") }
    try t2.send([":"])
    try t2.send(["-l", "review q"])
    try t2.send(["Enter"])
    screen = try t2.waitFor { $0.contains("review q: 2/12 reviewed") }
    #expect(screen.contains("3/12"))
    try t2.send(["q"])
    try t2.waitFor { $0.contains("EXIT=0") }
  }

  @Test("flag with the inspector and relabel a component: confirmed on screen, kept after kill -9")
  func flagAndRelabelKill9() throws {
    let dir = try triageDataset("flag")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let t = try start(dir)
    defer { t.kill() }
    try t.waitFor { $0.contains("12/12 samples") && $0.contains("street_") }
    try t.send(["Enter"])
    let opened = try t.waitFor { $0.contains("1/12") && $0.contains("errors") }
    // The sample's stem, from the title line "1/12  data/train/street_0001.jpg  160x120".
    let stem = try #require(
      opened.split(separator: "\n").first { $0.contains("1/12") }?.split(separator: " ").first { $0.contains("street_") }
        .map { String($0.split(separator: "/").last ?? "").replacingOccurrences(of: ".jpg", with: "") })
    try t.send(["i"])
    var screen = try t.waitFor { $0.contains("pixel 80,60: GT") }
    try t.send(["F"])
    try t.send(["-l", "car looks like a car"])
    try t.send(["Enter"])
    screen = try t.waitFor { $0.contains("flag #1 saved") }
    #expect(screen.contains("component at 80,60 → car"))
    // The sample view lists the open flag once it reloads.
    screen = try t.waitFor { $0.contains("⚑ #1 component at 80,60 → car") }
    // Relabel the same component as a class it is not.
    let target = screen.contains("pixel 80,60: GT sky") ? "road" : "sky"
    try t.send(["L"])
    try t.send(["-l", target])
    try t.send(["Enter"])
    screen = try t.waitFor { $0.contains("saved GT revision 1") }
    #expect(screen.contains("+") && screen.contains(target))
    screen = try t.waitFor { $0.contains("GT r1") }
    try kill9(dir)
    try t.waitFor { $0.contains("EXIT=137") }
    #expect(try integrity(dir) == "ok")
    let flags = try #require(try segscopeJSON(["flags", dir, "--json"]) as? [[String: Any]])
    #expect(flags.count == 1)
    #expect(flags.first?["region"] as? String == "component at 80,60" && flags.first?["suggested_class"] as? String == "car")
    #expect(flags.first?["note"] as? String == "looks like a car")
    let revs = try #require(try segscopeJSON(["revisions", dir, stem, "--json"]) as? [String: Any])
    let list = try #require(revs["revisions"] as? [[String: Any]])
    #expect(list.count == 2 && list.last?["revision"] as? Int == 1)
    let changed = list.last?["changed_pixels"] as? Int ?? 0
    #expect(changed > 0)
    let file = try #require(list.last?["path"] as? String)
    #expect(FileManager.default.fileExists(atPath: file.hasPrefix("/") ? file : dir + "/" + file))
    // The user's own mask is untouched: revision 0 still points at it.
    #expect((list.first?["path"] as? String)?.hasPrefix("labels/") == true)
    // A new session shows the corrected revision, and u undoes it.
    let t2 = try start(dir)
    defer { t2.kill() }
    try t2.waitFor { $0.contains("12/12 samples") && $0.contains(stem) }
    try t2.send(["Enter"])
    try t2.waitFor { $0.contains("GT r1") }
    try t2.send(["u"])
    try t2.waitFor { $0.contains("undid GT revision 1") }
    try t2.send(["q"])
    try t2.waitFor { $0.contains("EXIT=0") }
    let after = try #require(try segscopeJSON(["revisions", dir, stem, "--json"]) as? [String: Any])
    #expect((after["revisions"] as? [Any])?.count == 1)
  }

  @Test("Suspects screen: the demo's planted swap is listed; Enter outlines it; L relabels it as car (a revision, kept after kill -9); it leaves the list")
  func suspectsRelabel() throws {
    let dir = try triageDataset("suspects")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let t = try start(dir)
    defer { t.kill() }
    try t.waitFor { $0.contains("12/12 samples") }
    try t.send(["7"])
    var screen = try t.waitFor { $0.contains("model_a+model_b:") && $0.contains("person → car") }
    #expect(screen.contains("several predictions voting against the label"))
    // The planted sample (i % 17 == 5) is the first row.
    let first = try #require(screen.split(separator: "\n").first { $0.contains("person → car") })
    #expect(first.contains("street_0005"))
    try t.send(["Enter"])
    screen = try t.waitFor { $0.contains("suspect") && $0.contains("swap") && $0.contains("L → car") && $0.contains("street_0005") }
    try t.send(["L"])
    screen = try t.waitFor { $0.contains("saved GT revision 1") }
    #expect(screen.contains("car"))
    try t.waitFor { $0.contains("GT r1") }
    // Checked again after the relabel: the sample's swap is gone from the list.
    try t.send(["7"])
    screen = try t.waitFor { $0.contains("model_a+model_b:") && !$0.contains("loading") }
    #expect(!(screen.split(separator: "\n").contains { $0.contains("street_0005") && $0.contains("person → car") }))
    try kill9(dir)
    try t.waitFor { $0.contains("EXIT=137") }
    #expect(try integrity(dir) == "ok")
    let revs = try #require(try segscopeJSON(["revisions", dir, "street_0005", "--json"]) as? [String: Any])
    let list = try #require(revs["revisions"] as? [[String: Any]])
    #expect(list.count == 2 && (list.last?["changed_pixels"] as? Int ?? 0) > 0)
    #expect((list.first?["path"] as? String)?.hasPrefix("labels/") == true)
    // The stored run follows the mask: a query finds no suspect left in that sample.
    let left = String(decoding: try Shell.run([Binary.path, "query", dir, "suspect(model_a+model_b)>0.5 path~street_0005"]).out, as: UTF8.self)
    #expect(left.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
  }

  @Test("re-import killed with -9 part way: every sample it reported keeps its revision; the database is intact")
  func reimportKill9() throws {
    let dir = try triageDataset("reimport", samples: 60, size: "320x240")
    let out = dir + "-export"
    defer {
      try? FileManager.default.removeItem(atPath: dir)
      try? FileManager.default.removeItem(atPath: out)
    }
    // The demo has one truncated mask on purpose: export reports it (status 1) and writes the rest.
    #expect(try Shell.run([Binary.path, "export", dir, "--format", "imgseg", "--out", out]).status <= 1)
    // The "corrections": model_a's predictions in place of the exported ground truth.
    let fm = FileManager.default
    for split in ["train", "val"] {
      for f in (try? fm.contentsOfDirectory(atPath: "\(dir)/predictions/model_a/\(split)")) ?? [] {
        let dest = "\(out)/labels/\(split)__\(f)"
        try? fm.removeItem(atPath: dest)
        try fm.copyItem(atPath: "\(dir)/predictions/model_a/\(split)/\(f)", toPath: dest)
      }
    }
    let log = dir + "-reimport.log"
    defer { try? fm.removeItem(atPath: log) }
    // Start it in the background, wait for a few confirmed samples, then kill -9.
    let pidText = try Shell.run(["sh", "-c", "\(Binary.path) reimport \(dir) \(out) > \(log) 2>/dev/null & echo $!"]).out
    let pid = Int32(String(decoding: pidText, as: UTF8.self).filter(\.isNumber)) ?? 0
    #expect(pid > 0)
    let deadline = Date().addingTimeInterval(30)
    var lines: [Substring] = []
    while Date() < deadline {
      let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
      lines = text.split(separator: "\n").filter { $0.contains(": revision ") }
      if lines.count >= 3 { break }
      usleep(5_000)
    }
    Glibc.kill(pid, SIGKILL)
    usleep(200_000)
    let finished = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("masks changed")
    let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    lines = text.split(separator: "\n").filter { $0.contains(": revision ") }
    #expect(lines.count >= 3)
    #expect(try integrity(dir) == "ok")
    // Each reported sample ("train__street_0004: revision 1, ...") has that revision in the database.
    for line in lines {
      let name = String(line.split(separator: ":").first ?? "")
      let stem = String(name.split(separator: "_", omittingEmptySubsequences: true).last.map { "street_" + $0 } ?? name)
      let revs = try #require(try segscopeJSON(["revisions", dir, stem, "--json"]) as? [String: Any])
      let newest = (revs["revisions"] as? [[String: Any]])?.last?["revision"] as? Int
      #expect(newest == 1, "\(name) was reported but has no revision 1")
    }
    // Running it again finishes the rest; nothing is applied twice.
    let again = try Shell.run([Binary.path, "reimport", dir, out])
    let report = String(decoding: again.out, as: UTF8.self)
    // "N masks changed (new revisions), M unchanged, K not read": what the first run committed is unchanged now.
    let numbers = report.split(separator: "\n").last { $0.contains("masks changed") }?.split(separator: " ").compactMap { Int($0) } ?? []
    #expect(numbers.count == 3)
    if numbers.count == 3 {
      #expect(numbers[1] >= lines.count, "\(report)")
      let revised = try #require(try segscopeJSON(["query", dir, "revised", "--json"]) as? [Any])
      #expect(revised.count == numbers[0] + numbers[1], "every corrected sample has exactly one revision")
      // The kill came part way: the second run still had masks to change.
      #expect(numbers[0] > 0, "the first run had finished before the kill: \(report)")
    }
    #expect(!finished, "the re-import finished before it was killed; nothing was tested part way")
    #expect(try integrity(dir) == "ok")
  }

  @Test("export the flagged samples as csv, json, a contact sheet and a COCO subset; export from the palette")
  func exports() throws {
    let dir = try triageDataset("export")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for (sample, note) in [("street_0002", "edge"), ("street_0005", "car")] {
      #expect(try Shell.run([Binary.path, "flag", dir, sample, "--note", note, "--class", "car"]).status == 0)
    }
    let csv = dir + "-flagged.csv", json = dir + "-flagged.json", sheet = dir + "-sheet.png", coco = dir + "-coco"
    defer { for p in [csv, json, sheet, coco] { try? FileManager.default.removeItem(atPath: p) } }
    #expect(try Shell.run([Binary.path, "export", dir, "--flagged", "--format", "csv", "--out", csv]).status == 0)
    let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
    #expect(rows.first == "id,path,split,width,height,miou,accuracy,tags,open_flags,run")
    #expect(rows.count == 3 && rows.dropFirst().allSatisfy { $0.contains(",1,model_b") || $0.contains(",1,") })
    #expect(try Shell.run([Binary.path, "export", dir, "--flagged", "--format", "json", "--out", json]).status == 0)
    let items = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
    let samples = try #require(items["samples"] as? [[String: Any]])
    #expect(samples.count == 2 && samples.allSatisfy { ($0["miou"] as? Double).map { $0 >= 0 && $0 <= 1 } == true })
    #expect(try Shell.run([Binary.path, "export", dir, "--flagged", "--format", "sheet", "--out", sheet]).status == 0)
    let png = try Data(contentsOf: URL(fileURLWithPath: sheet))
    #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000)
    #expect(try Shell.run([Binary.path, "export", dir, "--flagged", "--format", "coco", "--out", coco]).status == 0)
    let labels = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: coco + "/labels.json"))) as? [String: Any])
    #expect((labels["images"] as? [Any])?.count == 2)
    // The same from the palette, for the view on screen.
    let t = try start(dir)
    defer { t.kill() }
    try t.waitFor { $0.contains("12/12 samples") }
    try t.send(["/"])
    try t.send(["C-u"])
    try t.send(["-l", "split=val"])
    try t.send(["Enter"])
    try t.waitFor { $0.contains("view: split=val") }
    try t.send([":"])
    try t.send(["-l", "export csv \(csv)"])
    try t.send(["Enter"])
    let screen = try t.waitFor { $0.contains("wrote 3 samples as csv") }
    #expect(screen.contains("wrote 3 samples as csv"))
    #expect(try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").count == 4)
    try t.send(["q"])
    try t.waitFor { $0.contains("EXIT=0") }
  }

  @Test("two processes flagging the same dataset at once both keep every flag")
  func twoWriters() throws {
    let dir = try triageDataset("writers")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let n = 25
    let loop: @Sendable (String) -> String = { who in
      "for i in $(seq 1 \(n)); do \(Binary.path) flag \(dir) street_000$((i % 10)) --note \(who)-$i >/dev/null || echo FAIL \(who)-$i; done"
    }
    // Two writers at the same time (threads here, each waiting on its own shell: a shell's `wait`
    // builtin never returns under the test runner's signal mask).
    let outputs = Locked<[String]>([])
    DispatchQueue.concurrentPerform(iterations: 2) { k in
      let r = try? Shell.run(["sh", "-c", loop(k == 0 ? "a" : "b")])
      outputs.withLock { $0.append(r.map { String(decoding: $0.out, as: UTF8.self) + $0.err } ?? "FAIL: could not run") }
    }
    let all = outputs.withLock { $0.joined() }
    #expect(!all.contains("FAIL"), "\(all)")
    let flags = try #require(try segscopeJSON(["flags", dir, "--json"]) as? [[String: Any]])
    let notes = Set(flags.compactMap { $0["note"] as? String })
    #expect(flags.count == 2 * n)
    for who in ["a", "b"] {
      for i in 1...n { #expect(notes.contains("\(who)-\(i)"), "flag \(who)-\(i) lost") }
    }
    #expect(try integrity(dir) == "ok")
  }
}

/// A value shared between threads.
final class Locked<T>: @unchecked Sendable {
  private var value: T
  private let lock = NSLock()
  init(_ v: T) { value = v }
  func withLock<R>(_ body: (inout T) -> R) -> R {
    lock.lock()
    defer { lock.unlock() }
    return body(&value)
  }
}

@Suite("segscope pq on COCO panoptic files")
struct PanopticCommandTests {
  @Test("pq --json prints panopticapi's numbers and stores the run in a dataset")
  func pqCommand() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pq-\(getpid())").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let oracle = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
      "Conformance/panoptic_oracle.py"
    ).path
    #expect(try Shell.run(["python3", oracle, dir, "3"]).status == 0)
    let data = try triageDataset("pq")
    defer { try? FileManager.default.removeItem(atPath: data) }
    let out = try #require(
      try segscopeJSON([
        "pq", "--gt", dir + "/gt.json", "--gt-dir", dir + "/gt", "--pred", dir + "/pred.json", "--pred-dir", dir + "/pred", "--json", "--dataset", data,
        "--key", "pan",
      ]) as? [String: Any])
    let expected = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/expected.json"))) as? [String: Any])
    let mine = try #require(out["All"] as? [String: Any]), theirs = try #require(expected["All"] as? [String: Any])
    for k in ["pq", "sq", "rq"] {
      #expect(abs(((mine[k] as? NSNumber)?.doubleValue ?? -1) - ((theirs[k] as? NSNumber)?.doubleValue ?? -2)) <= 1e-9, "\(k)")
    }
    #expect((out["classes"] as? [Any])?.count == 5 && out["images"] as? Int == 15)
    let runs = String(decoding: try Shell.run([Binary.path, "runs", data]).out, as: UTF8.self)
    // The headline is panopticapi's PQ, in percent with one decimal.
    let pq = String(Double((((theirs["pq"] as? NSNumber)?.doubleValue ?? -1) * 1000).rounded()) / 10)
    #expect(runs.contains("pan") && runs.contains("panoptic") && runs.contains("PQ \(pq)  SQ "), "\(runs)")
  }
}
