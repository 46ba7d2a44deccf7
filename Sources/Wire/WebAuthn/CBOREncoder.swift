/// Encodes `CBORValue`s in CTAP2 canonical form: shortest heads, definite lengths, map keys
/// sorted by major type, then encoded length, then bytes. Used for COSE keys read from PEM and
/// for building test inputs.
public enum CBOREncoder {
    /// The canonical encoding of `value`.
    public static func encode(_ value: CBORValue) -> [UInt8] {
        var out = [UInt8]()
        append(value, to: &out)
        return out
    }

    /// Whether encoded key `a` sorts strictly before encoded key `b` in CTAP2 canonical order.
    static func canonicallyPrecedes(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        let majorA = a.first.map { $0 >> 5 } ?? 0
        let majorB = b.first.map { $0 >> 5 } ?? 0
        if majorA != majorB { return majorA < majorB }
        if a.count != b.count { return a.count < b.count }
        return a.lexicographicallyPrecedes(b)
    }

    private static func append(_ value: CBORValue, to out: inout [UInt8]) {
        switch value {
        case .unsigned(let n):
            appendHead(0, n, to: &out)
        case .negative(let n):
            appendHead(1, n, to: &out)
        case .bytes(let b):
            appendHead(2, UInt64(b.count), to: &out)
            out += b
        case .text(let t):
            let utf8 = Array(t.utf8)
            appendHead(3, UInt64(utf8.count), to: &out)
            out += utf8
        case .array(let items):
            appendHead(4, UInt64(items.count), to: &out)
            for item in items { append(item, to: &out) }
        case .map(let entries):
            appendHead(5, UInt64(entries.count), to: &out)
            let encoded = entries.map { (key: encode($0.key), value: encode($0.value)) }
            for entry in encoded.sorted(by: { canonicallyPrecedes($0.key[...], $1.key[...]) }) {
                out += entry.key
                out += entry.value
            }
        case .bool(let b):
            out.append(b ? 0xf5 : 0xf4)
        case .null:
            out.append(0xf6)
        }
    }

    private static func appendHead(_ major: UInt8, _ argument: UInt64, to out: inout [UInt8]) {
        let type = major << 5
        switch argument {
        case 0..<24:
            out.append(type | UInt8(argument))
        case 24...0xff:
            out += [type | 24, UInt8(argument)]
        case 0x100...0xffff:
            out.append(type | 25)
            appendBigEndian(argument, width: 2, to: &out)
        case 0x1_0000...0xffff_ffff:
            out.append(type | 26)
            appendBigEndian(argument, width: 4, to: &out)
        default:
            out.append(type | 27)
            appendBigEndian(argument, width: 8, to: &out)
        }
    }

    private static func appendBigEndian(_ value: UInt64, width: Int, to out: inout [UInt8]) {
        for i in stride(from: width - 1, through: 0, by: -1) { out.append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
    }
}
