import WaybillCore

extension BenchWorkload {
    /// Order `n` as a Shopify store posts it (`orders/create`, the REST Admin API shape of
    /// Shopify's published samples): its body and webhook id. The same customers and items as the
    /// canonical stream, named as a store names them (numeric ids, prices as text, discount
    /// allocations, tax lines, addresses), about 3 KB per order.
    public func shopifyOrder(_ n: Int) -> (body: [UInt8], webhookId: String) {
        var rng = SplitMix64(seed: seed &+ UInt64(n) &* 0x51_7CC1)
        let lineCount = Int(rng.next() % 5) + 1
        let customerId = 7_000_000_000_000_000 + Int(rng.next() % UInt64(customers))
        var items: [JSONValue] = []
        for l in 0..<lineCount {
            let p = Int(rng.next() % UInt64(products))
            let quantity = Int(rng.next() % 6) + 1
            let discount = l == 0 ? "1.00" : "0.00"
            items.append(
                J.o(
                    ("id", .number(String(7_391_441_666_089_000_000 + n * 10 + l))), ("admin_graphql_api_id", J.s("gid://shopify/LineItem/\(n * 10 + l)")),
                    ("fulfillable_quantity", J.n(quantity)), ("fulfillment_service", J.s("manual")), ("fulfillment_status", .null),
                    ("gift_card", .bool(false)), ("grams", J.n(200)), ("name", J.s("Industrial component number \(p)")), ("price", J.s(price(p))),
                    ("product_exists", .bool(true)), ("product_id", J.n(632_910_392 + p)), ("quantity", J.n(quantity)), ("current_quantity", J.n(quantity)),
                    ("requires_shipping", .bool(true)), ("sku", J.s(sku(p))), ("taxable", .bool(true)), ("title", J.s("Component \(p)")),
                    ("total_discount", J.s("0.00")), ("variant_id", J.n(39_072_856 + p)), ("vendor", J.s("Acme Industrial")),
                    ("tax_lines", .array([J.o(("price", J.s("0.60")), ("rate", .number("0.06")), ("title", J.s("State Tax")))])),
                    ("discount_allocations", .array([J.o(("amount", J.s(discount)), ("discount_application_index", J.n(0)))])),
                ))
        }
        let address = J.o(
            ("first_name", J.s("Bob")), ("last_name", J.s("Norman")), ("address1", J.s("Chestnut Street 92")), ("city", J.s("Louisville")),
            ("province", J.s("Kentucky")), ("country", J.s("United States")), ("zip", J.s("40202")), ("country_code", J.s("US")))
        let order = J.o(
            ("id", .number(String(820_982_911_946_154_508 + n))), ("admin_graphql_api_id", J.s("gid://shopify/Order/\(n)")), ("name", J.s("#\(1_000 + n)")),
            ("order_number", J.n(1_000 + n)), ("email", J.s("buyer\(customerId)@example.com")), ("currency", J.s("USD")),
            ("created_at", J.s("2026-12-01T03:04:43-05:00")), ("updated_at", J.s("2026-12-01T03:04:43-05:00")), ("test", .bool(false)),
            ("financial_status", J.s("paid")), ("fulfillment_status", .null), ("taxes_included", .bool(false)), ("total_price", J.s("409.94")),
            ("subtotal_price", J.s("398.00")), ("total_tax", J.s("11.94")), ("total_discounts", J.s("1.00")), ("source_name", J.s("web")),
            (
                "customer",
                J.o(
                    ("id", .number(String(customerId))), ("email", J.s("buyer\(customerId)@example.com")), ("first_name", J.s("Bob")),
                    ("last_name", J.s("Norman")), ("currency", J.s("USD")))
            ),
            ("billing_address", address), ("shipping_address", address), ("line_items", .array(items)),
            ("shipping_lines", .array([J.o(("code", J.s("Standard")), ("price", J.s("10.00")), ("title", J.s("Standard Shipping")))])),
        )
        return (JSONWriter.bytes(order), "bench-\(seed)-\(n)")
    }
}
