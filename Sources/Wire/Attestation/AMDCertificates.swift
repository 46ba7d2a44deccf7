/// AMD's pinned SEV-SNP certificate authorities, decoded: per product, the root (ARK) and the
/// intermediates that certify VCEKs (ASK) and VLEKs (ASVK).
public enum AMDCertificates {
    /// An intermediate and the root above it, as AMD KDS serves a `cert_chain`.
    public struct Chain: Sendable, Hashable {
        /// The ASK (for VCEKs) or ASVK (for VLEKs).
        public let intermediate: AMDCertificate
        /// The product's ARK.
        public let root: AMDCertificate

        /// A chain of an intermediate and its root.
        public init(intermediate: AMDCertificate, root: AMDCertificate) {
            self.intermediate = intermediate
            self.root = root
        }

        /// Reads a KDS `cert_chain` PEM text: the intermediate, then the root.
        /// - Throws: `AttestationError` `.certificateParse` unless it holds exactly two certificates.
        public init(pem text: String) throws(AttestationError) {
            let certificates = try AMDCertificate.certificates(pem: text, role: "certificate chain")
            guard certificates.count == 2 else {
                throw AttestationError(
                    .certificateParse,
                    "a certificate chain holds the ASK (or ASVK) and then the ARK; this one holds "
                        + "\(certificates.count) certificate\(certificates.count == 1 ? "" : "s")")
            }
            self.init(intermediate: certificates[0], root: certificates[1])
        }
    }

    private struct Key: Hashable {
        let product: SEVSNPProduct
        let kind: SEVSNPEndorsementKey
    }

    private static let pinned: [Key: Chain] = {
        let texts: [(SEVSNPProduct, SEVSNPEndorsementKey, String)] = [
            (.milan, .vcek, AMDRootCertificates.milanVCEKChain), (.milan, .vlek, AMDRootCertificates.milanVLEKChain),
            (.genoa, .vcek, AMDRootCertificates.genoaVCEKChain), (.genoa, .vlek, AMDRootCertificates.genoaVLEKChain),
            (.turin, .vcek, AMDRootCertificates.turinVCEKChain), (.turin, .vlek, AMDRootCertificates.turinVLEKChain),
        ]
        var chains = [Key: Chain]()
        for (product, kind, text) in texts {
            do {
                chains[Key(product: product, kind: kind)] = try Chain(pem: text)
            } catch {
                // Compiled-in constants: a failure here is a broken build, caught by the tests.
                fatalError("pinned AMD \(product.name) \(kind.rawValue) chain does not decode: \(error)")
            }
        }
        return chains
    }()

    /// The pinned chain for `product`'s VCEKs or VLEKs.
    public static func pinnedChain(for product: SEVSNPProduct, key kind: SEVSNPEndorsementKey) -> Chain {
        pinned[Key(product: product, kind: kind)]!
    }

    /// The pinned root (ARK) of `product`.
    public static func pinnedRoot(for product: SEVSNPProduct) -> AMDCertificate {
        pinnedChain(for: product, key: .vcek).root
    }

    /// The product whose pinned ARK this certificate is (`AMDCertificate.isSameAuthority`), or nil.
    public static func product(ofRoot certificate: AMDCertificate) -> SEVSNPProduct? {
        SEVSNPProduct.allCases.first { pinnedRoot(for: $0).isSameAuthority(as: certificate) }
    }
}
