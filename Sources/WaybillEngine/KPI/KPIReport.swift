import WaybillCore
import WaybillStore

/// The business KPIs over a window of UTC days, and per day, computed from the daily rollups
/// (`KPIRollup`) the write paths keep: reading a window reads a few rows per day, whatever the
/// number of stored orders.
///
/// * durations (acknowledgement latency, propagation per subscription, invoice cycle, payment
///   sync, exception resolution by kind): count, average and maximum, by the day they ended;
/// * DSO per currency: receivables open at the end of the window ÷ invoiced in the window ×
///   days in the window (receivables as the hub has seen them change since KPIs began, v14);
/// * dispute rate: credit memos ÷ invoices posted; payment posting accuracy: payments applied
///   without an exception ÷ payments received (by the day received).
public struct KPIReport: Sendable {
    public let days: ClosedRange<Int64>
    let rollups: [KPIRollup]
    /// Open receivables per currency at the end of the day before the window.
    let receivablesBefore: [String: Int64]

    public init(days: ClosedRange<Int64>, rollups: [KPIRollup], receivablesBefore: [String: Int64]) {
        self.days = days
        self.rollups = rollups
        self.receivablesBefore = receivablesBefore
    }

    /// A duration measure summed over some days.
    public struct Duration: Sendable, Equatable {
        public var count: Int64 = 0
        public var totalMilliseconds: Int64 = 0
        public var maxMilliseconds: Int64 = 0

        public init(count: Int64 = 0, totalMilliseconds: Int64 = 0, maxMilliseconds: Int64 = 0) {
            self.count = count
            self.totalMilliseconds = totalMilliseconds
            self.maxMilliseconds = maxMilliseconds
        }

        /// The average, in milliseconds (rounded down); `nil` when nothing was measured.
        public var averageMilliseconds: Int64? { count == 0 ? nil : totalMilliseconds / count }

        mutating func add(_ rollup: KPIRollup) {
            count += rollup.count
            totalMilliseconds += rollup.total
            maxMilliseconds = max(maxMilliseconds, rollup.maximum)
        }

        var json: JSONValue {
            .members([
                ("count", .number(String(count))),
                ("averageSeconds", averageMilliseconds.map { .number(ClockRecord.seconds($0)) } ?? .null),
                ("maxSeconds", count == 0 ? .null : .number(ClockRecord.seconds(maxMilliseconds))),
            ])
        }
    }

    /// Days Sales Outstanding in one currency.
    public struct SalesOutstanding: Sendable, Equatable {
        public var receivables: Int64
        public var sales: Int64
        public var days: Int64

        public init(receivables: Int64, sales: Int64, days: Int64) {
            self.receivables = receivables
            self.sales = sales
            self.days = days
        }

        /// In hundredths of a day, rounded; `nil` without sales.
        public var hundredths: Int64? {
            guard sales > 0 else { return nil }
            return (receivables * days * 100 + sales / 2) / sales
        }
    }

    /// The KPIs of the days in `range` (a part of the window).
    public struct Summary: Sendable {
        public var durations: [String: Duration] = [:]
        public var propagation: [String: Duration] = [:]
        public var resolution: [String: Duration] = [:]
        public var invoices: Int64 = 0
        public var creditMemos: Int64 = 0
        public var payments: Int64 = 0
        public var cleanPayments: Int64 = 0
        public var salesOutstanding: [String: SalesOutstanding] = [:]

        public func duration(_ clock: ServiceLevelClock) -> Duration { durations[KPIMeasure.clock(clock)] ?? Duration() }

        /// Credit memos ÷ invoices, in ten-thousandths, rounded; `nil` without invoices.
        public var disputeRate: Int64? { Self.ratio(creditMemos, invoices) }
        /// Payments applied without an exception ÷ payments, in ten-thousandths; `nil` without payments.
        public var postingAccuracy: Int64? { Self.ratio(cleanPayments, payments) }

        static func ratio(_ part: Int64, _ whole: Int64) -> Int64? { whole == 0 ? nil : (part * 10_000 + whole / 2) / whole }
        static func decimal(_ value: Int64?, scale: Int64) -> JSONValue {
            guard let value else { return .null }
            let digits = String(scale).count - 1
            let fraction = String(value % scale)
            return .number("\(value / scale).\(String(repeating: "0", count: digits - fraction.count))\(fraction)")
        }

