import Foundation
import Testing
import WaybillTestSupport

@Suite("waybill test")
struct TestCommandTests {
    @Test("every pack's fixtures pass; a changed expected value fails with a diff that names the path")
    func packsAndADiff() throws {
        let (status, output) = try runWaybill(["test", repositoryRoot.appendingPathComponent("Fixtures/packs").path])
        let text = String(decoding: output, as: UTF8.self)
        #expect(status == 0, "\(text)")
        #expect(text.contains("0 failed") && !text.contains("FAIL"), "\(text)")

        let directory = try temporaryDirectory("waybill-test-diff")
        for name in try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("Fixtures/packs/shopify").path) {
            try FileManager.default.copyItem(
                at: repositoryRoot.appendingPathComponent("Fixtures/packs/shopify/\(name)"), to: directory.appendingPathComponent(name))
        }
        let test = directory.appendingPathComponent("shopify.test.yml")
        let changed = try String(contentsOf: test, encoding: .utf8).replacingOccurrences(of: "unitPrice: \"181.0900\"", with: "unitPrice: \"181.0800\"")
        try changed.write(to: test, atomically: true, encoding: .utf8)
        let (failed, diff) = try runWaybill(["test", directory.path])
        let report = String(decoding: diff, as: UTF8.self)
        #expect(failed == 1)
        #expect(report.contains("$[1].data.lines[0].unitPrice: expected \"181.0800\", got \"181.0900\""), "\(report)")
        #expect(report.contains("1 failed"))
    }
}
