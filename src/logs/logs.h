/*
 * logs: the AWS CloudWatch Logs service — its operation handlers (one AWS
 * operation, one handler), registered in tables by area. An operation of
 * the model with no handler answers NotImplemented (HTTP 501).
 */
#ifndef LV_LOGS_LOGS_H
#define LV_LOGS_LOGS_H

#include "util/req.h"

/* Handler tables, each terminated by { NULL, NULL }: groups.c (groups,
 * streams, retention, tags, KMS association), events.c (PutLogEvents,
 * GetLogEvents), search.c (FilterLogEvents, metric filters). */
extern const struct lv_handler lv_logs_group_handlers[];
extern const struct lv_handler lv_logs_event_handlers[];
extern const struct lv_handler lv_logs_search_handlers[];
/* All of them, NULL-terminated. */
extern const struct lv_handler *const lv_logs_handler_tables[];

/* ---- the service object (service.c) ------------------------------------ */

struct lv_app;
struct lv_err;
struct lv_keyring;
struct lv_kms_client;
struct lv_logs;
struct lv_store;

/*
 * The Logs service over store s, deriving its keys from kr and reaching
 * KMS through `kms` (lv_kms_svc_client, or a test's fake); all three are
 * borrowed and outlive it. It owns its data-key cache, its group
 * committer and chunk sequence numbers and, once started, its threads.
 * Free with lv_logs_free.
 */
struct lv_logs *lv_logs_new(struct lv_store *s, const struct lv_keyring *kr,
                            const struct lv_kms_client *kms);

/*
 * Starts the group committer (before the HTTP front starts) and the
 * retention task (logs/retention.h; a pass every retention_ms), whose
 * work is done for app (whose logs is this one). 0, or -1 with *err.
 */
int lv_logs_start(struct lv_logs *logs, struct lv_app *app,
                  int retention_ms, struct lv_err *err);

/* Stops the retention task, commits what is queued and stops the
 * committer (after the HTTP front stopped, before the store closes),
 * wipes the data-key cache and frees logs. NULL is a no-op. */
void lv_logs_free(struct lv_logs *logs);

#endif
