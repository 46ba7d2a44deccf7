import Core
import Testing

@Suite("Fractional index")
struct FractionalIndexTests {
    @Test func keysFallBetweenTheirNeighbours() throws {
        let first = FractionalIndex.between(nil, nil)
        #expect(first.rawValue == "V")
        let after = FractionalIndex.between(first, nil)
        let before = FractionalIndex.between(nil, first)
        #expect(before < first && first < after)
        let k1 = try FractionalIndex("1")
        let k2 = try FractionalIndex("2")
        let mid = FractionalIndex.between(k1, k2)
        #expect(k1 < mid && mid < k2)
        #expect(mid.rawValue == "1V")
        // The shortest key: below "12" and above "1" is "11".
        #expect(FractionalIndex.between(k1, try FractionalIndex("12")).rawValue == "11")
        #expect(FractionalIndex.between(try FractionalIndex("z"), nil).rawValue == "zV")
        #expect(FractionalIndex.between(nil, try FractionalIndex("01")).rawValue == "00V")
    }

    @Test func malformedKeysAreRejected() {
        for text in ["", "10", "a-b", "é"] {
            #expect(throws: (any Error).self) { try FractionalIndex(text) }
        }
    }

    @Test func orderHoldsOverManyRandomInsertions() {
        var list: [FractionalIndex] = []
        for _ in 0..<3000 {
            let position = Int.random(in: 0...list.count)
            let lower = position > 0 ? list[position - 1] : nil
            let upper = position < list.count ? list[position] : nil
            let key = FractionalIndex.between(lower, upper)
            if let lower { #expect(lower < key) }
            if let upper { #expect(key < upper) }
            #expect(key.rawValue.last != "0")
            list.insert(key, at: position)
        }
        #expect(list == list.sorted())
        #expect(Set(list).count == list.count)
        // Byte order of the texts is the order too (what a database index would use).
        #expect(list.map(\.rawValue) == list.map(\.rawValue).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    @Test func repeatedInsertionsAtOneSpotGrowSlowly() {
        var lower = FractionalIndex.between(nil, nil)
        let upper = FractionalIndex.between(lower, nil)
        var longest = 0
        for _ in 0..<500 {
            let key = FractionalIndex.between(lower, upper)
            #expect(lower < key && key < upper)
            longest = max(longest, key.rawValue.count)
            lower = key
        }
        var end = FractionalIndex.between(nil, nil)
        for _ in 0..<500 { end = FractionalIndex.between(end, nil) }
        #expect(longest <= 100)
        #expect(end.rawValue.count <= 100)
    }
}
