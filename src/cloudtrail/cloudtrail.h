/*
 * cloudtrail: the CloudTrail API over the audit trail (store/audit_store.h)
 * — LookupEvents, AWS JSON 1.1 under the target prefix
 * com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101, SigV4 service
 * "cloudtrail". Reads only: the records are written by src/audit/.
 *
 * A caller sees the records of its own account (recipientAccountId) in the
 * region its request is signed for, as CloudTrail's event history does.
 * Paging tokens are sealed (HMAC under the keyring's
 * "cloudtrail-next-token" derivation) over the account, the region and the
 * query, so a token is good only for the query that produced it.
 */
#ifndef LV_CLOUDTRAIL_CLOUDTRAIL_H
#define LV_CLOUDTRAIL_CLOUDTRAIL_H

#include <stdint.h>

#include "svc/req.h"

struct lv_err;
struct lv_store;

/*
 * When this store began recording the audit trail (GetKeyLastUsage's
 * TrackingStartDate), epoch ms, kept in the meta table under
 * "audit.tracking_start_ms": the first call on a store sets it to now_ms
 * (once, even with several processes starting together), later calls
 * read it. serve calls it at start, with the trail on, and keeps the
 * answer in app->audit_tracking_ms. 0 with *start_ms, or -1 with *err.
 */
int lv_cloudtrail_tracking_start(struct lv_store *s, int64_t now_ms,
                                 int64_t *start_ms, struct lv_err *err);

/*
 * The handler of every operation src/model/implemented.txt lists for
 * cloudtrail: lv_cloudtrail_op_<operation in snake case>, an lv_handler_fn
 * (svc/req.h), declared from model/gen/ops.def like kms/kms.h's.
 */
#define OP(svc, name, fn, flags) LV_CLOUDTRAIL_DECLARE_##svc(fn)
#define OP_NOT_IMPLEMENTED(svc, name)
#define LV_CLOUDTRAIL_DECLARE_cloudtrail(fn) lv_handler_fn fn;
#define LV_CLOUDTRAIL_DECLARE_logs(fn)
#define LV_CLOUDTRAIL_DECLARE_kms(fn)
#include "model/gen/ops.def"
#undef OP
#undef OP_NOT_IMPLEMENTED
#undef LV_CLOUDTRAIL_DECLARE_cloudtrail
#undef LV_CLOUDTRAIL_DECLARE_logs
#undef LV_CLOUDTRAIL_DECLARE_kms

#endif
