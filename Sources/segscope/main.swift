#if canImport(Glibc)
  import Glibc
#endif

exit(await Segscope.runMain(Array(CommandLine.arguments.dropFirst())))
