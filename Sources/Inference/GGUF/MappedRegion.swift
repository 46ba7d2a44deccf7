#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Read-only bytes of a model file: a private mapping of the file, or an aligned copy of bytes given in memory.
/// Tensors keep their region alive so their data pointers never dangle.
///
/// `@unchecked Sendable` because the memory is read-only from creation to `deinit`: no thread can observe a write.
final class MappedRegion: @unchecked Sendable {
    private enum Owner {
        case mapping
        case allocation
    }

    /// The whole file.
    let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawPointer
    private let owner: Owner

    /// Maps the file at `path` read-only.
    init(path: String) throws(GGUFError) {
        let descriptor = Self.openReadOnly(path)
        guard descriptor >= 0 else { throw .openFailed(path: path, errno: errno) }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .openFailed(path: path, errno: errno) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw .notARegularFile(path: path) }
        let size = Int(status.st_size)
        // mmap rejects a zero length; an empty file is simply a truncated GGUF file.
        guard size > 0 else { throw .truncated(context: "the magic number", offset: 0, needed: 4, available: 0) }

        // PROT_READ with MAP_PRIVATE: nothing we do can reach the file. It does not freeze the file, though: on
        // Linux another process's later writes still show through, and truncating the file under us raises
        // SIGBUS, so a model file must not change while open. The descriptor may close at once: the mapping
        // holds its own reference to the file.
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0),
            address != UnsafeMutableRawPointer(bitPattern: -1)
        else { throw .mapFailed(path: path, errno: errno) }
        base = address
        bytes = UnsafeRawBufferPointer(start: address, count: size)
        owner = .mapping
    }

    /// Copies `source` into memory aligned like a mapping, so tensor data pointers are aligned the same way.
    init(copying source: [UInt8]) {
        let pageSize = 4096
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(source.count, 1), alignment: pageSize)
        source.withUnsafeBytes { raw in
            if let base = raw.baseAddress { storage.copyMemory(from: base, byteCount: raw.count) }
        }
        base = storage
        bytes = UnsafeRawBufferPointer(start: storage, count: source.count)
        owner = .allocation
    }

    deinit {
        switch owner {
        case .mapping: munmap(base, bytes.count)
        case .allocation: base.deallocate()
        }
    }

    private static func openReadOnly(_ path: String) -> Int32 {
        while true {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            if descriptor >= 0 || errno != EINTR { return descriptor }
        }
    }
}

/// The system's text for an errno value.
func systemReason(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return "\(String(cString: text)) (errno \(code))"
}
