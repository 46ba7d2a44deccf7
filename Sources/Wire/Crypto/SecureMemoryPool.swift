import CSodium
import Synchronization

/// Locked, guarded memory for small secrets, handed out in fixed-size slots.
///
/// `sodium_malloc` costs several system calls (mmap, mprotect, mlock) — about as much as an
/// X25519 scalar multiplication on this class of machine — so allocating one per key would
/// dominate a Noise handshake. Like OpenSSL's secure heap, the pool takes slabs from
/// `sodium_malloc` (page-locked, guard pages around each slab) and carves them into slots;
/// a freed slot is zeroed before it is reused. Larger buffers get a dedicated allocation.
enum SecureMemoryPool {
    /// Slot sizes; a request is rounded up to the first that fits.
    static let slotSizes = [32, 64, 128, 256]
    static let slabBytes = 64 * 1024

    private struct State: ~Copyable {
        // Free slots per size class, as addresses (pointers are not Sendable).
        var free: [[UInt]] = Array(repeating: [], count: SecureMemoryPool.slotSizes.count)
        var slabCount = 0
    }

    private static let state = Mutex(State())

    /// Where a `SecureBytes` buffer came from, so it is returned to the same place.
    enum Origin: Sendable {
        case slot(sizeClass: Int)
        case dedicated
    }

    static func allocate(_ count: Int) -> (UnsafeMutableRawPointer, Origin) {
        Sodium.ensureInitialized()
        guard let sizeClass = slotSizes.firstIndex(where: { $0 >= count }) else {
            guard let p = sodium_malloc(max(count, 1)) else {
                fatalError("sodium_malloc failed: out of locked memory")
            }
            return (p, .dedicated)
        }
        let address: UInt = state.withLock { state in
            if let a = state.free[sizeClass].popLast() { return a }
            let size = slotSizes[sizeClass]
            guard let slab = sodium_malloc(slabBytes) else {
                fatalError("sodium_malloc failed: out of locked memory")
            }
            state.slabCount += 1
            let base = UInt(bitPattern: slab)
            let slots = slabBytes / size
            state.free[sizeClass].reserveCapacity(state.free[sizeClass].count + slots)
            // Hand out low addresses first; keeps the free list a plain stack.
            for i in stride(from: slots - 1, through: 1, by: -1) {
                state.free[sizeClass].append(base + UInt(i * size))
            }
            return base
        }
        let pointer = UnsafeMutableRawPointer(bitPattern: address)!
        sodium_memzero(pointer, slotSizes[sizeClass])
        return (pointer, .slot(sizeClass: sizeClass))
    }

    static func deallocate(_ pointer: UnsafeMutableRawPointer, count: Int, origin: Origin) {
        switch origin {
        case .dedicated:
            // sodium_free zeroes the buffer before releasing it.
            sodium_free(pointer)
        case .slot(let sizeClass):
            sodium_memzero(pointer, slotSizes[sizeClass])
            let address = UInt(bitPattern: pointer)
            state.withLock { $0.free[sizeClass].append(address) }
        }
    }

    /// Number of slabs taken so far (diagnostics and tests).
    static var slabCount: Int { state.withLock { $0.slabCount } }
}
