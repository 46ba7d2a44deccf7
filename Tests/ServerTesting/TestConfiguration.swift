import Wire

extension ServerConfiguration {
    /// What test servers announce: a stand-in upstream on loopback.
    public static let testing = ServerConfiguration(
        backend: .openAICompatible, upstream: "http://127.0.0.1:8000", model: "scripted", modelSHA256: "")
}

extension ReleaseManifest {
    /// A manifest that allows `configurations`, current until 2100 unless told otherwise.
    public static func testing(
        version: String = "test", measurement: String = "00", modelSHA256: String = "00",
        configurations: [ServerConfiguration] = [.testing], securityVersion: UInt64 = 1,
        expiresAt: UInt64 = 4_102_444_800
    ) -> ReleaseManifest {
        ReleaseManifest(
            version: version, measurement: measurement, modelSHA256: modelSHA256, issuedAt: 0,
            securityVersion: securityVersion, expiresAt: expiresAt, configurations: configurations.map(\.digestHex))
    }
}
