import WaybillCore
import WaybillEngine

/// The order-to-cash scenario that `waybill demo` plays, step by step, on a manual clock.
enum DemoScenario {
    /// Minutes after 2026-12-01T08:00:00Z, and what happens then.
    static func steps(world: DemoWorld) -> [(minutes: Int64, title: String, action: @Sendable () -> Void)] {
        [
            (0, "ERP and CRM load master data", { masterData(world) }),
            (
                60, "BoltWorks orders bearings, bolts and grease on the portal (SO-1001)",
                {
                    world.send(
                        "portal", .orderPlaced, subject: "SO-1001",
                        J.o(
                            ("orderId", J.s("SO-1001")), ("customerId", J.s("C-100")), ("shipToId", J.s("ST-1")), ("customerPO", J.s("PO-88231")),
                            ("channel", J.s("portal")), ("currency", J.s("USD")), ("requestedDate", J.s("2026-12-04")), ("notes", J.s("Dock 4")),
                            (
                                "lines",
                                J.a([
                                    line("1", "BRG-6204", 40, "EA", "12.50"), line("2", "BLT-M8", 4, "CA", "30.00"), line("3", "GRS-EP2", 25, "EA", "4.00"),
                                ])
                            )))
                }
            ),
            (
                75, "A sales rep enters Prairie Ag's order in the CRM (SO-1002)",
                {
                    world.send(
                        "crm", .orderPlaced, subject: "SO-1002",
                        J.o(
                            ("orderId", J.s("SO-1002")), ("externalOrderId", J.s("OPP-778")), ("customerId", J.s("0015g00000PRA")),
                            ("currency", J.s("USD")), ("channel", J.s("sales")), ("requestedDate", J.s("2026-12-05")),
                            ("lines", J.a([line("1", "MTR-1HP", 2, "EA", "650.00"), line("2", "BRG-6204", 2, "BX", "625.00")]))))
                }
            ),
            (
                90, "Delta Fabrication orders motors over its credit limit (SO-1003)",
                {
                    world.send(
                        "portal", .orderPlaced, subject: "SO-1003",
                        J.o(
                            ("orderId", J.s("SO-1003")), ("customerId", J.s("C-200")), ("currency", J.s("USD")), ("channel", J.s("portal")),
                            ("lines", J.a([line("1", "MTR-1HP", 10, "EA", "650.00")]))))
                }
            ),
            (
                105, "BoltWorks orders a valve the hub does not know yet (SO-1004)",
                {
                    world.send(
                        "portal", .orderPlaced, subject: "SO-1004",
                        J.o(
                            ("orderId", J.s("SO-1004")), ("customerId", J.s("C-100")), ("currency", J.s("USD")), ("channel", J.s("portal")),
                            ("lines", J.a([line("1", "VLV-250", 6, "EA", "85.00"), line("2", "BRG-6204", 10, "EA", "12.50")]))))
                }
            ),
            (
                110, "A maintenance shop buys bearings and bolts on the Shopify storefront (SHOPIFY-820982911946154508)",
                {
                    world.shopifyOrder(
                        id: 820_982_911_946_154_508, number: 1101,
                        customer: (id: 7_290_182_766_601, first: "Rosa", last: "Diaz", email: "rosa@riverside-maintenance.example"),
                        lines: [
                            (id: 13_391_441_666_089_001, sku: "BRG-6204", quantity: 8, price: "12.50"),
                            (id: 13_391_441_666_089_002, sku: "BLT-M8", quantity: 24, price: "2.50"),
                        ])
                }
            ),
            (
                120, "Prairie Ag places a second order in the CRM (SO-1005)",
                {
                    world.send(
                        "crm", .orderPlaced, subject: "SO-1005",
                        J.o(
                            ("orderId", J.s("SO-1005")), ("customerId", J.s("C-300")), ("currency", J.s("USD")), ("channel", J.s("sales")),
                            ("lines", J.a([line("1", "BLT-M8", 10, "CA", "30.00")]))))
                }
            ),
            (
                150, "Prairie Ag cancels SO-1005 before it ships",
                {
                    world.send("crm", .orderCancelled, subject: "SO-1005", J.o(("orderId", J.s("SO-1005")), ("reason", J.s("customer request"))))
                }
            ),
            (
                180, "ERP adds the missing valve to the item master",
                {
                    world.send(
                        "erp", .productUpserted, subject: "VLV-250",
                        J.o(
                            ("sku", J.s("VLV-250")), ("description", J.s("Ball valve 1in 250psi")), ("baseUom", J.s("EA")),
                            ("listPrice", J.s("85.00")), ("currency", J.s("USD")), ("externalIds", J.o(("erp", J.s("300-0250"))))))
                }
            ),
            (
                540, "Finance reviews Delta Fabrication's credit and releases the hold",
                {
                    world.erpFinanceReview(reason: "approved by finance after a payment on account")
                }
            ),
            (600, "The afternoon wave ships from DAL and MEM", { world.wmsShipWave() }),
            (1_440, "Carriers deliver the first shipments", { world.tmsDeliveryRun() }),
            (2_880, "AR's payment run applies the customers' payments", { world.arPaymentRun() }),
            (14_400, "Grease arrives at MEM; the backorder is released", { world.wmsReceiveStock("MEM", sku: "GRS-EP2", quantity: 200) }),
            (14_700, "The next wave ships the backordered line", { world.wmsShipWave() }),
            (15_840, "The carrier delivers the backordered line", { world.tmsDeliveryRun() }),
            (17_280, "AR applies the last payment", { world.arPaymentRun() }),
        ]
    }

