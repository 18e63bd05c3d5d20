/// A typed identifier: a string that is only ever compared with identifiers of the same kind.
public protocol Identifier: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    var rawValue: String { get }
    init(_ rawValue: String)
}

extension Identifier {
    public init(stringLiteral value: String) { self.init(value) }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The hub's canonical order number (as given in `o2c.order.placed`).
public struct OrderID: Identifier { public let rawValue: String; public init(_ rawValue: String) { self.rawValue = rawValue } }
/// The canonical customer id.
public struct CustomerID: Identifier { public let rawValue: String; public init(_ rawValue: String) { self.rawValue = rawValue } }
/// The canonical item number.
public struct SKU: Identifier { public let rawValue: String; public init(_ rawValue: String) { self.rawValue = rawValue } }
/// A line of an order.
public struct LineID: Identifier { public let rawValue: String; public init(_ rawValue: String) { self.rawValue = rawValue } }
/// A ship-to location of a customer.
public struct ShipToID: Identifier { public let rawValue: String; public init(_ rawValue: String) { self.rawValue = rawValue } }
/// A shipment confirmed by a WMS or TMS.
public struct ShipmentID: Identifier { public let rawValue: String; public init(_ rawValue: String) { self.rawValue = rawValue } }
/// An invoice posted by the ERP.
public struct InvoiceID: Identifier { public let rawValue: String; public init(_ rawValue: String) { self.rawValue = rawValue } }
/// A payment received by AR.
public struct PaymentID: Identifier { public let rawValue: String; public init(_ rawValue: String) { self.rawValue = rawValue } }
/// A credit memo posted by the ERP.
public struct CreditMemoID: Identifier { public let rawValue: String; public init(_ rawValue: String) { self.rawValue = rawValue } }
/// A return authorisation.
public struct RMAID: Identifier { public let rawValue: String; public init(_ rawValue: String) { self.rawValue = rawValue } }
/// A connected system (`wms`, `erp`, `boltworks-edi`), as named in the configuration.
public struct SystemName: Identifier { public let rawValue: String; public init(_ rawValue: String) { self.rawValue = rawValue } }
/// A subscription of a system to event types.
public struct SubscriptionName: Identifier { public let rawValue: String; public init(_ rawValue: String) { self.rawValue = rawValue } }

extension SystemName {
    /// The CloudEvents `source` of this system: `/systems/<name>`.
    public var source: String { "/systems/\(rawValue)" }

    /// The system named by a `/systems/<name>` source, or `nil`.
    public init?(source: String) {
        guard source.hasPrefix("/systems/") else { return nil }
        let name = source.dropFirst("/systems/".count)
        guard !name.isEmpty, !name.contains("/") else { return nil }
        self.init(String(name))
    }

    /// The hub itself, as the source of events it emits.
    public static let hub = SystemName("hub")
}
