/// The built-in sample landscape of `waybill serve` (the same text as examples/waybill.yml).
enum SampleConfiguration {
    static let yaml = """
        # The built-in sample landscape of `waybill serve` (also embedded in the binary).
        # A distributor of industrial components: seven systems around the hub.
        store: sqlite:waybill.sqlite
        listen: { host: 127.0.0.1, port: 8080 }
        policies:
          invoiceOn: shipment
          priceTolerancePercent: 0.5
          parkTimeout: 15m
          highValueOrder: "10000.00"
        slo: { orderAcknowledgement: 60s, shipmentPropagation: 5m, invoicePosting: 24h, paymentSync: 1h }
        users:
          - { name: ana, role: support, token: "tok-support" }
          - { name: sam, role: service, token: "tok-service" }
          - { name: fin, role: finance, token: "tok-finance" }
          - { name: root, role: admin, token: "tok-admin" }
        systems:
          - name: crm
            apiKey: "key-crm"
            publishes: [o2c.customer.upserted, o2c.order.placed, o2c.order.changed, o2c.order.cancelled]
            subscribes:
              - name: crm-updates
                types: [o2c.order.accepted, o2c.order.held, o2c.order.released, o2c.inventory.backordered, o2c.shipment.confirmed,
                        o2c.invoice.posted, o2c.order.status_changed]
                webhook: { url: "http://127.0.0.1:9101/crm", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }
          - name: portal
            apiKey: "key-portal"
            publishes: [o2c.order.placed, o2c.order.changed, o2c.order.cancelled]
            subscribes:
              - name: portal-updates
                types: [o2c.order.accepted, o2c.inventory.backordered, o2c.shipment.confirmed, o2c.shipment.tracking,
                        o2c.shipment.delivered, o2c.order.status_changed]
                webhook: { url: "http://127.0.0.1:9102/portal", secret: "whsec_dGhlIHBvcnRhbCBzaWduaW5nIGtleQ==" }
          - name: shop                          # the web storefront on Shopify: its own signed webhooks, through the pack
            inbound: { pack: shopify, secret: "shpss_5ae2f0b3c1d94e8a" }
          - name: erp
            apiKey: "key-erp"
            publishes: [o2c.customer.upserted, o2c.product.upserted, o2c.order.released, o2c.order.held, o2c.invoice.posted,
                        o2c.creditmemo.posted, o2c.return.authorized, o2c.return.received]
            subscribes:
              - name: erp-orders
                types: [o2c.order.accepted, o2c.order.held, o2c.order.changed, o2c.order.cancelled, o2c.inventory.allocated,
                        o2c.inventory.backordered, o2c.shipment.confirmed, o2c.shipment.delivered, o2c.invoice.requested,
                        o2c.payment.received]
                webhook: { url: "http://127.0.0.1:9103/erp", secret: "whsec_ZXJwIHNpZ25pbmcga2V5IDEyMzQ1Ng==" }
          - name: wms
            apiKey: "key-wms"
            publishes: [o2c.inventory.allocated, o2c.inventory.backordered, o2c.shipment.confirmed]
            subscribes:
              - name: wms-orders
                types: [o2c.order.accepted, o2c.order.held, o2c.order.released, o2c.order.changed, o2c.order.cancelled]
                webhook: { url: "http://127.0.0.1:9104/wms", secret: "whsec_d21zIHNpZ25pbmcga2V5IDEyMzQ1Ng==" }
                retry: { schedule: [1s, 5s, 30s, 5m, 30m, 2h, 5h, 10h] }
          - name: tms
            apiKey: "key-tms"
            publishes: [o2c.shipment.tracking, o2c.shipment.delivered]
            subscribes:
              - name: tms-shipments
                types: [o2c.shipment.confirmed]
                webhook: { url: "http://127.0.0.1:9105/tms", secret: "whsec_dG1zIHNpZ25pbmcga2V5IDEyMzQ1Ng==" }
          - name: ar
            apiKey: "key-ar"
            publishes: [o2c.payment.received]
            subscribes:
              - name: ar-invoices
                types: [o2c.order.accepted, o2c.invoice.posted]
                webhook: { url: "http://127.0.0.1:9106/ar", secret: "whsec_YXIgc2lnbmluZyBrZXkgMTIzNDU2Nzg=" }
          - name: servicedesk
            subscribes:
              - name: service-desk
                types: [o2c.order.held, o2c.order.released, o2c.inventory.backordered, o2c.shipment.tracking, o2c.order.status_changed]
                webhook: { url: "http://127.0.0.1:9107/servicedesk", secret: "whsec_c2VydmljZSBkZXNrIHNpZ25pbmcga2V5" }
          - name: boltworks-edi
            # A trading partner on X12 004010: 850s in (POST /v1/edi/boltworks-edi or files dropped in
            # edi/boltworks/in), 855 / 856 / 810 out as files, 997s both ways.
            apiKey: "key-boltworks"
            x12: { interchangeId: "BOLTWORKS", qualifier: "ZZ", ourId: "ACMEIND", ourQualifier: "ZZ", inbound: "edi/boltworks/in", acknowledgementWindow: 24h }
            subscribes:
              - { name: boltworks-855, types: [o2c.order.accepted, o2c.order.acknowledged, o2c.inventory.backordered], x12: { set: "855", directory: "edi/boltworks/out" } }
              - { name: boltworks-856, types: [o2c.shipment.confirmed], x12: { set: "856", directory: "edi/boltworks/out" } }
              - { name: boltworks-810, types: [o2c.invoice.posted], x12: { set: "810", directory: "edi/boltworks/out" } }
        """
}
