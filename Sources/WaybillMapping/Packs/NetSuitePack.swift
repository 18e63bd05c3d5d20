extension Packs {
    /// NetSuite's REST record API (SuiteTalk REST, `record/v1`).
    ///
    /// Out: an accepted order as the body of `POST /services/rest/record/v1/salesOrder` — the
    /// customer and items by NetSuite's internal ids where the hub knows them (the records'
    /// `externalIds` for the ERP system), the hub's order id as `externalId`, the buyer's PO as
    /// `otherRefNum`.
    ///
    /// In: records the account posts to `POST /v1/inbound/{system}` (a SuiteScript/RESTlet
    /// sending the record as `GET record/v1/<type>/<id>?expandSubResources=true` returns it). The
    /// two record types are told apart by the record's own `links[0].href` (its `self` link),
    /// compared in lower case: `…/itemfulfillment/<id>` or `…/invoice/<id>`; any other record maps
    /// to nothing.
    /// - An `itemFulfillment` whose `shipStatus.id` is `C` (Shipped) becomes
    ///   `o2c.shipment.confirmed`; a picked (A) or packed (B) one maps to nothing. The order is
    ///   `createdFrom.id`, the sales order's internal id, which the hub resolves through the
    ///   order's cross-reference; the shipment is `tranId` (else `id`); each line is its
    ///   `orderLine`; the carrier is the ship method's name; the tracking number is the first
    ///   package's (`package`, else the UPS/FedEx/USPS package sublists); the warehouse is the
    ///   first line's location name.
    /// - An `invoice` becomes `o2c.invoice.posted`: `tranId`, `tranDate`, `dueDate`, the currency
    ///   through the `currencies` map (the currency record's name → ISO code), each line's
    ///   `orderLine`, `quantity` and `rate`; tax is `taxTotal` (+ `tax2Total`, Canada's PST, when
    ///   present), freight `shippingCost` (+ `handlingCost`), total `total`. Discount items and
    ///   header discounts have no place in the canonical invoice: such an invoice's total is not
    ///   lines + freight + tax and the hub refuses it.
    static let netsuite = #"""
        name: netsuite
        description: NetSuite REST record API (record/v1) — salesOrder out; itemFulfillment and invoice records in
        maps:
          currencies: { USA: USD, US Dollar: USD, USD: USD, Canadian Dollar: CAD, CAD: CAD, Euro: EUR, EUR: EUR, British pound: GBP, British Pound: GBP, GBP: GBP }
        events:
          - type: o2c.shipment.confirmed
            when: contains(lower($.links[0].href), '/itemfulfillment/') and $.shipStatus.id == 'C'
            id: concat('netsuite-itemfulfillment-', text($.id))
            subject: text($.createdFrom.id)
            time: timestamp(coalesce($.lastModifiedDate, $.createdDate))
            data:
              orderId: text($.createdFrom.id)
              shipmentId: text(coalesce($.tranId, $.id))
              warehouse?: $.item.items[0].location.refName
              carrier?: $.shipMethod.refName
              trackingNumber?: coalesce($.package.items[0].packageTrackingNumber, $.packageUps.items[0].packageTrackingNumberUps, $.packageFedEx.items[0].packageTrackingNumberFedEx, $.packageUsps.items[0].packageTrackingNumberUsps)
              lines:
                each: $.item.items
                as: line
                when: $line.itemReceive != false
                value:
                  lineId: text($line.orderLine)
                  quantity: number($line.quantity)
          - type: o2c.invoice.posted
            when: contains(lower($.links[0].href), '/invoice/')
            id: concat('netsuite-invoice-', text($.id))
            subject: text($.createdFrom.id)
            time: timestamp(coalesce($.createdDate, $.lastModifiedDate))
            data:
              orderId: text($.createdFrom.id)
              invoiceId: text($.tranId)
              invoiceDate?: date($.tranDate)
              dueDate?: date($.dueDate)
              currency: map('currencies', $.currency.refName)
              lines:
                each: $.item.items
                as: line
                value:
                  lineId: text($line.orderLine)
                  quantity: number($line.quantity)
                  unitPrice: text(number($line.rate))
              freight?: if(exists($.shippingCost) or exists($.handlingCost), fixed(coalesce($.shippingCost, 0) + coalesce($.handlingCost, 0), 2), null)
              tax?: if(exists($.taxTotal) or exists($.tax2Total), fixed(coalesce($.taxTotal, 0) + coalesce($.tax2Total, 0), 2), null)
              total: fixed($.total, 2)
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
