import CommandOutput
import Parallel
import Predict

#if canImport(Glibc)
  import Glibc
#endif

MemoryTuning.keepFreedBuffers()
let status = await Segscope.runMain(Array(CommandLine.arguments.dropFirst()))
// A model still running (the app quit, or its pane closed, while `:predict` ran) ends with segscope:
// TERM to its process group, KILL after 3 s.
ModelProcesses.endAll(grace: 3)
exit(Console.flushedStatus(status))
