/// The typed `data` of an inbound event, one case per catalog type a system may send.
public enum EventPayload: Sendable, Equatable {
    case customerUpserted(CustomerRecord)
    case productUpserted(ProductRecord)
    case orderPlaced(PlacedOrder)
    case orderChanged(OrderChange)
    case orderCancelled(OrderCancellation)
    case orderHeld(HoldNotice)
    case orderReleased(HoldNotice)
    case inventoryAllocated(Allocation)
    case inventoryBackordered(Backorder)
    case shipmentConfirmed(ShipmentConfirmation)
    case shipmentTracking(TrackingUpdate)
    case shipmentDelivered(DeliveryConfirmation)
    case invoicePosted(InvoicePosting)
    case paymentReceived(PaymentReceipt)
    case creditMemoPosted(CreditMemoPosting)
    case returnAuthorized(ReturnNotice)
    case returnReceived(ReturnNotice)
    case orderValidated(ValidationAnswer)

    /// Decodes `data` for `type`, naming the JSON path of the first problem.
    ///
    /// - Parameter path: the path of `data` in the request (`$.data` or `$[3].data`).
    public static func decode(_ type: EventType, data: JSONValue, at path: String) throws(WaybillError) -> EventPayload {
        let reader = try PayloadReader.object(data, at: path)
        switch type {
        case .customerUpserted: return .customerUpserted(try CustomerRecord(reader))
        case .productUpserted: return .productUpserted(try ProductRecord(reader))
        case .orderPlaced: return .orderPlaced(try PlacedOrder(reader))
        case .orderChanged: return .orderChanged(try OrderChange(reader))
        case .orderCancelled: return .orderCancelled(try OrderCancellation(reader))
        case .orderHeld: return .orderHeld(try HoldNotice(reader))
        case .orderReleased: return .orderReleased(try HoldNotice(reader))
        case .inventoryAllocated: return .inventoryAllocated(try Allocation(reader))
        case .inventoryBackordered: return .inventoryBackordered(try Backorder(reader))
        case .shipmentConfirmed: return .shipmentConfirmed(try ShipmentConfirmation(reader))
        case .shipmentTracking: return .shipmentTracking(try TrackingUpdate(reader))
        case .shipmentDelivered: return .shipmentDelivered(try DeliveryConfirmation(reader))
        case .invoicePosted: return .invoicePosted(try InvoicePosting(reader))
        case .paymentReceived: return .paymentReceived(try PaymentReceipt(reader))
        case .creditMemoPosted: return .creditMemoPosted(try CreditMemoPosting(reader))
        case .returnAuthorized: return .returnAuthorized(try ReturnNotice(reader))
        case .returnReceived: return .returnReceived(try ReturnNotice(reader))
        case .orderValidated: return .orderValidated(try ValidationAnswer(reader))
        case .orderAccepted, .orderAcknowledged, .invoiceRequested, .orderStatusChanged, .orderValidationRequested, .alertRaised:
            throw WaybillError(.hubOnlyType, "\(type.rawValue) is emitted by the hub and cannot be sent to it", at: "\(path.dropLast(5)).type")
        }
    }

    /// The order this event is about, as the sender names it (`nil` for master data and payments).
    public var orderReference: OrderID? {
        switch self {
        case .customerUpserted, .productUpserted, .paymentReceived: return nil
        case .orderPlaced(let p): return p.orderId
        case .orderChanged(let p): return p.orderId
        case .orderCancelled(let p): return p.orderId
        case .orderHeld(let p), .orderReleased(let p): return p.orderId
        case .inventoryAllocated(let p): return p.orderId
        case .inventoryBackordered(let p): return p.orderId
        case .shipmentConfirmed(let p): return p.orderId
        case .shipmentTracking(let p): return p.orderId
        case .shipmentDelivered(let p): return p.orderId
        case .invoicePosted(let p): return p.orderId
        case .creditMemoPosted(let p): return p.orderId
        case .returnAuthorized(let p), .returnReceived(let p): return p.orderId
        case .orderValidated(let p): return p.orderId
        }
    }

