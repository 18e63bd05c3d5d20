/// The OpenAPI description of the HTTP API, served at `GET /openapi.yaml`. A test compares its
/// paths with the router's routes in both directions, and validates it with an independent tool.
enum OpenAPIDocument {
    static let yaml = """
        openapi: 3.1.0
        info:
          title: Waybill
          version: "1"
          description: Order-to-cash workflow sync hub. Systems send CloudEvents with their API key; people use tokens with a role.
        servers:
          - url: http://127.0.0.1:8080
        security:
          - bearer: []
        components:
          securitySchemes:
            bearer: { type: http, scheme: bearer }
          responses:
            Problem:
              description: RFC 9457 problem details with a stable code
              content:
                application/problem+json:
                  schema: { $ref: "#/components/schemas/Problem" }
          schemas:
            Problem:
              type: object
              required: [type, title, status, code]
              properties:
                type: { type: string }
                title: { type: string }
                status: { type: integer }
                code: { type: string }
                detail: { type: string }
                instance: { type: string }
            EventResult:
              type: object
              required: [outcome]
              properties:
                source: { type: string }
                id: { type: string }
                outcome: { type: string, enum: [accepted, duplicate, parked, exception] }
                code: { type: string }
                detail: { type: string }
                orderId: { type: string }
            Items:
              type: object
              required: [items]
              properties:
                items: { type: array, items: { type: object } }
          parameters:
            id: { name: id, in: path, required: true, schema: { type: string } }
            seq: { name: seq, in: path, required: true, schema: { type: integer } }
            name: { name: name, in: path, required: true, schema: { type: string } }
        paths:
          /health/live:
            get: { summary: Liveness, security: [], responses: { "200": { description: live } } }
          /health/ready:
            get: { summary: Readiness (the store answers), security: [], responses: { "200": { description: ready } } }
          /metrics:
            get: { summary: Prometheus text exposition, security: [], responses: { "200": { description: metrics } } }
          /openapi.yaml:
            get: { summary: This document, security: [], responses: { "200": { description: the OpenAPI document } } }
          /v1/events:
            post:
              summary: Ingest one CloudEvent or a batch (at most 1,000) — systems only
              requestBody:
                required: true
                content:
                  application/cloudevents+json: { schema: { type: object } }
                  application/cloudevents-batch+json: { schema: { type: array, items: { type: object } } }
              responses:
                "202":
                  description: one result per event, in request order
                  content:
                    application/json:
                      schema:
                        type: object
                        properties: { results: { type: array, items: { $ref: "#/components/schemas/EventResult" } } }
                "400": { $ref: "#/components/responses/Problem" }
                "401": { $ref: "#/components/responses/Problem" }
                "403": { $ref: "#/components/responses/Problem" }
                "413": { $ref: "#/components/responses/Problem" }
                "415": { $ref: "#/components/responses/Problem" }
                "429": { $ref: "#/components/responses/Problem" }
          /v1/events/{seq}:
            get:
              summary: The raw inbound event (support, admin)
              parameters: [{ $ref: "#/components/parameters/seq" }]
              responses:
                "200": { description: the event as received, content: { application/cloudevents+json: { schema: { type: object } } } }
                "403": { $ref: "#/components/responses/Problem" }
                "404": { $ref: "#/components/responses/Problem" }
          /v1/orders:
            get:
              summary: Orders by status, customer, update time; paginated with `after`
              parameters:
                - { name: status, in: query, schema: { type: string } }
                - { name: customer, in: query, schema: { type: string } }
                - { name: updatedSince, in: query, schema: { type: string, format: date-time } }
                - { name: after, in: query, schema: { type: string } }
                - { name: limit, in: query, schema: { type: integer } }
              responses: { "200": { description: order views, content: { application/json: { schema: { $ref: "#/components/schemas/Items" } } } } }
          /v1/orders/{id}:
            get:
              summary: The order view of EVENTS.md
              parameters: [{ $ref: "#/components/parameters/id" }]
              responses:
                "200": { description: the order view, content: { application/json: { schema: { type: object } } } }
                "404": { $ref: "#/components/responses/Problem" }
          /v1/orders/{id}/timeline:
            get:
              summary: Every event and delivery of the order, with trace ids and latencies (`include=payloads` for support, admin)
              parameters: [{ $ref: "#/components/parameters/id" }, { name: include, in: query, schema: { type: string } }]
              responses:
                "200": { description: the timeline, content: { application/json: { schema: { type: object } } } }
                "404": { $ref: "#/components/responses/Problem" }
          /v1/exceptions:
            get:
              summary: The caller's exception queues (admin, every queue) by kind, status, order and role; role and kind narrow, never widen
              parameters:
                - { name: kind, in: query, schema: { type: string } }
                - { name: status, in: query, schema: { type: string, enum: [open, resolved] } }
                - { name: order, in: query, schema: { type: string } }
                - { name: role, in: query, schema: { type: string, enum: [support, service, finance, admin] } }
              responses:
                "200": { description: exceptions, content: { application/json: { schema: { $ref: "#/components/schemas/Items" } } } }
                "400": { $ref: "#/components/responses/Problem" }
                "403": { $ref: "#/components/responses/Problem" }
          /v1/exceptions/{id}/resolve:
            post:
              summary: Resolve an exception (its queue's role, admin), with an optional note; audited
              parameters: [{ $ref: "#/components/parameters/id" }]
              requestBody:
                required: false
                content:
                  application/json:
                    schema: { type: object, properties: { note: { type: string } } }
              responses:
                "200": { description: resolved }
                "403": { $ref: "#/components/responses/Problem" }
                "409": { $ref: "#/components/responses/Problem" }
          /v1/inbound/{system}:
            post:
              summary: A system's own payload (a Shopify webhook, …) with its own authentication, mapped by its pack or mapping
              parameters: [{ name: system, in: path, required: true, schema: { type: string } }]
              requestBody: { required: true, content: { application/json: { schema: { type: object } } } }
              responses:
                "202": { description: "one result per mapped event", content: { application/json: { schema: { type: object } } } }
                "400": { $ref: "#/components/responses/Problem" }
                "401": { $ref: "#/components/responses/Problem" }
                "403": { $ref: "#/components/responses/Problem" }
                "404": { $ref: "#/components/responses/Problem" }
                "422": { $ref: "#/components/responses/Problem" }
          /v1/exceptions/{id}/reprocess:
            post:
              summary: Apply the refused event behind an exception again, after its cause was fixed (its queue's role, admin); audited
              parameters: [{ $ref: "#/components/parameters/id" }]
              responses:
                "200": { description: "the event's result; applied, the exception is resolved" }
                "403": { $ref: "#/components/responses/Problem" }
                "404": { $ref: "#/components/responses/Problem" }
                "409": { $ref: "#/components/responses/Problem" }
          /v1/deliveries:
            get:
              summary: Deliveries by subscription, status and order
              parameters:
                - { name: subscription, in: query, schema: { type: string } }
                - { name: status, in: query, schema: { type: string, enum: [pending, delivered, dead] } }
                - { name: order, in: query, schema: { type: string } }
              responses: { "200": { description: deliveries, content: { application/json: { schema: { $ref: "#/components/schemas/Items" } } } } }
          /v1/deliveries/{id}/retry:
            post:
              summary: Send a delivery again (support); audited
              parameters: [{ $ref: "#/components/parameters/id" }]
              responses: { "202": { description: pending again }, "404": { $ref: "#/components/responses/Problem" } }
          /v1/subscriptions:
            get:
              summary: Subscriptions with state, pending, dead and oldest pending age
              responses: { "200": { description: subscriptions, content: { application/json: { schema: { $ref: "#/components/schemas/Items" } } } } }
          /v1/subscriptions/{name}:
            get:
              summary: One subscription
              parameters: [{ $ref: "#/components/parameters/name" }]
              responses: { "200": { description: the subscription }, "404": { $ref: "#/components/responses/Problem" } }
          /v1/subscriptions/{name}/enable:
            post:
              summary: Enable a subscription (support); audited
              parameters: [{ $ref: "#/components/parameters/name" }]
              responses: { "200": { description: active again }, "403": { $ref: "#/components/responses/Problem" } }
          /v1/subscriptions/{name}/disable:
            post:
              summary: Disable a subscription, its deliveries waiting (support); body {"reason"}; audited
              parameters: [{ $ref: "#/components/parameters/name" }]
              responses: { "200": { description: disabled }, "403": { $ref: "#/components/responses/Problem" } }
          /v1/orders/{id}/release:
            post:
              summary: Release an order's hold (the hold's owners - finance for credit and pricing, support for validation); the hub records o2c.order.released; audited
              parameters: [{ $ref: "#/components/parameters/id" }]
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      required: [hold]
                      properties:
                        hold: { type: string, enum: [credit, pricing, tax, validation] }
                        note: { type: string }
              responses: { "202": { description: released }, "403": { $ref: "#/components/responses/Problem" }, "409": { $ref: "#/components/responses/Problem" } }
          /v1/deliveries/bulk-retry:
            get:
              summary: What a bulk retry would touch - the filter in words and the count (support)
              parameters:
                - { name: subscription, in: query, schema: { type: string } }
                - { name: status, in: query, schema: { type: string, enum: [pending, dead] } }
                - { name: order, in: query, schema: { type: string } }
                - { name: type, in: query, schema: { type: string } }
              responses: { "200": { description: filter and count } }
            post:
              summary: Retry every delivery the filter names, given the count shown (?expected=); a different count is 409 and nothing is done (support); audited
              parameters:
                - { name: subscription, in: query, schema: { type: string } }
                - { name: status, in: query, schema: { type: string, enum: [pending, dead] } }
                - { name: order, in: query, schema: { type: string } }
                - { name: type, in: query, schema: { type: string } }
                - { name: expected, in: query, required: true, schema: { type: integer } }
              responses: { "202": { description: requeued }, "409": { $ref: "#/components/responses/Problem" } }
          /v1/subscriptions/{name}/replay:
            post:
              summary: Resend deliveries over a sequence or time range, keeping their webhook-id (support); audited
              parameters: [{ $ref: "#/components/parameters/name" }]
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        fromSeq: { type: integer }
                        toSeq: { type: integer }
                        from: { type: string, format: date-time }
                        to: { type: string, format: date-time }
              responses: { "202": { description: requeued }, "400": { $ref: "#/components/responses/Problem" } }
          /v1/audit:
            get:
              summary: Who did what, when (admin)
              responses: { "200": { description: audit entries, content: { application/json: { schema: { $ref: "#/components/schemas/Items" } } } } }
          /v1/kpis:
            get:
              summary: "Business KPIs over a window of UTC days and per day: acknowledgement latency, propagation per subscription, invoice cycle, payment sync, exception resolution by kind, DSO, dispute rate, payment posting accuracy (any person)"
              parameters:
                - { name: from, in: query, description: "first day, YYYY-MM-DD or RFC 3339 (default: 29 days before to)", schema: { type: string } }
                - { name: to, in: query, description: "last day, YYYY-MM-DD or RFC 3339 (default: today)", schema: { type: string } }
              responses:
                "200":
                  description: the KPIs
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [from, to, window, days]
                        properties:
                          from: { type: string, format: date }
                          to: { type: string, format: date }
                          window: { type: object }
                          days: { type: array, items: { type: object } }
                "400": { $ref: "#/components/responses/Problem" }
                "401": { $ref: "#/components/responses/Problem" }
                "403": { $ref: "#/components/responses/Problem" }
          /v1/edi/{partner}:
            post:
              summary: "One X12 interchange from a trading partner, with the partner's own key; answered with the 997, or a TA1 for envelope errors"
              parameters: [{ name: partner, in: path, required: true, schema: { type: string } }]
              requestBody:
                required: true
                content: { application/edi-x12: { schema: { type: string } } }
              responses:
                "200": { description: "stored (or stored before, for a resend); the body is the 997", content: { application/edi-x12: { schema: { type: string } } } }
                "202": { description: "stored; nothing is owed in return (the interchange carried only 997s)" }
                "401": { $ref: "#/components/responses/Problem" }
                "403": { $ref: "#/components/responses/Problem" }
                "404": { $ref: "#/components/responses/Problem" }
                "413": { $ref: "#/components/responses/Problem" }
                "415": { $ref: "#/components/responses/Problem" }
                "422": { description: "rejected, nothing stored; the body is the TA1 or 997 saying why", content: { application/edi-x12: { schema: { type: string } } } }
          /v1/edi/interchanges:
            get:
              summary: "The X12 interchanges sent to trading partners, their control numbers and what each partner's 997 said (support, admin)"
              parameters:
                - { name: partner, in: query, schema: { type: string } }
                - { name: limit, in: query, schema: { type: integer } }
              responses: { "200": { description: interchanges, content: { application/json: { schema: { $ref: "#/components/schemas/Items" } } } } }

        """
}
