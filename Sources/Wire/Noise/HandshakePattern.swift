/// A token of a Noise message pattern (spec rev 34, §7).
public enum NoiseToken: String, Sendable, Hashable {
    case e, s, ee, es, se, ss, psk
}

/// A handshake pattern in canonical (initiator-relative) form: `es` always means the
/// initiator's ephemeral with the responder's static, and messages alternate starting with
/// the initiator.
public struct HandshakePattern: Sendable, Hashable, CustomStringConvertible {
    /// Full name with modifiers, e.g. `XXfallback+psk0`.
    public let name: String
    public let initiatorPreMessage: [NoiseToken]
    public let responderPreMessage: [NoiseToken]
    public let messages: [[NoiseToken]]

    /// True for the one-way patterns (N, K, X and their modifications): a single message.
    public var isOneWay: Bool { messages.count == 1 }

    /// True when a `psk` modifier applies (then `e` tokens also mix the key).
    public var usesPSK: Bool { messages.contains { $0.contains(.psk) } }

    /// Number of pre-shared keys the pattern consumes.
    public var pskCount: Int { messages.reduce(0) { $0 + $1.filter { $0 == .psk }.count } }

    public var description: String {
        var lines = [String]()
        if !initiatorPreMessage.isEmpty {
            lines.append("-> " + initiatorPreMessage.map(\.rawValue).joined(separator: ", "))
        }
        if !responderPreMessage.isEmpty {
            lines.append("<- " + responderPreMessage.map(\.rawValue).joined(separator: ", "))
        }
        if !lines.isEmpty { lines.append("...") }
        for (i, m) in messages.enumerated() {
            lines.append((i % 2 == 0 ? "-> " : "<- ") + m.map(\.rawValue).joined(separator: ", "))
        }
        return name + ":\n  " + lines.joined(separator: "\n  ")
    }

    init(name: String, initiatorPreMessage: [NoiseToken], responderPreMessage: [NoiseToken], messages: [[NoiseToken]]) {
        self.name = name
        self.initiatorPreMessage = initiatorPreMessage
        self.responderPreMessage = responderPreMessage
        self.messages = messages
    }

    /// The pattern named `name`: a base pattern followed by modifiers (`psk0`…, `fallback`),
    /// e.g. `NKpsk0`, `KKpsk0+psk2`, `XXfallback`.
    /// - Throws: `NoiseError.unknownProtocol` for an unknown pattern or a modifier that does
    ///   not apply.
    public static func named(_ name: String) throws -> HandshakePattern {
        // Longest base name first: `X1K1` must not be read as `X` + `1K1`.
        guard let base = baseNames.first(where: { name.hasPrefix($0) }), let text = basePatterns[base] else {
            throw NoiseError(.unknownProtocol, "unknown Noise handshake pattern \"\(name)\"")
        }
        var pattern = try parse(name: base, text: text)
        let rest = name.dropFirst(base.count)
        guard !rest.isEmpty else { return pattern }
        for modifier in rest.split(separator: "+", omittingEmptySubsequences: false) {
            pattern = try pattern.applying(String(modifier), fullName: name)
        }
        return HandshakePattern(
            name: name, initiatorPreMessage: pattern.initiatorPreMessage,
            responderPreMessage: pattern.responderPreMessage, messages: pattern.messages)
    }

    private func applying(_ modifier: String, fullName: String) throws -> HandshakePattern {
        if modifier == "fallback" {
            // §10.2: Alice's first message becomes a pre-message Bob already holds, and Bob
            // initiates. In canonical form the roles swap, so es and se trade places.
            guard messages.count >= 2, messages[0].allSatisfy({ $0 == .e || $0 == .s }) else {
                throw NoiseError(.unknownProtocol, "\"\(fullName)\": fallback needs a first message of only e and s")
            }
            let swap: (NoiseToken) -> NoiseToken = { $0 == .es ? .se : $0 == .se ? .es : $0 }
            return HandshakePattern(
                name: name, initiatorPreMessage: responderPreMessage,
                responderPreMessage: initiatorPreMessage + messages[0],
                messages: messages.dropFirst().map { $0.map(swap) })
        }
        guard modifier.hasPrefix("psk"), let n = Int(modifier.dropFirst(3)), n >= 0, n <= messages.count else {
            throw NoiseError(.unknownProtocol, "\"\(fullName)\": unknown or out-of-range modifier \"\(modifier)\"")
        }
        var messages = self.messages
        if n == 0 {
            messages[0].insert(.psk, at: 0)
        } else {
            messages[n - 1].append(.psk)
        }
        return HandshakePattern(
            name: name, initiatorPreMessage: initiatorPreMessage, responderPreMessage: responderPreMessage,
            messages: messages)
    }

