extension Packs {
    /// NetSuite's REST record API (SuiteTalk REST, `record/v1`). Out: an accepted order as the
    /// body of `POST /services/rest/record/v1/salesOrder` — the customer and items by NetSuite's
    /// internal ids where the hub knows them (the records' `externalIds` for the ERP system),
    /// the hub's order id as `externalId`, the buyer's PO as `otherRefNum`.
    static let netsuite = #"""
        name: netsuite
        description: NetSuite REST record API (record/v1) — salesOrder out
        outbound:
          o2c.order.accepted:
            body:
              externalId: coalesce($.data.canonical.orderId, $.data.orderId)
              otherRefNum?: $.data.customerPO
              tranDate: date($.time)
              memo: "Created by Waybill"
              entity: { id: $.data.customerId }
              item:
                items:
                  each: $.data.lines
                  as: line
                  value:
                    item: { id: $line.sku }
                    quantity: $line.quantity
                    rate: number($line.unitPrice)
                    amount: round($line.quantity * $line.unitPrice, 2)
        """#
}
