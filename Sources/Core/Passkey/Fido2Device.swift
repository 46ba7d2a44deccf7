import CFido2
import Foundation
import Synchronization
import Wire

/// One open security key: libfido2's device handle and what its authenticatorGetInfo says.
///
/// Calls block; they run on a `BlockingWork` thread, one at a time. Only `cancel()` may come
/// from another thread while a call waits for a touch: libfido2's cancel just writes a
/// CTAPHID CANCEL report, which is what it is for.
final class Fido2Device: @unchecked Sendable {
    /// The key, as discovery listed it.
    let device: SecurityKeyDevice
    /// The extensions the key supports ("hmac-secret", …).
    private(set) var extensions = Set<String>()
    /// The key's options ("clientPin", "uv", "rk", …) and their values.
    private(set) var options = [String: Bool]()
    private var handle: OpaquePointer?
    private let cancelled = Atomic<Bool>(false)

    private init(device: SecurityKeyDevice, handle: OpaquePointer) {
        self.device = device
        self.handle = handle
    }

    deinit { close() }

    /// libfido2 is set up once. Its log switch (`FIDO_DEBUG=1`) is per thread, so it traces
    /// only the thread that got here first.
    private static let initialised: Void = fido_init(0)

    /// The security keys present: libfido2's HID discovery, or `transport`'s.
    static func list(transport: (any SecurityKeyTransport)?) throws -> [SecurityKeyDevice] {
        if let transport { return try transport.devices() }
        _ = initialised
        let capacity = 64
        var allocated: OpaquePointer? = fido_dev_info_new(capacity)
        defer { fido_dev_info_free(&allocated, capacity) }
        guard let list = allocated else {
            throw PasskeyError(.deviceError, "libfido2 could not allocate its device list")
        }
        var found = 0
        let status = fido_dev_info_manifest(list, capacity, &found)
        guard status == FIDO_OK else {
            throw PasskeyError(.deviceError, "listing security keys failed (\(Fido2Status.name(status)))")
        }
        return (0..<found).compactMap { index in
            guard let entry = fido_dev_info_ptr(list, index), let path = fido_dev_info_path(entry) else { return nil }
            return SecurityKeyDevice(
                path: String(cString: path),
                manufacturer: fido_dev_info_manufacturer_string(entry).map { String(cString: $0) } ?? "",
                product: fido_dev_info_product_string(entry).map { String(cString: $0) } ?? "")
        }
    }

    /// Opens `device` and reads its authenticatorGetInfo.
    /// - Parameter timeoutMilliseconds: libfido2's budget for each whole operation (-1: none).
    static func open(
        _ device: SecurityKeyDevice, transport: (any SecurityKeyTransport)?, timeoutMilliseconds: Int32
    ) throws -> Fido2Device {
        _ = initialised
        var handle: OpaquePointer? = fido_dev_new()
        guard let newHandle = handle else {
            throw PasskeyError(.deviceError, "libfido2 could not allocate a device")
        }
        fido_dev_set_timeout(newHandle, timeoutMilliseconds)
        let status: Int32
        if let transport {
            let connection = try transport.open(path: device.path)
            let token = Fido2CustomIO.park(connection)
            var functions = Fido2CustomIO.functions
            let hooked = fido_dev_set_io_functions(newHandle, &functions)
            status = hooked == FIDO_OK ? fido_dev_open(newHandle, token) : hooked
            if let unclaimed = Fido2CustomIO.unpark(token) { unclaimed.close() }
        } else {
            status = fido_dev_open(newHandle, device.path)
        }
        guard status == FIDO_OK else {
            fido_dev_free(&handle)
            if status == FIDO_ERR_INTERNAL || status == FIDO_ERR_NOTFOUND {
                throw PasskeyError(.noSecurityKey, "cannot open \(device); is it still plugged in?")
            }
            throw Fido2Status.error(status, during: "opening", on: device)
        }
        if transport == nil { blockResizeSignals(newHandle) }
        // From here the device's deinit closes and frees the handle on any failure.
        let opened = Fido2Device(device: device, handle: newHandle)
        try opened.readInfo()
        return opened
    }

