import Foundation
import Testing
import WaybillCore
import WaybillTestSupport

@testable import WaybillMapping

@Suite("Mapping expressions")
struct ExpressionTests {
    let payload = try! JSONParser.parse(
        Array(
            #"{"id":820982911946154508,"currency":"USD","test":false,"created_at":"2024-10-02T23:04:43-05:00","total":"181.09","line_items":[{"sku":"A","quantity":2,"price":"199.00","discount_allocations":[{"amount":"17.91"},{"amount":"0.09"}]},{"sku":"B","quantity":1,"price":"5.5"}]}"#
                .utf8))

    func value(_ text: String, headers: [String: String] = [:], maps: [String: ValueMap] = [:]) throws -> JSONValue? {
        try Evaluator.evaluate(try ExpressionParser.parse(text), in: Scope(root: payload, headers: headers, maps: maps)).json
    }

    @Test(
        "paths, arithmetic and functions give exact results",
        arguments: [
            ("$.currency", JSONValue.string("USD")),
            ("text($.id)", .string("820982911946154508")),
            ("$.line_items[0].price * $.line_items[0].quantity", .number("398")),
            ("$.line_items[0].price - sum($.line_items[0].discount_allocations[*].amount)", .number("181")),
            ("fixed(($.line_items[0].price * 2 - 17.91) / 3, 2)", .string("126.70")),
            ("round(10 / 3, 4)", .number("3.3333")),
            ("0.1 + 0.2 == 0.3", .bool(true)),
            ("sum($.line_items[*].quantity)", .number("3")),
            ("count($.line_items)", .int(2)),
            ("$.line_items[1].sku", .string("B")),
            ("$.test == false and not exists($.missing)", .bool(true)),
            ("coalesce($.missing, $.currency)", .string("USD")),
            ("if($.total > 100, 'big', 'small')", .string("big")),
            ("concat('SO-', text($.id))", .string("SO-820982911946154508")),
            ("join('/', $.line_items[*].sku)", .string("A/B")),
            ("upper(lower('AbC'))", .string("ABC")),
            ("timestamp($.created_at)", .string("2024-10-03T04:04:43Z")),
            ("date($.created_at)", .string("2024-10-02")),
            ("date($.created_at, 'Europe/Berlin')", .string("2024-10-03")),
            ("-$.line_items[1].price", .number("-5.5")),
            ("timestamp('2024-10-02T09:04:43.000+0000')", .string("2024-10-02T09:04:43Z")),
            ("timestamp(1727859883000)", .string("2024-10-02T09:04:43Z")),
        ])
    func evaluates(_ text: String, _ expected: JSONValue) throws {
        #expect(try value(text) == expected, "\(text)")
    }

    @Test("headers and value maps; an unmapped value names the map, the value and the input path")
    func headersAndMaps() throws {
        #expect(try value("header('X-Shopify-Topic')", headers: ["x-shopify-topic": "orders/create"]) == .string("orders/create"))
        let maps: [String: ValueMap] = ["units": ["ea": .string("EA")]]
        #expect(try value("map('units', lower('EA'))", maps: maps) == .string("EA"))
        #expect(try value("map('units', 'cs', 'EA')", maps: maps) == .string("EA"))
        let error = #expect(throws: MappingError.self) { try value("map('units', $.line_items[1].sku)", maps: maps) }
        #expect(error?.code == .unmappedValue && error?.inputPath == "$.line_items[1].sku" && error?.message.contains("'units'") == true)
    }

    @Test(
        "a malformed expression is refused with the column of the problem",
        arguments: [
            ("$.a +", "expected a value"), ("USD", "'USD' is not a value"), ("nosuch(1)", "there is no function nosuch()"),
            ("round(1)", "round() takes 2 arguments"), ("'open", "a string is not closed"), ("$.a ; 1", "';' is not part of the language"),
            ("$.a $.b", "unexpected $ after the expression"),
        ])
    func syntaxErrors(_ text: String, _ message: String) {
        let error = #expect(throws: MappingError.self) { try ExpressionParser.parse(text) }
        #expect(error?.code == .syntax && error?.message.contains(message) == true, "\(String(describing: error))")
        #expect(error?.message.contains("column") == true)
    }

    @Test("arithmetic on a missing or non-numeric value names the input path")
    func typeErrors() {
        let missing = #expect(throws: MappingError.self) { try value("$.line_items[0].weight * 2") }
        #expect(missing?.code == .missingValue && missing?.inputPath == "$.line_items[0].weight")
        let text = #expect(throws: MappingError.self) { try value("$.currency + 1") }
        #expect(text?.code == .typeMismatch && text?.inputPath == "$.currency")
    }
}
