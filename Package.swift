// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "soilmap",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "GDAL", targets: ["GDAL"]),
        .library(name: "SoilMap", targets: ["SoilMap"]),
        .library(name: "Digest", targets: ["Digest"]),
        .executable(name: "soilmap", targets: ["soilmap"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CGDAL",
            path: "Sources/CGDAL",
            pkgConfig: "gdal",
            providers: [.apt(["libgdal-dev"])]
        ),
        .systemLibrary(
            name: "CCairo",
            path: "Sources/CCairo",
            pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]
        ),
        .systemLibrary(
            name: "CTIFF",
            path: "Sources/CTIFF",
            pkgConfig: "libtiff-4",
            providers: [.apt(["libtiff-dev", "libdeflate-dev", "libzstd-dev"])]
        ),
        .systemLibrary(
            name: "CCrypto",
            path: "Sources/CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CXXHash",
            path: "Sources/CXXHash",
            pkgConfig: "libxxhash",
            providers: [.apt(["libxxhash-dev"])]
        ),
        .target(name: "GDAL", dependencies: ["CGDAL"]),
        .target(name: "Digest", dependencies: ["CCrypto", "CXXHash"]),
        .target(name: "Drawing", dependencies: ["CCairo"]),
        .target(name: "TIFF", dependencies: ["CTIFF", "GDAL"]),
        // The Theil-Sen median compiled for AVX2 (chosen at run time), the hot loop of `soilmap trend`.
        .target(name: "CTrendKernel"),
        .target(name: "SoilMap", dependencies: ["GDAL", "Digest", "Drawing", "TIFF", "CTrendKernel", .product(name: "Yams", package: "Yams")]),
        .executableTarget(
            name: "soilmap",
            dependencies: [
                "SoilMap",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "GDALTests", dependencies: ["GDAL", "TestSupport"]),
        .testTarget(name: "SoilMapTests", dependencies: ["SoilMap", "GDAL", "TIFF", "Drawing", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
