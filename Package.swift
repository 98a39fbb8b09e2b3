// swift-tools-version: 6.0
//
// latentscope: a terminal explorer for the latent space of an attention-based
// face generator. Module layout (one job each):
//
//   FileSupport  atomic file writes and the writable-path check, shared by Engine and Imaging
//   Engine    the generator: weights, seeds, forward pass, latent directions (OpenBLAS)
//   Imaging   RGB images, PNG files (libpng), resizing, grids, colormaps, text
//   Sheets    the figures users export: seed grids, walks, style-mixing matrices, attention sheets
//   Terminal  terminal capabilities, sixel (libsixel) and Unicode-block renderers, ncursesw
//   Explorer  the interactive explorer: state, keys, layout, sessions
//   latentscope  the command-line tool (swift-argument-parser)
import PackageDescription

let package = Package(
    name: "latentscope",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "latentscope", targets: ["latentscope"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "Imaging", targets: ["Imaging"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: - Public modules
        // Engine and Imaging do not depend on each other; both write files through FileSupport.
        .target(name: "FileSupport"),
        .target(name: "Engine", dependencies: ["CBLAS", "FileSupport"]),
        .target(name: "Imaging", dependencies: ["CPNG", "FileSupport"]),
        .target(name: "Terminal", dependencies: ["CNcursesw", "CSixel", "Imaging"]),
        .target(name: "Sheets", dependencies: ["Engine", "Imaging"]),
        .target(name: "Explorer", dependencies: ["Engine", "Imaging", "Terminal", "Sheets", "FileSupport"]),
        .executableTarget(
            name: "latentscope",
            dependencies: [
                "Engine", "Imaging", "Terminal", "Sheets", "Explorer", "FileSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Fuzzing: one libFuzzer target per parser of files from others (scripts/fuzz.sh
        // builds them with -DFUZZING -sanitize=fuzzer,address). In a normal build each is a replay
        // tool: `swift run FuzzSafeTensors FILE...` says what the parser makes of each file.
        .target(name: "FuzzSupport"),
        .executableTarget(name: "FuzzSafeTensors", dependencies: ["Engine", "FuzzSupport"]),
        .executableTarget(name: "FuzzConfig", dependencies: ["Engine", "FuzzSupport"]),
        .executableTarget(name: "FuzzDirections", dependencies: ["Engine", "FuzzSupport"]),
        .executableTarget(name: "FuzzSession", dependencies: ["Engine", "Explorer", "FuzzSupport"]),
        .executableTarget(name: "FuzzAttributes", dependencies: ["Engine", "FuzzSupport"]),

        // MARK: - System libraries (Debian: libopenblas-dev, libpng-dev, libncursesw5-dev, libsixel-dev)
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CNcursesw", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),
        .systemLibrary(name: "CSixel", pkgConfig: "libsixel", providers: [.apt(["libsixel-dev"])]),

        // MARK: - Tests
        .testTarget(name: "EngineTests", dependencies: ["Engine", "FileSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "FileSupport"]),
        // Helpers shared by the test targets (the built binary, a sixel decoder); not a test target itself.
        .target(name: "TestSupport", dependencies: ["CSixel"], path: "Tests/TestSupport"),
        .testTarget(name: "TerminalTests", dependencies: ["Terminal", "Imaging", "TestSupport"]),
        .testTarget(name: "SheetsTests", dependencies: ["Sheets", "Engine", "Imaging"]),
        .testTarget(name: "ExplorerTests", dependencies: ["Explorer", "Engine", "Imaging", "Terminal", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["latentscope", "Imaging", "TestSupport"]),
    ]
)
