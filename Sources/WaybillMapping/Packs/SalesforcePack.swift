extension Packs {
    /// Salesforce orders (REST API record shape and Change Data Capture).
    ///
    /// In, posted to `POST /v1/inbound/{system}` (by a Flow, an Apex callout or a CDC relay):
    /// - An `Order` record with its `OrderItems` child records, as the REST API returns it (or
    ///   Apex `JSON.serialize` writes it): `attributes.type` is `Order`. Also a query result
    ///   (`totalSize`, `done`, `records`) holding exactly one such Order; one with several is
    ///   refused (a payload maps to one event per rule). It becomes `o2c.order.placed`: the order
    ///   is `SF-<OrderNumber>`, its external id the Salesforce `Id` (so later events may name the
    ///   order by its Salesforce Id), the customer the `AccountId` (the hub resolves it through the
    ///   customer's `externalIds`), the currency `CurrencyIsoCode` (orgs without multi-currency
    ///   have none: USD), each line the OrderItem's `Id`, its SKU `Product2Id` (else
    ///   `PricebookEntryId`), its `UnitPrice` (the net price) to four decimals. The order's time is
    ///   `CreatedDate` (else `EffectiveDate` at midnight UTC). `Status` is not read: post the
    ///   order when it is ready, typically on activation.
    /// - An `OrderChangeEvent` (CometD / Streaming API shape: `data.payload.ChangeEventHeader`)
    ///   of type UPDATE whose `changedFields` holds `Status` and whose new `Status` is `Cancelled`
    ///   (or `Canceled`) becomes `o2c.order.cancelled` of the order by its Salesforce Id. Every
    ///   other change event maps to nothing — CREATE too: it carries the order without its
    ///   items, which come through the record post above. An event naming several records is
    ///   refused.
    ///
    /// Out: `o2c.order.status_changed` as the body of an Order update (`PATCH
    /// /services/data/vXX.X/sobjects/Order/{Id}`), `{ "Status": … }`, through the `statuses` map;
    /// `On Hold`, `Shipped`, `Invoiced`, `Closed` and `Cancelled` are not standard Order statuses
    /// and must exist in the org's Status picklist (or a system's own mapping overrides the map).
    static let salesforce = #"""
        name: salesforce
        description: Salesforce Order records and OrderChangeEvent (CDC) in; Order status PATCH body out
        maps:
          statuses:
            received: Draft
            on_hold: On Hold
            accepted: Activated
            partially_allocated: Activated
            allocated: Activated
            backordered: Activated
            partially_shipped: Activated
            shipped: Shipped
            delivered: Shipped
            partially_invoiced: Invoiced
            invoiced: Invoiced
            partially_paid: Invoiced
            closed: Closed
            cancelled: Cancelled
        events:
          - type: o2c.order.placed
            when: $.attributes.type == 'Order'
            id: concat('salesforce-order-', $.Id)
            subject: concat('SF-', $.OrderNumber)
            time: timestamp(replace(coalesce($.CreatedDate, concat($.EffectiveDate, 'T00:00:00Z')), '+0000', 'Z'))
            data:
              orderId: concat('SF-', $.OrderNumber)
              externalOrderId: $.Id
              customerId: $.AccountId
              customerPO?: $.PoNumber
              channel: "salesforce"
              currency: coalesce($.CurrencyIsoCode, 'USD')
              notes?: $.Description
              lines:
                each: $.OrderItems.records
                as: item
                value:
                  lineId: $item.Id
                  sku: coalesce($item.Product2Id, $item.PricebookEntryId)
                  quantity: number($item.Quantity)
                  unitPrice: fixed($item.UnitPrice, 4)
          # The same Order inside a query result. A result with other than one record has no id
          # (the if's null), so the payload is refused rather than partly ingested.
          - type: o2c.order.placed
            when: exists($.records)
            id: if(count($.records) == 1, concat('salesforce-order-', $.records[0].Id), null)
            subject: concat('SF-', $.records[0].OrderNumber)
            time: timestamp(replace(coalesce($.records[0].CreatedDate, concat($.records[0].EffectiveDate, 'T00:00:00Z')), '+0000', 'Z'))
            data:
              orderId: concat('SF-', $.records[0].OrderNumber)
              externalOrderId: $.records[0].Id
              customerId: $.records[0].AccountId
              customerPO?: $.records[0].PoNumber
              channel: "salesforce"
              currency: coalesce($.records[0].CurrencyIsoCode, 'USD')
              notes?: $.records[0].Description
              lines:
                each: $.records[0].OrderItems.records
                as: item
                value:
                  lineId: $item.Id
                  sku: coalesce($item.Product2Id, $item.PricebookEntryId)
                  quantity: number($item.Quantity)
                  unitPrice: fixed($item.UnitPrice, 4)
          # An event naming several orders (one transaction's identical change) has no id: refused.
          - type: o2c.order.cancelled
            when: >-
              $.data.payload.ChangeEventHeader.entityName == 'Order'
              and $.data.payload.ChangeEventHeader.changeType == 'UPDATE'
              and contains($.data.payload.ChangeEventHeader.changedFields, 'Status')
              and ($.data.payload.Status == 'Cancelled' or $.data.payload.Status == 'Canceled')
            id: if(count($.data.payload.ChangeEventHeader.recordIds) == 1, concat('salesforce-cancel-', $.data.payload.ChangeEventHeader.recordIds[0]), null)
            subject: $.data.payload.ChangeEventHeader.recordIds[0]
            time: timestamp(replace($.data.payload.LastModifiedDate, '+0000', 'Z'))
            data:
              orderId: $.data.payload.ChangeEventHeader.recordIds[0]
              reason: "Status set to Cancelled in Salesforce"
        outbound:
          o2c.order.status_changed:
            body:
              Status: map('statuses', $.data.status)
        """#
}