    /// A terminal resize (SIGWINCH, which ncurses handles) may land on any thread that does not
    /// block it; on the thread waiting for a touch it would end the wait with EINTR and fail the
    /// ceremony. libfido2 applies this mask while it waits on the HID device.
    private static func blockResizeSignals(_ handle: OpaquePointer) {
        var mask = sigset_t()
        pthread_sigmask(SIG_BLOCK, nil, &mask)
        sigaddset(&mask, SIGWINCH)
        fido_dev_set_sigmask(handle, &mask)
    }

    private func readInfo() throws {
        let handle = try pointer
        // A U2F-only key has no authenticatorGetInfo, and no hmac-secret either.
        guard fido_dev_is_fido2(handle) else { throw Fido2Status.hmacSecretUnsupported(device) }
        var info: OpaquePointer? = fido_cbor_info_new()
        defer { fido_cbor_info_free(&info) }
        guard let info else {
            throw PasskeyError(.deviceError, "libfido2 could not allocate the key's information")
        }
        let status = fido_dev_get_cbor_info(handle, info)
        guard status == FIDO_OK else { throw Fido2Status.error(status, during: "reading its information", on: device) }
        if let names = fido_cbor_info_extensions_ptr(info) {
            for index in 0..<fido_cbor_info_extensions_len(info) {
                if let name = names[index] { extensions.insert(String(cString: name)) }
            }
        }
        if let names = fido_cbor_info_options_name_ptr(info), let values = fido_cbor_info_options_value_ptr(info) {
            for index in 0..<fido_cbor_info_options_len(info) {
                if let name = names[index] { options[String(cString: name)] = values[index] }
            }
        }
    }

    /// The open libfido2 handle.
    var pointer: OpaquePointer {
        get throws {
            guard let handle else { throw PasskeyError(.deviceError, "the security key was already closed") }
            return handle
        }
    }

    /// Whether `cancel()` was called.
    var wasCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// Wrong PINs the key still accepts before it blocks its PIN.
    func pinRetries() throws -> Int {
        var retries: Int32 = 0
        let status = fido_dev_get_retry_count(try pointer, &retries)
        guard status == FIDO_OK else { throw Fido2Status.error(status, during: "reading its PIN retries", on: device) }
        return Int(retries)
    }

    /// Sets the first PIN of a key that has none.
    func setPIN(_ pin: SecureBytes) throws {
        let handle = try pointer
        let status = Self.withCString(pin) { fido_dev_set_pin(handle, $0, nil) }
        guard status == FIDO_OK else {
            if status == FIDO_ERR_PIN_POLICY_VIOLATION {
                throw PasskeyError(.invalidRequest, "\(device) refused that PIN; its rules may ask for a longer one")
            }
            throw Fido2Status.error(status, during: "setting its PIN", on: device)
        }
    }

    /// Runs `body` with `secret` as a NUL-terminated C string in locked memory (nil for nil).
    static func withCString<R>(_ secret: SecureBytes?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
        guard let secret else { return body(nil) }
        let terminated = SecureBytes(count: secret.count + 1) { out in
            secret.withUnsafeBytes {
                if let base = $0.baseAddress { out.baseAddress!.copyMemory(from: base, byteCount: $0.count) }
            }
        }
        return terminated.withUnsafeBytes { body($0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
    }

    /// Asks the key to stop waiting for a touch.
    func cancel() {
        cancelled.store(true, ordering: .releasing)
        if let handle { _ = fido_dev_cancel(handle) }
    }

    /// Closes the device; later calls fail.
    func close() {
        guard let open = handle else { return }
        handle = nil
        fido_dev_close(open)
        var freed: OpaquePointer? = open
        fido_dev_free(&freed)
    }
}
