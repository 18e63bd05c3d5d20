import Foundation
import Testing
import WaybillConfig
import WaybillCore
import WaybillEngine
import WaybillTestSupport

@Suite("Validation configuration")
struct ValidationConfigTests {
    @Test("validation: on an http subscription is read (name, fallback, timeout, answer mapping) and every order must pass it")
    func reads() throws {
        let directory = try temporaryDirectory("waybill-validation-config")
        try """
        events:
          - type: o2c.order.validated
            data:
              outcome: if($.ok, 'passed', 'failed')
        """.write(to: directory.appendingPathComponent("tax-answer.yml"), atomically: true, encoding: .utf8)
        let config = try ConfigLoader.parse(
            """
            systems:
              - name: tax
                subscribes:
                  - name: tax-quote
                    http: { method: POST, url: "https://tax.example/v1/quote" }
                    validation: { name: tax, fallback: accept, timeout: 2s, answer: tax-answer.yml }
            """, environment: [:], directory: directory.path)
        let subscription = try #require(config.landscape.subscriptions["tax-quote"])
        #expect(subscription.types == [.orderValidationRequested], "a validation is sent the requests, and nothing else")
        #expect(subscription.validation?.name == "tax" && subscription.validation?.fallback == .accept)
        #expect(subscription.validation?.timeoutMilliseconds == 2_000 && subscription.validation?.answer != nil)
        #expect(config.landscape.validations == ["tax"])
    }

    @Test("a wrong fallback, a zero timeout, other types, a webhook validation and a missing answer file are each named where they are")
    func problems() throws {
        let directory = try temporaryDirectory("waybill-validation-config")
        #expect {
            try ConfigLoader.parse(
                """
                systems:
                  - name: tax
                    subscribes:
                      - name: tax-quote
                        types: [o2c.order.accepted]
                        webhook: { url: "https://tax.example/hook", secret: "whsec_c2VjcmV0IHNpZ25pbmcga2V5IDEyMzQ1Ng==" }
                        validation: { name: tax, fallback: maybe, timeout: 0s, answer: missing.yml }
                """, environment: [:], directory: directory.path)
        } throws: { error in
            let text = "\(error)"
            return text.contains("systems[0].subscribes[0].validation.fallback") && text.contains("expected accept, hold or park")
                && text.contains("validation.timeout") && text.contains("systems[0].subscribes[0].types")
                && text.contains("needs an http or soap adapter") && text.contains("validation.answer")
        }
    }
}
