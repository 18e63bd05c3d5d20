extension OrderState {
    /// A plain-language account of where the order stands, for customer service.
    ///
    /// For example: "1 of 2 lines shipped from DAL via UPS 1Z999AA10123456784; line 2 backordered
    /// until 2026-12-15; invoice INV-7001 posted; awaiting payment of 559.25 USD."
    public var explanation: String {
        if cancelled { return "Cancelled" + (cancelReason.map { ": \($0)." } ?? ".") }
        if !validated {
            if gaps.isEmpty { return "Received; not yet validated." }
            return "Received; waiting for master data: " + gaps.map(\.detail).joined(separator: "; ") + "."
        }
        var parts: [String] = []
        for v in validations {
            switch v.status {
            case .pending: parts.append("waiting for the \(v.name) validation" + (v.reason.map { " (\($0); calling again)" } ?? ""))
            case .passed, .failed, .unavailable, .overridden: break
            }
        }
        for hold in activeHolds {
            parts.append("on \(hold.kind.rawValue) hold" + (hold.reason.map { " (\($0))" } ?? ""))
        }
        // Counted in one pass, without copying the lines: this runs on every status change.
        var activeCount = 0, shippedCount = 0, allocatedCount = 0, anyBackordered = false, allSettled = true
        for line in lines where line.isActive {
            activeCount += 1
            if line.isFullyShipped { shippedCount += 1 }
            if line.allocated >= line.ordered { allocatedCount += 1 }
            if !line.backordered.isZero { anyBackordered = true }
            if line.invoiced < line.shipped || !line.isFullyShipped { allSettled = false }
        }
        if activeCount == 0 { return "All lines cancelled." }
        if !shipments.isEmpty {
            var text =
                shippedCount == activeCount
                ? (activeCount == 1 ? "shipped" : activeCount == 2 ? "both lines shipped" : "all \(activeCount) lines shipped")
                : "\(shippedCount) of \(activeCount) lines shipped"
            let warehouses = orderedUnique(shipments.compactMap(\.warehouse))
            if !warehouses.isEmpty { text += " from " + warehouses.joined(separator: " and ") }
            let legs = shipments.compactMap { s -> String? in
                guard let carrier = s.carrier else { return nil }
                return s.trackingNumber.map { "\(carrier) \($0)" } ?? carrier
            }
            if !legs.isEmpty { text += " via " + legs.joined(separator: " and ") }
            parts.append(text)
            let delivered = shipments.filter { $0.status == .delivered }
            if !delivered.isEmpty {
                parts.append(
                    delivered.count == shipments.count
                        ? "delivered" + (delivered.last?.signedBy.map { " (signed by \($0))" } ?? "")
                        : "\(delivered.count) of \(shipments.count) shipments delivered")
            }
            for s in shipments where s.status == .exception { parts.append("carrier exception on \(s.shipmentId)") }
        } else if parts.isEmpty {
            let allocated = allocatedCount
            if allocated == 0 && !anyBackordered {
                parts.append("accepted; waiting for allocation")
            } else if allocated > 0 {
                var text =
                    allocated == activeCount
                    ? (activeCount == 1 ? "allocated" : "all \(activeCount) lines allocated") : "\(allocated) of \(activeCount) lines allocated"
                let warehouses = orderedUnique(lines.lazy.filter(\.isActive).compactMap(\.warehouse))
                if !warehouses.isEmpty { text += " at " + warehouses.joined(separator: " and ") }
                parts.append(text)
            }
        }
        for line in lines where line.isActive && !line.backordered.isZero {
            parts.append("line \(line.lineId) backordered" + (line.expectedDate.map { " until \($0.text)" } ?? ""))
        }
        if !invoices.isEmpty {
            parts.append((invoices.count == 1 ? "invoice " : "invoices ") + invoices.map(\.invoiceId.rawValue).joined(separator: ", ") + " posted")
            let balance = openBalance
            if balance.minorUnits > 0 {
                parts.append(
                    paidTotal.minorUnits > 0
                        ? "\(paidTotal.text) paid, \(balance.text) \(currency) outstanding"
                        : "awaiting payment of \(balance.text) \(currency)")
            } else if allSettled {
                parts.append("paid in full")
            } else {
                parts.append("invoices paid")
            }
        }
        for v in validations where v.status == .unavailable && v.fallback == .accept {
            parts.append("accepted without the \(v.name) validation (\(v.reason ?? "unavailable"))")
        }
        guard var text = parts.first.map({ $0.prefix(1).uppercased() + $0.dropFirst() }) else { return "Accepted." }
        if parts.count > 1 { text += "; " + parts.dropFirst().joined(separator: "; ") }
        return text + "."
    }

    func orderedUnique<S: Sequence<String>>(_ values: S) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }
}
