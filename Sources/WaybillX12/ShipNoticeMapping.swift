import WaybillCore

/// `o2c.shipment.confirmed` → an 856 ship notice: BSN, then the HL hierarchy Shipment (TD5
/// carrier, REF BM bill of lading, REF CN tracking, DTM 011 shipped, N1 ST) / Order (PRF the
/// buyer's PO) / Pack (MAN GM with the SSCC-18, when the packages are known) / Item (LIN part
/// numbers, SN1 quantity in the partner's unit), and CTT with the number of HL segments.
public enum ShipNoticeMapping {
    /// The segments of the 856 between ST and SE.
    ///
    /// - Parameters:
    ///   - date, time: CCYYMMDD and HHMM the notice is created (BSN03/BSN04).
    /// - Throws: when the shipment names a line the order does not have.
    public static func segments(_ shipment: ShipmentConfirmation, order: X12OrderContext, date: String, time: String) throws(X12Error) -> [[String]] {
        // 0001: Shipment, Order, Packaging, Item; 0004: Shipment, Order, Item.
        let structure = shipment.packages.isEmpty ? "0004" : "0001"
        var segments: [[String]] = [["BSN", "00", shipment.shipmentId.rawValue, date, time, structure]]
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
        func items(_ lines: [LineQuantity], parent: Int) throws(X12Error) {
            for shipped in lines {
                guard let line = order.line(shipped.lineId) else {
                    throw X12Error(
                        .unexpectedSegment, "shipment \(shipment.shipmentId) names line \(shipped.lineId), which order \(order.purchaseOrder) does not have")
                }
                hl += 1
                segments.append(["HL", String(hl), String(parent), "I"])
                segments.append(["LIN", line.lineId.rawValue] + line.itemIds)
                let (quantity, uom) = line.partnerQuantity(shipped.quantity)
                segments.append(["SN1", line.lineId.rawValue, quantity.text, uom.rawValue])
            }
        }
        var loose = shipment.lines
        for package in shipment.packages {
            hl += 1
            let pack = hl
            segments.append(["HL", String(pack), "2", "P"])
            segments.append(["MAN", "GM", package.sscc])
            try items(package.lines, parent: pack)
            for packed in package.lines {
                guard let i = loose.firstIndex(where: { $0.lineId == packed.lineId }) else { continue }
                loose[i].quantity -= packed.quantity
            }
        }
        try items(loose.filter { !$0.quantity.isZero }, parent: 2)
        segments.append(["CTT", String(hl)])
        return segments
    }
}
