/// The hub's projection of one order: header, lines, holds, shipments, invoices.
///
/// Its status is derived (`status`), never stored as text.
public struct OrderState: Sendable, Equatable {
    /// The fields, shared between copies until one of them changes (copy on write): an order
    /// state is passed, cached and captured many times per event and changed in few places.
    private var box: Box

    struct Fields: Sendable, Equatable {
        var orderId: OrderID
        var origin: SystemName
        /// The placement as received, kept so it can be validated again after master data is fixed.
        var placement: PlacedOrder
        var customerId: CustomerID?
        var currency: Currency
        var traceId: String
        var placedAt: Timestamp
        /// The order number each system uses: system → external number.
        var externalIds: [String: String] = [:]
        /// Set once the order has passed mapping and validation.
        var validated: Bool = false
        /// Set once `o2c.order.accepted` has been emitted.
        var released: Bool = false
        var gaps: [MappingGap] = []
        var cancelled: Bool = false
        var cancelReason: String?
        var lines: [OrderLine] = []
        var holds: [Hold] = []
        var shipments: [ShipmentRecord] = []
        var invoices: [InvoiceRecord] = []
        var creditMemos: [CreditMemoID] = []
        var returns: [RMAID] = []
        var payments: [PaymentID] = []
        /// The validations the order must pass before acceptance, and where each stands.
        var validations: [ValidationRecord] = []
        /// How many events changed this order.
        var version: Int = 0
    }

    private final class Box: @unchecked Sendable {
        // Mutated only through `unique()`, when no other value shares it.
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    /// The box, copied first if another value shares it.
    private mutating func unique() -> Box {
        if !isKnownUniquelyReferenced(&box) { box = Box(box.fields) }
        return box
    }

    public static func == (lhs: OrderState, rhs: OrderState) -> Bool { lhs.box === rhs.box || lhs.box.fields == rhs.box.fields }

    public var orderId: OrderID {
        get { box.fields.orderId }
        set { unique().fields.orderId = newValue }
        _modify { yield &unique().fields.orderId }
    }

    public var origin: SystemName {
        get { box.fields.origin }
        set { unique().fields.origin = newValue }
        _modify { yield &unique().fields.origin }
    }

    /// The placement as received, kept so it can be validated again after master data is fixed.
    public var placement: PlacedOrder {
        get { box.fields.placement }
        set { unique().fields.placement = newValue }
        _modify { yield &unique().fields.placement }
    }

    public var customerId: CustomerID? {
        get { box.fields.customerId }
        set { unique().fields.customerId = newValue }
        _modify { yield &unique().fields.customerId }
    }

    public var currency: Currency {
        get { box.fields.currency }
        set { unique().fields.currency = newValue }
        _modify { yield &unique().fields.currency }
    }

    public var traceId: String {
        get { box.fields.traceId }
        set { unique().fields.traceId = newValue }
        _modify { yield &unique().fields.traceId }
    }

    public var placedAt: Timestamp {
        get { box.fields.placedAt }
        set { unique().fields.placedAt = newValue }
        _modify { yield &unique().fields.placedAt }
    }

    /// The order number each system uses: system → external number.
    public var externalIds: [String: String] {
        get { box.fields.externalIds }
        set { unique().fields.externalIds = newValue }
        _modify { yield &unique().fields.externalIds }
    }

    /// Set once the order has passed mapping and validation.
    public var validated: Bool {
        get { box.fields.validated }
        set { unique().fields.validated = newValue }
        _modify { yield &unique().fields.validated }
    }

    /// Set once `o2c.order.accepted` has been emitted.
    public var released: Bool {
        get { box.fields.released }
        set { unique().fields.released = newValue }
        _modify { yield &unique().fields.released }
    }

    public var gaps: [MappingGap] {
        get { box.fields.gaps }
        set { unique().fields.gaps = newValue }
        _modify { yield &unique().fields.gaps }
    }

    public var cancelled: Bool {
        get { box.fields.cancelled }
        set { unique().fields.cancelled = newValue }
        _modify { yield &unique().fields.cancelled }
    }

    public var cancelReason: String? {
        get { box.fields.cancelReason }
        set { unique().fields.cancelReason = newValue }
        _modify { yield &unique().fields.cancelReason }
    }

    public var lines: [OrderLine] {
        get { box.fields.lines }
        set { unique().fields.lines = newValue }
        _modify { yield &unique().fields.lines }
    }

    public var holds: [Hold] {
        get { box.fields.holds }
        set { unique().fields.holds = newValue }
        _modify { yield &unique().fields.holds }
    }

    public var shipments: [ShipmentRecord] {
        get { box.fields.shipments }
        set { unique().fields.shipments = newValue }
        _modify { yield &unique().fields.shipments }
    }

    public var invoices: [InvoiceRecord] {
        get { box.fields.invoices }
        set { unique().fields.invoices = newValue }
        _modify { yield &unique().fields.invoices }
    }

    public var creditMemos: [CreditMemoID] {
        get { box.fields.creditMemos }
        set { unique().fields.creditMemos = newValue }
        _modify { yield &unique().fields.creditMemos }
    }

    public var returns: [RMAID] {
        get { box.fields.returns }
        set { unique().fields.returns = newValue }
        _modify { yield &unique().fields.returns }
    }

    public var payments: [PaymentID] {
        get { box.fields.payments }
        set { unique().fields.payments = newValue }
        _modify { yield &unique().fields.payments }
    }

    /// The validations the order must pass before acceptance, and where each stands.
    public var validations: [ValidationRecord] {
        get { box.fields.validations }
        set { unique().fields.validations = newValue }
        _modify { yield &unique().fields.validations }
    }

    /// How many events changed this order.
    public var version: Int {
        get { box.fields.version }
        set { unique().fields.version = newValue }
        _modify { yield &unique().fields.version }
    }

    public init(orderId: OrderID, origin: SystemName, placement: PlacedOrder, traceId: String, placedAt: Timestamp) {
        box = Box(Fields(orderId: orderId, origin: origin, placement: placement, currency: placement.currency, traceId: traceId, placedAt: placedAt))
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
