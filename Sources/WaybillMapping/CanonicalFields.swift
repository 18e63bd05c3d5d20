import WaybillCore

/// The top-level `data` fields of each canonical type a system may send, as the published JSON
/// Schemas (`schemas/`) list them; a test keeps the two equal. `waybill check` refuses a mapping
/// that writes any other (a typo would otherwise be carried along unseen).
public enum CanonicalFields {
    public static let known: [EventType: Set<String>] = [
        .customerUpserted: ["billTo", "creditLimit", "currency", "customerId", "externalIds", "name", "parentId", "paymentTermsDays", "shipTo"],
        .productUpserted: ["baseUom", "currency", "description", "externalIds", "listPrice", "sku", "uomConversions"],
        .orderPlaced: ["channel", "currency", "customerId", "customerPO", "externalOrderId", "lines", "notes", "orderId", "requestedDate", "shipToId"],
        .orderHeld: ["hold", "orderId", "reason"],
        .orderReleased: ["hold", "orderId", "reason"],
        .orderChanged: ["lines", "orderId"],
        .orderCancelled: ["orderId", "reason"],
        .inventoryAllocated: ["lines", "orderId", "warehouse"],
        .inventoryBackordered: ["lines", "orderId"],
        .shipmentConfirmed: ["carrier", "lines", "orderId", "packages", "service", "shipmentId", "shippedAt", "trackingNumber", "warehouse"],
        .shipmentTracking: ["at", "location", "orderId", "reason", "shipmentId", "status"],
        .shipmentDelivered: ["deliveredAt", "orderId", "shipmentId", "signedBy"],
        .invoicePosted: ["currency", "dueDate", "freight", "invoiceDate", "invoiceId", "lines", "orderId", "tax", "total"],
        .paymentReceived: ["amount", "applications", "currency", "customerId", "paymentId", "receivedAt"],
        .creditMemoPosted: ["creditMemoId", "invoiceId", "lines", "orderId", "total"],
        .returnAuthorized: ["lines", "orderId", "reason", "rmaId"],
        .returnReceived: ["lines", "orderId", "reason", "rmaId"],
        .orderValidated: ["fallback", "hold", "lines", "orderId", "outcome", "reason", "validation"],
    ]
}
