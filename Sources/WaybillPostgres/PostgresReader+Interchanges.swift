import PostgresNIO
import WaybillCore
import WaybillStore

/// Reading X12 interchanges.
extension PostgresReader {
    static let outboundColumns = "partner, control, set_code, delivery_id, record_key, reference, sent_at, ack_due_at, status, note"

    static func outbound(_ row: Cells) throws -> OutboundInterchange {
        OutboundInterchange(
            partner: SystemName(try row.string(0)), control: try row.int(1), setCode: try row.string(2), deliveryId: try row.int64OrNil(3),
            key: try row.stringOrNil(4), reference: try row.string(5), sentAt: try row.timestamp(6), ackDueAt: try row.timestampOrNil(7),
            status: OutboundInterchange.Status(rawValue: try row.string(8)) ?? .sent, note: try row.stringOrNil(9))
    }

    func outboundInterchange(delivery id: Int64) throws -> OutboundInterchange? {
        try first("SELECT \(unescaped: Self.outboundColumns) FROM x12_outbound WHERE delivery_id = \(id)").map(Self.outbound)
    }

    func outboundInterchange(partner: SystemName, control: Int) throws -> OutboundInterchange? {
        try first("SELECT \(unescaped: Self.outboundColumns) FROM x12_outbound WHERE partner = \(partner.rawValue) AND control = \(Int64(control))")
            .map(Self.outbound)
    }

    func outboundInterchanges(partner: SystemName?, limit: Int) throws -> [OutboundInterchange] {
        try all(
            """
            SELECT \(unescaped: Self.outboundColumns) FROM x12_outbound WHERE \(partner?.rawValue)::text IS NULL OR partner = \(partner?.rawValue)
            ORDER BY sent_at, partner, control LIMIT \(Int64(max(0, limit)))
            """
        ).map(Self.outbound)
    }

    func overdueInterchanges(now: Timestamp) throws -> [OutboundInterchange] {
        try all(
            "SELECT \(unescaped: Self.outboundColumns) FROM x12_outbound WHERE status = 'sent' AND ack_due_at < \(now.milliseconds) ORDER BY ack_due_at"
        ).map(Self.outbound)
    }

    func inboundInterchange(partner: SystemName, control: String) throws -> InboundInterchange? {
        try first(
            "SELECT partner, control, received_at, request, response, summary FROM x12_inbound WHERE partner = \(partner.rawValue) AND control = \(control)"
        ).map { row in
            InboundInterchange(
                partner: SystemName(try row.string(0)), control: try row.string(1), receivedAt: try row.timestamp(2), request: try row.bytes(3),
                response: try row.bytes(4), summary: try row.string(5))
        }
    }
}
