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

#include "svc/req.h"

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
