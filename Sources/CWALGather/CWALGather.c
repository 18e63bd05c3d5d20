/*
 * A VFS that wraps the default one and, for one connection's write-ahead log, gathers the frames
 * SQLite writes (two writes per frame: its 24-byte header, then the page) into a buffer written
 * in a few large writes. The buffer is written out before anything that could observe the file:
 * a sync (a commit, with synchronous=FULL), a read, a size, a truncate, a file control, a
 * memory-mapped fetch, a close, or a write that does not follow on. Other connections see a
 * commit's frames only once the writer has synced them, so gathering is only turned on for a
 * connection that syncs at every commit. Every other file goes straight to the wrapped VFS.
 */
#include <sqlite3.h>
#include <string.h>
#include <stdlib.h>
#include <pthread.h>
#include "CWALGather.h"

#define GATHER_CAPACITY (4 * 1024 * 1024)
#define MAX_WRITE 0x1ffff

typedef struct GatherFile {
    sqlite3_file base;      /* pMethods: ours */
    sqlite3_file *real;     /* the wrapped file, allocated right after this struct */
    int gather;             /* gathering turned on */
    unsigned char *buffer;  /* frames not yet written */
    sqlite3_int64 start;    /* file offset of buffer[0] */
    int used;
} GatherFile;

static sqlite3_vfs *realVfs = 0;
static sqlite3_vfs gatherVfs;
static sqlite3_io_methods gatherMethods;

/* Writes `amount` bytes at `offset` in pieces the unix VFS accepts (at most 128 KB - 1 a call). */
static int writeOut(GatherFile *f, const unsigned char *data, int amount, sqlite3_int64 offset) {
    int done = 0, rc = SQLITE_OK;
    while (done < amount && rc == SQLITE_OK) {
        int n = amount - done < MAX_WRITE ? amount - done : MAX_WRITE;
        rc = f->real->pMethods->xWrite(f->real, data + done, n, offset + done);
        done += n;
    }
    return rc;
}

static int flush(GatherFile *f) {
    if (f->used == 0) return SQLITE_OK;
    int rc = writeOut(f, f->buffer, f->used, f->start);
    f->used = 0;
    return rc;
}

static int gClose(sqlite3_file *file) {
    GatherFile *f = (GatherFile *)file;
    int rc = flush(f);
    int rc2 = f->real->pMethods->xClose(f->real);
    free(f->buffer);
    f->buffer = 0;
    return rc != SQLITE_OK ? rc : rc2;
}

static int gRead(sqlite3_file *file, void *out, int amount, sqlite3_int64 offset) {
    GatherFile *f = (GatherFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xRead(f->real, out, amount, offset);
}

static int gWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset) {
    GatherFile *f = (GatherFile *)file;
    if (!f->gather) return f->real->pMethods->xWrite(f->real, data, amount, offset);
    if (f->used > 0 && (offset != f->start + f->used || f->used + amount > GATHER_CAPACITY)) {
        int rc = flush(f);
        if (rc != SQLITE_OK) return rc;
    }
    if (amount > MAX_WRITE) {
        /* Larger than one write may be (never a WAL frame): what is gathered goes first. */
        int rc = flush(f);
        if (rc != SQLITE_OK) return rc;
        return writeOut(f, data, amount, offset);
    }
    if (!f->buffer) {
        f->buffer = malloc(GATHER_CAPACITY);
        if (!f->buffer) return f->real->pMethods->xWrite(f->real, data, amount, offset);
    }
    if (f->used == 0) f->start = offset;
    memcpy(f->buffer + f->used, data, (size_t)amount);
    f->used += amount;
    return SQLITE_OK;
}

