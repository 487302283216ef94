/*
 * livetail: the book of a Logs service's Live Tail sessions
 * (StartLiveTail, livetail.c), which enforces the session limits. The
 * sessions themselves are streams the HTTP front owns (svc/req.h struct
 * lv_stream); a session leaves the book when the front frees it.
 */
#ifndef LV_LOGS_LIVETAIL_H
#define LV_LOGS_LIVETAIL_H

/* Events in one sessionUpdate at most ("as many as 500 log events"). */
#define LV_LIVETAIL_MAX_EVENTS 500
/* Concurrent sessions per account and region (CloudWatch Logs quota). */
#define LV_LIVETAIL_MAX_PER_ACCOUNT 15
/* Concurrent sessions in one server, over every account. */
#define LV_LIVETAIL_MAX_SESSIONS 100

struct lv_logs_livetail;

struct lv_logs_livetail *lv_logs_livetail_new(void);
/* Frees the book; every session must have been freed (else LV_BUG).
 * NULL is a no-op. */
void lv_logs_livetail_free(struct lv_logs_livetail *reg);

#endif
