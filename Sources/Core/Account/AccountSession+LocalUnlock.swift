extension AccountSession {
    /// Unlocks with the device's passkey and its own copy of the wrapped root key, without
    /// asking the server and without writing anything: for commands that only read the cached
    /// history (`history`, `export`), which need no session, so they work offline and on a
    /// data folder that cannot be written. A login would also replace (and revoke) the session
    /// other processes of this device are using.
    /// - Throws: `AccountError` `.notRegistered`; `PasskeyError`; `KeyError` when the device
    ///   holds no usable copy of the wrapped root key (`sotto login` makes one).
    public func unlockLocally(using device: (any Authenticator)? = nil) async throws -> Unlocked {
        let state = try requireState()
        return try await offlineUnlock(state, authenticator: try device ?? authenticatorFor(state.passkey))
    }
}
