/// DNS names as a relying party or an origin uses them.
public enum DomainName {
    /// Lower-case ASCII labels of letters, digits and inner hyphens, 1 to 63 bytes each, joined
    /// by single dots, at most 253 bytes, no leading or trailing dot.
    public static func isCanonical(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { byte in
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                }
        }
    }
}
