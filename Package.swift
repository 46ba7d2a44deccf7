// swift-tools-version: 6.0
import Foundation
import PackageDescription

/// The inference engine is compiled for the vector extensions of the machine that builds it, as llama.cpp's
/// default build is: on x86-64 with AVX2, FMA and F16C, `-target-cpu haswell` doubles the width of its integer
/// kernels. `SOTTO_PORTABLE_BUILD=1` builds for baseline x86-64 instead (a binary for other machines).
let inferenceCPUFlags: [String] = {
    #if arch(x86_64) && os(Linux)
        guard ProcessInfo.processInfo.environment["SOTTO_PORTABLE_BUILD"] == nil,
            let cpuInfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let flagLine = cpuInfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return [] }
        let flags = Set(flagLine.split(separator: " ").map(String.init))
        let needed: Set = ["avx2", "fma", "f16c", "bmi1", "bmi2", "movbe", "popcnt"]
        return needed.isSubset(of: flags) ? ["-target-cpu", "haswell"] : []
    #else
        return []
    #endif
}()

// Dependencies flow one way (docs/ARCHITECTURE.md):
//   sotto → TUI → Core → Wire        sotto-server → Server → Wire, Inference
// The server links no client code (no ncurses, libcurl or libfido2).
let package = Package(
    name: "sotto",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sotto", targets: ["sotto"]),
        .executable(name: "sotto-server", targets: ["sotto-server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // P-256/P-384 ECDSA, RSA-PSS (_CryptoExtras) and ML-KEM-768: what libsodium lacks.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        // AMD and Intel certificates: DER parsing and X.509 chains.
        .package(url: "https://github.com/apple/swift-asn1", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.10.0"),
        // The server: HTTP, and its logging.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        // What the server's connection guard is written against (Hummingbird builds on them).
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.25.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.3.0"),
        // The server's client for an upstream model server (vLLM, llama.cpp, Ollama) in the TEE.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        // Client configuration and themes.
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // The client's encrypted local cache and the server's default store (SQLite).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        // The server's store on PostgreSQL.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.21.0"),
    ],
    targets: [
        // System libraries: a module map plus a shim header of static inline wrappers.
        .systemLibrary(
            name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        // No pkgConfig for ncursesw: its -D_XOPEN_SOURCE flags are prohibited by SwiftPM (a
        // warning on every build) and the shim defines what they would have enabled.
        .systemLibrary(
            name: "CNcurses", providers: [.apt(["libncurses-dev"])]),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CFido2", pkgConfig: "libfido2", providers: [.apt(["libfido2-dev"])]),

        // What both ends of the wire share; no I/O.
        .target(
            name: "Wire",
            dependencies: [
                "CSodium",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]),
        // Issuers for a certificate authority whose keys the caller holds (AMD's certificate
        // profile, signed SEV-SNP reports): the development authority of `serve --dev` and the
        // tests' stand-in PKI. Never linked into the client.
        .target(
            name: "DevelopmentPKI",
            dependencies: [
                "Wire", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]),
        // The client's brain: no UI, no server code.
        .target(
            name: "Core",
            dependencies: [
                "Wire", "CCurl", "CFido2", .product(name: "TOMLKit", package: "TOMLKit"),
                // The software passkey's P-256 credential.
                .product(name: "Crypto", package: "swift-crypto"),
                // The development Intel-style root a device pins for simulated TDX.
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .target(name: "TUI", dependencies: ["Core", "Wire", "CNcurses"]),
        .target(
            name: "Server",
            dependencies: [
                "Wire", "Inference", "DevelopmentPKI",
                // The development TDX authority's P-256 keys and certificates; PCK chains read for
                // the collateral to fetch.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        // The embedded LLM runtime imports nothing of ours. Optimised even in debug builds: its
        // numeric loops are ~50x slower unoptimised, which would make the real-model tests crawl.
        .target(
            name: "Inference",
            swiftSettings: [
                .unsafeFlags(["-O"], .when(configuration: .debug)), .unsafeFlags(inferenceCPUFlags),
            ] + (inferenceCPUFlags.isEmpty ? [] : [.define("SOTTO_FMA")])),

        .executableTarget(
            name: "sotto",
            dependencies: [
                // CSodium directly only for the benchmark's raw-libsodium baseline.
                "Wire", "Core", "TUI", "CSodium",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "sotto-server",
            dependencies: [
                "Server", "Inference",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Shared by the test targets: fixture paths, helpers.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // Release-mode benchmark of the encrypted path against plain HTTP (both ends in one process).
        .executableTarget(
            name: "GatewayBenchmark",
            dependencies: [
                "Server", "ServerTesting", "Core", "Wire", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/GatewayBenchmark"),
        // Release-mode benchmark of restoring a large history onto a fresh device (SQLite and PostgreSQL).
        .executableTarget(
            name: "SyncBenchmark",
            dependencies: [
                "Server", "ServerTesting", "Core", "Wire", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/SyncBenchmark"),

        .testTarget(name: "WireTests", dependencies: ["Wire", "DevelopmentPKI", "TestSupport"]),
        // Fakes for the client's side effects: record keys from a random root, a settable clock.
        .target(name: "CoreTesting", dependencies: ["Core", "Wire"], path: "Tests/CoreTesting"),
        // Writes history records in a loop until killed; the cache's crash test runs it.
        .executableTarget(
            name: "CacheCrashHelper", dependencies: ["Core", "CoreTesting", "Wire"], path: "Tests/CacheCrashHelper"),
        // A virtual CTAP2 security key, so tests run libfido2's real code without hardware.
        .target(
            name: "VirtualCTAP2",
            dependencies: [
                "Core", "Wire", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Tests/VirtualCTAP2"),
        .testTarget(
            name: "CoreTests",
            dependencies: [
                "Core", "Wire", "CoreTesting", "TestSupport", "VirtualCTAP2",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(
            name: "TUITests", dependencies: ["TUI", "Core", "Wire", "CoreTesting", "TestSupport", "VirtualCTAP2"],
            // Text snapshots, read from the source tree by `Snapshot` (not resources).
            exclude: ["Snapshots"]),
        // Fakes for the server's side effects: a scripted model, a stub TEE.
        .target(name: "ServerTesting", dependencies: ["Server", "Wire"], path: "Tests/ServerTesting"),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "ServerTesting", "TestSupport", "DevelopmentPKI",
                // The store suite tampers with the databases directly (a schema from a newer build).
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "TestSupport"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Wire", "Core", "CoreTesting", "Server", "ServerTesting", "TestSupport", "VirtualCTAP2",
                "DevelopmentPKI",
            ]),
    ],
    swiftLanguageModes: [.v6]
)

// Fuzz targets (Fuzz/, docs/ARCHITECTURE.md): one libFuzzer binary, added only when scripts/fuzz.sh builds it
// (`SOTTO_FUZZ=1`, `--sanitize fuzzer --sanitize address`, its own build folder), so the normal build never
// compiles it. It needs the parsers' modules only, not the server's.
if ProcessInfo.processInfo.environment["SOTTO_FUZZ"] != nil {
    package.targets.append(
        .executableTarget(
            name: "sotto-fuzz", dependencies: ["Wire", "Core", "TUI", "Inference"], path: "Fuzz/Sources",
            // libFuzzer supplies `main`; the targets only export `LLVMFuzzerTestOneInput`.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
}
