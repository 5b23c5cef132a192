import Parallel
import DemoScenes
import LabelErrors
import AppSession
import Workflows
import AppCore
import Foundation
import DatasetImport
import DatasetStore
import Evaluation
import ImageCodec
import SegmentationCore
import TerminalRender

#if canImport(Glibc)
  import Glibc
#endif

/// Dataset engine and app timings on large synthetic datasets.
enum EngineBench {
  static func maxRSSMiB() -> Double {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_maxrss) / 1024
  }

  static func mkdirs(_ p: String) {
    var cur = ""
    for part in p.split(separator: "/") {
      cur += "/" + part
      mkdir(cur, 0o755)
    }
  }

  /// A fresh imgseg folder at `root` with `pairs` image + mask + prediction files (data/, labels/,
  /// pred/), copied round-robin from a few encoded scenes.
  static func writeTriples(root: String, pairs: Int, scenes: [([UInt8], [UInt8], [UInt8])]) throws {
    system("rm -rf '\(root)'")
    for d in ["data/train", "labels/train", "pred/train"] { mkdirs(root + "/" + d) }
    for i in 0..<pairs {
      let (j, m, p) = scenes[i % scenes.count]
      try FileBytes.writeAtomically(j, to: "\(root)/data/train/\(i).jpg")
      try FileBytes.writeAtomically(m, to: "\(root)/labels/train/\(i).png")
      try FileBytes.writeAtomically(p, to: "\(root)/pred/train/\(i).png")
    }
  }

  /// 10,000 image + mask pairs (small files copied from a few generated scenes): header import time,
  /// then the mask-indexing pass against decoding the same masks alone, in interleaved rounds (the
  /// histograms are dropped between rounds so that each pass indexes every mask again).
  static func importBench(root: String, pairs: Int, width: Int = 320, height: Int = 240, rounds: Int = 3) throws {
    var scenes: [([UInt8], [UInt8], [UInt8])] = []
    for i in 0..<16 {
      let s = DemoScene.generate(seed: UInt64(i), width: width, height: height)
      scenes.append(
        (try JPEGEncoder.encode(s.image), try PNGEncoder.encode(s.groundTruth), try PNGEncoder.encode(DemoModel.modelB.predict(s.trueLabels, seed: 1))))
    }
    try writeTriples(root: root, pairs: pairs, scenes: scenes)
    system("sync")
    let store = try DatasetStore(root: root)
    var t0 = nowMs()
    let report = try ImgSegImporter(root: root, predictions: [("model_b", "pred")]).run(into: store)
    let importMs = nowMs() - t0
    print("import \(report.samples) image+mask+prediction triples (headers only): \(fmt(importMs, 0)) ms (\(report.problems.count) problems)")
    let paths = (0..<pairs).flatMap { ["\(root)/labels/train/\($0).png", "\(root)/pred/train/\($0).png"] }
    let counter = AtomicCounter()
    var ratios: [Double] = [], libpngRatios: [Double] = []
    for round in 1...rounds {
      // Decode-only baseline over the same masks, on all cores.
      t0 = nowMs()
      DispatchQueueRunner.run(paths.count) { i in
        if (try? ImageLoader.loadMask(path: paths[i])) != nil { _ = counter.increment() }
      }
      let decodeMs = nowMs() - t0
      t0 = nowMs()
      DispatchQueueRunner.run(paths.count) { i in
        if (try? PNGDecoder.decode(FileBytes.read(paths[i]), path: paths[i]).labelMask(path: paths[i])) != nil { _ = counter.increment() }
      }
      let libpngMs = nowMs() - t0
      t0 = nowMs()
      DispatchQueueRunner.run(paths.count) { i in
        if let m = try? ImageLoader.loadMask(path: paths[i]) { _ = counter.increment(); _ = m.histogram().count }
      }
      let histMs = nowMs() - t0
      try store.deleteAllHistograms()
      t0 = nowMs()
      let (indexed, _) = try HistogramIndexer(store: store).run()
      let indexMs = nowMs() - t0
      ratios.append(decodeMs / indexMs)
      libpngRatios.append(libpngMs / indexMs)
      print(
        "round \(round): decode \(paths.count) \(width)x\(height) masks alone, all cores: \(fmt(decodeMs, 0)) ms (libpng: \(fmt(libpngMs, 0)) ms, the indexing pass is \(fmt(libpngMs / indexMs * 100, 0))% of it); decode + histogram, no database: \(fmt(histMs, 0)) ms; indexing pass (decode + histogram + store): \(fmt(indexMs, 0)) ms for \(indexed) masks = \(fmt(decodeMs / indexMs * 100, 0))% of decode-only speed"
      )
    }
    print(
      "indexing pass, median over \(rounds) rounds: \(fmt(ratios.sorted()[ratios.count / 2] * 100, 0))% of decode-only speed (fast decoder), \(fmt(libpngRatios.sorted()[libpngRatios.count / 2] * 100, 0))% of libpng decode-only"
    )
  }

  /// Evaluation throughput against decode-only on 1024x512 masks, and peak RSS.
  static func evalBench(root: String, pairs: Int) throws {
    var scenes: [([UInt8], [UInt8], [UInt8])] = []
    for i in 0..<8 {
      let s = DemoScene.generate(seed: UInt64(i), width: 1024, height: 512)
      scenes.append(
        (
          try JPEGEncoder.encode(RGBImage(width: 1024, height: 512)), try PNGEncoder.encode(s.groundTruth),
          try PNGEncoder.encode(DemoModel.modelA.predict(s.trueLabels, seed: 1))
        ))
    }
    try writeTriples(root: root, pairs: pairs, scenes: scenes)
    let store = try DatasetStore(root: root)
    _ = try ImgSegImporter(root: root, predictions: [("model_a", "pred")]).run(into: store)
    // The indexing pass gives the largest class id (this dataset has no class-name file).
    _ = try HistogramIndexer(store: store).run()
    let paths = (0..<pairs).flatMap { ["\(root)/labels/train/\($0).png", "\(root)/pred/train/\($0).png"] }
    let rssBefore = maxRSSMiB()
    // The floor: libpng decoding the same masks and nothing else, on all cores.
    let libpngOnly = {
      DispatchQueueRunner.run(paths.count) { i in
        _ = try? PNGDecoder.decode(FileBytes.read(paths[i]), path: paths[i]).labelMask(path: paths[i])
      }
    }
    // The whole `segscope eval` process (start, open, decode, accumulate, store, print), when built.
    let cli = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("segscope").path
    let hasCLI = FileManager.default.isExecutableFile(atPath: cli)
    func process(_ args: [String], env: [String: String] = [:]) -> Double {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: cli)
      p.arguments = args
      p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
      p.standardOutput = FileHandle.nullDevice
      p.standardError = FileHandle.nullDevice
      let t0 = nowMs()
      try? p.run()
      p.waitUntilExit()
      return nowMs() - t0
    }
    // Interleaved rounds: libpng decode-only, fast decode-only, then the whole evaluation (decode,
    // accumulate, store the run) in process, with libpng, and as a separate `segscope eval` process.
    var ratios: [Double] = [], fastRatios: [Double] = [], processRatios: [Double] = [], mistakeRatios: [Double] = []
    let mpx = Double(pairs * 1024 * 512) / 1e6
    for round in 1...3 {
      var t0 = nowMs()
      libpngOnly()
      let libpngMs = nowMs() - t0
      t0 = nowMs()
      DispatchQueueRunner.run(paths.count) { i in _ = try? ImageLoader.loadMask(path: paths[i]) }
      let decodeMs = nowMs() - t0
      t0 = nowMs()
      let (_, m, problems, _) = try EvaluationRunner(store: store).run(.init(key: "a\(round)", predField: "model_a"), version: "bench")
      let evalMs = nowMs() - t0
      ratios.append(libpngMs / evalMs)
      fastRatios.append(decodeMs / evalMs)
      var line =
        "round \(round): \(pairs) pairs of 1024x512: libpng decode-only \(fmt(libpngMs, 0)) ms, fast decode-only \(fmt(decodeMs, 0)) ms (\(fmt(libpngMs / decodeMs, 2))x libpng); evaluation in process \(fmt(evalMs, 0)) ms (\(fmt(mpx / (evalMs / 1000), 0)) Mpixel/s, \(fmt(libpngMs / evalMs * 100, 0))% of the libpng floor, \(fmt(decodeMs / evalMs * 100, 0))% of fast decode-only)"
      if hasCLI {
        let procMs = process(["eval", root, "--pred", "model_a", "--key", "p\(round)", "--format", "json"])
        let procLibpngMs = process(["eval", root, "--pred", "model_a", "--key", "q\(round)", "--format", "json"], env: ["SEGSCOPE_PNG_DECODER": "libpng"])
        processRatios.append(libpngMs / procMs)
        line +=
          "; `segscope eval` whole process \(fmt(procMs, 0)) ms = \(fmt(mpx / (procMs / 1000), 0)) Mpixel/s, \(fmt(libpngMs / procMs * 100, 0))% of the libpng floor (with SEGSCOPE_PNG_DECODER=libpng: \(fmt(procLibpngMs, 0)) ms, \(fmt(libpngMs / procLibpngMs * 100, 0))%)"
      }
      // The label-error finder over the same pairs (one hard prediction), stored as a run.
      t0 = nowMs()
      let found = try MistakesRunner(store: store).run(.init(key: "m\(round)", predFields: ["model_a"]), version: "bench")
      let mistakesMs = nowMs() - t0
      mistakeRatios.append(evalMs / mistakesMs)
      print(
        line
          + "; \(problems.count) problems, \(m.total) pixels; mistakes \(fmt(mistakesMs, 0)) ms (\(found.samples.count) samples, \(fmt(evalMs / mistakesMs * 100, 0))% of the evaluation's throughput)"
      )
    }
    print(
      "median over 3 rounds: evaluation in process \(fmt(ratios.sorted()[1] * 100, 0))% of the libpng decode-only floor (\(fmt(fastRatios.sorted()[1] * 100, 0))% of fast decode-only)"
        + (processRatios.isEmpty ? "" : "; `segscope eval` whole process \(fmt(processRatios.sorted()[1] * 100, 0))% of the libpng floor")
        + "; mistakes \(fmt(mistakeRatios.sorted()[1] * 100, 0))% of the evaluation's throughput; peak RSS \(fmt(maxRSSMiB(), 0)) MiB (before: \(fmt(rssBefore, 0)) MiB)"
    )
  }

  /// A 100,000-sample database: open, query and first-frame times.
  static func bigDatabase(root: String, samples n: Int) throws {
    system("rm -rf '\(root)'")
    mkdirs(root)
    let store = try DatasetStore(root: root)
    let classes =
      DemoClasses.table.enumerated().map { ClassInfo(value: $0.offset, name: $0.element.name) } + [ClassInfo(value: 255, name: "ignore", isIgnore: true)]
    try store.defineField(FieldName.groundTruth, role: .groundTruth, root: "labels", classes: classes)
    try store.defineField("model_b", role: .prediction, root: "pred", classes: classes)
    var samples: [NewSample] = []
    for i in 0..<n {
      samples.append(
        NewSample(
          path: "data/\(i % 5 == 0 ? "val" : "train")/\(i).jpg", stem: "\(i)", width: 1024, height: 512, split: i % 5 == 0 ? "val" : "train",
          masks: [
            MaskEntry(field: FieldName.groundTruth, path: "labels/\(i).png", width: 1024, height: 512, bitDepth: 8),
            MaskEntry(field: "model_b", path: "pred/\(i).png", width: 1024, height: 512, bitDepth: 8),
          ]))
    }
    _ = try store.upsertSamples(samples)
    var rng = SplitMix64(seed: 3)
    var results: [SampleResult] = []
    try store.storeHistograms(
      (1...Int64(n)).map { id in
        let hist = (0..<10).filter { (id + Int64($0)) % 3 != 0 }.map { c in (c, (Int(id) * 7919 + c * 104729) % 20000) }
        return (id, FieldName.groundTruth, ClassHistogram.pack(hist), nil)
      })
    for id in 1...Int64(n) {
      var m = ConfusionMatrix(classCount: 10)
      for c in 0..<10 { m[c, c] = UInt64(rng.int(0, 5000)); m[c, (c + 1) % 10] = UInt64(rng.int(0, 500)) }
      results.append(SampleResult(sampleId: id, matrix: m, problem: nil))
    }
    try store.saveRun(
      key: "model_b", gtField: FieldName.groundTruth, predField: "model_b", dialect: .mmseg, classCount: 10, options: "{}", version: "bench", results: results)
    let path = store.databasePath
    if getenv("BENCH_ANALYZE") != nil { try store.analyze() }
    // The indexing pass ends by building the view columns and keeping them in the database.
    let tb = nowMs()
    try store.warmViewColumns()
    print("view columns built at the end of the indexing pass (100000 samples, ground truth's 10 classes): \(fmt(nowMs() - tb, 1)) ms")
    // As a dataset built in an earlier session: its log was folded into the file when it closed.
    try store.checkpoint()
    var t0 = nowMs()
    let reopened = try DatasetStore(databaseFile: path)
    let count = try reopened.sampleCount()
    let openMs = nowMs() - t0
    print("open a \(count)-sample database and count: \(fmt(openMs, 1)) ms")
    for q in [
      "split=val class:car>500 sort:miou(model_b) limit:50", "class:person>=1000 not class:car", "sort:-miou(model_b) limit:100",
      "miou(model_b)<0.5 split=train",
    ] {
      let view = try ViewExpression.parse(q)
      let t1 = nowMs()
      let n = try reopened.sampleIds(view).count
      let firstMs = nowMs() - t1
      let ts = (0..<5).map { _ -> Double in
        let t = nowMs()
        _ = try? reopened.sampleIds(view)
        return nowMs() - t
      }.sorted()
      print("query '\(q)' over \(count) samples (\(n) found): \(fmt(ts[2], 1)) ms (median of 5; first run \(fmt(firstMs, 1)) ms)")
    }
    // A later session (another `segscope query`, the app opened again): the columns built above were
    // kept in the database, so its first class view reads a few blobs instead of scanning rows.
    for q in ["class:person>=1000 not class:car", "class:sky>=500 not class:road split=train"] {
      t0 = nowMs()
      let later = try DatasetStore(databaseFile: path)
      let tq = nowMs()
      let found = try later.sampleIds(ViewExpression.parse(q)).count
      print("later session: open \(fmt(tq - t0, 1)) ms, then its first '\(q)' (\(found) found): \(fmt(nowMs() - tq, 1)) ms")
    }
    // The app warms the view columns in the background after opening: the first class view after that.
    let warm = try DatasetStore(databaseFile: path)
    var tw = nowMs()
    try warm.warmViewColumns()
    let warmMs = nowMs() - tw
    tw = nowMs()
    let found = try warm.sampleIds(ViewExpression.parse("class:sky>=500 not class:road split=train")).count
    print(
      "background warm-up of the view columns: \(fmt(warmMs, 1)) ms; then a first 'class:sky>=500 not class:road split=train' (\(found) found): \(fmt(nowMs() - tw, 1)) ms"
    )
    // The app: first frame = load dataset + the all-samples view (with the summed matrix) + render.
    t0 = nowMs()
    // The app's own effect runner, inline (the app runs it off the main actor).
    let runner = EffectRunner(store: reopened, version: "bench")
    var state = AppState()
    _ = Reducer.reduce(&state, .terminalResized(width: 120, height: 40))
    for e in Reducer.reduce(&state, try runner.loadDataset()) where e.loadsView {
      for a in runner.perform(e) {
        for e2 in Reducer.reduce(&state, a) {
          if case .loadRows = e2 { for r in runner.perform(e2) { _ = Reducer.reduce(&state, r) } }
        }
      }
    }
    _ = AppView.render(state)
    let firstFrame = nowMs() - t0
    print(
      "first frame of the app on \(count) samples (dataset, view of all samples with summed matrix, rows, render): \(fmt(firstFrame, 0)) ms; peak RSS \(fmt(maxRSSMiB(), 0)) MiB"
    )
    // Key press to finished frame on text screens.
    var times: [Double] = []
    for k in [Key.char("2"), .down, .down, .char("s"), .char("3"), .right, .down, .char("n"), .char("1"), .pageDown, .down] {
      let t = nowMs()
      _ = Reducer.reduce(&state, .keyPressed(k))
      _ = AppView.render(state)
      times.append(nowMs() - t)
    }
    print(
      "key press to finished frame (reduce + render, 120x40 text screens): median \(fmt(times.sorted()[times.count / 2], 2)) ms, max \(fmt(times.max() ?? 0, 2)) ms"
    )
  }
}

