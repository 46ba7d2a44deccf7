/// The TEE platform that produced the evidence.
public enum AttestationPlatform: String, Codable, Sendable, CaseIterable {
    case sevSNP = "sev-snp"
    case tdx = "tdx"
}

/// `POST /v1/attestation` request: a fresh client nonce the report must bind.
public struct AttestationRequest: Codable, Hashable, Sendable {
    public static let nonceByteCount = 32

    public var version: Int
    public var nonce: Base64Bytes

    public init(nonce: [UInt8]) {
        version = Wire.protocolVersion
        self.nonce = Base64Bytes(nonce)
    }
}

/// The server's current static keys for the chat channel, as announced and bound into the
/// attestation report.
public struct ServerKeyAnnouncement: Codable, Hashable, Sendable {
    public static let keyIDByteCount = 16

    /// Random identifier the client names in each chat request.
    public var keyID: Base64Bytes
    /// X25519 public key (Noise static key).
    public var x25519: Base64Bytes
    /// ML-KEM-768 encapsulation key (1184 bytes).
    public var mlkem768: Base64Bytes
    /// Seconds since 1970 after which the key must not be used.
    public var notAfter: UInt64

    public init(keyID: [UInt8], x25519: [UInt8], mlkem768: [UInt8], notAfter: UInt64) {
        self.keyID = Base64Bytes(keyID)
        self.x25519 = Base64Bytes(x25519)
        self.mlkem768 = Base64Bytes(mlkem768)
        self.notAfter = notAfter
    }

    enum CodingKeys: String, CodingKey {
        case keyID = "key_id"
        case x25519
        case mlkem768 = "mlkem768"
        case notAfter = "not_after"
    }
}

/// Evidence from the platform: the report (or quote) and the certificates it chains to.
public struct AttestationEvidence: Codable, Hashable, Sendable {
    /// SEV-SNP ATTESTATION_REPORT (1184 bytes) or TDX quote.
    public var report: Base64Bytes
    /// DER certificates, leaf first (SEV-SNP: VCEK or VLEK, then ASK, then ARK).
    public var certificates: [Base64Bytes]
    /// AMD's DER revocation list for the chain's product, when the server has one; the client
    /// checks it under the ARK. Absent from servers that predate it.
    public var crl: Base64Bytes?
    /// TDX only: Intel's collateral for the quote's platform (TCB info, QE identity, revocation
    /// lists) as the JSON object dcap-qvl reads, fetched and cached by the server so the client
    /// never reaches Intel. The quote carries its own PCK chain, so `certificates` is empty.
    public var collateral: Base64Bytes?

    public init(report: [UInt8], certificates: [[UInt8]], crl: [UInt8]? = nil, collateral: [UInt8]? = nil) {
        self.report = Base64Bytes(report)
        self.certificates = certificates.map(Base64Bytes.init)
        self.crl = crl.map(Base64Bytes.init)
        self.collateral = collateral.map(Base64Bytes.init)
    }
}

/// `POST /v1/attestation` response.
public struct AttestationResponse: Codable, Hashable, Sendable {
    public var version: Int
    public var platform: AttestationPlatform
    public var evidence: AttestationEvidence
    public var keys: ServerKeyAnnouncement
    public var manifest: SignedReleaseManifest
    /// Where the server sends decrypted prompts; its digest is in REPORT_DATA.
    public var configuration: ServerConfiguration
    /// The model's context in tokens, for the client to judge before sending what fits.
    /// Advice, not bound by the report: a server that misstates it only misleads that
    /// judgement (it still refuses what does not fit). Absent from servers that predate it.
    public var modelContextTokens: Int?
    /// The answer's length limit when a request sets none.
    public var defaultMaxTokens: Int?

    public init(
        platform: AttestationPlatform, evidence: AttestationEvidence, keys: ServerKeyAnnouncement,
        manifest: SignedReleaseManifest, configuration: ServerConfiguration, modelContextTokens: Int? = nil,
        defaultMaxTokens: Int? = nil
    ) {
        version = Wire.protocolVersion
        self.platform = platform
        self.evidence = evidence
        self.keys = keys
        self.manifest = manifest
        self.configuration = configuration
        self.modelContextTokens = modelContextTokens
        self.defaultMaxTokens = defaultMaxTokens
    }

    enum CodingKeys: String, CodingKey {
        case version, platform, evidence, keys, manifest, configuration
        case modelContextTokens = "model_context_tokens"
        case defaultMaxTokens = "default_max_tokens"
    }
}
