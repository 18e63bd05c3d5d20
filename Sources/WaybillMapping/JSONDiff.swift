import Foundation
import WaybillCore

/// Compares JSON by value: object key order is ignored, numbers compare by their decimal value.
public enum JSONDiff {
    /// The differences between `expected` and `actual`, each naming its path
    /// (`$[1].data.lines[0].unitPrice: expected "181.0900", got "199.0000"`); empty when equal.
    public static func differences(expected: JSONValue, actual: JSONValue, path: String = "$", limit: Int = 20) -> [String] {
        var out: [String] = []
        compare(expected, actual, path, &out, limit)
        return out
    }

    static func compare(_ expected: JSONValue, _ actual: JSONValue, _ path: String, _ out: inout [String], _ limit: Int) {
        guard out.count < limit else { return }
        switch (expected, actual) {
        case (.object(let e), .object(let a)):
            let expectedKeys = Dictionary(e, uniquingKeysWith: { first, _ in first })
            let actualKeys = Dictionary(a, uniquingKeysWith: { first, _ in first })
            for key in Set(expectedKeys.keys).union(actualKeys.keys).sorted() {
                let member = "\(path).\(key)"
                switch (expectedKeys[key], actualKeys[key]) {
                case (let x?, let y?): compare(x, y, member, &out, limit)
                case (let x?, nil): out.append("\(member): expected \(JSONWriter.string(x)), missing")
                case (nil, let y?): out.append("\(member): not expected, got \(JSONWriter.string(y))")
                default: break
                }
            }
        case (.array(let e), .array(let a)):
            for i in 0..<max(e.count, a.count) {
                let element = "\(path)[\(i)]"
                if i >= a.count {
                    out.append("\(element): expected \(JSONWriter.string(e[i])), missing")
                } else if i >= e.count {
                    out.append("\(element): not expected, got \(JSONWriter.string(a[i]))")
                } else {
                    compare(e[i], a[i], element, &out, limit)
                }
            }
        case (.number(let x), .number(let y)):
            if Decimal(string: x, locale: Decimals.posix) != Decimal(string: y, locale: Decimals.posix) {
                out.append("\(path): expected \(x), got \(y)")
            }
        default:
            if expected != actual { out.append("\(path): expected \(JSONWriter.string(expected)), got \(JSONWriter.string(actual))") }
        }
    }
}
