import GRDB
import WaybillCore

/// The tables of the embedded store. Migrations are append-only.
enum SQLiteSchema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY,
                        source TEXT NOT NULL,
                        event_id TEXT NOT NULL,
                        type TEXT NOT NULL,
                        subject TEXT,
                        record_key TEXT NOT NULL,
                        event_time INTEGER NOT NULL,
                        received_at INTEGER NOT NULL,
                        trace_id TEXT NOT NULL,
                        origin TEXT NOT NULL,
                        cause_seq INTEGER,
                        outcome TEXT,
                        code TEXT,
                        raw BLOB,
                        body BLOB,
                        UNIQUE (source, event_id)
                    );
                    CREATE INDEX events_by_key ON events (record_key, seq);
                    CREATE TABLE orders (
                        order_id TEXT PRIMARY KEY,
                        customer_id TEXT,
                        -- A search index derived from the state on every save; never written on its own.
                        derived_status TEXT NOT NULL,
                        awaiting_master_data INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        state BLOB NOT NULL
                    );
                    CREATE INDEX orders_by_status ON orders (derived_status, order_id);
                    CREATE INDEX orders_by_customer ON orders (customer_id, order_id);
                    CREATE INDEX orders_awaiting ON orders (awaiting_master_data) WHERE awaiting_master_data = 1;
                    CREATE TABLE customers (customer_id TEXT PRIMARY KEY, record BLOB NOT NULL);
                    CREATE TABLE products (sku TEXT PRIMARY KEY, record BLOB NOT NULL);
                    CREATE TABLE cross_references (
                        kind TEXT NOT NULL, system TEXT NOT NULL, external TEXT NOT NULL, canonical TEXT NOT NULL,
                        PRIMARY KEY (kind, system, external)
                    ) WITHOUT ROWID;
                    CREATE TABLE receivables (customer_id TEXT PRIMARY KEY, open_minor INTEGER NOT NULL) WITHOUT ROWID;
                    CREATE TABLE invoice_index (invoice_id TEXT PRIMARY KEY, order_id TEXT NOT NULL) WITHOUT ROWID;
                    CREATE TABLE parked (
                        seq INTEGER PRIMARY KEY, record_key TEXT NOT NULL, event_time INTEGER NOT NULL, received_at INTEGER NOT NULL
                    );
                    CREATE INDEX parked_by_key ON parked (record_key, event_time, seq);
                    CREATE INDEX parked_by_age ON parked (received_at);
                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY,
                        seq INTEGER NOT NULL,
                        subscription TEXT NOT NULL,
                        record_key TEXT NOT NULL,
                        type TEXT NOT NULL,
                        status INTEGER NOT NULL,        -- 0 pending, 1 delivered, 2 dead
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at INTEGER,
                        last_status INTEGER,
                        last_error TEXT,
                        created_at INTEGER NOT NULL,
                        delivered_at INTEGER
                    );
                    CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 0;
                    CREATE INDEX outbox_by_key ON outbox (record_key, subscription, id);
                    CREATE TABLE exceptions (
                        id INTEGER PRIMARY KEY,
                        kind TEXT NOT NULL,
                        code TEXT NOT NULL,
                        record_key TEXT,
                        event_seq INTEGER,
                        message TEXT NOT NULL,
                        status TEXT NOT NULL,
                        raised_at INTEGER NOT NULL,
                        resolved_at INTEGER,
                        resolved_by TEXT
                    );
                    CREATE INDEX exceptions_by_kind ON exceptions (kind, status);
                    CREATE INDEX exceptions_by_key ON exceptions (record_key, kind, status);
                    CREATE INDEX exceptions_by_event ON exceptions (event_seq);
                    """)
        }
        migrator.registerMigration("v2: subscription state and audit log") { db in
            try db.execute(
                sql: """
                    CREATE TABLE subscription_state (
                        name TEXT PRIMARY KEY, disabled INTEGER NOT NULL, reason TEXT, changed_at INTEGER NOT NULL, changed_by TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE audit_log (
                        id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT
                    );
                    """)
        }
        migrator.registerMigration("v3: X12 control numbers and interchanges") { db in
            try db.execute(
                sql: """
                    CREATE TABLE x12_control (partner TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;
                    CREATE TABLE x12_outbound (
                        partner TEXT NOT NULL, control INTEGER NOT NULL, set_code TEXT NOT NULL, delivery_id INTEGER, record_key TEXT,
                        reference TEXT NOT NULL, sent_at INTEGER NOT NULL, ack_due_at INTEGER, status TEXT NOT NULL, note TEXT,
                        PRIMARY KEY (partner, control)
                    ) WITHOUT ROWID;
                    CREATE UNIQUE INDEX x12_outbound_by_delivery ON x12_outbound (delivery_id) WHERE delivery_id IS NOT NULL;
                    CREATE INDEX x12_outbound_awaiting ON x12_outbound (ack_due_at) WHERE status = 'sent';
                    CREATE TABLE x12_inbound (
                        partner TEXT NOT NULL, control TEXT NOT NULL, received_at INTEGER NOT NULL, request BLOB NOT NULL, response BLOB NOT NULL,
                        summary TEXT NOT NULL,
                        PRIMARY KEY (partner, control)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v4: dead letters counted without a table scan") { db in
            // Dead deliveries are rare, so this partial index costs the ingest path nothing.
            try db.execute(sql: "CREATE INDEX outbox_dead ON outbox (subscription) WHERE status = 2")
        }
        migrator.registerMigration("v5: deliveries found through the log") { db in
            // An index keyed by order took several random page writes per event. The outbox is
            // now reached by its event (`seq`, which grows at the right edge) and an order's
            // deliveries through the log's `events_by_key`.
            try db.execute(sql: "DROP INDEX outbox_by_key; CREATE INDEX outbox_by_seq ON outbox (seq)")
        }
        migrator.registerMigration("v6: the in-order check reads only the index") { db in
            // The check looks up, for each earlier event of the order, the subscription's row and
            // its status: with both in the index it reads no table rows (as the old order-keyed
            // index did for a long-lived key, say a customer with years of payments).
            try db.execute(sql: "DROP INDEX outbox_by_seq; CREATE INDEX outbox_by_event ON outbox (seq, subscription, status)")
        }
        migrator.registerMigration("v7: how far each subscription has delivered each key") { db in
            // The in-order check looked at every earlier event of a key (a customer with years
            // of payments made each of its deliveries cost its whole history). A row here says:
            // every delivery of this key to this subscription up to `delivered_through` is
            // delivered, so the check starts after it. No row: nothing is known, look at all.
            // Written by the scheduler when it records a delivery, never on ingest.
            try db.execute(
                sql: """
                    CREATE TABLE delivery_progress (
                        subscription TEXT NOT NULL, record_key TEXT NOT NULL, delivered_through INTEGER NOT NULL,
                        PRIMARY KEY (subscription, record_key)
                    ) WITHOUT ROWID
                    """)
        }
        migrator.registerMigration("v8: deliveries numbered by their event") { db in
            // The index by event took a third of what writing a delivery costs (about 9 % of the
            // bench's rate). New deliveries are numbered `DeliveryIds.first(of: seq) + n`, so the
            // table itself is ordered by event and an event's deliveries are one range of it.
            // Rows written before keep their ids (they are in webhook-ids, X12 interchanges and
            // audit entries) and their index, which no new row enters.
            let largest = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM outbox") ?? 0
            guard largest < DeliveryIds.base else {
                throw WaybillError(
                    .deliveryIdsExhausted, "the outbox holds delivery id \(largest); ids from \(DeliveryIds.base) up are reserved for numbering by event")
            }
            try db.execute(
                sql: """
                    CREATE INDEX outbox_before_v8 ON outbox (seq, subscription, status) WHERE id < \(DeliveryIds.base);
                    DROP INDEX outbox_by_event;
                    """)
        }
        migrator.registerMigration("v9: what a parked event waits for") { db in
            // An event may now wait on a known order for a shipment or invoice it names, not
            // only for its order; this says which (for the sequencing exception and the view).
            try db.execute(sql: "ALTER TABLE parked ADD COLUMN awaiting TEXT")
        }
        migrator.registerMigration("v10: hub processes' heartbeats") { db in
            // Written every few seconds by housekeeping: a write that fails when the store cannot
            // take writes (a full disk), so readiness sees it, and sees it recover.
            try db.execute(sql: "CREATE TABLE heartbeats (node TEXT PRIMARY KEY, seen_at INTEGER NOT NULL) WITHOUT ROWID")
        }
        migrator.registerMigration("v11: refused events kept for reprocessing") { db in
            try db.execute(
                sql: """
                    CREATE TABLE refused (
                        seq INTEGER PRIMARY KEY, record_key TEXT NOT NULL, code TEXT NOT NULL, refused_at INTEGER NOT NULL
                    );
                    CREATE INDEX refused_by_code ON refused (code, seq);
                    INSERT INTO refused (seq, record_key, code, refused_at)
                        SELECT seq, record_key, code, received_at FROM events
                        WHERE origin = 'inbound' AND outcome = 'exception' AND code IS NOT NULL
                          AND code NOT IN ('invoice_price_mismatch', 'carrier_exception', 'shipped_while_held', 'over_payment',
                                           'unapplied_cash', 'unknown_invoice', 'currency_mismatch');
                    """)
        }
        migrator.registerMigration("v12: systems' own payloads kept when they cannot be mapped") { db in
            try db.execute(
                sql: """
                    CREATE TABLE kept_payloads (
                        id INTEGER PRIMARY KEY, system TEXT NOT NULL, delivery_id TEXT, received_at INTEGER NOT NULL,
                        headers TEXT NOT NULL, body BLOB NOT NULL, error TEXT NOT NULL
                    );
                    CREATE UNIQUE INDEX kept_payloads_by_delivery ON kept_payloads (system, delivery_id) WHERE delivery_id IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v13: ids systems gave our records (captured from their answers)") { db in
            try db.execute(
                sql: """
                    CREATE TABLE external_ids (
                        kind TEXT NOT NULL, system TEXT NOT NULL, canonical TEXT NOT NULL, external TEXT NOT NULL,
                        PRIMARY KEY (kind, system, canonical)
                    ) WITHOUT ROWID;
                    CREATE INDEX external_ids_by_external ON external_ids (kind, system, external);
                    """)
        }
        migrator.registerMigration("v14: service-level clocks and KPI rollups") { db in
            // A clock per (clock, subject), started and stopped where what it times happens (the
            // ingest and delivery transactions), breached by housekeeping: the running ones due
            // next and the breached ones are partial indexes, so a round reads only those.
            // `kpi_days` holds one running aggregate per (measure, dimension, day), so a KPI window
            // reads a few rows per day, never the orders or the log. Both start empty: what was
            // stored before this version has no clocks and is not in the KPIs.
            try db.execute(
                sql: """
                    CREATE TABLE slo_clocks (
                        id INTEGER PRIMARY KEY,
                        clock TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        record_key TEXT NOT NULL,
                        started_at INTEGER NOT NULL,
                        due_at INTEGER NOT NULL,
                        high_value INTEGER NOT NULL,
                        awaited_seq INTEGER,
                        awaited_subscriptions TEXT NOT NULL DEFAULT '',
                        target INTEGER,
                        stopped_at INTEGER,
                        exception_id INTEGER,
                        UNIQUE (clock, subject)
                    );
                    CREATE INDEX slo_clocks_due ON slo_clocks (due_at) WHERE stopped_at IS NULL AND exception_id IS NULL;
                    CREATE INDEX slo_clocks_breached ON slo_clocks (id) WHERE stopped_at IS NULL AND exception_id IS NOT NULL;
                    CREATE INDEX slo_clocks_awaiting ON slo_clocks (awaited_seq) WHERE stopped_at IS NULL AND awaited_seq IS NOT NULL;
                    CREATE INDEX slo_clocks_by_key ON slo_clocks (record_key, clock) WHERE stopped_at IS NULL;
                    CREATE TABLE kpi_days (
                        measure TEXT NOT NULL, dimension TEXT NOT NULL, day INTEGER NOT NULL,
                        count INTEGER NOT NULL, total INTEGER NOT NULL, maximum INTEGER NOT NULL,
                        PRIMARY KEY (measure, dimension, day)
                    ) WITHOUT ROWID;
                    CREATE INDEX kpi_days_by_day ON kpi_days (day);
                    """)
        }
        migrator.registerMigration("v15: pending deliveries by subscription") { db in
            // The console's backlog figures: counted (up to a cap) and their oldest found from
            // this index alone, however many deliveries wait.
            try db.execute(sql: "CREATE INDEX outbox_pending_by_subscription ON outbox (subscription, created_at) WHERE status = 0")
        }
        migrator.registerMigration("v16: leases of periodic jobs, retention") { db in
            // Which process runs the periodic jobs, until when (`StoreTransaction.holdLease`).
            try db.execute(sql: "CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until INTEGER NOT NULL) WITHOUT ROWID")
            // Delivered deliveries by when, for `retention.deliveries`.
            try db.execute(sql: "CREATE INDEX outbox_delivered ON outbox (delivered_at) WHERE status = 1")
        }
        return migrator
    }
}

/// How deliveries written since schema v8 are numbered: from `base`, `perEvent` ids for each
/// event in log order, so that an event's deliveries are one range of the outbox table and an
/// id names its event. Ids below `base` were given out before v8.
enum DeliveryIds {
    static let base: Int64 = 1 << 32
    static let perEvent: Int64 = 1024

    static func first(of seq: Int64) -> Int64 { base + seq * perEvent }
}