/// A grid page: 24 thumbnails of 1920x1080 JPEGs with 1920x1080 masks, cold (decode, pool, write the
/// cache) and warm (read from the on-disk cache, as a second session does).
enum GridBench {
  static func run(root: String) throws {
    system("rm -rf '\(root)'")
    for d in ["data/train", "labels/train"] { EngineBench.mkdirs(root + "/" + d) }
    for i in 0..<24 {
      let s = DemoScene.generate(seed: UInt64(i % 6), width: 1920, height: 1080)
      try FileBytes.writeAtomically(JPEGEncoder.encode(s.image, quality: 88), to: "\(root)/data/train/\(i).jpg")
      try FileBytes.writeAtomically(PNGEncoder.encode(s.groundTruth), to: "\(root)/labels/train/\(i).png")
    }
    let store = try DatasetStore(root: root)
    _ = try ImgSegImporter(root: root).run(into: store)
    let ids = try store.sampleIds(ViewExpression())
    let thumbs = Thumbnails(store: store)
    func page() -> Double {
      let t0 = nowMs()
      DispatchQueueRunner.run(ids.count) { i in _ = thumbs.make(ids[i]) }
      return nowMs() - t0
    }
    let cold = page()
    let warm = (0..<5).map { _ in page() }.sorted()[2]
    print("grid page of 24 thumbnails from 1920x1080 JPEG + mask: cold \(fmt(cold, 0)) ms, warm (disk cache) \(fmt(warm, 1)) ms")
  }
}
