import Testing
import Wire

@Suite("Argon2id")
struct Argon2idTests {
    private let salt = (0..<16).map { UInt8($0) }
    private let password = Array("correct horse battery staple".utf8)

    /// t = 2 passes over 8 MiB (m = 8192 KiB).
    private let katParameters = Argon2id.Parameters(iterations: 2, memoryBytes: 8 * 1024 * 1024)

    /// Known answers produced independently with Python's argon2-cffi 25.1.0 (bindings 26.2.0):
    ///
    ///     from argon2.low_level import hash_secret_raw, Type
    ///     hash_secret_raw(secret=b"correct horse battery staple", salt=bytes(range(16)),
    ///                     time_cost=2, memory_cost=8192, parallelism=1, hash_len=32,
    ///                     type=Type.ID, version=19).hex()
    ///
    /// and the same with `secret=b""`. `memory_cost` is in KiB, so 8192 = 8 MiB = our
    /// `memoryBytes: 8388608`; version 19 is 0x13; libsodium's Argon2id always uses one lane,
    /// hence `parallelism=1`.
    @Test(
        "known answers from argon2-cffi",
        arguments: [
            ("correct horse battery staple", "a891dd91a3d123add6ea78ceedcc94a7f1dc1e4ca480e57e6f240a113662ea2f"),
            ("", "af8dce7b30c22c1453254704eca5545483cd51ad173e0ab13f78dee42040ff09"),
        ])
    func knownAnswer(password: String, expected: String) throws {
        let key = try Argon2id.deriveKey(
            password: Array(password.utf8), salt: salt, length: 32, parameters: katParameters)
        #expect(Hex.encode(key.unsafeCopyToArray()) == expected)
    }

    @Test("the same inputs give the same key")
    func deterministic() throws {
        let first = try Argon2id.deriveKey(password: password, salt: salt, length: 32, parameters: .minimum)
        let second = try Argon2id.deriveKey(password: password, salt: salt, length: 32, parameters: .minimum)
        #expect(first.count == 32)
        #expect(first == second)
    }

    @Test("the key depends on the salt, the password, the output length and the cost")
    func sensitivity() throws {
        let base = try Argon2id.deriveKey(password: password, salt: salt, length: 32, parameters: .minimum)

        var otherSalt = salt
        otherSalt[15] ^= 0x01
        var otherPassword = password
        otherPassword[0] ^= 0x01
        let withSalt = try Argon2id.deriveKey(password: password, salt: otherSalt, length: 32, parameters: .minimum)
        let withPassword = try Argon2id.deriveKey(
            password: otherPassword, salt: salt, length: 32, parameters: .minimum)
        let minimum = Argon2id.Parameters.minimum
        let moreIterations = Argon2id.Parameters(iterations: minimum.iterations + 1, memoryBytes: minimum.memoryBytes)
        let withCost = try Argon2id.deriveKey(password: password, salt: salt, length: 32, parameters: moreIterations)
        let longer = try Argon2id.deriveKey(password: password, salt: salt, length: 64, parameters: .minimum)

        #expect(withSalt != base)
        #expect(withPassword != base)
        #expect(withCost != base)
        #expect(longer.count == 64)
        // Argon2's output length feeds its initial hash, so a longer key is not an extension.
        #expect(longer.slice(0..<32) != base)
    }

    @Test("a salt that is not 16 bytes is refused", arguments: [0, 8, 15, 17, 32])
    func wrongSaltLength(length: Int) {
        let error = #expect(throws: CryptoError.self) {
            try Argon2id.deriveKey(
                password: password, salt: [UInt8](repeating: 7, count: length), length: 32, parameters: .minimum)
        }
        #expect(error?.code == .invalidLength)
    }

    @Test("an output under 16 bytes or parameters below the minimum are refused")
    func badParameters() {
        #expect(throws: CryptoError.self) {
            try Argon2id.deriveKey(password: password, salt: salt, length: 15, parameters: .minimum)
        }
        let tooLittleMemory = Argon2id.Parameters(iterations: 2, memoryBytes: 1024)
        #expect(throws: CryptoError.self) {
            try Argon2id.deriveKey(password: password, salt: salt, length: 32, parameters: tooLittleMemory)
        }
        let noIterations = Argon2id.Parameters(iterations: 0, memoryBytes: 8 * 1024 * 1024)
        #expect(throws: CryptoError.self) {
            try Argon2id.deriveKey(password: password, salt: salt, length: 32, parameters: noIterations)
        }
    }
}