    static func line(_ id: String, _ sku: String, _ quantity: Int, _ uom: String, _ price: String) -> JSONValue {
        J.o(("lineId", J.s(id)), ("sku", J.s(sku)), ("quantity", J.n(quantity)), ("uom", J.s(uom)), ("unitPrice", J.s(price)))
    }

    static func masterData(_ world: DemoWorld) {
        let products: [(String, String, [(String, Int)], String, String)] = [
            ("BRG-6204", "Ball bearing 6204-2RS", [("CA", 12), ("BX", 50)], "12.50", "100-6204"),
            ("BLT-M8", "Hex bolt M8x40 zinc", [("CA", 12)], "2.50", "100-0840"),
            ("GRS-EP2", "EP2 grease cartridge 400g", [("BX", 24)], "4.00", "200-0002"),
            ("MTR-1HP", "Motor 1HP 1800rpm TEFC", [], "650.00", "500-0001"),
        ]
        for (sku, description, conversions, price, erpId) in products {
            world.send(
                "erp", .productUpserted, subject: sku,
                J.o(
                    ("sku", J.s(sku)), ("description", J.s(description)), ("baseUom", J.s("EA")),
                    ("uomConversions", .object(conversions.map { ($0.0, J.n($0.1)) })), ("listPrice", J.s(price)), ("currency", J.s("USD")),
                    ("externalIds", J.o(("erp", J.s(erpId))))))
        }
        let address = J.o(("line1", J.s("1 Forge Rd")), ("city", J.s("Tulsa")), ("region", J.s("OK")), ("postalCode", J.s("74101")), ("country", J.s("US")))
        world.send(
            "erp", .customerUpserted, subject: "C-100",
            J.o(
                ("customerId", J.s("C-100")), ("name", J.s("BoltWorks Manufacturing")), ("currency", J.s("USD")), ("creditLimit", J.s("50000.00")),
                ("paymentTermsDays", J.n(30)), ("billTo", J.o(("name", J.s("BoltWorks AP")), ("address", address))),
                ("shipTo", J.a([J.o(("shipToId", J.s("ST-1")), ("name", J.s("BoltWorks Plant 2")), ("address", address))])),
                ("externalIds", J.o(("crm", J.s("0015g00000XYZ")), ("erp", J.s("100045"))))))
        world.send(
            "erp", .customerUpserted, subject: "C-200",
            J.o(
                ("customerId", J.s("C-200")), ("name", J.s("Delta Fabrication")), ("currency", J.s("USD")), ("creditLimit", J.s("5000.00")),
                ("paymentTermsDays", J.n(30)), ("externalIds", J.o(("erp", J.s("100077"))))))
        world.send(
            "crm", .customerUpserted, subject: "C-300",
            J.o(
                ("customerId", J.s("C-300")), ("name", J.s("Prairie Ag Supply")), ("currency", J.s("USD")), ("creditLimit", J.s("25000.00")),
                ("paymentTermsDays", J.n(45)), ("externalIds", J.o(("crm", J.s("0015g00000PRA")), ("erp", J.s("100102"))))))
    }
}
