#ifndef CWALGATHER_H
#define CWALGATHER_H

typedef struct sqlite3 sqlite3;

/// Registers, once per process, a VFS that wraps the default one and can gather the frames a
/// connection writes to its WAL into a few large writes, flushed before the WAL is synced, read,
/// sized, truncated or closed. It becomes the default VFS; files behave exactly as before until
/// `waybill_wal_gather` turns gathering on for one connection's WAL. Returns an SQLite code.
int waybill_wal_gather_register(void);

/// Turns gathering on for the WAL of `db` (which must already be open in WAL mode). Only for a
/// connection that syncs the WAL at every commit (`synchronous=FULL`): other connections see a
/// commit's frames once the WAL is synced. Returns an SQLite code; SQLITE_NOTFOUND if the WAL
/// is not open or not ours.
int waybill_wal_gather(sqlite3 *db);

/// Whether gathering is on for the WAL of `db`.
int waybill_wal_gathering(sqlite3 *db);

#endif