    /// The same payload naming the order by its canonical id.
    public func withOrder(_ id: OrderID) -> EventPayload {
        switch self {
        case .customerUpserted, .productUpserted, .paymentReceived, .orderPlaced: return self
        case .orderChanged(var p): p.orderId = id; return .orderChanged(p)
        case .orderCancelled(var p): p.orderId = id; return .orderCancelled(p)
        case .orderHeld(var p): p.orderId = id; return .orderHeld(p)
        case .orderReleased(var p): p.orderId = id; return .orderReleased(p)
        case .inventoryAllocated(var p): p.orderId = id; return .inventoryAllocated(p)
        case .inventoryBackordered(var p): p.orderId = id; return .inventoryBackordered(p)
        case .shipmentConfirmed(var p): p.orderId = id; return .shipmentConfirmed(p)
        case .shipmentTracking(var p): p.orderId = id; return .shipmentTracking(p)
        case .shipmentDelivered(var p): p.orderId = id; return .shipmentDelivered(p)
        case .invoicePosted(var p): p.orderId = id; return .invoicePosted(p)
        case .creditMemoPosted(var p): p.orderId = id; return .creditMemoPosted(p)
        case .returnAuthorized(var p): p.orderId = id; return .returnAuthorized(p)
        case .returnReceived(var p): p.orderId = id; return .returnReceived(p)
        case .orderValidated(var p): p.orderId = id; return .orderValidated(p)
        }
    }

    /// The canonical JSON of the payload.
    public var json: JSONValue {
        switch self {
        case .customerUpserted(let p): return p.json
        case .productUpserted(let p): return p.json
        case .orderPlaced(let p): return p.json
        case .orderChanged(let p): return p.json
        case .orderCancelled(let p): return p.json
        case .orderHeld(let p), .orderReleased(let p): return p.json
        case .inventoryAllocated(let p): return p.json
        case .inventoryBackordered(let p): return p.json
        case .shipmentConfirmed(let p): return p.json
        case .shipmentTracking(let p): return p.json
        case .shipmentDelivered(let p): return p.json
        case .invoicePosted(let p): return p.json
        case .paymentReceived(let p): return p.json
        case .creditMemoPosted(let p): return p.json
        case .returnAuthorized(let p), .returnReceived(let p): return p.json
        case .orderValidated(let p): return p.json
        }
    }
}

/// An inbound event that passed envelope and payload validation.
public struct InboundEvent: Sendable {
    public var envelope: CloudEvent
    public var payload: EventPayload
    /// The exact bytes the sender sent for this event.
    public var raw: [UInt8]

    public init(envelope: CloudEvent, payload: EventPayload, raw: [UInt8]) {
        self.envelope = envelope
        self.payload = payload
        self.raw = raw
    }

    /// Decodes one CloudEvent (envelope and payload) and checks its subject against the payload.
    public static func decode(_ value: JSONValue, raw: [UInt8], at path: String = "$") throws(WaybillError) -> InboundEvent {
        try decode(envelope: CloudEvent.decode(value, at: path), raw: raw, at: path)
    }

    /// An envelope already read (by `CloudEvent.decode`, or made by the hub from a mapping's
    /// parts with the same checks) with its payload decoded and its subject checked.
    public static func decode(envelope: consuming CloudEvent, raw: consuming [UInt8], at path: String = "$") throws(WaybillError) -> InboundEvent {
        if envelope.type.isHubOnly {
            throw WaybillError(.hubOnlyType, "\(envelope.type.rawValue) is emitted by the hub and cannot be sent to it", at: "\(path).type")
        }
        let payload = try EventPayload.decode(envelope.type, data: envelope.data, at: path == "$" ? "$.data" : path + ".data")
        if let subject = envelope.subject {
            let expected: [String]
            switch payload {
            case .customerUpserted(let c): expected = [c.customerId.rawValue]
            case .productUpserted(let p): expected = [p.sku.rawValue]
            case .paymentReceived(let p): expected = [p.customerId]
            case .orderPlaced(let p): expected = [p.orderId.rawValue] + (p.externalOrderId.map { [$0] } ?? [])
            default: expected = payload.orderReference.map { [$0.rawValue] } ?? []
            }
            if !expected.isEmpty && !expected.contains(subject) {
                throw WaybillError(.subjectMismatch, "subject \"\(subject)\" does not name the same record as data (\(expected[0]))", at: "\(path).subject")
            }
        }
        return InboundEvent(envelope: envelope, payload: payload, raw: raw)
    }
}
