/// Noise's SymmetricState (§5.2): the chaining key, the handshake hash and a CipherState.
final class SymmetricState {
    let hash: HashFunction
    let cipherState: CipherState
    /// Chaining key, then room for the HKDF outputs (up to three hash lengths).
    private let secrets: SecureBytes
    /// Handshake hash h: public transcript digest, not secret.
    private(set) var h: [UInt8]
    /// Reused for every MixHash, rather than a new state each time.
    private var hasher: HashState

    private var hashLength: Int { hash.outputByteCount }

    /// InitializeSymmetric(protocol_name).
    init(protocolName: String, cipher: NoiseCipher, hash: HashFunction) {
        self.hash = hash
        cipherState = CipherState(cipher: cipher)
        let hashLength = hash.outputByteCount
        secrets = SecureBytes(zeroed: 4 * hashLength)
        hasher = HashState(hash)
        let name = Array(protocolName.utf8)
        if name.count <= hashLength {
            h = name + [UInt8](repeating: 0, count: hashLength - name.count)
        } else {
            h = hash.hash(name)
        }
        let initial = h
        secrets.withUnsafeMutableBytes { s in
            initial.withUnsafeBytes { s.copyMemory(from: $0) }
        }
    }

    /// HKDF(ck, ikm, outputs): writes the outputs after ck in `secrets`; ck becomes output 1.
    private func hkdf(
        _ ikm: UnsafeRawBufferPointer, outputs: Int, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        let hl = hashLength
        try secrets.withUnsafeMutableBytes { s in
            let ck = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(s)[0..<hl])
            let out = UnsafeMutableRawBufferPointer(rebasing: s[hl..<(hl * (outputs + 1))])
            // outputs × HASHLEN ≤ 255 × HASHLEN, so this cannot fail.
            try! HKDF.derive(hash, salt: ck, ikm: ikm, info: UnsafeRawBufferPointer(start: nil, count: 0), into: out)
            s.copyMemory(from: UnsafeRawBufferPointer(rebasing: out[out.startIndex..<(out.startIndex + hl)]))
            defer { ConstantTime.wipe(out) }
            try body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(s)[hl..<(hl * (outputs + 1))]))
        }
    }

    /// MixKey(input_key_material).
    func mixKey(_ ikm: UnsafeRawBufferPointer) {
        let hl = hashLength
        hkdf(ikm, outputs: 2) { out in
            // temp_k is truncated to 32 bytes when HASHLEN is 64.
            cipherState.initializeKey(UnsafeRawBufferPointer(rebasing: out[hl..<(hl + CipherState.keyByteCount)]))
        }
    }

    /// MixHash(data): h = HASH(h ‖ data).
    func mixHash(_ data: UnsafeRawBufferPointer) {
        hasher.reset()
        hasher.update(h)
        hasher.update(data)
        h.withUnsafeMutableBytes { hasher.finalize(into: $0) }
    }

    /// MixKeyAndHash(input_key_material), for pre-shared keys.
    func mixKeyAndHash(_ ikm: UnsafeRawBufferPointer) {
        let hl = hashLength
        hkdf(ikm, outputs: 3) { out in
            mixHash(UnsafeRawBufferPointer(rebasing: out[hl..<(2 * hl)]))
            cipherState.initializeKey(
                UnsafeRawBufferPointer(rebasing: out[(2 * hl)..<(2 * hl + CipherState.keyByteCount)]))
        }
    }

    /// EncryptAndHash(plaintext) into `output`; returns the bytes written.
    func encryptAndHash(_ plaintext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try h.withUnsafeBytes { try cipherState.encrypt(ad: $0, plaintext: plaintext, into: output) }
        mixHash(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(output)[0..<n]))
        return n
    }

    /// DecryptAndHash(ciphertext) into `output`; returns the bytes written.
    func decryptAndHash(_ ciphertext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Int
    {
        let n = try h.withUnsafeBytes { try cipherState.decrypt(ad: $0, ciphertext: ciphertext, into: output) }
        mixHash(ciphertext)
        return n
    }

    /// Split(): the two transport cipher states (initiator→responder, responder→initiator).
    func split() -> (CipherState, CipherState) {
        let hl = hashLength
        let c1 = CipherState(cipher: cipherState.cipher)
        let c2 = CipherState(cipher: cipherState.cipher)
        hkdf(UnsafeRawBufferPointer(start: nil, count: 0), outputs: 2) { out in
            c1.initializeKey(UnsafeRawBufferPointer(rebasing: out[0..<CipherState.keyByteCount]))
            c2.initializeKey(UnsafeRawBufferPointer(rebasing: out[hl..<(hl + CipherState.keyByteCount)]))
        }
        return (c1, c2)
    }
}
