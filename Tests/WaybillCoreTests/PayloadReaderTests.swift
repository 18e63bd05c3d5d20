import Testing
import WaybillCore

/// `PayloadReader` writes a list element's path only when it is asked for (an error names it):
/// the text is the one it wrote for each element before, `"\(path).\(key)[\(i)]"`.
@Suite("PayloadReader paths")
struct PayloadReaderTests {
    static let json = #"""
        {"lines": [{"lineId": "1", "qty": 2}, {"lineId": "", "qty": "x"}, 7],
         "packages": [{"sscc": "0012", "lines": [{"lineId": "1"}, {"qty": 1}]}]}
        """#

    func reader() throws -> PayloadReader { try PayloadReader.object(try JSONParser.parse(Array(Self.json.utf8)), at: "$.data") }

    func error(_ body: () throws(WaybillError) -> Void) -> WaybillError? {
        do { try body() } catch { return error }
        return nil
    }

    @Test("elements and fields are named as they were named when written eagerly")
    func paths() throws {
        let data = try reader()
        #expect(data.path == "$.data")
        #expect(data.field("lines") == "$.data.lines")
        let packages = try data.objects("packages")
        #expect(packages[0].path == "$.data.packages[0]")
        #expect(packages[0].field("sscc") == "$.data.packages[0].sscc")
        let inner = try packages[0].objects("lines")
        #expect(inner.map(\.path) == ["$.data.packages[0].lines[0]", "$.data.packages[0].lines[1]"])
        #expect(inner[1].field("lineId") == "$.data.packages[0].lines[1].lineId")
        // The same text as before: base, ".", key, "[", index, "]".
        for (i, element) in inner.enumerated() { #expect(element.path == "\(packages[0].path).lines[\(i)]") }
    }

    @Test("errors name the element and field")
    func errors() throws {
        let data = try reader()
        let lines = try data.optionalObjects("packages").map { try $0[0].objects("lines") } ?? []
        #expect(error { () throws(WaybillError) in _ = try lines[1].string("lineId") }?.path == "$.data.packages[0].lines[1].lineId")
        #expect(error { () throws(WaybillError) in _ = try lines[0].quantity("qty") }?.path == "$.data.packages[0].lines[0].qty")
        // A list holding something other than objects names that element.
        let notObject = error { () throws(WaybillError) in _ = try data.objects("lines") }
        #expect(notObject?.path == "$.data.lines[2]")
        #expect(notObject?.message == "expected an object, found number")
        let made = PayloadReader(members: [("lines", .array([.object([("lineId", .string(""))])]))], path: "$.x")
        let element = try made.objects("lines")[0]
        let empty = error { () throws(WaybillError) in _ = try element.string("lineId") }
        #expect(empty?.path == "$.x.lines[0].lineId")
        #expect(empty?.message == "must not be empty")
    }
}
