import Foundation
import WaybillCore
import WaybillEngine

extension DemoWorld {
    /// The Shopify storefront posts `orders/create` for a web order, in Shopify's own shape,
    /// signed with the app secret as Shopify signs its webhooks.
    func shopifyOrder(
        id: Int64, number: Int, customer: (id: Int64, first: String, last: String, email: String),
        lines: [(id: Int64, sku: String, quantity: Int, price: String)]
    ) {
        let now = clock.now()
        let order = J.o(
            ("id", .number(String(id))), ("name", J.s("#\(number)")), ("order_number", J.n(number)), ("email", J.s(customer.email)),
            ("currency", J.s("USD")), ("created_at", J.s(now.rfc3339)), ("test", .bool(false)), ("financial_status", J.s("paid")),
            (
                "customer",
                J.o(
                    ("id", .number(String(customer.id))), ("first_name", J.s(customer.first)), ("last_name", J.s(customer.last)),
                    ("email", J.s(customer.email)), ("currency", J.s("USD")))
            ),
            (
                "line_items",
                J.a(
                    lines.map { line in
                        J.o(
                            ("id", .number(String(line.id))), ("sku", J.s(line.sku)), ("quantity", J.n(line.quantity)), ("price", J.s(line.price)),
                            ("discount_allocations", J.a([])))
                    })
            ))
        let body = JSONWriter.bytes(order)
        state.withLock { s in
            s.webhookCounter += 1
            s.nativeOutgoing.append(
                NativePost(
                    system: "shop", body: body,
                    headers: [
                        "x-shopify-topic": "orders/create", "x-shopify-webhook-id": "demo-webhook-\(s.webhookCounter)",
                        "x-shopify-hmac-sha256": NativeSignature.shopifySignature(body: body, secret: DemoLandscape.shopSecret),
                    ]))
        }
    }

    /// Takes the native posts queued.
    func takeNativePosts() -> [NativePost] {
        state.withLock { s in
            defer { s.nativeOutgoing = [] }
            return s.nativeOutgoing
        }
    }

    /// NetSuite receives a salesOrder record (the netsuite pack's body) and records it.
    func erpSalesOrder(_ body: [UInt8]) {
        let now = clock.now()
        let record = try? JSONParser.parse(body)
        let order = Self.string(record?["externalId"])
        let entity = Self.string(record?["entity"]?["id"])
        let items = Self.objects(record?["item"]?["items"])
        let itemIds = items.map { Self.string($0["item"]?["id"]) }.joined(separator: ", ")
        state.withLock {
            $0.received["erp-salesorders", default: []].append((now, .orderAccepted, order))
            $0.log.append(
                "\(DemoWorld.clockText(now))    hub → erp-salesorders: NetSuite salesOrder for \(order): entity \(entity), \(items.count) items (\(itemIds))")
        }
    }
}
