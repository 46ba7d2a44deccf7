import Foundation
import Wire

/// A passkey for machines without a security key: one credential in a passphrase-encrypted
/// file (`SoftwarePasskeyFile`), with the PRF semantics of a CTAP2 authenticator. Like a synced
/// passkey, the file may be carried to another machine and gives the same PRF secret there.
/// Entering the passphrase is the user verification.
public struct SoftwareAuthenticator: Authenticator {
    public var kind: PasskeyKind { .softwarePasskey }
    /// The passkey file.
    public let path: String
    /// The Argon2id cost of a file this authenticator creates.
    public let parameters: Argon2id.Parameters
    /// The highest Argon2id cost it spends opening a file.
    public let maximumCost: Argon2id.Parameters
    private let passphrase: SecureBytes

    /// An authenticator over the file at `path`, unlocked with `passphrase`.
    public init(
        path: String, passphrase: SecureBytes, parameters: Argon2id.Parameters = .softwarePasskey,
        maximumCost: Argon2id.Parameters = .softwarePasskeyMaximum
    ) {
        self.path = path
        self.passphrase = passphrase
        self.parameters = parameters
        self.maximumCost = maximumCost
    }

    /// Where a device keeps its software passkey unless told otherwise: in its data folder
    /// (`$XDG_DATA_HOME/sotto/passkey/software-passkey`, or under `--data-dir`).
    public static func defaultPath(in folders: DeviceFolders) -> String {
        folders.data + "/passkey/software-passkey"
    }

    /// Creates the credential and writes it to a new file at `path`.
    /// - Throws: `PasskeyError` `.fileExists` when `path` holds a file (it is never replaced),
    ///   `.invalidRequest`, `.passphraseMissing`, `.fileAccess`.
    public func makeCredential(_ request: CredentialRequest) async throws -> MadeCredential {
        try PasskeyError.checkClientDataHash(request.clientDataHash)
        if FileManager.default.fileExists(atPath: path) {
            throw PasskeyError(
                .fileExists, "a software passkey file already exists at \(path); it was left untouched")
        }
        return try await BlockingWork.run { [path, passphrase, parameters] in
            let credential = try SoftwareCredential.generate(
                rpID: request.rpID, userID: request.userID, userName: request.userName)
            let bytes = try SoftwarePasskeyFile.encode(credential, passphrase: passphrase, parameters: parameters)
            try SoftwarePasskeyFile.write(bytes, to: path)
            return try credential.registration(clientDataHash: request.clientDataHash)
        }
    }

    /// Opens the file, checks the credential is for `request.rpID` and allowed, and signs.
    /// - Throws: `PasskeyError` from opening the file, or `.noCredential`.
    public func getAssertion(_ request: AssertionRequest) async throws -> Assertion {
        try PasskeyError.checkClientDataHash(request.clientDataHash)
        return try await BlockingWork.run { [path, passphrase, maximumCost] in
            let credential = try SoftwarePasskeyFile.read(path: path, passphrase: passphrase, maximumCost: maximumCost)
            guard credential.rpID == request.rpID else {
                throw PasskeyError(
                    .noCredential, "the software passkey \(path) is for another service, not \(request.rpID)")
            }
            guard
                request.allowedCredentialIDs.isEmpty || request.allowedCredentialIDs.contains(credential.credentialID)
            else {
                throw PasskeyError(
                    .noCredential, "the software passkey \(path) is not one the server knows for this account")
            }
            return try credential.assertion(for: request)
        }
    }
}
