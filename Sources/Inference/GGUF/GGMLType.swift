/// A ggml tensor element type, by the id GGUF stores; ids that ggml retired are absent.
public enum GGMLType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q5_0 = 6
    case q5_1 = 7
    case q8_0 = 8
    case q8_1 = 9
    case q2_K = 10
    case q3_K = 11
    case q4_K = 12
    case q5_K = 13
    case q6_K = 14
    case q8_K = 15
    case iq2_xxs = 16
    case iq2_xs = 17
    case iq3_xxs = 18
    case iq1_s = 19
    case iq4_nl = 20
    case iq3_s = 21
    case iq2_s = 22
    case iq4_xs = 23
    case i8 = 24
    case i16 = 25
    case i32 = 26
    case i64 = 27
    case f64 = 28
    case iq1_m = 29
    case bf16 = 30
    case tq1_0 = 34
    case tq2_0 = 35
    case mxfp4 = 39
    case nvfp4 = 40
    case q1_0 = 41

    /// How many elements one block holds and how many bytes it takes.
    public struct BlockLayout: Hashable, Sendable {
        /// Elements decoded from one block.
        public let elementsPerBlock: Int
        /// Bytes one block occupies in the file.
        public let bytesPerBlock: Int
    }

    /// The block layout of the types this runtime decodes, nil for the others.
    ///
    /// From ggml-common.h: Q4_0 is an fp16 scale and 16 bytes of nibbles; Q4_1 adds an fp16 min; Q8_0 is an
    /// fp16 scale and 32 signed bytes; Q4_K is fp16 d and dmin, 12 bytes of packed 6-bit scales and mins and
    /// 128 bytes of nibbles; Q6_K is 128 bytes of low nibbles, 64 of high bit pairs, 16 signed scales and fp16 d.
    public var blockLayout: BlockLayout? {
        switch self {
        case .f32: BlockLayout(elementsPerBlock: 1, bytesPerBlock: 4)
        case .f16: BlockLayout(elementsPerBlock: 1, bytesPerBlock: 2)
        case .q4_0: BlockLayout(elementsPerBlock: 32, bytesPerBlock: 18)
        case .q4_1: BlockLayout(elementsPerBlock: 32, bytesPerBlock: 20)
        case .q8_0: BlockLayout(elementsPerBlock: 32, bytesPerBlock: 34)
        case .q4_K: BlockLayout(elementsPerBlock: 256, bytesPerBlock: 144)
        case .q6_K: BlockLayout(elementsPerBlock: 256, bytesPerBlock: 210)
        default: nil
        }
    }

    /// Whether this runtime can load and dequantize tensors of this type.
    public var isSupported: Bool { blockLayout != nil }

    /// Bytes taken by `elements` elements, nil when they are not whole blocks, the type is unsupported, or the
    /// size overflows.
    public func byteCount(elements: Int) -> Int? {
        guard let layout = blockLayout, elements >= 0, elements % layout.elementsPerBlock == 0 else { return nil }
        let (bytes, overflow) = (elements / layout.elementsPerBlock).multipliedReportingOverflow(
            by: layout.bytesPerBlock)
        return overflow ? nil : bytes
    }

    /// The name ggml gives the type, such as "q4_K".
    public var name: String {
        switch self {
        case .f32: "f32"
        case .f16: "f16"
        case .q4_0: "q4_0"
        case .q4_1: "q4_1"
        case .q5_0: "q5_0"
        case .q5_1: "q5_1"
        case .q8_0: "q8_0"
        case .q8_1: "q8_1"
        case .q2_K: "q2_K"
        case .q3_K: "q3_K"
        case .q4_K: "q4_K"
        case .q5_K: "q5_K"
        case .q6_K: "q6_K"
        case .q8_K: "q8_K"
        case .iq2_xxs: "iq2_xxs"
        case .iq2_xs: "iq2_xs"
        case .iq3_xxs: "iq3_xxs"
        case .iq1_s: "iq1_s"
        case .iq4_nl: "iq4_nl"
        case .iq3_s: "iq3_s"
        case .iq2_s: "iq2_s"
        case .iq4_xs: "iq4_xs"
        case .i8: "i8"
        case .i16: "i16"
        case .i32: "i32"
        case .i64: "i64"
        case .f64: "f64"
        case .iq1_m: "iq1_m"
        case .bf16: "bf16"
        case .tq1_0: "tq1_0"
        case .tq2_0: "tq2_0"
        case .mxfp4: "mxfp4"
        case .nvfp4: "nvfp4"
        case .q1_0: "q1_0"
        }
    }

    public var description: String { name }

    /// The supported type names, for error messages.
    static var supportedNames: String {
        allCases.filter(\.isSupported).map(\.name).joined(separator: ", ")
    }
}
