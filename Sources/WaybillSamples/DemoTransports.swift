import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import WaybillCore
import WaybillEngine
import WaybillMapping

/// How the demo's systems are reached when they are not all in process: the 3PL's warehouse
/// trades CSV files both ways through two directories, and NetSuite takes its salesOrder records
/// over REST (OAuth 2.0 client credentials, the created record's id captured from `Location`).
struct DemoTransports: Sendable {
    /// Where the hub writes the 3PL's files (one per delivery).
    let toWarehouse: String
    /// Where the 3PL drops its files (the hub's CSV inbox for the system).
    let fromWarehouse: String

    static let clientSecret = "demo-netsuite-secret"

    /// The 3PL's files, read by the hub: one row per allocation, backorder or shipment, its lines
    /// as `line:quantity:date` joined by `;`.
    static let warehouseMapping = try! MappingLoader.parse(
        """
        name: 3pl-csv
        events:
          - type: o2c.inventory.allocated
            when: $.record == 'allocation'
            id: concat('3pl-', $.reference)
            subject: $.order
            data:
              orderId: $.order
              warehouse: $.warehouse
              lines:
                each: split($.lines, ';')
                as: l
                value:
                  lineId: split($l, ':')[0]
                  quantity: number(split($l, ':')[1])
                  promiseDate: split($l, ':')[2]
          - type: o2c.inventory.backordered
            when: $.record == 'backorder'
            id: concat('3pl-', $.reference)
            subject: $.order
            data:
              orderId: $.order
              lines:
                each: split($.lines, ';')
                as: l
                value:
                  lineId: split($l, ':')[0]
                  quantity: number(split($l, ':')[1])
                  expectedDate: split($l, ':')[2]
          - type: o2c.shipment.confirmed
            when: $.record == 'shipment'
            id: concat('3pl-', $.reference)
            subject: $.order
            data:
              orderId: $.order
              shipmentId: $.shipment
              warehouse: $.warehouse
              shippedAt: $.shipped_at
              carrier: $.carrier
              service: $.service
              trackingNumber: $.tracking
              lines:
                each: split($.lines, ';')
                as: l
                value:
                  lineId: split($l, ':')[0]
                  quantity: number(split($l, ':')[1])
        """, name: "3pl-csv.yml")

    /// The demo landscape with the 3PL on CSV files and NetSuite over REST at `erpURL`.
    func systems(erpURL: String) throws -> [ConnectedSystem] {
        let column = { (name: String, value: String) in CSVFileSettings.Column(name: name, value: try ExpressionParser.parse(value)) }
        let orderLines = CSVFileSettings(
            directory: toWarehouse, rows: try ExpressionParser.parse("$.data.lines"),
            columns: [
                try column("type", "$.type"), try column("order", "$.data.orderId"), try column("line", "$row.lineId"),
                try column("sku", "$row.sku"), try column("quantity", "$row.quantity"), try column("uom", "$row.uom"),
            ])
        let notices = CSVFileSettings(
            directory: toWarehouse,
            columns: [
                try column("type", "$.type"), try column("order", "$.data.orderId"), try column("hold", "$.data.hold"), try column("reason", "$.data.reason"),
            ])
        let netsuite = HTTPCall(
            method: "POST", url: "\(erpURL)/record/v1/salesOrder",
            authentication: .oauth2(tokenURL: "\(erpURL)/token", clientId: "waybill", clientSecret: Self.clientSecret, scope: nil), capture: .location)
        return DemoLandscape.systems().map { system in
            var system = system
            switch system.name {
            case "wms":
                system.subscriptions = system.subscriptions.map { subscription in
                    var onFiles = subscription
                    onFiles.adapter = .csv(subscription.name == "wms-orders" ? orderLines : notices)
                    return onFiles
                }
                system.csv = CSVInbound(directory: fromWarehouse, mapping: Self.warehouseMapping)
            case "erp":
                system.subscriptions = system.subscriptions.map { subscription in
                    guard subscription.name == "erp-salesorders" else { return subscription }
                    var rest = subscription
                    rest.adapter = .http(netsuite)
                    return rest
                }
            default: break
            }
            return system
        }
    }
}

/// NetSuite's REST record service, on loopback for the demo: an OAuth 2.0 token endpoint and
/// `POST /record/v1/salesOrder`, which answers 204 with the new record's `Location` and honours
/// `Idempotency-Key`. The records it takes go to the simulated ERP.
final class DemoNetSuite: Sendable {
    let world: DemoWorld
    private let created = Mutex([String: Int]())

    init(world: DemoWorld) { self.world = world }

    func router() -> Router<BasicRequestContext> {
        let root = Router()
        let router = root.group("services/rest")
        router.post("/token") { request, _ -> Response in
            guard request.headers[.authorization] == "Basic " + Data("waybill:\(DemoTransports.clientSecret)".utf8).base64EncodedString() else {
                return Response(status: .unauthorized)
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"access_token":"demo-token","token_type":"Bearer","expires_in":3600}"#)))
        }
        router.post("/record/v1/salesOrder") { request, _ -> Response in
            guard request.headers[.authorization] == "Bearer demo-token" else { return Response(status: .unauthorized) }
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            let key = request.headers.first { $0.name.canonicalName == "idempotency-key" }?.value ?? ""
            let (id, isNew) = self.created.withLock { created -> (Int, Bool) in
                if let id = created[key] { return (id, false) }
                let id = 4711 + created.count
                created[key] = id
                return (id, true)
            }
            if isNew { self.world.erpSalesOrder(body) }
            return Response(status: .noContent, headers: [.location: "/services/rest/record/v1/salesOrder/\(id)"])
        }
        return root
    }
}
