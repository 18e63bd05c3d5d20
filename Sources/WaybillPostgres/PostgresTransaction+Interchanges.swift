import PostgresNIO
import WaybillCore
import WaybillStore

/// X12 control numbers and interchanges.
extension PostgresTransaction {
    /// The name of the SEQUENCE that numbers a partner's interchanges: `x12_control_` and the
    /// partner's name in identifier-safe characters, with a hash of the exact name so that two
    /// names that read alike (`a-b`, `a_b`) never share one.
    static func controlSequence(of partner: SystemName) -> String {
        let safe = String(partner.rawValue.lowercased().unicodeScalars.map { ("a"..."z").contains($0) || ("0"..."9").contains($0) ? Character($0) : "_" })
        var hash: UInt32 = 2_166_136_261
        for byte in partner.rawValue.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let hex = String(hash, radix: 16)
        return "x12_control_\(safe.prefix(32))_\(String(repeating: "0", count: 8 - hex.count))\(hex)"
    }

    /// The next number of the partner's own SEQUENCE. A sequence hands a number out once, to
    /// whichever node asks, and does not take it back when the transaction that drew it rolls
    /// back: numbers never repeat, and a failed write leaves a gap. The sequence is created on
    /// the partner's first draw, under an advisory lock so that two nodes do not both create it.
    func nextControlNumber(partner: SystemName) throws -> Int {
        let name = Self.controlSequence(of: partner)
        do {
            if let next = try db.first("SELECT nextval(to_regclass(\(name)))")?.int64OrNil(0) { return Int(next) }
            try db.run("SELECT pg_advisory_xact_lock(\(Self.sequenceLockClass), hashtext(\(name)))")
            try db.run("CREATE SEQUENCE IF NOT EXISTS \(unescaped: name) AS bigint MINVALUE 1 MAXVALUE 999999999 NO CYCLE")
            guard let next = try db.first("SELECT nextval(to_regclass(\(name)))")?.int64OrNil(0) else {
                throw PostgresStoreError("the control number sequence \(name) of \(partner) was not created")
            }
            return Int(next)
        } catch let error as PostgresQueryError where error.sqlState == "2200H" {
            throw WaybillError(.controlNumbersExhausted, "the interchange control numbers of \(partner) are used up (ISA13 has nine digits)")
        }
    }

    func record(_ interchange: OutboundInterchange) throws {
        try db.run(
            """
            INSERT INTO x12_outbound (\(unescaped: Self.outboundColumns))
            VALUES (\(interchange.partner.rawValue), \(Int64(interchange.control)), \(interchange.setCode), \(interchange.deliveryId), \(interchange.key),
                    \(interchange.reference), \(interchange.sentAt.milliseconds), \(interchange.ackDueAt?.milliseconds), \(interchange.status.rawValue),
                    \(interchange.note))
            """)
    }

    func updateInterchange(partner: SystemName, control: Int, status: OutboundInterchange.Status, note: String?) throws -> Bool {
        try db.run(
            "UPDATE x12_outbound SET status = \(status.rawValue), note = \(note) WHERE partner = \(partner.rawValue) AND control = \(Int64(control))") == 1
    }

    func record(_ interchange: InboundInterchange) throws {
        try db.run(
            """
            INSERT INTO x12_inbound (partner, control, received_at, request, response, summary)
            VALUES (\(interchange.partner.rawValue), \(interchange.control), \(interchange.receivedAt.milliseconds), \(interchange.request.bytea),
                    \(interchange.response.bytea), \(interchange.summary))
            """)
    }
}
