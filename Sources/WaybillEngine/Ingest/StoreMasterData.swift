import WaybillCore
import WaybillStore

/// Master data for the lifecycle, read from the store inside the current transaction.
///
/// The lifecycle's lookups cannot throw; a store error is kept and rethrown by the engine
/// right after the step (`rethrow()`), so it is never mistaken for an unknown record.
final class StoreMasterData: MasterData {
    let reader: any StoreReader
    private(set) var failure: (any Error)?

    init(reader: any StoreReader) { self.reader = reader }

    func customer(_ reference: String, namedBy system: SystemName) -> CustomerRecord? {
        attempt {
            if let c = try reader.customer(CustomerID(reference)) { return c }
            guard let canonical = try reader.crossReference(kind: "customer", system: system, external: reference) else { return nil }
            return try reader.customer(CustomerID(canonical))
        }
    }

    func product(_ reference: String, namedBy system: SystemName) -> ProductRecord? {
        attempt {
            if let p = try reader.product(SKU(reference)) { return p }
            guard let canonical = try reader.crossReference(kind: "product", system: system, external: reference) else { return nil }
            return try reader.product(SKU(canonical))
        }
    }

    func openReceivables(of customer: CustomerID) -> Int64 {
        attempt { try reader.openReceivables(of: customer) } ?? 0
    }

    func rethrow() throws {
        if let failure { throw failure }
    }

    private func attempt<T>(_ body: () throws -> T?) -> T? {
        do { return try body() } catch {
            if failure == nil { failure = error }
            return nil
        }
    }
}
