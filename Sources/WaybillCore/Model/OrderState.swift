/// The hub's projection of one order: header, lines, holds, shipments, invoices.
///
/// Its status is derived (`status`), never stored as text.
public struct OrderState: Sendable, Equatable {
    public var orderId: OrderID
    public var origin: SystemName
    /// The placement as received, kept so it can be validated again after master data is fixed.
    public var placement: PlacedOrder
    public var customerId: CustomerID?
    public var currency: Currency
    public var traceId: String
    public var placedAt: Timestamp
    /// The order number each system uses: system → external number.
    public var externalIds: [String: String] = [:]
    /// Set once the order has passed mapping and validation.
    public var validated = false
    /// Set once `o2c.order.accepted` has been emitted.
    public var released = false
    public var gaps: [MappingGap] = []
    public var cancelled = false
    public var cancelReason: String?
    public var lines: [OrderLine] = []
    public var holds: [Hold] = []
    public var shipments: [ShipmentRecord] = []
    public var invoices: [InvoiceRecord] = []
    public var creditMemos: [CreditMemoID] = []
    public var returns: [RMAID] = []
    public var payments: [PaymentID] = []
    /// How many events changed this order.
    public var version = 0

    public init(orderId: OrderID, origin: SystemName, placement: PlacedOrder, traceId: String, placedAt: Timestamp) {
        self.orderId = orderId
        self.origin = origin
        self.placement = placement
        self.currency = placement.currency
        self.traceId = traceId
        self.placedAt = placedAt
    }

    public var activeHolds: [Hold] { holds.filter { $0.state == .active } }

    /// The value of the order: ordered quantities at their prices.
    public var total: Money { lines.reduce(Money.zero(currency)) { $0 + $1.orderedValue } }
    public var invoicedTotal: Money { invoices.reduce(Money.zero(currency)) { $0 + $1.total } }
    public var paidTotal: Money { invoices.reduce(Money.zero(currency)) { $0 + $1.paid } }
    public var creditedTotal: Money { invoices.reduce(Money.zero(currency)) { $0 + $1.credited } }
    public var openBalance: Money { invoices.reduce(Money.zero(currency)) { $0 + $1.openBalance } }

    public func lineIndex(_ id: LineID) -> Int? { lines.firstIndex { $0.lineId == id } }
}
