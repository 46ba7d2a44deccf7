/// HKDF (RFC 5869) over any `HashFunction`. Noise's HKDF is this with an empty `info`.
public enum HKDF {
    /// Extract-then-expand: writes `output.count` bytes derived from `ikm`.
    /// - Throws: `CryptoError.outputTooLong` past 255 × the hash length.
    public static func derive(
        _ function: HashFunction, salt: UnsafeRawBufferPointer, ikm: UnsafeRawBufferPointer,
        info: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws {
        let hashLength = function.outputByteCount
        guard output.count <= 255 * hashLength else {
            throw CryptoError(
                .outputTooLong, "HKDF-\(function.rawValue) can derive at most \(255 * hashLength) bytes")
        }
        // PRK and the running block T(i) share one locked buffer.
        let scratch = SecureBytes(zeroed: 2 * hashLength)
        scratch.withUnsafeMutableBytes { s in
            let prk = UnsafeMutableRawBufferPointer(rebasing: s[0..<hashLength])
            // RFC 5869: an absent salt is HashLen zero bytes; HMAC pads a shorter key with zeros
            // to the same effect, so an empty salt needs no special case.
            var extract = HMAC(function, key: salt)
            extract.update(ikm)
            extract.finalize(into: prk)
            expand(
                function, prk: UnsafeRawBufferPointer(prk), info: info,
                block: UnsafeMutableRawBufferPointer(rebasing: s[hashLength..<(2 * hashLength)]), into: output)
        }
    }

    /// The expand step alone, from a pseudorandom key `prk`.
    public static func expand(
        _ function: HashFunction, prk: some ByteView, info: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawBufferPointer
    ) throws {
        let hashLength = function.outputByteCount
        guard output.count <= 255 * hashLength else {
            throw CryptoError(
                .outputTooLong, "HKDF-\(function.rawValue) can derive at most \(255 * hashLength) bytes")
        }
        let block = SecureBytes(zeroed: hashLength)
        prk.withUnsafeBytes { prk in
            block.withUnsafeMutableBytes { t in expand(function, prk: prk, info: info, block: t, into: output) }
        }
    }

    private static func expand(
        _ function: HashFunction, prk: UnsafeRawBufferPointer, info: UnsafeRawBufferPointer,
        block t: UnsafeMutableRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) {
        let hashLength = function.outputByteCount
        var written = 0
        var counter: UInt8 = 1
        while written < output.count {
            var mac = HMAC(function, key: prk)
            if counter > 1 { mac.update(UnsafeRawBufferPointer(t)) }
            mac.update(info)
            withUnsafeBytes(of: counter) { mac.update($0) }
            mac.finalize(into: t)
            let n = min(hashLength, output.count - written)
            UnsafeMutableRawBufferPointer(rebasing: output[written..<(written + n)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: t[0..<n]))
            written += n
            counter &+= 1
        }
    }

    /// Derives `length` bytes of key material into a `SecureBytes`.
    public static func deriveKey(
        _ function: HashFunction, ikm: some ByteView, salt: some ByteView, info: some ByteView,
        length: Int
    ) throws -> SecureBytes {
        let out = SecureBytes(zeroed: length)
        try ikm.withUnsafeBytes { ikm in
            try salt.withUnsafeBytes { salt in
                try info.withUnsafeBytes { info in
                    try out.withUnsafeMutableBytes {
                        try derive(function, salt: salt, ikm: ikm, info: info, into: $0)
                    }
                }
            }
        }
        return out
    }
}
