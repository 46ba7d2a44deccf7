import Foundation

/// One libFuzzer binary holds every target; `SOTTO_FUZZ_TARGET` picks the one a run exercises
/// (scripts/fuzz.sh sets it). A target throws away what the parser refuses and stops the
/// process (a crash libFuzzer records) when a property does not hold.
let targets: [String: @Sendable (_ data: [UInt8]) -> Void] = [
    "gguf": fuzzGGUF,
    "tokenizer": fuzzTokenizer,
    "sev-snp-report": fuzzSEVSNPReport,
    "amd-certificate": fuzzAMDCertificate,
    "amd-crl": fuzzAMDRevocationList,
    "tdx-quote": fuzzTDXQuote,
    "tdx-collateral": fuzzTDXCollateral,
    "cbor": fuzzCBOR,
    "cose-key": fuzzCOSEKey,
    "webauthn-client-data": fuzzClientData,
    "webauthn-attestation-object": fuzzAttestationObject,
    "webauthn-json": fuzzWebAuthnJSON,
    "noise-handshake": fuzzNoiseHandshake,
    "noise-transport": fuzzNoiseTransport,
    "chat-request": fuzzChatRequest,
    "chat-answer": fuzzChatAnswer,
    "sync-messages": fuzzSyncMessages,
    "record-envelope": fuzzRecordEnvelope,
    "history-export": fuzzHistoryExport,
    "theme-toml": fuzzTheme,
    "policy-toml": fuzzPolicy,
    "input-decoder": fuzzInputDecoder,
    "markdown": fuzzMarkdown,
    "text-wrapper": fuzzTextWrapper,
]

let selected: @Sendable (_ data: [UInt8]) -> Void = {
    // Display widths as the app measures them (it runs in the user's UTF-8 locale).
    setlocale(LC_ALL, "C.UTF-8")
    let name = ProcessInfo.processInfo.environment["SOTTO_FUZZ_TARGET"] ?? ""
    guard let target = targets[name] else {
        let known = targets.keys.sorted().joined(separator: " ")
        FileHandle.standardError.write(Data("SOTTO_FUZZ_TARGET must name a target: \(known)\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selected(bytes)
    return 0
}

/// Stops the run: a property that must hold did not.
func violated(_ property: String) -> Never {
    fatalError("property violated: \(property)")
}

/// Reads small choices off the front of an input.
struct Choices {
    private(set) var rest: ArraySlice<UInt8>
    init(_ bytes: [UInt8]) { rest = bytes[...] }
    mutating func byte() -> UInt8 { rest.popFirst() ?? 0 }
}
