import WaybillCore
import WaybillEngine
import WaybillMapping

/// The built-in sample landscape: a distributor of industrial components and its systems.
public enum DemoLandscape {
    static func subscription(_ name: String, _ system: String, _ types: [EventType], adapter: AdapterSettings) -> Subscription {
        Subscription(name: SubscriptionName(name), system: SystemName(system), types: Set(types), adapter: adapter)
    }

    /// The storefront's Shopify app secret (it signs the webhooks).
    public static let shopSecret = "shpss_demo_5ae2f0b3c1d94e8a"
    // The packs are constants compiled into the binary, and `MappingFileTests` loads every one:
    // loading them cannot fail at run time unless the binary itself is broken.
    static let shopify = try! Packs.mapping("shopify")!
    static let netsuite = try! Packs.mapping("netsuite")!

    /// The systems, with in-process delivery unless `adapter` says otherwise.
    public static func systems(adapter: AdapterSettings = .inProcess) -> [ConnectedSystem] {
        [
            ConnectedSystem(
                name: "crm", publishes: [.customerUpserted, .orderPlaced, .orderChanged, .orderCancelled],
                subscriptions: [
                    subscription(
                        "crm-updates", "crm",
                        [
                            .orderAccepted, .orderHeld, .orderReleased, .inventoryBackordered, .shipmentConfirmed,
                            .invoicePosted, .orderStatusChanged,
                        ], adapter: adapter)
                ]),
            ConnectedSystem(
                name: "portal", publishes: [.orderPlaced, .orderChanged, .orderCancelled],
                subscriptions: [
                    subscription(
                        "portal-updates", "portal",
                        [
                            .orderAccepted, .inventoryBackordered, .shipmentConfirmed, .shipmentTracking,
                            .shipmentDelivered, .orderStatusChanged,
                        ], adapter: adapter)
                ]),
            ConnectedSystem(
                name: "erp",
                publishes: [
                    .customerUpserted, .productUpserted, .orderReleased, .orderHeld, .invoicePosted, .creditMemoPosted,
                    .returnAuthorized, .returnReceived,
                ],
                subscriptions: [
                    subscription(
                        "erp-orders", "erp",
                        [
                            .orderHeld, .orderChanged, .orderCancelled, .inventoryAllocated, .inventoryBackordered, .shipmentConfirmed,
                            .shipmentDelivered, .invoiceRequested, .paymentReceived,
                        ], adapter: adapter),
                    // The ERP is NetSuite: accepted orders reach it as its own salesOrder records.
                    Subscription(name: "erp-salesorders", system: "erp", types: [.orderAccepted], adapter: adapter, mapping: netsuite),
                ]),
            // The web storefront on Shopify: its own signed order webhooks, through the shopify pack.
            ConnectedSystem(
                name: "shop", publishes: Set(shopify.events.map(\.type)), subscriptions: [],
                inbound: NativeInbound(mapping: shopify, authentication: .shopify(secret: shopSecret))),
            ConnectedSystem(
                name: "wms", publishes: [.inventoryAllocated, .inventoryBackordered, .shipmentConfirmed],
                subscriptions: [
                    // Orders to pick, a row per line, and what happens to them after (held, released,
                    // changed, cancelled): two files a 3PL takes apart (`DemoTransports`).
                    subscription("wms-orders", "wms", [.orderAccepted], adapter: adapter),
                    subscription("wms-notices", "wms", [.orderHeld, .orderReleased, .orderChanged, .orderCancelled], adapter: adapter),
                ]),
            ConnectedSystem(
                name: "tms", publishes: [.shipmentTracking, .shipmentDelivered],
                subscriptions: [
                    subscription("tms-shipments", "tms", [.shipmentConfirmed], adapter: adapter)
                ]),
            ConnectedSystem(
                name: "ar", publishes: [.paymentReceived],
                subscriptions: [
                    subscription("ar-invoices", "ar", [.orderAccepted, .invoicePosted], adapter: adapter)
                ]),
            ConnectedSystem(
                name: "servicedesk", publishes: [],
                subscriptions: [
                    subscription(
                        "service-desk", "servicedesk",
                        [
                            .orderHeld, .orderReleased, .inventoryBackordered, .shipmentTracking,
                            .orderStatusChanged,
                        ], adapter: adapter)
                ]),
        ]
    }
}
