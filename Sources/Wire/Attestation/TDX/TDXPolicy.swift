/// What the client accepts of a verified TDX platform beyond its signatures: which TCB statuses
/// pass besides UpToDate. A debug TD is always refused, whatever the policy.
public struct TDXPolicy: Sendable, Hashable {
    /// The statuses that may be accepted besides UpToDate, each only when the policy lists it:
    /// the platform is current but Intel advises software hardening or a configuration change.
    public static let acceptable: [TDXTCBStatus] = [
        .swHardeningNeeded, .configurationNeeded, .configurationAndSWHardeningNeeded,
    ]

    /// Statuses of `acceptable` that pass (with their advisories shown in every verdict). Any
    /// other status listed here is ignored: OutOfDate, Revoked and unknown statuses never pass.
    public var acceptedStatuses: Set<TDXTCBStatus>

    public init(acceptedStatuses: Set<TDXTCBStatus> = []) {
        self.acceptedStatuses = acceptedStatuses.filter { Self.acceptable.contains($0) }
    }

    /// The shipped policy: UpToDate only.
    public static let shipped = TDXPolicy()

    /// True when `status` passes under this policy.
    public func accepts(_ status: TDXTCBStatus) -> Bool {
        status == .upToDate || acceptedStatuses.contains(status)
    }
}
