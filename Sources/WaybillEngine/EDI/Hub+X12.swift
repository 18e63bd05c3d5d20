import WaybillCore
import WaybillStore
import WaybillX12

extension Hub {
    /// The interchange a delivery writes: drawn from the partner's control sequence and recorded
    /// the first time, the same one on every retry and replay.
    func outboundInterchange(
        delivery: Int64, partner: SystemName, setCode: String, key: String, reference: String, window: Int64
    ) async throws -> OutboundInterchange {
        // A retry or replay finds its interchange with a read; only the first attempt writes.
        if let existing = try await store.read({ try $0.outboundInterchange(delivery: delivery) }) { return existing }
        let now = clock.now()
        return try await store.write { tx in
            if let existing = try tx.outboundInterchange(delivery: delivery) { return existing }
            let record = OutboundInterchange(
                partner: partner, control: try tx.nextControlNumber(partner: partner), setCode: setCode, deliveryId: delivery, key: key,
                reference: reference, sentAt: now, ackDueAt: now.adding(milliseconds: window), status: .sent)
            try tx.record(record)
            return record
        }
    }

    /// The order in the partner's terms: its PO number, part numbers and units.
    func x12Context(_ id: OrderID, partner: SystemName) async throws -> X12OrderContext? {
        try await store.read { reader in
            guard let order = try reader.order(id) else { return nil }
            var conversions: [SKU: [UnitOfMeasure: Quantity]] = [:]
            var parts: [SKU: String] = [:]
            // The order's lines, and those of a placement still waiting for master data.
            for sku in order.lines.map(\.sku) + order.placement.lines.map({ SKU($0.sku) }) where conversions[sku] == nil {
                guard let product = try reader.product(sku) else { continue }
                conversions[sku] = product.uomConversions
                if let part = product.externalIds[partner.rawValue] { parts[sku] = part }
            }
            return X12OrderContext.of(order, conversions: conversions, partnerParts: parts)
        }
    }

    /// Marks each document whose 997 window closed without an acknowledgement `overdue` and
    /// opens an `edi` exception for it. Returns how many.
    @discardableResult
    public func expireAcknowledgementWindows() async throws -> Int {
        let now = clock.now()
        return try await store.write { tx in
            let overdue = try tx.overdueInterchanges(now: now)
            for interchange in overdue {
                let note = "no 997 by \(interchange.ackDueAt?.rfc3339 ?? "?")"
                _ = try tx.updateInterchange(partner: interchange.partner, control: interchange.control, status: .overdue, note: note)
                try tx.raise(
                    NewException(
                        kind: .edi, code: ErrorCode.ediAcknowledgementOverdue.rawValue, key: interchange.key, eventSeq: nil,
                        message:
                            "\(interchange.partner) has not acknowledged the \(interchange.setCode) for \(interchange.reference) (interchange \(interchange.control), sent \(interchange.sentAt)): \(note)",
                        raisedAt: now))
            }
            return overdue.count
        }
    }

    /// The interchanges sent to a partner (or all partners), oldest first.
    public func outboundInterchanges(partner: SystemName? = nil, limit: Int = 1_000) async throws -> [OutboundInterchange] {
        try await store.read { try $0.outboundInterchanges(partner: partner, limit: limit) }
    }
}
