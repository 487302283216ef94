/*
 * livetail_store: Live Tail's session book in the store (schema component
 * "livetail") — one row per open StartLiveTail session, so that the
 * per-account session limit (logs/livetail.h) counts the sessions of every
 * node sharing the store, not those of one process.
 *
 * A row carries an expiry: its session renews it while it runs and
 * deletes it when it ends, so a row whose node died stops counting once
 * expires_ms is past. Rows are scoped by (account, region). Every
 * function acts on the calling thread's connection and joins a
 * transaction opened with lv_store_begin(). Functions returning int answer
 * 0 (or 1 / 0 as stated) and -1 with *err (LV_E_SERVICE_UNAVAILABLE) on a
 * store fault. The operations are listed in livetail_ops.def.
 */
#ifndef LV_STORE_LIVETAIL_STORE_H
#define LV_STORE_LIVETAIL_STORE_H

#include <stdint.h>

struct lv_err;
struct lv_store;

struct lv_livetail_rec {
    char id[37];                    /* the sessionId (a UUID) */
    char account[13];
    char region[64];
    char node[64];                  /* the node serving it (host/pid) */
    int64_t started_ms;
    int64_t expires_ms;             /* counts while now_ms < expires_ms */
};

/*
 * Books r when (r->account, r->region) has fewer than max sessions
 * unexpired at now_ms: 1 inserted, 0 full (nothing written). The scope's
 * expired rows are deleted on the way. Atomic on its own (a nested level)
 * and across nodes: two admits of one scope never both pass max
 * (PostgreSQL: an advisory transaction lock on the scope, held until the
 * outermost commit). A row with r->id already there is a bug.
 */
int lv_store_livetail_admit(struct lv_store *s,
                            const struct lv_livetail_rec *r, int max,
                            int64_t now_ms, struct lv_err *err);

/* Moves session id's expiry to expires_ms while its row is unexpired at
 * now_ms: 1 renewed, 0 not (no such row, or it expired: its slot may be
 * taken — book it again with admit). */
int lv_store_livetail_renew(struct lv_store *s, const char *id,
                            int64_t now_ms, int64_t expires_ms,
                            struct lv_err *err);

/* Deletes session id's row: 1 deleted, 0 there was none. */
int lv_store_livetail_remove(struct lv_store *s, const char *id,
                             struct lv_err *err);

/* How many sessions of (account, region) are unexpired at now_ms. */
int lv_store_livetail_count(struct lv_store *s, const char *account,
                            const char *region, int64_t now_ms, int64_t *n,
                            struct lv_err *err);

#endif
