#!/bin/bash
# Times the scheduler's in-order check for one long-lived key (a customer with 20,000 events,
# each delivered to six subscriptions; the last ten pending) under three outbox indexes:
# the order-keyed index before schema v5, the `seq` index of v5 and the covering
# `(seq, subscription, status)` index of v6, and v6 with v7's `delivery_progress` (what each
# subscription has delivered of the key, written by the scheduler), and v8's numbering (no index by
# event: an event's deliveries are the ids from 2^32 + seq * 1024 on). Needs the sqlite3 command-line shell
# (`apt-get install -y sqlite3`). Usage: scripts/bench-inorder-check.sh
set -euo pipefail
db=$(mktemp --suffix .sqlite)
trap 'rm -f "$db"' EXIT
sqlite3 "$db" <<'SQL'
CREATE TABLE events (seq INTEGER PRIMARY KEY, record_key TEXT NOT NULL);
CREATE INDEX events_by_key ON events (record_key, seq);
CREATE TABLE outbox (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, subscription TEXT NOT NULL, record_key TEXT NOT NULL,
                     status INTEGER NOT NULL, next_attempt_at INTEGER);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 0;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO events SELECT i, 'customer:C-1' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000),
     s(name) AS (VALUES ('a'), ('b'), ('c'), ('d'), ('e'), ('f'))
INSERT INTO outbox (seq, subscription, record_key, status, next_attempt_at)
SELECT i, name, 'customer:C-1', CASE WHEN i > 19990 THEN 0 ELSE 1 END, CASE WHEN i > 19990 THEN 0 END FROM n, s ORDER BY i, name;
CREATE TABLE delivery_progress (subscription TEXT NOT NULL, record_key TEXT NOT NULL, delivered_through INTEGER NOT NULL,
                                PRIMARY KEY (subscription, record_key)) WITHOUT ROWID;
INSERT INTO delivery_progress SELECT DISTINCT subscription, 'customer:C-1', 19990 FROM outbox;
CREATE TABLE outbox8 (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, subscription TEXT NOT NULL, record_key TEXT NOT NULL,
                      status INTEGER NOT NULL, next_attempt_at INTEGER);
CREATE INDEX outbox8_due ON outbox8 (next_attempt_at) WHERE status = 0;
INSERT INTO outbox8 SELECT 4294967296 + seq * 1024 + unicode(subscription) - 97, seq, subscription, record_key, status, next_attempt_at
FROM outbox ORDER BY seq, subscription;
SQL
by_key="SELECT count(*) FROM (SELECT o.id FROM outbox o WHERE o.status = 0 AND o.next_attempt_at <= 1
  AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.subscription = o.subscription AND p.record_key = o.record_key
                  AND p.status <> 1 AND p.id < o.id) ORDER BY o.next_attempt_at, o.id LIMIT 256);"
by_log="SELECT count(*) FROM (SELECT o.id FROM outbox o JOIN events e ON e.seq = o.seq WHERE o.status = 0 AND o.next_attempt_at <= 1
  AND NOT EXISTS (SELECT 1 FROM events pe JOIN outbox p ON p.seq = pe.seq WHERE pe.record_key = o.record_key AND pe.seq < o.seq
                  AND p.subscription = o.subscription AND p.status <> 1) ORDER BY o.next_attempt_at, o.id LIMIT 256);"
by_progress="SELECT count(*) FROM (SELECT o.id FROM outbox o JOIN events e ON e.seq = o.seq WHERE o.status = 0 AND o.next_attempt_at <= 1
  AND NOT EXISTS (SELECT 1 FROM events pe JOIN outbox p ON p.seq = pe.seq WHERE pe.record_key = o.record_key AND pe.seq < o.seq
                  AND pe.seq > COALESCE((SELECT dp.delivered_through FROM delivery_progress dp
                                         WHERE dp.subscription = o.subscription AND dp.record_key = o.record_key), 0)
                  AND p.subscription = o.subscription AND p.status <> 1) ORDER BY o.next_attempt_at, o.id LIMIT 256);"
by_range="SELECT count(*) FROM (SELECT o.id FROM outbox8 o JOIN events e ON e.seq = o.seq WHERE o.status = 0 AND o.next_attempt_at <= 1
  AND NOT EXISTS (SELECT 1 FROM events pe JOIN outbox8 p ON p.id BETWEEN 4294967296 + pe.seq * 1024 AND 4294967296 + pe.seq * 1024 + 1023
                  WHERE pe.record_key = o.record_key AND pe.seq < o.seq
                  AND pe.seq > COALESCE((SELECT dp.delivered_through FROM delivery_progress dp
                                         WHERE dp.subscription = o.subscription AND dp.record_key = o.record_key), 0)
                  AND p.subscription = o.subscription AND p.status <> 1) ORDER BY o.next_attempt_at, o.id LIMIT 256);"
measure() {
    sqlite3 "$db" "DROP INDEX IF EXISTS probe; $2"
    printf '%-52s' "$1"
    for _ in 1 2 3; do echo "$3" | sqlite3 -cmd ".timer on" "$db" | grep -o 'real [0-9.]*' | tr '\n' ' '; done
    echo
}
measure "before v5: (record_key, subscription, id)" "CREATE INDEX probe ON outbox (record_key, subscription, id)" "$by_key"
measure "v5: (seq)" "CREATE INDEX probe ON outbox (seq)" "$by_log"
measure "v6: (seq, subscription, status)" "CREATE INDEX probe ON outbox (seq, subscription, status)" "$by_log"
measure "v7: v6 and delivery_progress" "CREATE INDEX probe ON outbox (seq, subscription, status)" "$by_progress"
measure "v8: numbered by event and delivery_progress" "" "$by_range"
measure "v8 without delivery_progress" "" "${by_range//AND pe.seq > COALESCE/AND 0 = 0 AND pe.seq > 0 + 0 * COALESCE}"
