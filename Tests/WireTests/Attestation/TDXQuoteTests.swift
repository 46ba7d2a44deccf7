import Foundation
import TestSupport
import Testing
import Wire

/// Reading TDX quotes: the real samples' fields, and every way a quote can be cut short or
/// mislabelled refused with the code of the part that is wrong.
@Suite struct TDXQuoteTests {
    @Test func theVersion4SampleReadsAsATD10Quote() throws {
        let quote = try TDXVectors.v4.quote()
        #expect(quote.version == 4)
        #expect(quote.body.kind == .td10)
        #expect(quote.signedBytes.count == 48 + 584)
        #expect(Hex.encode(quote.body.mrTD).hasPrefix("91eb2b44d141d4ece09f0c75c2c53d24"))
        #expect(Hex.encode(quote.body.teeTCBSVN) == "06010300000000000000000000000000")
        // SEPT_VE_DISABLE (bit 28) set, DEBUG (bit 0) clear.
        #expect(quote.body.tdAttributes == 0x1000_0000)
        #expect(quote.body.rtmrs.count == 4 && quote.body.rtmrs.allSatisfy { $0.count == 48 })
        #expect(Hex.encode(quote.body.reportData).hasPrefix("9a9d48e7f6799642d3d1b34e1e5e1742"))
        #expect(quote.body.teeTCBSVN2 == nil && quote.body.mrServiceTD == nil)
        #expect(quote.qeReport.isvProdID == 2 && quote.qeReport.isvSVN == 6)
        #expect(
            Hex.encode(quote.qeReport.mrSigner) == "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5")
        #expect(quote.qeAuthData == [UInt8](0..<32))
        #expect(quote.pckChainPEM.components(separatedBy: "-----BEGIN CERTIFICATE-----").count == 4)
        #expect(!quote.pckChainPEM.contains("\0"))
    }

    @Test func theVersion5SampleReadsAsATD15Quote() throws {
        let quote = try TDXVectors.v5.quote()
        #expect(quote.version == 5)
        #expect(quote.body.kind == .td15)
        // The header, the body type and size, then the body.
        #expect(quote.signedBytes.count == 48 + 6 + 648)
        #expect(Hex.encode(quote.body.mrTD).hasPrefix("273828c46252fcbdd8ad2dd907130222"))
        #expect(quote.body.teeTCBSVN2.map { Hex.encode($0) } == "0d010300000000000000000000000000")
        #expect(quote.body.mrServiceTD == Array(repeating: 0, count: 48))
        #expect(quote.qeReport.isvSVN == 7)
    }

    @Test func hexTextReadsAsTheSameQuote() throws {
        let bytes = try TDXVectors.v4.bytes()
        let hex = "0x" + Hex.encode(bytes)
        let wrapped = stride(from: 0, to: hex.count, by: 64).map { start in
            String(hex.dropFirst(start).prefix(64))
        }.joined(separator: "\n")
        #expect(try TDXQuote(fileContents: Array(wrapped.utf8)) == TDXQuote(bytes: bytes))
        #expect(try TDXQuote(fileContents: bytes) == TDXQuote(bytes: bytes))
        do throws(TDXError) {
            _ = try TDXQuote(hex: "0x04zz")
            Issue.record("text that is not hexadecimal was read as a quote")
        } catch {
            #expect(error.code == .quoteEncoding)
        }
    }

    /// The code a quote cut to `length` bytes must give: the part the cut falls in.
    static func expectedCode(
        truncatedTo length: Int, layout: TDXVectors.Sample.Layout, version: UInt16
    )
        -> TDXErrorCode
    {
        if length < 48 { return .header }
        if length < layout.signedEnd { return .body }
        return .signatureData
    }

    @Test(arguments: TDXVectors.all)
    func aCutAtEveryFieldBoundaryIsMalformed(_ sample: TDXVectors.Sample) throws {
        let bytes = try sample.bytes()
        let layout = try sample.layout()
        let quote = try sample.quote()
        // Every field boundary of the header and body, then of the signature data, each with the
        // byte before it (a cut one byte short of the boundary).
        var boundaries = [0, 2, 4, 8, 10, 12, 28, 48]
        if quote.version == 5 { boundaries += [50, 54] }
        let bodyStart = quote.version == 5 ? 54 : 48
        boundaries += [0, 16, 64, 112, 120, 128, 136, 184, 232, 280, 328, 376, 424, 472, 520, 584].map {
            bodyStart + $0
        }
        if quote.body.kind == .td15 { boundaries += [bodyStart + 600, bodyStart + 648] }
        boundaries += [layout.signedEnd + 2, layout.signatureData, layout.signatureData + 64]
        boundaries += [layout.signatureData + 128, layout.signatureData + 130, layout.qeReport]
        boundaries += [layout.qeReport + 320, layout.qeReportSignature, layout.qeAuthSize, layout.qeAuthSize + 2]
        boundaries += [layout.pckChain - 6, layout.pckChain - 4, layout.pckChain, layout.end - 1]
        var checked = 0
        for boundary in Set(boundaries.flatMap { [$0, $0 - 1] }).filter({ $0 >= 0 && $0 < layout.end }).sorted() {
            let expected = Self.expectedCode(truncatedTo: boundary, layout: layout, version: quote.version)
            do throws(TDXError) {
                _ = try TDXQuote(bytes: bytes[0..<boundary])
                Issue.record("a quote cut to \(boundary) bytes was read")
            } catch {
                #expect(error.code == expected, "cut at \(boundary): \(error)")
            }
            checked += 1
        }
        #expect(checked >= 50)
    }

    /// Cuts inside the signature data with the lengths around it rewritten to match, so each
    /// inner part's own check is reached: the code names the part that is cut.
    @Test(arguments: TDXVectors.all)
    func aCutInsideTheCertificationDataNamesThePart(_ sample: TDXVectors.Sample) throws {
        let bytes = try sample.bytes()
        let layout = try sample.layout()
        let cases: [(Int, TDXErrorCode)] = [
            (layout.signatureData + 10, .signatureData),
            (layout.signatureData + 100, .signatureData),
            (layout.signatureData + 131, .certificationData),
            (layout.qeReport + 200, .qeReport),
            (layout.qeReportSignature + 63, .qeReport),
            (layout.qeAuthSize + 1, .qeAuthData),
            (layout.qeAuthSize + 2 + 16, .qeAuthData),
            (layout.pckChain - 3, .pckChainData),
            (layout.pckChain + 100, .pckChainData),
        ]
        for (cut, expected) in cases {
            var quote = Array(bytes[0..<cut])
            Self.writeLE32(&quote, at: layout.signedEnd, UInt32(cut - layout.signatureData))
            if cut >= layout.signatureData + 134 {
                Self.writeLE32(&quote, at: layout.signatureData + 130, UInt32(cut - layout.qeReport))
            }
            do throws(TDXError) {
                _ = try TDXQuote(bytes: quote)
                Issue.record("a quote cut to \(cut) bytes was read")
            } catch {
                #expect(error.code == expected, "cut at \(cut): \(error)")
            }
        }
    }

    static func writeLE32(_ bytes: inout [UInt8], at offset: Int, _ value: UInt32) {
        for index in 0..<4 { bytes[offset + index] = UInt8((value >> (8 * index)) & 0xFF) }
    }

    static func code(_ bytes: [UInt8]) -> TDXErrorCode? {
        do throws(TDXError) {
            _ = try TDXQuote(bytes: bytes)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func headerFieldsOtherThanTDXsAreRefused() throws {
        let bytes = try TDXVectors.v5.bytes()
        func editing(_ offset: Int, _ value: UInt8) -> [UInt8] {
            var copy = bytes
            copy[offset] = value
            return copy
        }
        #expect(Self.code(editing(0, 3)) == .version)
        #expect(Self.code(editing(0, 6)) == .version)
        #expect(Self.code(editing(2, 3)) == .attestationKeyType)
        #expect(Self.code(editing(4, 0)) == .teeType)
        #expect(Self.code(editing(12, 0)) == .qeVendor)
        // Body type 1 (an SGX enclave report) and a size that is not the type's.
        #expect(Self.code(editing(48, 1)) == .body)
        #expect(Self.code(editing(50, 0x89)) == .body)
        // The TD 1.5 body labelled TD 1.0: the size no longer matches.
        #expect(Self.code(editing(48, 2)) == .body)
    }

    @Test func sizesThatDisagreeWithTheirContentsAreRefused() throws {
        let bytes = try TDXVectors.v5.bytes()
        let layout = try TDXVectors.v5.layout()
        func editing(_ offset: Int, _ value: UInt8) -> [UInt8] {
            var copy = bytes
            copy[offset] = value
            return copy
        }
        // Signature data longer than the quote.
        #expect(Self.code(editing(layout.signedEnd + 1, 0xFF)) == .signatureData)
        // Certification data of another type, or of another size.
        #expect(Self.code(editing(layout.signatureData + 128, 5)) == .certificationData)
        #expect(Self.code(editing(layout.signatureData + 130, 0)) == .certificationData)
        // QE auth data running past the certification data.
        #expect(Self.code(editing(layout.qeAuthSize + 1, 0x40)) == .qeAuthData)
        // QE auth data one byte longer: the inner header moves, its type is no longer 5.
        #expect(Self.code(editing(layout.qeAuthSize, UInt8(layout.authSize + 1))) == .pckChainData)
        // Inner data of another type, or a size that disagrees.
        #expect(Self.code(editing(layout.pckChain - 6, 4)) == .pckChainData)
        #expect(Self.code(editing(layout.pckChain - 4, 0)) == .pckChainData)
    }

    @Test func onlyZeroPaddingMayFollowTheSignatureData() throws {
        let bytes = try TDXVectors.v5.bytes()
        #expect(Self.code(bytes + Array(repeating: 0, count: 70)) == nil)
        #expect(Self.code(bytes + [0, 0, 1]) == .signatureData)
        // The version 4 sample is stored with 70 zero bytes after its signature data.
        let v4 = try TDXVectors.v4.bytes()
        #expect(try TDXVectors.v4.layout().end == v4.count - 70)
        #expect(Self.code(v4) == nil)
        #expect(Self.code(Array(v4.dropLast()) + [0x20]) == .signatureData)
    }
}
