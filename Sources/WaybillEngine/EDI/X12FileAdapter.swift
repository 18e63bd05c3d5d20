import WaybillCore
import WaybillStore
import WaybillX12

/// Delivers to a trading partner by writing X12 documents into its outbound directory
/// (temporary file, flush, rename), through the same outbox, retries and dead letters as
/// webhooks.
///
/// The interchange control number is drawn once per delivery and recorded before the file is
/// written, so a retry or replay writes the very same interchange again under the same name —
/// the partner never sees one document under two numbers, and no number is used twice.
public struct X12FileAdapter: DeliveryAdapter {
    let hub: Hub

    public init(hub: Hub) { self.hub = hub }

    public func deliver(_ delivery: OutboundDelivery) async -> DeliveryOutcome {
        guard case .x12File(let set, let directory) = delivery.subscription.adapter else {
            return .failed(statusCode: nil, error: "subscription \(delivery.subscription.name) does not deliver X12 files")
        }
        let partnerName = delivery.subscription.system
        guard let partner = hub.landscape.systems[partnerName]?.x12 else {
            return .failed(statusCode: nil, error: "\(partnerName) has no x12 settings (interchangeId, ourId)")
        }
        do {
            let event = try JSONParser.parse(delivery.body)
            let data = event["data"] ?? .null
            guard let orderId = RecordKey.orderId(of: delivery.key) else {
                throw WaybillError(.invalidPayload, "an X12 \(set) speaks of an order; \(delivery.key) is not one")
            }
            let interchange = try await hub.outboundInterchange(
                delivery: delivery.id, partner: partnerName, setCode: set, key: delivery.key,
                reference: X12Outbound.reference(data, type: delivery.type), window: partner.acknowledgementWindow)
            guard let context = try await hub.x12Context(orderId, partner: partnerName) else {
                throw WaybillError(.invalidPayload, "order \(orderId) is not known to the hub")
            }
            let segments = try X12Outbound.segments(set: set, type: delivery.type, data: data, order: context, at: interchange.sentAt)
            let bytes = X12Writer().interchange(
                partner.envelope(at: interchange.sentAt), control: interchange.control,
                groups: [.init(code: X12Outbound.functionalCode(set), sets: [.init(code: set, segments: segments)])])
            try AtomicFile.write(bytes, to: directory, name: X12Outbound.fileName(set: set, control: interchange.control))
            return .delivered(statusCode: nil)
        } catch {
            return .failed(statusCode: nil, error: "\(error)")
        }
    }
}
