import Hummingbird
import NIOCore
import ServiceLifecycle
import WaybillCore
import WaybillEngine
import WaybillStore

/// The overview's live figures: computed from the store's counts and this node's activity, sent
/// over Server-Sent Events each second they change (and every 15 s regardless, to keep the
/// connection alive through proxies).
extension Console {
    struct Figures: Equatable, Sendable {
        var ingestRate: String
        var deliveryRate: String
        var eventsTotal: Int
        /// Pending deliveries; "100000+" past the count the overview caps at.
        var pending: String
        var dead: Int
        var openExceptions: Int

        var dictionary: [String: Any] {
            [
                "ingestRate": ingestRate, "deliveryRate": deliveryRate, "eventsTotal": eventsTotal, "pending": pending, "dead": dead,
                "openExceptions": openExceptions,
            ]
        }

        func json(at now: Timestamp) -> [UInt8] {
            JSONWriter.sortedBytes(
                .members([
                    ("ingestRate", .string(ingestRate)), ("deliveryRate", .string(deliveryRate)), ("eventsTotal", .int(eventsTotal)),
                    ("pending", .string(pending)), ("dead", .int(dead)), ("openExceptions", .int(openExceptions)), ("at", .string(now.rfc3339)),
                ]))
        }
    }

    /// How far the overview counts a subscription's backlog (past it: "100000+").
    static let backlogCap = 100_000

    func figures() async throws -> Figures {
        let names = Array(hub.landscape.subscriptions.keys)
        let (depths, dead, open) = try await hub.store.read { r in
            (try r.queueDepths(of: names, cap: Self.backlogCap), try r.deliveryCounts(status: .dead), try r.openExceptionCounts())
        }
        return figures(depths: depths, dead: dead, open: open)
    }

    /// The live figures from counts already read.
    func figures(depths: [SubscriptionName: QueueDepth], dead: [SubscriptionName: Int], open: [ExceptionKind: Int]) -> Figures {
        let now = hub.clock.now()
        let rates = hub.activity.rates(at: now)
        return Figures(
            ingestRate: Self.rate(rates.ingested), deliveryRate: Self.rate(rates.delivered), eventsTotal: hub.activity.totals.ingested,
            pending: String(depths.values.reduce(0) { $0 + $1.pending }) + (depths.values.contains { $0.capped } ? "+" : ""),
            dead: dead.values.reduce(0, +), openExceptions: open.values.reduce(0, +))
    }

    static func rate(_ value: Double) -> String { value >= 10 ? String(Int(value.rounded())) : String((value * 10).rounded() / 10) }

    func liveFigures(_ request: Request) async throws -> Response {
        guard visit(request) != nil else { return Response(status: .unauthorized) }
        var headers = Self.securityHeaders
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                var last: Figures?
                var quiet = 0
                // Ends when the client goes, or when the server shuts down gracefully (the
                // browser's EventSource reconnects to whichever node serves it next).
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    if let figures = try? await self.figures(), figures != last || quiet >= 15 {
                        let now = self.hub.clock.now()
                        try await writer.write(ByteBuffer(string: "event: figures\ndata: " + String(decoding: figures.json(at: now), as: UTF8.self) + "\n\n"))
                        last = figures
                        quiet = 0
                    } else {
                        quiet += 1
                    }
                    try await Task.sleep(for: .seconds(1))
                }
                try await writer.finish(nil)
            })
    }
}

/// Small server-rendered SVG charts (no script, no library): numbers become bars and lines,
/// labels are escaped.
enum ConsoleCharts {
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }

    /// Horizontal bars, one per (label, value).
    static func bars(_ items: [(String, Int)], title: String) -> String {
        guard !items.isEmpty else { return "" }
        let width = 420, row = 20, labelWidth = 130
        let largest = max(1, items.map(\.1).max() ?? 1)
        var svg =
            "<svg class=\"chart\" role=\"img\" aria-label=\"\(escaped(title))\" width=\"\(width)\" height=\"\(items.count * row + 10)\" viewBox=\"0 0 \(width) \(items.count * row + 10)\">"
        for (i, (label, value)) in items.enumerated() {
            let y = 5 + i * row
            let length = max(1, (width - labelWidth - 50) * value / largest)
            svg += "<text x=\"4\" y=\"\(y + 14)\">\(escaped(label))</text>"
            svg += "<rect class=\"bar\" x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(length)\" height=\"\(row - 6)\"></rect>"
            svg += "<text x=\"\(labelWidth + length + 4)\" y=\"\(y + 14)\">\(value)</text>"
        }
        return svg + "</svg>"
    }

    /// A line over equally spaced values, with the largest marked.
    static func line(_ values: [Int], title: String) -> String {
        let width = 720, height = 120
        let largest = max(1, values.max() ?? 1)
        let step = values.count > 1 ? Double(width - 20) / Double(values.count - 1) : 0
        let points = values.enumerated().map { i, v in
            "\(Int(10 + Double(i) * step)),\(height - 15 - (height - 30) * v / largest)"
        }.joined(separator: " ")
        return "<svg class=\"chart\" role=\"img\" aria-label=\"\(escaped(title))\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">"
            + "<text x=\"10\" y=\"12\">\(escaped(title)); peak \(largest)</text><polyline points=\"\(points)\"></polyline></svg>"
    }
}
