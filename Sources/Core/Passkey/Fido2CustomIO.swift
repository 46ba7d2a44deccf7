import CFido2
import Synchronization

/// Connects libfido2 to a `SecurityKeyTransport` through its I/O hooks
/// (`fido_dev_set_io_functions`): libfido2 keeps doing CTAPHID and CTAP2 itself, only the
/// reports go through the connection.
///
/// libfido2's `open` hook gets nothing but the path string, so the connection is parked under
/// a one-time token that is passed as the path and claimed by the hook.
enum Fido2CustomIO {
    private static let parked = Mutex<[String: any SecurityKeyConnection]>([:])
    private static let nextToken = Atomic<Int>(0)

    /// What libfido2's handle points at while the device is open.
    private final class Handle {
        let connection: any SecurityKeyConnection
        init(_ connection: any SecurityKeyConnection) { self.connection = connection }
    }

    /// Parks `connection` and returns the token to open it with.
    static func park(_ connection: any SecurityKeyConnection) -> String {
        let token = "sotto-io-\(nextToken.add(1, ordering: .relaxed).newValue)"
        parked.withLock { $0[token] = connection }
        return token
    }

    /// Takes back a connection the hook never claimed (the open failed first).
    static func unpark(_ token: String) -> (any SecurityKeyConnection)? {
        parked.withLock { $0.removeValue(forKey: token) }
    }

    /// The hook table.
    static let functions = fido_dev_io_t(
        open: { path in
            guard let path, let connection = Fido2CustomIO.unpark(String(cString: path)) else { return nil }
            return Unmanaged.passRetained(Handle(connection)).toOpaque()
        },
        close: { handle in
            guard let handle else { return }
            Unmanaged<Handle>.fromOpaque(handle).takeRetainedValue().connection.close()
        },
        read: { handle, buffer, length, milliseconds in
            guard let handle, let buffer else { return -1 }
            let connection = Unmanaged<Handle>.fromOpaque(handle).takeUnretainedValue().connection
            guard let report = connection.read(timeoutMilliseconds: Int(milliseconds)), report.count <= length
            else { return -1 }
            report.withUnsafeBytes {
                UnsafeMutableRawPointer(buffer).copyMemory(from: $0.baseAddress!, byteCount: $0.count)
            }
            return Int32(report.count)
        },
        write: { handle, data, length in
            // libfido2 writes a HID report id byte (0) before each 64-byte report.
            guard let handle, let data, length > 1 else { return -1 }
            let connection = Unmanaged<Handle>.fromOpaque(handle).takeUnretainedValue().connection
            let report = Array(UnsafeBufferPointer(start: data + 1, count: length - 1))
            return connection.write(report: report) ? Int32(length) : -1
        })
}
