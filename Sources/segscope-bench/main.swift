// Release benchmarks: `swift run -c release segscope-bench [decode|accumulate|graphics|import|import-large|database|grid|all] | eval [N] | mistakes [N] [--rounds N]`.
// Ratios are measured side by side in one run (interleaved), since the machine is shared and noisy.
let args = Array(CommandLine.arguments.dropFirst())
let which = args.first { !$0.hasPrefix("-") } ?? "all"
var rounds = 41
if let i = args.firstIndex(of: "--rounds"), i + 1 < args.count, let n = Int(args[i + 1]) { rounds = n }

do {
  if which == "decode" || which == "all" { try DecodeBench.run(rounds: rounds) }
  if which == "accumulate" || which == "all" { try AccumulateBench.run(rounds: rounds) }
  if which == "graphics" || which == "all" { GraphicsBench.run(rounds: rounds) }
  let scratch = "/tmp/segscope-bench"
  if which == "import" || which == "all" { try EngineBench.importBench(root: scratch + "/import", pairs: 10_000) }
  // The same pass on Cityscapes-like masks, where decoding weighs more against the fixed costs.
  if which == "import-large" { try EngineBench.importBench(root: scratch + "/import-large", pairs: 2_000, width: 1024, height: 512) }
  if which == "database" || which == "all" { try EngineBench.bigDatabase(root: scratch + "/big", samples: 100_000) }
  if which == "grid" || which == "all" { try GridBench.run(root: scratch + "/grid") }
  if which == "finder" { MistakesBench.timing(rounds: rounds) }
  if which == "mistakes" { MistakesBench.run(samples: Int(args.last ?? "") ?? 300) }
  if which == "duplicates" { try CurationBench.quality(root: scratch + "/lookalike", scenes: Int(args.last ?? "") ?? 160, planted: 12) }
  if which == "curation-speed" { try CurationBench.speed(root: scratch + "/curation", scenes: Int(args.last ?? "") ?? 10_000) }
  if which == "curation-parts" { try CurationBench.parts(root: scratch + "/curation", n: 2000) }
  if which == "eval" { try EngineBench.evalBench(root: scratch + "/eval", pairs: Int(args.last ?? "") ?? 1000) }
} catch {
  print("benchmark failed: \(error)")
}