    private static func parse(name: String, text: String) throws -> HandshakePattern {
        var initiatorPre = [NoiseToken]()
        var responderPre = [NoiseToken]()
        var messages = [[NoiseToken]]()
        var inPreMessages = text.contains("...")
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingPrefix(while: { $0 == " " })
            if trimmed == "..." {
                inPreMessages = false
                continue
            }
            let arrow = trimmed.prefix(2)
            let tokens = try trimmed.dropFirst(2).split(separator: ",").map { raw -> NoiseToken in
                let t = raw.filter { $0 != " " }
                guard let token = NoiseToken(rawValue: String(t)) else {
                    throw NoiseError(.unknownProtocol, "bad token \"\(t)\" in pattern \(name)")
                }
                return token
            }
            if inPreMessages {
                if arrow == "->" { initiatorPre += tokens } else { responderPre += tokens }
            } else {
                // Canonical patterns alternate; the table is written that way.
                let expected = messages.count % 2 == 0 ? "->" : "<-"
                precondition(arrow == expected, "pattern table entry \(name) does not alternate")
                messages.append(tokens)
            }
        }
        return HandshakePattern(
            name: name, initiatorPreMessage: initiatorPre, responderPreMessage: responderPre, messages: messages)
    }

    /// Known base names, longest first.
    static let baseNames: [String] = basePatterns.keys.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }

    /// Every one-way, fundamental and deferred pattern of rev 34 (§7.4, §7.5, §7.6),
    /// in the specification's notation.
    static let basePatterns: [String: String] = [
        // One-way
        "N": "<- s\n...\n-> e, es",
        "K": "-> s\n<- s\n...\n-> e, es, ss",
        "X": "<- s\n...\n-> e, es, s, ss",
        // Fundamental interactive
        "NN": "-> e\n<- e, ee",
        "NK": "<- s\n...\n-> e, es\n<- e, ee",
        "NX": "-> e\n<- e, ee, s, es",
        "XN": "-> e\n<- e, ee\n-> s, se",
        "XK": "<- s\n...\n-> e, es\n<- e, ee\n-> s, se",
        "XX": "-> e\n<- e, ee, s, es\n-> s, se",
        "KN": "-> s\n...\n-> e\n<- e, ee, se",
        "KK": "-> s\n<- s\n...\n-> e, es, ss\n<- e, ee, se",
        "KX": "-> s\n...\n-> e\n<- e, ee, se, s, es",
        "IN": "-> e, s\n<- e, ee, se",
        "IK": "<- s\n...\n-> e, es, s, ss\n<- e, ee, se",
        "IX": "-> e, s\n<- e, ee, se, s, es",
        // Deferred
        "NK1": "<- s\n...\n-> e\n<- e, ee, es",
        "NX1": "-> e\n<- e, ee, s\n-> es",
        "X1N": "-> e\n<- e, ee\n-> s\n<- se",
        "X1K": "<- s\n...\n-> e, es\n<- e, ee\n-> s\n<- se",
        "XK1": "<- s\n...\n-> e\n<- e, ee, es\n-> s, se",
        "X1K1": "<- s\n...\n-> e\n<- e, ee, es\n-> s\n<- se",
        "X1X": "-> e\n<- e, ee, s, es\n-> s\n<- se",
        "XX1": "-> e\n<- e, ee, s\n-> es, s, se",
        "X1X1": "-> e\n<- e, ee, s\n-> es, s\n<- se",
        "K1N": "-> s\n...\n-> e\n<- e, ee\n-> se",
        "K1K": "-> s\n<- s\n...\n-> e, es\n<- e, ee\n-> se",
        "KK1": "-> s\n<- s\n...\n-> e\n<- e, ee, se, es",
        "K1K1": "-> s\n<- s\n...\n-> e\n<- e, ee, es\n-> se",
        "K1X": "-> s\n...\n-> e\n<- e, ee, s, es\n-> se",
        "KX1": "-> s\n...\n-> e\n<- e, ee, se, s\n-> es",
        "K1X1": "-> s\n...\n-> e\n<- e, ee, s\n-> se, es",
        "I1N": "-> e, s\n<- e, ee\n-> se",
        "I1K": "<- s\n...\n-> e, es, s\n<- e, ee\n-> se",
        "IK1": "<- s\n...\n-> e, s\n<- e, ee, se, es",
        "I1K1": "<- s\n...\n-> e, s\n<- e, ee, es\n-> se",
        "I1X": "-> e, s\n<- e, ee, s, es\n-> se",
        "IX1": "-> e, s\n<- e, ee, se, s\n-> es",
        "I1X1": "-> e, s\n<- e, ee, s\n-> se, es",
    ]
}
