import WaybillCore

/// `o2c.shipment.confirmed` → an 856 ship notice: BSN, then the HL hierarchy Shipment (TD5
/// carrier, REF BM bill of lading, REF CN tracking, DTM 011 shipped, N1 ST) / Order (PRF the
/// buyer's PO) / Item (LIN part numbers, SN1 quantity in the partner's unit), and CTT with the
/// number of HL segments.
public enum ShipNoticeMapping {
    /// The segments of the 856 between ST and SE.
    ///
    /// - Parameters:
    ///   - date, time: CCYYMMDD and HHMM the notice is created (BSN03/BSN04).
    /// - Throws: when the shipment names a line the order does not have.
    public static func segments(_ shipment: ShipmentConfirmation, order: X12OrderContext, date: String, time: String) throws(X12Error) -> [[String]] {
        var segments: [[String]] = [["BSN", "00", shipment.shipmentId.rawValue, date, time, "0004"]]
        segments.append(["HL", "1", "", "S"])
        if let carrier = shipment.carrier {
            segments.append(["TD5", "B", "2", carrier, "", shipment.service ?? ""])
        }
        segments.append(["REF", "BM", shipment.shipmentId.rawValue])
        if let tracking = shipment.trackingNumber { segments.append(["REF", "CN", tracking]) }
        if let shippedAt = shipment.shippedAt { segments.append(["DTM", "011", X12Date.date(shippedAt.day), X12Date.time(shippedAt)]) }
        if let shipTo = order.shipToId { segments.append(["N1", "ST", "", "92", shipTo]) }
        if let warehouse = shipment.warehouse { segments.append(["N1", "SF", "", "92", warehouse]) }
        segments.append(["HL", "2", "1", "O"])
        segments.append(["PRF", order.purchaseOrder])
        var hl = 2
        for shipped in shipment.lines {
            guard let line = order.line(shipped.lineId) else {
                throw X12Error(
                    .unexpectedSegment, "shipment \(shipment.shipmentId) names line \(shipped.lineId), which order \(order.purchaseOrder) does not have")
            }
            hl += 1
            segments.append(["HL", String(hl), "2", "I"])
            segments.append(["LIN", line.lineId.rawValue] + line.itemIds)
            let (quantity, uom) = line.partnerQuantity(shipped.quantity)
            segments.append(["SN1", line.lineId.rawValue, quantity.text, uom.rawValue])
        }
        segments.append(["CTT", String(hl)])
        return segments
    }
}
