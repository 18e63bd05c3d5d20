import Testing
import WaybillCore

/// `OrderState` shares its fields between copies until one changes (copy on write); it must
/// still behave as a value everywhere: a change to one copy is never seen through another.
@Suite("Order state is a value")
struct OrderStateValueTests {
    static func placed() -> OrderState {
        OrderLifecycle(policies: Policies()).place(placement(), from: "portal", at: t0, traceId: "4bf92f3577b34da6a3ce929d0e0e4736", master: standardMaster)
            .state
    }

    @Test("changing a copy — a field, a line in place, a list — leaves the original as it was")
    func copiesAreIndependent() throws {
        let original = Self.placed()
        try #require(original.lines.count == 2)
        var copy = original
        #expect(copy == original)
        copy.cancelled = true
        copy.lines[0].shipped = Quantity(scaled: 7)
        copy.payments.append("PAY-1")
        copy.externalIds["erp"] = "E-1"
        #expect(!original.cancelled && original.lines[0].shipped == .zero && original.payments.isEmpty && original.externalIds["erp"] == nil)
        #expect(copy.cancelled && copy.lines[0].shipped == Quantity(scaled: 7) && copy.payments == ["PAY-1"] && copy.externalIds["erp"] == "E-1")
        #expect(copy != original)
    }

    @Test("states with the same fields are equal whether or not they share storage, and survive storage round trips")
    func equality() throws {
        var a = Self.placed()
        var b = Self.placed()
        #expect(a == b)
        a.version += 1
        #expect(a != b)
        b.version += 1
        #expect(a == b)
        #expect(try OrderState(storage: a.storageBytes) == a)
    }
}
