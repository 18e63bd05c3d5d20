/// The tables of the PostgreSQL store, in their own schema, as versioned migrations recorded in
/// `schema_migrations`. Migrations are append-only; `PostgresMigrator` applies the missing ones.
///
/// The tables mirror the SQLite store's (SQLiteSchema v1…v14) with PostgreSQL's types: times are
/// `bigint` milliseconds as there, byte strings `bytea`, flags `boolean`. What differs:
/// * the log's `seq`, the outbox's, exceptions' and others' ids are identity columns: numbers are
///   drawn by many nodes at once, so gaps are possible and commit order is not number order —
///   except per record key, whose appends hold the key's lock (`PostgresTransaction.lock`);
/// * deliveries are not numbered by their event (SQLite v8) and there is no `delivery_progress`
///   (v7): the in-order check reads a partial index of the undelivered rows only
///   (`outbox_undelivered`), which stays small however long a key lives;
/// * EDI control numbers come from one database SEQUENCE per partner, created on its first
///   draw (`PostgresTransaction.nextControlNumber`), not from a table row.
enum PostgresSchema {
    struct Migration {
        let version: Int
        let name: String
        /// One statement each: the extended protocol runs one statement per query.
        let statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "log, projections, outbox, exceptions",
            statements: [
                """
                CREATE TABLE events (
                    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    source text NOT NULL, event_id text NOT NULL, type text NOT NULL, subject text, record_key text NOT NULL,
                    event_time bigint NOT NULL, received_at bigint NOT NULL, trace_id text NOT NULL, origin text NOT NULL,
                    cause_seq bigint, outcome text, code text, raw bytea, body bytea,
                    UNIQUE (source, event_id)
                )
                """,
                "CREATE INDEX events_by_key ON events (record_key, seq)",
                "CREATE INDEX events_replayed ON events (seq) WHERE origin IN ('inbound', 'reprocessed')",
                """
                CREATE TABLE orders (
                    order_id text PRIMARY KEY, customer_id text, derived_status text NOT NULL, awaiting_master_data boolean NOT NULL,
                    updated_at bigint NOT NULL, state bytea NOT NULL
                )
                """,
                "CREATE INDEX orders_by_status ON orders (derived_status, order_id)",
                "CREATE INDEX orders_by_customer ON orders (customer_id, order_id)",
                "CREATE INDEX orders_awaiting ON orders (order_id) WHERE awaiting_master_data",
                "CREATE TABLE customers (customer_id text PRIMARY KEY, record bytea NOT NULL)",
                "CREATE TABLE products (sku text PRIMARY KEY, record bytea NOT NULL)",
                """
                CREATE TABLE cross_references (
                    kind text NOT NULL, system text NOT NULL, external text NOT NULL, canonical text NOT NULL, PRIMARY KEY (kind, system, external)
                )
                """,
                """
                CREATE TABLE external_ids (
                    kind text NOT NULL, system text NOT NULL, canonical text NOT NULL, external text NOT NULL, PRIMARY KEY (kind, system, canonical)
                )
                """,
                "CREATE INDEX external_ids_by_external ON external_ids (kind, system, external)",
                "CREATE TABLE receivables (customer_id text PRIMARY KEY, open_minor bigint NOT NULL)",
                "CREATE TABLE invoice_index (invoice_id text PRIMARY KEY, order_id text NOT NULL)",
                """
                CREATE TABLE parked (
                    seq bigint PRIMARY KEY, record_key text NOT NULL, event_time bigint NOT NULL, received_at bigint NOT NULL, awaiting text
                )
                """,
                "CREATE INDEX parked_by_key ON parked (record_key, event_time, seq)",
                "CREATE INDEX parked_by_age ON parked (received_at)",
                "CREATE TABLE refused (seq bigint PRIMARY KEY, record_key text NOT NULL, code text NOT NULL, refused_at bigint NOT NULL)",
                "CREATE INDEX refused_by_code ON refused (code, seq)",
                """
                CREATE TABLE kept_payloads (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, system text NOT NULL, delivery_id text, received_at bigint NOT NULL,
                    headers text NOT NULL, body bytea NOT NULL, error text NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX kept_payloads_by_delivery ON kept_payloads (system, delivery_id) WHERE delivery_id IS NOT NULL",
                """
                CREATE TABLE outbox (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    seq bigint NOT NULL, subscription text NOT NULL, record_key text NOT NULL, type text NOT NULL,
                    status smallint NOT NULL, -- 0 pending, 1 delivered, 2 dead
                    attempts integer NOT NULL DEFAULT 0, next_attempt_at bigint, last_status integer, last_error text,
                    created_at bigint NOT NULL, delivered_at bigint
                )
                """,
                "CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 0",
                // The in-order check: an earlier undelivered delivery of the key to the subscription.
                "CREATE INDEX outbox_undelivered ON outbox (record_key, subscription, seq) WHERE status <> 1",
                "CREATE INDEX outbox_by_event ON outbox (seq)",
                "CREATE INDEX outbox_by_key ON outbox (record_key, id)",
                "CREATE INDEX outbox_dead ON outbox (subscription) WHERE status = 2",
                """
                CREATE TABLE exceptions (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    kind text NOT NULL, code text NOT NULL, record_key text, event_seq bigint, message text NOT NULL, status text NOT NULL,
                    raised_at bigint NOT NULL, resolved_at bigint, resolved_by text
                )
                """,
                "CREATE INDEX exceptions_by_kind ON exceptions (kind, status)",
                "CREATE INDEX exceptions_by_key ON exceptions (record_key, kind, status)",
                "CREATE INDEX exceptions_by_event ON exceptions (event_seq)",
            ]),
        Migration(
            version: 2, name: "subscription state, audit log, heartbeats",
            statements: [
                """
                CREATE TABLE subscription_state (
                    name text PRIMARY KEY, disabled boolean NOT NULL, reason text, changed_at bigint NOT NULL, changed_by text NOT NULL
                )
                """,
                """
                CREATE TABLE audit_log (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at bigint NOT NULL, actor text NOT NULL, action text NOT NULL,
                    target text NOT NULL, detail text
                )
                """,
                "CREATE TABLE heartbeats (node text PRIMARY KEY, seen_at bigint NOT NULL)",
            ]),
        Migration(
            version: 3, name: "X12 interchanges",
            statements: [
                """
                CREATE TABLE x12_outbound (
                    partner text NOT NULL, control bigint NOT NULL, set_code text NOT NULL, delivery_id bigint, record_key text,
                    reference text NOT NULL, sent_at bigint NOT NULL, ack_due_at bigint, status text NOT NULL, note text,
                    PRIMARY KEY (partner, control)
                )
                """,
                "CREATE UNIQUE INDEX x12_outbound_by_delivery ON x12_outbound (delivery_id) WHERE delivery_id IS NOT NULL",
                "CREATE INDEX x12_outbound_awaiting ON x12_outbound (ack_due_at) WHERE status = 'sent'",
                """
                CREATE TABLE x12_inbound (
                    partner text NOT NULL, control text NOT NULL, received_at bigint NOT NULL, request bytea NOT NULL, response bytea NOT NULL,
                    summary text NOT NULL, PRIMARY KEY (partner, control)
                )
                """,
            ]),
        Migration(
            version: 4, name: "service-level clocks and KPI rollups",
            statements: [
                """
                CREATE TABLE slo_clocks (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    clock text NOT NULL, subject text NOT NULL, record_key text NOT NULL, started_at bigint NOT NULL, due_at bigint NOT NULL,
                    high_value boolean NOT NULL, awaited_seq bigint, awaited_subscriptions text NOT NULL DEFAULT '', target bigint,
                    stopped_at bigint, exception_id bigint,
                    UNIQUE (clock, subject)
                )
                """,
                "CREATE INDEX slo_clocks_due ON slo_clocks (due_at, id) WHERE stopped_at IS NULL AND exception_id IS NULL",
                "CREATE INDEX slo_clocks_breached ON slo_clocks (id) WHERE stopped_at IS NULL AND exception_id IS NOT NULL",
                "CREATE INDEX slo_clocks_awaiting ON slo_clocks (awaited_seq) WHERE stopped_at IS NULL AND awaited_seq IS NOT NULL",
                "CREATE INDEX slo_clocks_by_key ON slo_clocks (record_key, clock) WHERE stopped_at IS NULL",
                """
                CREATE TABLE kpi_days (
                    measure text NOT NULL, dimension text NOT NULL, day bigint NOT NULL,
                    count bigint NOT NULL, total bigint NOT NULL, maximum bigint NOT NULL,
                    PRIMARY KEY (measure, dimension, day)
                )
                """,
                "CREATE INDEX kpi_days_by_day ON kpi_days (day)",
            ]),
        Migration(
            version: 5, name: "pending deliveries by subscription",
            statements: ["CREATE INDEX outbox_pending_by_subscription ON outbox (subscription, created_at) WHERE status = 0"]),
        Migration(
            version: 6, name: "delivery claims, leases, retention",
            statements: [
                // Which node attempts a pending delivery, and until when its claim holds.
                "ALTER TABLE outbox ADD COLUMN claimed_by text, ADD COLUMN claimed_until bigint",
                "CREATE INDEX outbox_claimed ON outbox (subscription, claimed_until) WHERE claimed_by IS NOT NULL",
                // Claims take each subscription's due heads oldest first (`PostgresStore+Claims`);
                // no node reads the whole outbox by due time any more.
                "CREATE INDEX outbox_due_by_subscription ON outbox (subscription, next_attempt_at, id) WHERE status = 0",
                "DROP INDEX outbox_due",
                // Periodic jobs run by one node at a time: who holds each, until when.
                "CREATE TABLE leases (name text PRIMARY KEY, holder text NOT NULL, until bigint NOT NULL)",
                // Delivered deliveries by when, for `retention.deliveries`.
                "CREATE INDEX outbox_delivered ON outbox (delivered_at) WHERE status = 1",
            ]),
        Migration(
            version: 7, name: "circuit breakers shared by nodes",
            statements: ["CREATE TABLE circuits (endpoint text PRIMARY KEY, open_until bigint NOT NULL)"]),
    ]
}
