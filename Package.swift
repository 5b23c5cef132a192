// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
  name: "segscope",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "segscope", targets: ["segscope"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
  ],
  targets: [
    // C boundary: every setjmp/longjmp and every libpng/libjpeg/libtiff call lives in these targets.
    .target(name: "CPNG", linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("deflate"), .linkedLibrary("z")]),
    .target(name: "CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),
    .target(name: "CTIFF", linkerSettings: [.linkedLibrary("tiff")]),
    .systemLibrary(name: "CNcursesw"),
    .systemLibrary(name: "CSQLite"),

    // Pure core: dataset model, masks, metrics. No I/O, no C.
    .target(name: "SegmentationCore", swiftSettings: strict),
    // TOML 1.0 for themes, the config file and augmentation pipelines, bounded whatever the file says.
    .target(name: "TOML", swiftSettings: strict),
    // Small concurrency helpers every pass that works on all cores shares: result slots, a counter,
    // the number of cores.
    .target(name: "Parallel", swiftSettings: strict),
    // The demo generator: synthetic street scenes, their classes and the demo's models' mistakes.
    .target(name: "DemoScenes", dependencies: ["SegmentationCore"], swiftSettings: strict),
    // PNG/JPEG to RGBImage / LabelMask, typed errors.
    .target(name: "ImageCodec", dependencies: ["CPNG", "CJPEG", "CTIFF", "SegmentationCore"], swiftSettings: strict),

    // Pure terminal graphics: cell Buffer, half-block and sixel renderers, capability probe parsing.
    .target(name: "TerminalRender", dependencies: ["SegmentationCore"], swiftSettings: strict),
    // The only user of ncurses and of the terminal device: capability probe, screen updates, keys.
    .target(name: "TerminalBackend", dependencies: ["CNcursesw", "TerminalRender", "SegmentationCore"], swiftSettings: strict),
    // The dataset database (GRDB on the system libsqlite3): schema, migrations, queries.
    .target(name: "DatasetStore", dependencies: ["SegmentationCore", .product(name: "GRDB", package: "GRDB.swift"), "CSQLite"], swiftSettings: strict),
    // Importers (and later exporters): folders on disk to the dataset database.
    .target(name: "DatasetImport", dependencies: ["Parallel", "DatasetStore", "ImageCodec", "SegmentationCore", "Shards"], swiftSettings: strict),
    // The app: state, actions, the pure reducer, the command registry and keymap, screens drawn into a Buffer.
    .target(name: "AppCore", dependencies: ["SegmentationCore", "TerminalRender", "Augmentation", "TOML"], swiftSettings: strict),
    // Scale-out: deterministic slices of a dataset's samples, part files, and the checks a merge makes.
    .target(name: "Shards", dependencies: ["SegmentationCore", "DatasetStore", "ImageCodec"], swiftSettings: strict),
    // Reads masks from files and evaluates them on every core.
    .target(name: "Evaluation", dependencies: ["Parallel", "SegmentationCore", "ImageCodec", "DatasetStore", "Shards"], swiftSettings: strict),
    // Finds the ground-truth masks (and regions) that are probably mislabeled, and stores the verdicts.
    .target(name: "LabelErrors", dependencies: ["Parallel", "SegmentationCore", "ImageCodec", "DatasetStore", "DatasetImport"], swiftSettings: strict),
    // Curation: image signatures, duplicates and leaks, similar samples, uniqueness, what to annotate next.
    .target(name: "Curation", dependencies: ["Parallel", "SegmentationCore", "ImageCodec", "DatasetStore", "DemoScenes"], swiftSettings: strict),

    // Where the model underperforms: clusters of similar images with their metrics, and slices of the
    // dataset found automatically, each with a bootstrap interval and false discoveries controlled.
    .target(name: "Slices", dependencies: ["SegmentationCore", "DatasetStore", "Parallel"], swiftSettings: strict),

    // Augmentation pipelines (Albumentations' names and parameters) over an image and its mask. Pure.
    .target(name: "Augmentation", dependencies: ["SegmentationCore", "TOML"], swiftSettings: strict),
    // Experiment tracking: logs evaluation runs to an MLflow tracking server through its REST API.
    .target(name: "Tracking", swiftSettings: strict),
    // Runs the user's model over a dataset through a file protocol and imports its outputs as a field.
    .target(name: "Predict", dependencies: ["SegmentationCore", "ImageCodec", "DatasetStore", "DatasetImport"], swiftSettings: strict),

    // The workflows both front ends share, with typed results: opening and importing a dataset, the demo,
    // run comparison, view exports, augmented exports, sample rendering, the embedding map, and the
    // command line's procedures (flags, review queues, next picks) that the app's effects also run.
    .target(
      name: "Workflows",
      dependencies: [
        "SegmentationCore", "ImageCodec", "TerminalRender", "DatasetStore", "DatasetImport", "Curation", "Predict", "Augmentation", "DemoScenes",
      ],
      swiftSettings: strict),
    // The command line's output: text tables, JSON and CSV reports (one Codable type per output), the
    // progress bar on stderr, and what each command prints, chosen by an output format.
    .target(
      name: "CommandOutput",
      dependencies: [
        "Workflows", "SegmentationCore", "ImageCodec", "DatasetStore", "DatasetImport", "Evaluation", "LabelErrors", "Curation", "Slices", "Tracking",
        "Shards", "Predict", "Augmentation", "DemoScenes",
      ],
      swiftSettings: strict),
    // The app's session: performs the reducer's effects against a dataset (loads, evaluation and indexing
    // jobs, triage, curation), settings, and the runtime loop between the reducer and the terminal.
    .target(
      name: "AppSession",
      dependencies: [
        "Workflows", "AppCore", "SegmentationCore", "ImageCodec", "TerminalRender", "TerminalBackend", "DatasetStore", "DatasetImport", "Evaluation",
        "LabelErrors", "Curation", "Predict", "Augmentation", "Slices",
      ],
      swiftSettings: strict),

    .executableTarget(
      name: "segscope",
      dependencies: [
        "SegmentationCore", "ImageCodec", "Evaluation", "TerminalRender", "TerminalBackend", "DatasetStore", "DatasetImport", "AppCore", "AppSession",
        "Workflows", "CommandOutput", "Parallel", "LabelErrors", "Curation", "Shards", "Predict", "Tracking", "Slices",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: strict),

    // Release benchmarks (swift run -c release segscope-bench).
    .executableTarget(
      name: "segscope-bench",
      dependencies: [
        "Parallel",
        "CPNG", "CJPEG", "SegmentationCore", "ImageCodec", "Evaluation", "TerminalRender", "DatasetStore", "DatasetImport", "AppCore", "AppSession",
        "Workflows", "LabelErrors", "Curation", "DemoScenes",
      ]),

    // Fuzz targets: a libFuzzer binary when built with -sanitize=fuzzer -D FUZZING (run.sh does it), a
    // corpus replayer otherwise (the tests run it over Fuzz/corpus).
    .executableTarget(
      name: "segscope-fuzz",
      dependencies: ["SegmentationCore", "ImageCodec", "DatasetStore", "DatasetImport", "AppCore", "Shards", "Evaluation", "Augmentation"]),

    // Test helpers: golden snapshots, running commands.
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    // A small imported dataset (imgseg with one prediction folder) for the session and workflow tests.
    .target(
      name: "DatasetFixtures", dependencies: ["DemoScenes", "DatasetStore", "ImageCodec", "SegmentationCore", "Workflows"], path: "Tests/DatasetFixtures",
      swiftSettings: strict),
    .testTarget(
      name: "TerminalRenderTests", dependencies: ["DemoScenes", "TerminalRender", "SegmentationCore", "ImageCodec", "TestSupport"], exclude: ["__Snapshots__"],
      swiftSettings: strict),
    .testTarget(name: "EndToEndTests", dependencies: ["DemoScenes", "SegmentationCore", "ImageCodec", "DatasetStore", "TestSupport"], swiftSettings: strict),
    .testTarget(
      name: "DatasetStoreTests",
      dependencies: ["Parallel", "DemoScenes", "DatasetStore", "DatasetImport", "Evaluation", "ImageCodec", "SegmentationCore", "Shards", "TestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "AppCoreTests", dependencies: ["DemoScenes", "AppCore", "SegmentationCore", "TerminalRender", "Augmentation", "TestSupport"],
      exclude: ["__Snapshots__"],
      swiftSettings: strict),
    .testTarget(name: "SegmentationCoreTests", dependencies: ["DemoScenes", "SegmentationCore"], swiftSettings: strict),
    .testTarget(name: "TOMLTests", dependencies: ["TOML"], swiftSettings: strict),
    .testTarget(
      name: "LabelErrorsTests", dependencies: ["LabelErrors", "DatasetStore", "DatasetImport", "ImageCodec", "SegmentationCore"], swiftSettings: strict),
    .testTarget(name: "ParallelTests", dependencies: ["Parallel"], swiftSettings: strict),
    .testTarget(name: "ShardsTests", dependencies: ["Shards", "SegmentationCore"], swiftSettings: strict),
    .testTarget(name: "SlicesTests", dependencies: ["Slices", "SegmentationCore"], swiftSettings: strict),
    .testTarget(name: "TrackingTests", dependencies: ["Tracking"], swiftSettings: strict),
    .testTarget(name: "DemoScenesTests", dependencies: ["DemoScenes", "SegmentationCore"], swiftSettings: strict),
    .testTarget(
      name: "ConformanceTests", dependencies: ["SegmentationCore", "ImageCodec", "DatasetStore", "DatasetImport", "Evaluation", "Augmentation", "TestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "AppSessionTests",
      dependencies: [
        "DemoScenes", "AppSession", "AppCore", "DatasetStore", "DatasetImport", "ImageCodec", "SegmentationCore", "Evaluation",
        "DatasetFixtures", "Workflows",
      ],
      swiftSettings: strict),
    .testTarget(
      name: "WorkflowsTests",
      dependencies: [
        "Workflows", "DatasetFixtures", "Curation", "DatasetStore", "Evaluation", "SegmentationCore",
      ],
      swiftSettings: strict),
    .testTarget(
      name: "CommandOutputTests",
      dependencies: ["CommandOutput", "Workflows", "DatasetFixtures", "Slices", "ImageCodec", "DatasetStore", "SegmentationCore"],
      swiftSettings: strict),
    .testTarget(
      name: "DatasetImportTests", dependencies: ["DatasetImport", "DatasetStore", "ImageCodec", "SegmentationCore", "TestSupport"], swiftSettings: strict),
    .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "ImageCodec", "SegmentationCore"], swiftSettings: strict),
    .testTarget(name: "TerminalBackendTests", dependencies: ["TerminalBackend", "TerminalRender"], swiftSettings: strict),
    .testTarget(
      name: "CurationTests",
      dependencies: [
        "DemoScenes", "Curation", "AppSession", "Workflows", "CommandOutput", "DatasetImport", "DatasetStore", "ImageCodec", "SegmentationCore",
      ],
      swiftSettings: strict),
    .testTarget(
      name: "PredictTests", dependencies: ["Predict", "DatasetStore", "DatasetImport", "ImageCodec", "SegmentationCore", "TestSupport"], swiftSettings: strict),
    .testTarget(name: "AugmentationTests", dependencies: ["Augmentation", "SegmentationCore"], swiftSettings: strict),
    .testTarget(name: "ImageCodecTests", dependencies: ["ImageCodec", "SegmentationCore", "CPNG"], swiftSettings: strict),
  ],
  swiftLanguageModes: [.v6]
)
