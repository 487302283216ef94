/*
 * logs: the AWS CloudWatch Logs service — its operation handlers (one AWS
 * operation, one handler).
 */
#ifndef LV_LOGS_LOGS_H
#define LV_LOGS_LOGS_H

#include "svc/req.h"

/*
 * The handler of every operation src/model/implemented.txt lists for logs:
 * lv_logs_op_<operation in snake case>, an lv_handler_fn (svc/req.h).
 * Declared from the generated model/gen/ops.def, which http/route.c
 * includes again for the operation table: a handler that is missing fails
 * to link. An operation of the model with no handler answers
 * NotImplemented (HTTP 501).
 */
#define OP(svc, name, fn, flags) LV_LOGS_DECLARE_##svc(fn)
#define OP_NOT_IMPLEMENTED(svc, name)
#define LV_LOGS_DECLARE_logs(fn) lv_handler_fn fn;
#define LV_LOGS_DECLARE_kms(fn)
#define LV_LOGS_DECLARE_cloudtrail(fn)
#include "model/gen/ops.def"
#undef OP
#undef OP_NOT_IMPLEMENTED
#undef LV_LOGS_DECLARE_logs
#undef LV_LOGS_DECLARE_kms
#undef LV_LOGS_DECLARE_cloudtrail

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
 * Starts the group committer (before the HTTP front starts), the
 * retention task (logs/retention.h; a pass every retention_ms) and the
 * Logs Insights runners and sweeper (logs/query_int.h), whose work is
 * done for app (whose logs is this one). 0, or -1 with *err.
 */
int lv_logs_start(struct lv_logs *logs, struct lv_app *app,
                  int retention_ms, struct lv_err *err);

/* Stops the Insights runners (a query still running or queued ends
 * Failed) and the retention task, commits what is queued and stops the
 * committer (after the HTTP front stopped, before the store closes),
 * wipes the data-key cache and frees logs. NULL is a no-op. */
void lv_logs_free(struct lv_logs *logs);

#endif
