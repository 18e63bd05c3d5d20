import WaybillCore
import WaybillEngine

/// The built-in sample landscape: a distributor of industrial components and its systems.
public enum DemoLandscape {
    static func subscription(_ name: String, _ system: String, _ types: [EventType], adapter: AdapterSettings) -> Subscription {
        Subscription(name: SubscriptionName(name), system: SystemName(system), types: Set(types), adapter: adapter)
    }

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
                            .orderAccepted, .orderHeld, .orderChanged, .orderCancelled, .inventoryAllocated,
                            .inventoryBackordered, .shipmentConfirmed, .shipmentDelivered, .invoiceRequested,
                            .paymentReceived,
                        ], adapter: adapter)
                ]),
            ConnectedSystem(
                name: "wms", publishes: [.inventoryAllocated, .inventoryBackordered, .shipmentConfirmed],
                subscriptions: [
                    subscription("wms-orders", "wms", [.orderAccepted, .orderHeld, .orderReleased, .orderChanged, .orderCancelled], adapter: adapter)
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
