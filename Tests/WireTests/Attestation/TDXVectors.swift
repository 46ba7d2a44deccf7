import Foundation
import TestSupport
import Testing
import Wire

/// The public TDX vectors under Tests/Fixtures/vectors/tdx (see PROVENANCE.md).
enum TDXVectors {
    struct Sample: Sendable, CustomTestStringConvertible {
        let name: String
        let path: String
        /// A time inside the validity of the sample's PCK chain and collateral.
        let now: Date
        var testDescription: String { name }

        func bytes() throws -> [UInt8] { Array(try Fixtures.data("vectors/tdx/\(path)")) }
        func quote() throws -> TDXQuote { try TDXQuote(bytes: bytes()) }
    }

    /// dcap-qvl's `tdx_quote`: version 4, TD 1.0, padded with zeros after the signature data.
    /// 2025-07-01: inside its collateral's 2025-06-19 to 2025-07-19 and its PCK's 2025-02-06 to 2032.
    static let v4 = Sample(
        name: "v4 TD 1.0", path: "dcap-qvl/tdx_quote", now: Date(timeIntervalSince1970: 1_751_328_000))

    /// dcap-qvl's `tdx_quote_outdated`: version 5, TD 1.5. 2026-03-01: inside its collateral's
    /// 2026-02-18 to 2026-03-20 and its PCK's 2026-01-23 to 2033.
    static let v5 = Sample(
        name: "v5 TD 1.5", path: "dcap-qvl/tdx_quote_outdated", now: Date(timeIntervalSince1970: 1_772_323_200))

    static let all = [v4, v5]
}

extension TDXVectors.Sample {
    /// Where each part of the quote starts, read from the sample itself.
    struct Layout {
        let signedEnd: Int
        let signatureData: Int
        var qeReport: Int { signatureData + 134 }
        var qeReportSignature: Int { qeReport + 384 }
        var qeAuthSize: Int { qeReportSignature + 64 }
        let authSize: Int
        var pckChain: Int { qeAuthSize + 2 + authSize + 6 }
        let end: Int
    }

    func layout() throws -> Layout {
        let bytes = try bytes()
        let quote = try TDXQuote(bytes: bytes)
        let signedEnd = quote.signedBytes.count
        let length = Int(bytes[signedEnd]) | Int(bytes[signedEnd + 1]) << 8 | Int(bytes[signedEnd + 2]) << 16
        return Layout(
            signedEnd: signedEnd, signatureData: signedEnd + 4, authSize: quote.qeAuthData.count,
            end: signedEnd + 4 + length)
    }
}
