/*
 * index_int: the field index policy in force for a log group, for the
 * Logs files that use it (ingest builds chunk indexes under it; the
 * account-policy code of PutAccountPolicy FIELD_INDEX_POLICY, when it
 * comes, hooks in here so that every user sees one answer).
 */
#ifndef LV_LOGS_INDEX_INT_H
#define LV_LOGS_INDEX_INT_H

#include "logs/fidx.h"
#include "store/logs_store.h"
#include "svc/req.h"

/*
 * The effective index policy of group g: its own (PutIndexPolicy) —
 * account-level FIELD_INDEX_POLICY policies are not implemented yet (when
 * they are, a group without its own policy takes the account's that
 * selects it, as AWS's "Log group-level policies override account-level
 * policies"). 1 with *out filled (released first), 0 when none applies
 * (*out empty), -1 with *err. A stored document that no longer parses is
 * taken as none (logged).
 */
int lv_logs_index_policy_effective(struct lv_req *rq,
                                   const struct lv_log_group *g,
                                   struct lv_fidx_policy *out,
                                   struct lv_err *err);

#endif
