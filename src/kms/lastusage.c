/*
 * lastusage.c: GetKeyLastUsage, answered from the audit trail
 * (store/audit_store.h: the newest successful cryptographic operation
 * recorded on the key).
 *
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyLastUsage.html
 * — a key ID or key ARN (no alias, no other account's key); KeyLastUsage
 * (Operation, Timestamp, CloudTrailEventId, KmsRequestId) absent when the
 * key has not been used since tracking began; TrackingStartDate "the date
 * from which KMS began recording cryptographic activity for this key, or
 * the date the KMS key was created, whichever is later"; KeyCreationDate.
 */
#include "kms/kms.h"

#include <jansson.h>
#include <string.h>

#include "app.h"
#include "kms/keys_int.h"
#include "kms/kms_int.h"
#include "store/audit_store.h"
#include "store/kms_store.h"
#include "util/err.h"
#include "util/json.h"

int lv_kms_op_get_key_last_usage(struct lv_req *rq, const json_t *in,
                                 struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_audit_record r;
    int64_t tracking_ms;
    double tracking;
    int found;
    int ret = -1;

    memset(&r, 0, sizeof(r));
    lv_kms_key_init(&k);
    if (!rq->app->audit) {
        /* Without the trail nothing is tracked: no answer would be true
         * (AWS always tracks, so it has no error for this; the strictest
         * is to refuse). */
        lv_err_set(err, LV_E_UNSUPPORTED_OPERATION,
                   "GetKeyLastUsage answers from the audit trail, which "
                   "this server does not keep (start it with logvault "
                   "serve --audit-trail)");
        goto out;
    }
    /* Read once at start (serve.c): no write on this read-only path. */
    tracking_ms = rq->app->audit_tracking_ms;
    if (lv_kms_load_key(rq, in, 0, "GetKeyLastUsage", &k, err) < 0) {
        goto out;
    }
    found = lv_store_audit_key_last_use(rq->store, k.arn, &r, err);
    if (found < 0) {
        goto out;
    }
    lv_jw_kstr(w, "KeyId", lv_kms_key_id(&k));
    if (found) {
        lv_jw_key(w, "KeyLastUsage");
        lv_jw_obj_open(w);
        lv_jw_kstr(w, "Operation", r.event_name);
        lv_jw_key(w, "Timestamp");
        lv_jw_double(w, (double)r.event_time_ms / 1000.0);
        lv_jw_kstr(w, "CloudTrailEventId", r.event_id);
        lv_jw_kstr(w, "KmsRequestId", r.request_id);
        lv_jw_obj_close(w);
    }
    tracking = (double)tracking_ms / 1000.0;
    lv_jw_key(w, "TrackingStartDate");
    lv_jw_double(w, tracking > k.creation_date ? tracking : k.creation_date);
    lv_jw_key(w, "KeyCreationDate");
    lv_jw_double(w, k.creation_date);
    ret = 0;
out:
    lv_audit_record_release(&r);
    lv_kms_key_release(&k);
    return ret;
}
