extension Packs {
    /// Shopify's order webhooks (`orders/create`, `orders/updated`, `orders/cancelled`; REST
    /// Admin API shape, 2024-10 and older): a new order becomes `o2c.customer.upserted` and
    /// `o2c.order.placed`, an update `o2c.order.changed`, a cancellation `o2c.order.cancelled`.
    /// Test orders are acknowledged and skipped. Ids stay exact (Shopify's exceed 2^53); a line's
    /// unit price is net of its discount allocations, to four decimals.
    static let shopify = #"""
        name: shopify
        description: Shopify orders webhooks (orders/create, orders/updated, orders/cancelled), REST Admin API shape
        deliveryId: header('x-shopify-webhook-id')
        skip: $.test == true
        events:
          - type: o2c.customer.upserted
            when: header('x-shopify-topic') == 'orders/create' and exists($.customer.id)
            id: concat('shopify-customer-', text($.customer.id), '-', header('x-shopify-webhook-id'))
            subject: concat('SHOPIFY-C', text($.customer.id))
            time: timestamp($.created_at)
            data:
              customerId: concat('SHOPIFY-C', text($.customer.id))
              name: coalesce(trim(concat(coalesce($.customer.first_name, ''), ' ', coalesce($.customer.last_name, ''))), $.customer.email, $.email)
              currency: coalesce($.customer.currency, $.currency)
          - type: o2c.order.placed
            when: header('x-shopify-topic') == 'orders/create'
            id: concat('shopify-order-', text($.id))
            subject: concat('SHOPIFY-', text($.id))
            time: timestamp($.created_at)
            data:
              orderId: concat('SHOPIFY-', text($.id))
              externalOrderId: text($.id)
              customerId: if(exists($.customer.id), concat('SHOPIFY-C', text($.customer.id)), $.email)
              customerPO?: $.name
              channel: "shopify"
              currency: $.currency
              notes?: $.note
              lines:
                each: $.line_items
                as: item
                value:
                  lineId: text($item.id)
                  sku: $item.sku
                  quantity: $item.quantity
                  unitPrice: fixed(($item.price * $item.quantity - sum($item.discount_allocations[*].amount)) / $item.quantity, 4)
          - type: o2c.order.changed
            when: header('x-shopify-topic') == 'orders/updated'
            id: concat('shopify-update-', header('x-shopify-webhook-id'))
            subject: concat('SHOPIFY-', text($.id))
            time: timestamp(coalesce($.updated_at, $.created_at))
            data:
              orderId: concat('SHOPIFY-', text($.id))
              lines:
                each: $.line_items
                as: item
                value:
                  lineId: text($item.id)
                  quantity: coalesce($item.current_quantity, $item.quantity)
          - type: o2c.order.cancelled
            when: header('x-shopify-topic') == 'orders/cancelled'
            id: concat('shopify-cancel-', text($.id))
            subject: concat('SHOPIFY-', text($.id))
            time: timestamp(coalesce($.cancelled_at, $.updated_at))
            data:
              orderId: concat('SHOPIFY-', text($.id))
              reason?: $.cancel_reason
        """#
}
