import Core

/// Several virtual keys, or none, on one virtual bus.
public struct VirtualKeyRing: SecurityKeyTransport {
    /// The keys plugged in.
    public let keys: [VirtualSecurityKey]

    public init(_ keys: [VirtualSecurityKey]) {
        self.keys = keys
    }

    public func devices() throws -> [SecurityKeyDevice] { try keys.flatMap { try $0.devices() } }

    public func open(path: String) throws -> any SecurityKeyConnection {
        guard let key = keys.first(where: { $0.path == path }) else {
            throw PasskeyError(.noSecurityKey, "no virtual security key at \(path)")
        }
        return try key.open(path: path)
    }
}