        public var json: JSONValue {
            .members([
                ("orderAcknowledgement", duration(.orderAcknowledgement).json),
                ("shipmentPropagation", duration(.shipmentPropagation).json),
                ("invoiceCycle", duration(.invoicePosting).json),
                ("paymentSync", duration(.paymentSync).json),
                ("propagation", .object(propagation.keys.sorted().map { ($0, propagation[$0]!.json) })),
                ("exceptionResolution", .object(resolution.keys.sorted().map { ($0, resolution[$0]!.json) })),
                ("invoices", .number(String(invoices))), ("creditMemos", .number(String(creditMemos))),
                ("disputeRate", Self.decimal(disputeRate, scale: 10_000)),
                ("payments", .number(String(payments))), ("paymentsAppliedWithoutException", .number(String(cleanPayments))),
                ("paymentPostingAccuracy", Self.decimal(postingAccuracy, scale: 10_000)),
                (
                    "dso",
                    .object(
                        salesOutstanding.keys.sorted().map { code in
                            let dso = salesOutstanding[code]!
                            let currency = Currency(code: code) ?? .usd
                            return (
                                code,
                                .members([
                                    ("days", Self.decimal(dso.hundredths, scale: 100)),
                                    ("receivables", .string(Money(minorUnits: dso.receivables, currency: currency).text)),
                                    ("sales", .string(Money(minorUnits: dso.sales, currency: currency).text)),
                                ])
                            )
                        })
                ),
            ])
        }
    }

    /// The KPIs of `range` (within the window).
    public func summary(_ range: ClosedRange<Int64>) -> Summary {
        var summary = Summary()
        var receivables = receivablesBefore
        var sales: [String: Int64] = [:]
        for rollup in rollups where rollup.day <= range.upperBound {
            if rollup.measure == KPIMeasure.receivables { receivables[rollup.dimension, default: 0] += rollup.total }
            guard rollup.day >= range.lowerBound else { continue }
            switch rollup.measure {
            case KPIMeasure.propagation: summary.propagation[rollup.dimension, default: Duration()].add(rollup)
            case KPIMeasure.exceptionResolution: summary.resolution[rollup.dimension, default: Duration()].add(rollup)
            case KPIMeasure.invoices:
                summary.invoices += rollup.count
                sales[rollup.dimension, default: 0] += rollup.total
            case KPIMeasure.creditMemos: summary.creditMemos += rollup.count
            case KPIMeasure.payments: summary.payments += rollup.count
            case KPIMeasure.cleanPayments: summary.cleanPayments += rollup.count
            case KPIMeasure.receivables: break
            default:
                if ServiceLevelClock(rawValue: rollup.measure) != nil { summary.durations[rollup.measure, default: Duration()].add(rollup) }
            }
        }
        let length = range.upperBound - range.lowerBound + 1
        for code in Set(receivables.keys).union(sales.keys) {
            summary.salesOutstanding[code] = SalesOutstanding(receivables: receivables[code] ?? 0, sales: sales[code] ?? 0, days: length)
        }
        return summary
    }

    /// The whole window.
    public var window: Summary { summary(days) }

    /// `GET /v1/kpis`: the window and each of its days.
    public var json: JSONValue {
        .members([
            ("from", .string(Self.date(days.lowerBound))), ("to", .string(Self.date(days.upperBound))),
            ("window", window.json),
            ("days", .array(days.map { day in .members([("day", .string(Self.date(day)))] + Self.pairs(summary(day...day).json)) })),
        ])
    }

    static func pairs(_ value: JSONValue) -> [(String, JSONValue?)] {
        guard case .object(let members) = value else { return [] }
        return members.map { ($0.0, $0.1) }
    }

    /// A day as `YYYY-MM-DD`.
    public static func date(_ day: Int64) -> String { String(Timestamp(milliseconds: day * 86_400_000).rfc3339.prefix(10)) }
}

extension Hub {
    /// The KPIs of the UTC days `days` (both ends included).
    public func kpis(days: ClosedRange<Int64>) async throws -> KPIReport {
        try await store.read { reader in
            let rollups = try reader.kpiRollups(days: days, measures: nil)
            var before: [String: Int64] = [:]
            for rollup in try reader.kpiRollups(days: Int64(Int32.min)...(days.lowerBound - 1), measures: [KPIMeasure.receivables]) {
                before[rollup.dimension, default: 0] += rollup.total
            }
            return KPIReport(days: days, rollups: rollups, receivablesBefore: before)
        }
    }
}
