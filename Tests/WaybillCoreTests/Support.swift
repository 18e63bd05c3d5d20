import WaybillCore

/// Master data for lifecycle tests: a fixed item master and customer list (the store-backed
/// implementation is tested against SQLite in the engine tests).
struct FixedMasterData: MasterData {
    var customers: [CustomerRecord]
    var products: [ProductRecord]
    var receivables: [CustomerID: Int64] = [:]

    func customer(_ reference: String, namedBy system: SystemName) -> CustomerRecord? {
        customers.first { $0.customerId.rawValue == reference || $0.externalIds[system.rawValue] == reference }
    }

    func product(_ reference: String, namedBy system: SystemName) -> ProductRecord? {
        products.first { $0.sku.rawValue == reference || $0.externalIds[system.rawValue] == reference }
    }

    func openReceivables(of customer: CustomerID) -> Int64 { receivables[customer] ?? 0 }
}

func json(_ text: String) -> JSONValue { try! JSONParser.parse(Array(text.utf8)) }

func payload(_ type: EventType, _ text: String) throws -> EventPayload {
    try EventPayload.decode(type, data: json(text), at: "$.data")
}

let standardMaster = FixedMasterData(
    customers: [
        try! CustomerRecord(
            PayloadReader.object(
                json(#"{"customerId":"C-1","name":"BoltWorks","currency":"USD","creditLimit":"1000.00","externalIds":{"crm":"CRM-1"}}"#), at: "$"))
    ],
    products: [
        try! ProductRecord(
            PayloadReader.object(
                json(#"{"sku":"A","baseUom":"EA","uomConversions":{"CA":12},"listPrice":"5.00","currency":"USD","externalIds":{"portal":"P-A"}}"#), at: "$")),
        try! ProductRecord(PayloadReader.object(json(#"{"sku":"B","baseUom":"EA","listPrice":"5.00","currency":"USD"}"#), at: "$")),
    ])

func placement(
    _ text: String =
        #"{"orderId":"SO-T","customerId":"C-1","currency":"USD","lines":[{"lineId":"1","sku":"A","quantity":10,"unitPrice":"5.00"},{"lineId":"2","sku":"B","quantity":10,"unitPrice":"5.00"}]}"#
) -> PlacedOrder {
    try! PlacedOrder(PayloadReader.object(json(text), at: "$.data"))
}

let t0 = Timestamp(rfc3339: "2026-12-01T08:00:00Z")!
