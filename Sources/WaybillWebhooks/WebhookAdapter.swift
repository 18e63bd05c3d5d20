import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import WaybillCore
import WaybillEngine

/// Delivers events as signed CloudEvents (structured JSON) to a subscriber's URL.
///
/// 2xx is delivered; 410 ends the delivery (`gone`); anything else, a timeout or a refused
/// connection is a failure the scheduler retries on the subscription's schedule.
public struct WebhookAdapter: DeliveryAdapter {
    let client: HTTPClient
    let clock: any HubClock
    let timeout: TimeAmount

    public init(client: HTTPClient, clock: any HubClock, timeout: TimeAmount = .seconds(5)) {
        self.client = client
        self.clock = clock
        self.timeout = timeout
    }

    public func deliver(_ delivery: OutboundDelivery) async -> DeliveryOutcome {
        guard case .webhook(let url, let secret) = delivery.subscription.adapter else {
            return .failed(statusCode: nil, error: "subscription \(delivery.subscription.name) has no webhook settings")
        }
        let signer: WebhookSigner
        do { signer = try WebhookSigner(secret: secret) } catch {
            return .failed(statusCode: nil, error: "subscription \(delivery.subscription.name): \(error)")
        }
        let timestamp = clock.now().milliseconds / 1000
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/cloudevents+json; charset=utf-8")
        request.headers.add(name: "webhook-id", value: delivery.deliveryId)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(name: "webhook-signature", value: signer.signature(id: delivery.deliveryId, timestamp: timestamp, body: delivery.body))
        request.headers.add(name: "traceparent", value: delivery.traceparent.traceparent)
        request.headers.add(name: "user-agent", value: "Waybill")
        request.body = .bytes(ByteBuffer(bytes: delivery.body))
        do {
            let response = try await client.execute(request, timeout: timeout)
            let status = Int(response.status.code)
            // Read (and drop) a bounded amount of the answer so the connection can be reused.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            switch status {
            case 200..<300: return .delivered(statusCode: status)
            case 410: return .gone(statusCode: status)
            default: return .failed(statusCode: status, error: "HTTP \(status) from \(url)")
            }
        } catch {
            return .failed(statusCode: nil, error: "\(url): \(error)")
        }
    }
}
