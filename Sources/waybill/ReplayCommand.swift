import ArgumentParser
import Foundation
import WaybillConfig
import WaybillCore
import WaybillEngine

/// `waybill replay`: the operator's replays against a store, when no `waybill serve` runs on it
/// (with one running, the same actions are its API's: `POST /v1/deliveries/{id}/retry`,
/// `POST /v1/subscriptions/{name}/replay`, `POST /v1/exceptions/{id}/reprocess`).
///
/// ```
/// waybill replay delivery 4295053314 --store sqlite:waybill.sqlite   (or postgres://…)
/// waybill replay subscription erp-orders --from 2026-12-01T00:00:00Z --to 2026-12-02T00:00:00Z
/// waybill replay events --code unknown_customer
/// waybill replay rebuild
/// ```
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Resend deliveries, reprocess refused events, or rebuild the projections from the log.",
        subcommands: [Delivery.self, Subscription.self, Events.self, Rebuild.self, Move.self]
    )

    /// Options every replay takes.
    struct Common: ParsableArguments {
        @OptionGroup var hub: HubOptions

        @Option(name: .customLong("as"), help: "Who acts, for the audit log.")
        var actor = "cli"

        /// The hub over the configured store, refusing when a `waybill serve` beats on it (its
        /// caches would not see what this process changes).
        func open() async throws -> Hub {
            let configuration = try hub.configuration()
            let clock = SystemClock()
            let hub = Hub(
                store: try await HubOptions.openStore(configuration), landscape: configuration.landscape,
                policies: configuration.policies, clock: clock, random: HubRandom(seed: UInt64.random(in: 1...UInt64.max)),
                serviceLevels: configuration.serviceLevels)
            let now = clock.now()
            let beats = try await hub.store.read { try $0.heartbeats() }
            if let (node, seen) = beats.first(where: { now.milliseconds - $0.value.milliseconds < 15_000 }) {
                throw ValidationError(
                    "a waybill serve (\(node)) is running on this store (heartbeat at \(seen)): use its API, or stop it first")
            }
            return hub
        }
    }

    static func print(_ value: JSONValue) {
        FileHandle.standardOutput.write(Data(JSONWriter.sortedBytes(value) + [0x0A]))
    }

    struct Delivery: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send one delivery again (it keeps its webhook-id).")

        @Argument(help: "The delivery id.")
        var id: Int64

        @OptionGroup var common: Common

        func run() async throws {
            let hub = try await common.open()
            guard try await hub.retry(delivery: id, by: common.actor) else { throw ValidationError("there is no delivery \(id)") }
            ReplayCommand.print(.members([("delivery", .int(Int(id))), ("status", .string("pending"))]))
        }
    }

    struct Subscription: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a subscription's deliveries again over a range: log sequence numbers (--from 120 --to 480) or receive times (RFC 3339).")

        @Argument(help: "The subscription name.")
        var name: String

        @Option(help: "From this sequence number or time (inclusive).")
        var from: String?

        @Option(help: "To this sequence number or time (inclusive).")
        var to: String?

        @OptionGroup var common: Common

        func run() async throws {
            guard from != nil || to != nil else { throw ValidationError("give --from, --to or both") }
            let bounds = [from, to].compactMap { $0 }
            let bySeq = bounds.allSatisfy { Int64($0) != nil }
            guard bySeq || bounds.allSatisfy({ Timestamp(rfc3339: $0) != nil }) else {
                throw ValidationError("--from and --to are both sequence numbers or both RFC 3339 times (2026-12-01T08:00:00Z)")
            }
            let seqs = bySeq ? (from.flatMap { Int64($0) } ?? 0)...(to.flatMap { Int64($0) } ?? Int64.max) : nil
            let times =
                bySeq
                ? nil
                : (from.flatMap { Timestamp(rfc3339: $0) } ?? Timestamp(milliseconds: .min))...(to.flatMap { Timestamp(rfc3339: $0) }
                    ?? Timestamp(milliseconds: .max))
            let hub = try await common.open()
            let count = try await hub.replay(subscription: SubscriptionName(name), seqs: seqs, received: times, by: common.actor)
            ReplayCommand.print(.members([("subscription", .string(name)), ("requeued", .int(count))]))
        }
    }

    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reprocess refused inbound events once their cause is fixed: the one behind an exception, one by sequence number, or all with a code.")

        @Option(help: "The exception whose refused event to reprocess.")
        var exception: Int64?

        @Option(help: "The refused event's log sequence number.")
        var seq: Int64?

        @Option(help: "Every refused event with this code (unknown_customer, order_on_hold, …).")
        var code: String?

        @OptionGroup var common: Common

        func validate() throws {
            guard [exception != nil, seq != nil, code != nil].filter({ $0 }).count == 1 else {
                throw ValidationError("give exactly one of --exception, --seq, --code")
            }
        }

        func run() async throws {
            let hub = try await common.open()
            var results: [(Int64, EventResult)] = []
            if let exception {
                let seq = try await hub.store.read { try $0.exception(exception)?.eventSeq }
                results = [(seq ?? 0, try await hub.reprocess(exception: exception, by: common.actor))]
            } else if let seq {
                results = [(seq, try await hub.reprocess(seq: seq, by: common.actor))]
            } else if let code {
                results = try await hub.reprocessRefused(code: code, by: common.actor).map { ($0.seq, $0.result) }
            }
            let items: [JSONValue] = results.map { seq, result in .members([("seq", .int(Int(seq))), ("result", result.json)]) }
            ReplayCommand.print(.members([("reprocessed", .array(items))]))
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A cutover's explicit step: move a retired subscription's undelivered deliveries to the subscription replacing it.")

        @Option(help: "The retired subscription.")
        var from: String

        @Option(help: "The subscription that replaces it (same system).")
        var to: String

        @OptionGroup var common: Common

        func run() async throws {
            let hub = try await common.open()
            let moved = try await hub.moveDeliveries(from: SubscriptionName(from), to: SubscriptionName(to), by: common.actor)
            ReplayCommand.print(.members([("from", .string(from)), ("to", .string(to)), ("moved", .int(moved))]))
        }
    }

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild every projection (orders, master data, parked and refused events) from the event log; says whether it matches what was there.")

        @OptionGroup var common: Common

        func run() async throws {
            let hub = try await common.open()
            let before = try await hub.store.read { try $0.projectionDigest() }
            try await hub.rebuildProjections()
            let after = try await hub.store.read { try $0.projectionDigest() }
            let events = try await hub.store.read { try $0.eventCount() }
            ReplayCommand.print(.members([("events", .int(events)), ("rebuilt", .bool(true)), ("sameAsBefore", .bool(before == after))]))
        }
    }
}
