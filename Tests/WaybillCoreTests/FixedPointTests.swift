import Testing

@testable import WaybillCore

@Suite("Fixed-point parsing")
struct FixedPointTests {
    @Test("digits alone parse as the general parser parses them")
    func plainIntegers() {
        var random = SplitMix(state: 20)
        let alphabet = Array("0123456789-.eE+ x".utf8)
        var fast = 0
        for _ in 0..<200_000 {
            let length = Int(random.next() % 22)
            let digitsOnly = random.next() % 2 == 0
            var bytes: [UInt8] = []
            for i in 0..<length {
                if digitsOnly {
                    bytes.append(i == 0 && random.next() % 4 == 0 ? UInt8(ascii: "-") : UInt8(ascii: "0") + UInt8(random.next() % 10))
                } else {
                    bytes.append(alphabet[Int(random.next() % UInt64(alphabet.count))])
                }
            }
            let text = Substring(String(decoding: bytes, as: UTF8.self))
            for scale in [0, 2, 4, 6, 17, 18] {
                let short = FixedPoint.plainInteger(text.utf8, scale: scale)
                if short != nil { fast += 1 }
                #expect(FixedPoint.parse(text.utf8, scale: scale) == FixedPoint.general(text.utf8, scale: scale), "\(text) scale \(scale)")
                #expect(short == nil || short == FixedPoint.general(text.utf8, scale: scale), "\(text) scale \(scale)")
            }
        }
        #expect(fast > 100_000)
        func parse(_ text: String) -> Int64? { FixedPoint.parse(Substring(text).utf8, scale: 4) }
        #expect(parse("-0") == 0 && parse("40") == 400_000 && parse("-2") == -20_000)
        #expect(parse("99999999999999") == 999_999_999_999_990_000 && parse("--1") == nil && parse("-") == nil && parse("") == nil)
    }

    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
