import X509

// Intel's SGX Root CA, pinned: the trust anchor of every PCK certificate chain and of the TCB
// signing chain that signs TCB info and QE identity. A public Intel-issued certificate, not a
// secret.
//
// Source: the third certificate of the PCK chain in Phala-Network/dcap-qvl's sample/tdx_quote
// (commit 9bffe30b4da53acc05f2e3a36fafc0f6418973b8); byte-identical to that repository's
// src/TrustedRootCA.der and to google/go-tdx-guest's verify/trusted_root.pem, and published by
// Intel at https://certificates.trustedservices.intel.com/IntelSGXRootCA.der.
// CN=Intel SGX Root CA, valid 2018-05-21T10:45:10Z to 2049-12-31T23:59:59Z, ECDSA P-256.
// SHA-256 of the DER: 44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3

/// The pinned Intel SGX Root CA.
public enum IntelRootCertificate {
    /// Intel's SGX Root CA as PEM.
    static let pem = """
        -----BEGIN CERTIFICATE-----
        MIICjzCCAjSgAwIBAgIUImUM1lqdNInzg7SVUr9QGzknBqwwCgYIKoZIzj0EAwIw
        aDEaMBgGA1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENv
        cnBvcmF0aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJ
        BgNVBAYTAlVTMB4XDTE4MDUyMTEwNDUxMFoXDTQ5MTIzMTIzNTk1OVowaDEaMBgG
        A1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENvcnBvcmF0
        aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJBgNVBAYT
        AlVTMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEC6nEwMDIYZOj/iPWsCzaEKi7
        1OiOSLRFhWGjbnBVJfVnkY4u3IjkDYYL0MxO4mqsyYjlBalTVYxFP2sJBK5zlKOB
        uzCBuDAfBgNVHSMEGDAWgBQiZQzWWp00ifODtJVSv1AbOScGrDBSBgNVHR8ESzBJ
        MEegRaBDhkFodHRwczovL2NlcnRpZmljYXRlcy50cnVzdGVkc2VydmljZXMuaW50
        ZWwuY29tL0ludGVsU0dYUm9vdENBLmRlcjAdBgNVHQ4EFgQUImUM1lqdNInzg7SV
        Ur9QGzknBqwwDgYDVR0PAQH/BAQDAgEGMBIGA1UdEwEB/wQIMAYBAf8CAQEwCgYI
        KoZIzj0EAwIDSQAwRgIhAOW/5QkR+S9CiSDcNoowLuPRLsWGf/Yi7GSX94BgwTwg
        AiEA4J0lrHoMs+Xo5o/sX6O9QWxHRAvZUGOdRQ7cvqRXaqI=
        -----END CERTIFICATE-----
        """

    /// The decoded root.
    public static let certificate: Certificate = {
        do {
            return try Certificate(pemEncoded: pem)
        } catch {
            // A compiled-in constant: a failure here is a broken build, caught by the tests.
            fatalError("the pinned Intel SGX Root CA does not decode: \(error)")
        }
    }()
}
