import CSodium

/// libsodium's secretstream (XChaCha20-Poly1305): a sequence of authenticated chunks under
/// one key, where reordering, dropping, replaying or truncating chunks is detected.
/// The writer marks the last chunk `final`; a reader that never sees it reports truncation.
public enum SecretStream {
    public static let keyByteCount = Int(crypto_secretstream_xchacha20poly1305_KEYBYTES)
    public static let headerByteCount = Int(crypto_secretstream_xchacha20poly1305_HEADERBYTES)
    /// Bytes each chunk adds to its plaintext.
    public static let overheadByteCount = Int(crypto_secretstream_xchacha20poly1305_ABYTES)

    /// Encrypts a stream. Send `header` first, then each chunk `push` returns.
    public final class Writer {
        // The state holds the (ratcheting) key: locked memory.
        private let state = SecureBytes(zeroed: crypto_secretstream_xchacha20poly1305_statebytes())
        /// The stream header the reader needs (not secret).
        public let header: [UInt8]
        private var finished = false

        /// Starts a stream under a 32-byte `key`.
        public init(key: SecureBytes) throws {
            Sodium.ensureInitialized()
            guard key.count == keyByteCount else {
                throw CryptoError.keyLength("secretstream", expected: keyByteCount, got: key.count)
            }
            var header = [UInt8](repeating: 0, count: headerByteCount)
            state.withUnsafeMutableBytes { st in
                key.withUnsafeBytes { k in
                    header.withUnsafeMutableBufferPointer { h in
                        _ = crypto_secretstream_xchacha20poly1305_init_push(
                            st.baseAddress!.assumingMemoryBound(to: crypto_secretstream_xchacha20poly1305_state.self),
                            h.baseAddress!, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
            self.header = header
        }

        /// Encrypts one chunk; `final` marks the end of the stream.
        /// - Throws: `CryptoError.streamFinished` after the final chunk.
        public func push(_ message: some ByteView, ad: some ByteView = [UInt8](), final: Bool = false) throws -> [UInt8]
        {
            guard !finished else {
                throw CryptoError(.streamFinished, "the stream was already finished; start a new one")
            }
            var out = [UInt8](repeating: 0, count: message.byteCount + overheadByteCount)
            let tag = UInt8(
                final
                    ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                    : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
            state.withUnsafeMutableBytes { st in
                message.withUnsafeBytes { m in
                    ad.withUnsafeBytes { a in
                        out.withUnsafeMutableBufferPointer { c in
                            _ = crypto_secretstream_xchacha20poly1305_push(
                                st.baseAddress!.assumingMemoryBound(
                                    to: crypto_secretstream_xchacha20poly1305_state.self),
                                c.baseAddress!, nil, m.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                UInt64(m.count),
                                a.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(a.count), tag)
                        }
                    }
                }
            }
            finished = final
            return out
        }
    }

    /// Decrypts a stream chunk by chunk, in order.
    public final class Reader {
        private let state = SecureBytes(zeroed: crypto_secretstream_xchacha20poly1305_statebytes())
        /// True once the writer's final chunk has been read.
        public private(set) var isFinished = false

        /// Starts reading a stream whose writer sent `header`.
        /// - Throws: `CryptoError` on a wrong key or header length.
        public init(key: SecureBytes, header: some ByteView) throws {
            Sodium.ensureInitialized()
            guard key.count == keyByteCount else {
                throw CryptoError.keyLength("secretstream", expected: keyByteCount, got: key.count)
            }
            guard header.byteCount == headerByteCount else {
                throw CryptoError(.invalidLength, "secretstream header must be \(headerByteCount) bytes")
            }
            let rc = state.withUnsafeMutableBytes { st in
                key.withUnsafeBytes { k in
                    header.withUnsafeBytes { h in
                        crypto_secretstream_xchacha20poly1305_init_pull(
                            st.baseAddress!.assumingMemoryBound(to: crypto_secretstream_xchacha20poly1305_state.self),
                            h.baseAddress!.assumingMemoryBound(to: UInt8.self),
                            k.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
            guard rc == 0 else { throw CryptoError(.invalidLength, "secretstream header rejected") }
        }

        /// Decrypts the next chunk.
        /// - Throws: `CryptoError.authenticationFailed` for an altered, reordered, replayed or
        ///   foreign chunk; `.streamFinished` for anything after the final chunk.
        public func pull(_ chunk: some ByteView, ad: some ByteView = [UInt8]()) throws -> [UInt8] {
            guard !isFinished else {
                throw CryptoError(.streamFinished, "data arrived after the end of the stream")
            }
            let count = chunk.byteCount - overheadByteCount
            guard count >= 0 else { throw CryptoError.authentication("secretstream chunk") }
            var out = [UInt8](repeating: 0, count: count)
            var tag: UInt8 = 0
            var scratch: UInt8 = 0
            let rc = state.withUnsafeMutableBytes { st in
                chunk.withUnsafeBytes { c in
                    ad.withUnsafeBytes { a in
                        out.withUnsafeMutableBufferPointer { m in
                            withUnsafeMutablePointer(to: &scratch) { s in
                                crypto_secretstream_xchacha20poly1305_pull(
                                    st.baseAddress!.assumingMemoryBound(
                                        to: crypto_secretstream_xchacha20poly1305_state.self),
                                    m.baseAddress ?? s, nil, &tag,
                                    c.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(c.count),
                                    a.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(a.count))
                            }
                        }
                    }
                }
            }
            guard rc == 0 else {
                ConstantTime.wipe(&out)
                throw CryptoError.authentication("secretstream chunk")
            }
            if tag == UInt8(crypto_secretstream_xchacha20poly1305_TAG_FINAL) { isFinished = true }
            return out
        }

        /// Confirms the stream ended properly.
        /// - Throws: `CryptoError.streamTruncated` if the final chunk never arrived.
        public func finish() throws {
            guard isFinished else {
                throw CryptoError(.streamTruncated, "the stream ended before its final chunk; data is missing")
            }
        }
    }
}
