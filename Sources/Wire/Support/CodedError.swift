/// The stable identifiers of one family of errors (`SOTTO-NOISE-DECRYPT` style): logs, tests
/// and documentation refer to them, so they never change meaning. Printed, a code is its raw
/// value, so a message that interpolates one shows "SOTTO-…", never the case's Swift name.
/// docs/ERRORS.md lists every code with what a user can do about it.
public protocol StableErrorCode: RawRepresentable, Hashable, Sendable, CaseIterable, CustomStringConvertible
where RawValue == String {}

extension StableErrorCode {
    public var description: String { rawValue }
}

/// An error with a stable code and a message a user can act on. Every module's errors share
/// this shape; messages never carry secrets or user content.
public struct CodedError<Code: StableErrorCode>: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable identifier of this failure.
    public let code: Code
    /// What went wrong and what to do about it.
    public let message: String

    /// An error with `code` and a message that says what to do.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// "SOTTO-…: message".
    public var description: String { "\(code.rawValue): \(message)" }
}