static int gTruncate(sqlite3_file *file, sqlite3_int64 size) {
    GatherFile *f = (GatherFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xTruncate(f->real, size);
}

static int gSync(sqlite3_file *file, int flags) {
    GatherFile *f = (GatherFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xSync(f->real, flags);
}

static int gFileSize(sqlite3_file *file, sqlite3_int64 *size) {
    GatherFile *f = (GatherFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xFileSize(f->real, size);
}

static int gLock(sqlite3_file *file, int lock) { GatherFile *f = (GatherFile *)file; return f->real->pMethods->xLock(f->real, lock); }
static int gUnlock(sqlite3_file *file, int lock) { GatherFile *f = (GatherFile *)file; return f->real->pMethods->xUnlock(f->real, lock); }
static int gCheckReservedLock(sqlite3_file *file, int *out) {
    GatherFile *f = (GatherFile *)file;
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}
static int gFileControl(sqlite3_file *file, int op, void *arg) {
    GatherFile *f = (GatherFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xFileControl(f->real, op, arg);
}
static int gSectorSize(sqlite3_file *file) { GatherFile *f = (GatherFile *)file; return f->real->pMethods->xSectorSize(f->real); }
static int gDeviceCharacteristics(sqlite3_file *file) {
    GatherFile *f = (GatherFile *)file;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}
static int gShmMap(sqlite3_file *file, int region, int size, int extend, void volatile **out) {
    GatherFile *f = (GatherFile *)file;
    if (f->real->pMethods->iVersion < 2) return SQLITE_IOERR_SHMMAP;
    return f->real->pMethods->xShmMap(f->real, region, size, extend, out);
}
static int gShmLock(sqlite3_file *file, int offset, int n, int flags) {
    GatherFile *f = (GatherFile *)file;
    if (f->real->pMethods->iVersion < 2) return SQLITE_IOERR_SHMLOCK;
    return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}
static void gShmBarrier(sqlite3_file *file) {
    GatherFile *f = (GatherFile *)file;
    if (f->real->pMethods->iVersion >= 2) f->real->pMethods->xShmBarrier(f->real);
}
static int gShmUnmap(sqlite3_file *file, int deleteFlag) {
    GatherFile *f = (GatherFile *)file;
    if (f->real->pMethods->iVersion < 2) return SQLITE_OK;
    return f->real->pMethods->xShmUnmap(f->real, deleteFlag);
}
static int gFetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out) {
    GatherFile *f = (GatherFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    if (f->real->pMethods->iVersion < 3) {
        *out = 0;
        return SQLITE_OK;
    }
    return f->real->pMethods->xFetch(f->real, offset, amount, out);
}
static int gUnfetch(sqlite3_file *file, sqlite3_int64 offset, void *p) {
    GatherFile *f = (GatherFile *)file;
    if (f->real->pMethods->iVersion < 3) return SQLITE_OK;
    return f->real->pMethods->xUnfetch(f->real, offset, p);
}

static int gOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *outFlags) {
    (void)vfs;
    GatherFile *f = (GatherFile *)file;
    memset(f, 0, sizeof(GatherFile));
    f->real = (sqlite3_file *)&f[1];
    int rc = realVfs->xOpen(realVfs, name, f->real, flags, outFlags);
    if (rc != SQLITE_OK || f->real->pMethods == 0) {
        /* Nothing to wrap: SQLite calls no method (or only xClose when pMethods is set). */
        file->pMethods = 0;
        if (f->real->pMethods) f->real->pMethods->xClose(f->real);
        return rc;
    }
    file->pMethods = &gatherMethods;
    return SQLITE_OK;
}

static int gDelete(sqlite3_vfs *vfs, const char *name, int syncDir) { (void)vfs; return realVfs->xDelete(realVfs, name, syncDir); }
static int gAccess(sqlite3_vfs *vfs, const char *name, int flags, int *out) { (void)vfs; return realVfs->xAccess(realVfs, name, flags, out); }
static int gFullPathname(sqlite3_vfs *vfs, const char *name, int n, char *out) {
    (void)vfs;
    return realVfs->xFullPathname(realVfs, name, n, out);
}
static void *gDlOpen(sqlite3_vfs *vfs, const char *name) { (void)vfs; return realVfs->xDlOpen(realVfs, name); }
static void gDlError(sqlite3_vfs *vfs, int n, char *out) { (void)vfs; realVfs->xDlError(realVfs, n, out); }
static void (*gDlSym(sqlite3_vfs *vfs, void *p, const char *sym))(void) { (void)vfs; return realVfs->xDlSym(realVfs, p, sym); }
static void gDlClose(sqlite3_vfs *vfs, void *p) { (void)vfs; realVfs->xDlClose(realVfs, p); }
static int gRandomness(sqlite3_vfs *vfs, int n, char *out) { (void)vfs; return realVfs->xRandomness(realVfs, n, out); }
static int gSleep(sqlite3_vfs *vfs, int us) { (void)vfs; return realVfs->xSleep(realVfs, us); }
static int gCurrentTime(sqlite3_vfs *vfs, double *out) { (void)vfs; return realVfs->xCurrentTime(realVfs, out); }
static int gGetLastError(sqlite3_vfs *vfs, int n, char *out) { (void)vfs; return realVfs->xGetLastError(realVfs, n, out); }
static int gCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *out) { (void)vfs; return realVfs->xCurrentTimeInt64(realVfs, out); }

static int registered = SQLITE_ERROR;
static pthread_once_t registerOnce = PTHREAD_ONCE_INIT;

static void registerGatherVfs(void) {
    sqlite3_vfs *real = sqlite3_vfs_find(0);
    if (!real) return;
    gatherMethods = (sqlite3_io_methods){
        3, gClose, gRead, gWrite, gTruncate, gSync, gFileSize, gLock, gUnlock, gCheckReservedLock, gFileControl, gSectorSize,
        gDeviceCharacteristics, gShmMap, gShmLock, gShmBarrier, gShmUnmap, gFetch, gUnfetch};
    gatherVfs = (sqlite3_vfs){
        .iVersion = real->iVersion < 3 ? real->iVersion : 3,
        .szOsFile = (int)sizeof(GatherFile) + real->szOsFile,
        .mxPathname = real->mxPathname,
        .zName = "waybill-gather",
        .xOpen = gOpen, .xDelete = gDelete, .xAccess = gAccess, .xFullPathname = gFullPathname,
        .xDlOpen = gDlOpen, .xDlError = gDlError, .xDlSym = gDlSym, .xDlClose = gDlClose,
        .xRandomness = gRandomness, .xSleep = gSleep, .xCurrentTime = gCurrentTime, .xGetLastError = gGetLastError,
        .xCurrentTimeInt64 = real->iVersion >= 2 ? gCurrentTimeInt64 : 0,
        /* Version 3's system-call hooks are the real VFS's own. */
        .xSetSystemCall = real->iVersion >= 3 ? real->xSetSystemCall : 0,
        .xGetSystemCall = real->iVersion >= 3 ? real->xGetSystemCall : 0,
        .xNextSystemCall = real->iVersion >= 3 ? real->xNextSystemCall : 0,
    };
    realVfs = real;
    registered = sqlite3_vfs_register(&gatherVfs, 1);
}

int waybill_wal_gather_register(void) {
    pthread_once(&registerOnce, registerGatherVfs);
    return registered;
}

int waybill_wal_gathering(sqlite3 *db) {
    sqlite3_file *file = 0;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file) != SQLITE_OK) return 0;
    return file && file->pMethods == &gatherMethods && ((GatherFile *)file)->gather;
}

int waybill_wal_gather(sqlite3 *db) {
    sqlite3_file *file = 0;
    int rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file);
    if (rc != SQLITE_OK) return rc;
    if (!file || file->pMethods != &gatherMethods) return SQLITE_NOTFOUND;
    ((GatherFile *)file)->gather = 1;
    return SQLITE_OK;
}
