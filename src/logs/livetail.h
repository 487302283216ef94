/*
 * livetail: the book of a Logs service's Live Tail sessions
 * (StartLiveTail, livetail.c), which enforces the session limits. The
 * sessions themselves are streams the HTTP front owns (svc/req.h struct
 * lv_stream); a session leaves the book when the front frees it.
 *
 * The per-account limit counts the sessions of every node sharing the
 * store: each session has a row in the store's session book
 * (store/livetail_store.h), booked when it starts, renewed every
 * LV_LIVETAIL_RENEW_MS while it runs, deleted when it ends (client gone,
 * three hours, server stop). A row counts until LV_LIVETAIL_EXPIRY_MS
 * after its last renewal, so the slots of a node that dies (SIGKILL, lost
 * power) come back at most LV_LIVETAIL_EXPIRY_MS after its death. The
 * per-server cap (LV_LIVETAIL_MAX_SESSIONS) is this process's own.
 */
#ifndef LV_LOGS_LIVETAIL_H
#define LV_LOGS_LIVETAIL_H

/* Events in one sessionUpdate at most ("as many as 500 log events"). */
#define LV_LIVETAIL_MAX_EVENTS 500
/* Concurrent sessions per account and region (CloudWatch Logs quota). */
#define LV_LIVETAIL_MAX_PER_ACCOUNT 15
/* Concurrent sessions in one server, over every account. */
#define LV_LIVETAIL_MAX_SESSIONS 100
/* How often a running session renews its row in the store's book. */
#define LV_LIVETAIL_RENEW_MS 5000
/* How long a row counts after its last renewal (3 renewals: a slow poll
 * or a short store outage does not drop a live session's slot). */
#define LV_LIVETAIL_EXPIRY_MS (3 * LV_LIVETAIL_RENEW_MS)

struct lv_logs_livetail;

struct lv_logs_livetail *lv_logs_livetail_new(void);
/* Frees the book; every session must have been freed (else LV_BUG).
 * NULL is a no-op. */
void lv_logs_livetail_free(struct lv_logs_livetail *reg);

#endif
