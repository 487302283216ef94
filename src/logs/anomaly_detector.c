/*
 * anomaly_detector.c: CreateLogAnomalyDetector, GetLogAnomalyDetector,
 * UpdateLogAnomalyDetector, DeleteLogAnomalyDetector and
 * ListLogAnomalyDetectors (anomaly_int.h has the record; anomaly_run.c
 * evaluates it).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_CreateLogAnomalyDetector.html (and the four others)
 *
 * Errors are InvalidParameterException (what these operations list):
 * logGroupArnList must name 1 to 10 groups of the caller's account and
 * Region, each existing (ResourceNotFoundException); filterPattern must
 * parse (logs/filter.h); evaluationFrequency defaults to FIVE_MIN,
 * anomalyVisibilityTime to 21 days. kmsKeyId (CreateLogAnomalyDetector
 * only, a key ARN) obeys a log group's key rule (kmskey.c) with the
 * detector's ARN as the encryption context — AWS's key policy for
 * detectors allows logs.<region>.amazonaws.com under
 * kms:EncryptionContext:aws:logs:arn = arn:aws:logs:R:A:anomaly-detector:*
 * (LogsAnomalyDetection-KMS.html) —, is kept as the key's ARN and shown by
 * Get/ListLogAnomalyDetectors, with a data key made under it at creation
 * (anomaly_seal.c): what it protects and when it is asked is in
 * anomaly_int.h. At most
 * LV_ANOMALY_MAX_DETECTORS per account and Region
 * (LimitExceededException). The detector's status: PAUSED when disabled,
 * INITIALIZING before its first window, TRAINING while it has fewer than
 * LV_ANOMALY_MIN_WINDOWS windows, then ANALYZING.
 */
#include "logs/logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app.h"
#include "crypto/crypto.h"
#include "logs/anomaly_int.h"
#include "logs/anomaly_rule.h"
#include "logs/filter.h"
#include "logs/groups_int.h"
#include "logs/logs_int.h"
#include "kms/kms.h"
#include "store/anomaly_store.h"
#include "store/store.h"
#include "svc/req.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"

#define LV_ANOMALY_MAX_DETECTORS 500
#define MAX_GROUPS 10
#define DEFAULT_VISIBILITY 21
#define LIST_DEFAULT 50

static const char not_found[] = "The specified anomaly detector does not "
                                "exist.";

void lv_logs_anomaly_arn(const char *region, const char *account,
                         const char *id, char out[LV_ANOMALY_ARN_MAX])
{
    snprintf(out, LV_ANOMALY_ARN_MAX,
             "arn:aws:logs:%s:%s:anomaly-detector:%s", region, account, id);
}

int lv_logs_anomaly_id_of(const struct lv_req *rq, const char *arn,
                          char id[37])
{
    char prefix[200];
    size_t n = (size_t)snprintf(prefix, sizeof(prefix),
                                "arn:aws:logs:%s:%s:anomaly-detector:",
                                rq->region, rq->who.account);

    if (!arn || strncmp(arn, prefix, n) != 0 || strlen(arn + n) != 36) {
        return -1;
    }
    memcpy(id, arn + n, 37);
    return 0;
}

int lv_logs_anomaly_key_check(struct lv_req *rq, const char *detector_id,
                              const json_t *doc, const char *action,
                              struct lv_err *err)
{
    const char *key = lv_json_str(doc, "kmsKeyId");
    struct lv_kms_service_call c;
    struct lv_err kerr = LV_ERR_INIT;
    struct lv_kv ctx;
    char service[128];
    char arn[LV_ANOMALY_ARN_MAX];

    if (!key || !key[0]) {
        return 0;
    }
    lv_logs_anomaly_arn(rq->region, rq->who.account, detector_id, arn);
    lv_logs_kms_call(rq, &c, service);
    ctx.key = "aws:logs:arn";
    ctx.value = arn;
    if (rq->app->logs->kms->authorize(&c, key, action, &ctx, 1, &kerr) < 0) {
        lv_log(LV_LOG_INFO, "logs: anomaly detector key refused req=%s "
               "action=%s code=%d", rq->id, action, (int)kerr.code);
        return lv_logs_kms_key_error(&kerr, key, arn, err);
    }
    return 0;
}

static int find(struct lv_req *rq, const json_t *in,
                struct lv_anomaly_det *d, struct lv_err *err)
{
    char id[37];
    int rc;

    memset(d, 0, sizeof(*d));
    if (lv_logs_anomaly_id_of(rq, lv_json_str(in, "anomalyDetectorArn"),
                              id) < 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, not_found);
    }
    rc = lv_store_anomaly_det_get(rq->store, rq->who.account, rq->region,
                                  id, d, err);
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, not_found);
    }
    return rc < 0 ? -1 : 0;
}

/* frequency, filterPattern and anomalyVisibilityTime of in into doc. */
static int set_options(const json_t *in, json_t *doc, struct lv_err *err)
{
    const char *freq = lv_json_str(in, "evaluationFrequency");
    const char *pat = lv_json_str(in, "filterPattern");
    int64_t vis;

    if (freq) {
        if (lv_logs_anomaly_window_ms(freq) < 0) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "Invalid evaluationFrequency.");
        }
        json_object_set_new(doc, "evaluationFrequency", json_string(freq));
    }
    if (pat) {
        struct lv_filter *f = lv_filter_compile(pat, strlen(pat), err);

        if (!f) {
            return -1;
        }
        lv_filter_free(f);
        json_object_set_new(doc, "filterPattern", json_string(pat));
    }
    if (lv_json_int64(in, "anomalyVisibilityTime", &vis)) {
        json_object_set_new(doc, "anomalyVisibilityTime", json_integer(vis));
    }
    return 0;
}

static const char *status_of(const json_t *doc)
{
    int64_t windows = 0;

    if (json_is_false(json_object_get(doc, "enabled"))) {
        return "PAUSED";
    }
    lv_json_int64(doc, "windows", &windows);
    return windows == 0 ? "INITIALIZING"
           : windows < LV_ANOMALY_MIN_WINDOWS ? "TRAINING" : "ANALYZING";
}

static void write_det(struct lv_req *rq, const struct lv_anomaly_det *d,
                      const json_t *doc, int with_arn, struct lv_jw *w)
{
    static const char *const members[] = {
        "detectorName", "logGroupArnList", "evaluationFrequency",
        "filterPattern", "anomalyVisibilityTime", "kmsKeyId", NULL,
    };
    char arn[LV_ANOMALY_ARN_MAX];

    if (with_arn) {
        lv_logs_anomaly_arn(rq->region, rq->who.account, d->id, arn);
        lv_jw_kstr(w, "anomalyDetectorArn", arn);
    }
    for (size_t i = 0; members[i]; i++) {
        const json_t *v = json_object_get(doc, members[i]);

        if (v) {
            lv_jw_key(w, members[i]);
            lv_jw_json(w, v);
        }
    }
    lv_jw_kstr(w, "anomalyDetectorStatus", status_of(doc));
    lv_jw_kint64(w, "creationTimeStamp", d->created_ms);
    lv_jw_kint64(w, "lastModifiedTimeStamp", d->updated_ms);
}

static int count_one(void *arg, const struct lv_anomaly_det *d)
{
    (void)d;
    ++*(int64_t *)arg;
    return 0;
}

int lv_logs_op_create_log_anomaly_detector(struct lv_req *rq,
                                           const json_t *in,
                                           struct lv_jw *w,
                                           struct lv_err *err)
{
    struct lv_anomaly_det d;
    struct lv_log_group g;
    json_t *doc = json_object();
    json_t *arns = json_array();
    const json_t *list = lv_json_arr(in, "logGroupArnList");
    const char *freq = lv_json_str(in, "evaluationFrequency");
    const char *key_id = lv_json_str(in, "kmsKeyId");
    char arn[LV_ANOMALY_ARN_MAX];
    char key_arn[256];
    int64_t n = 0, win;
    int ret = -1;
    size_t i;
    const json_t *v;

    memset(&d, 0, sizeof(d));
    if (json_array_size(list) == 0 || json_array_size(list) > MAX_GROUPS) {
        lv_err_set(err, LV_E_INVALID_PARAMETER, "logGroupArnList must "
                   "contain 1 to %d log group ARNs.", MAX_GROUPS);
        goto out;
    }
    json_array_foreach(list, i, v) {
        char garn[LV_LOGS_ARN_MAX];

        if (!json_is_string(v) || strncmp(json_string_value(v), "arn:", 4)) {
            lv_err_set(err, LV_E_INVALID_PARAMETER, "logGroupArnList takes "
                       "log group ARNs.");
            goto out;
        }
        if (lv_logs_find_group_by(rq, json_string_value(v), &g, err) < 0) {
            goto out;
        }
        lv_logs_group_arn(&g, 0, garn);
        json_array_append_new(arns, json_string(garn));
    }
    json_object_set_new(doc, "evaluationFrequency",
                        json_string(freq ? freq : "FIVE_MIN"));
    json_object_set_new(doc, "anomalyVisibilityTime",
                        json_integer(DEFAULT_VISIBILITY));
    if (set_options(in, doc, err) < 0) {
        goto out;
    }
    if (lv_json_str(in, "detectorName")) {
        json_object_set_new(doc, "detectorName",
                            json_string(lv_json_str(in, "detectorName")));
    }
    json_object_set(doc, "logGroupArnList", arns);
    json_object_set_new(doc, "enabled", json_true());
    json_object_set_new(doc, "windows", json_integer(0));
    json_object_set_new(doc, "baseline", json_object());
    json_object_set_new(doc, "owner", json_pack(
        "{s:s, s:s, s:s, s:s, s:s}", "accessKey", rq->who.access_key,
        "account", rq->who.account, "user", rq->who.user, "arn",
        rq->who.arn, "service", rq->who.service));
    win = lv_logs_anomaly_window_ms(
        lv_json_str(doc, "evaluationFrequency"));
    lv_uuid4(d.id);
    snprintf(d.account, sizeof(d.account), "%s", rq->who.account);
    snprintf(d.region, sizeof(d.region), "%s", rq->region);
    lv_logs_anomaly_arn(rq->region, rq->who.account, d.id, arn);
    if (key_id) {
        if (lv_logs_check_kms_key_for(rq, arn, arn, key_id, key_arn,
                                      err) < 0 ||
            lv_logs_anomaly_key_new(rq, d.id, key_arn, doc, err) < 0) {
            goto out;
        }
        json_object_set_new(doc, "kmsKeyId", json_string(key_arn));
    }
    d.created_ms = d.updated_ms = rq->now_ms;
    /* Windows are aligned on their length; the first ends after now. */
    d.next_ms = (rq->now_ms / win + 1) * win;
    if (lv_logs_anomaly_test_mode()) {
        d.next_ms -= LV_ANOMALY_TEST_BACKFILL * win;
    }
    d.doc = json_dumps(doc, JSON_COMPACT);
    if (lv_store_begin(rq->store, err) < 0) {
        goto out;
    }
    if (lv_store_anomaly_det_list(rq->store, rq->who.account, rq->region,
                                  "", LV_ANOMALY_MAX_DETECTORS, count_one,
                                  &n, err) < 0 ||
        (n >= LV_ANOMALY_MAX_DETECTORS &&
         lv_err_set(err, LV_E_LIMIT_EXCEEDED, "This account and Region "
                    "have %d anomaly detectors, the most logvault keeps.",
                    LV_ANOMALY_MAX_DETECTORS) < 0) ||
        lv_store_anomaly_det_insert(rq->store, &d, err) < 0) {
        lv_store_rollback(rq->store);
        goto out;
    }
    if (lv_store_commit(rq->store, err) < 0) {
        goto out;
    }
    lv_log(LV_LOG_INFO, "logs: anomaly detector created req=%s", rq->id);
    lv_jw_kstr(w, "anomalyDetectorArn", arn);
    ret = 0;
out:
    free(d.doc);
    json_decref(arns);
    json_decref(doc);
    return ret;
}

static json_t *load(const struct lv_anomaly_det *d, struct lv_err *err)
{
    json_t *doc = json_loads(d->doc ? d->doc : "", 0, NULL);

    if (!json_is_object(doc)) {
        json_decref(doc);
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "Service is unavailable; please try again");
        return NULL;
    }
    return doc;
}

int lv_logs_op_get_log_anomaly_detector(struct lv_req *rq, const json_t *in,
                                        struct lv_jw *w, struct lv_err *err)
{
    struct lv_anomaly_det d;
    json_t *doc = NULL;
    int ret = -1;

    if (find(rq, in, &d, err) == 0 && (doc = load(&d, err)) != NULL) {
        write_det(rq, &d, doc, 0, w);
        ret = 0;
    }
    json_decref(doc);
    lv_anomaly_det_release(&d);
    return ret;
}

int lv_logs_op_update_log_anomaly_detector(struct lv_req *rq,
                                           const json_t *in,
                                           struct lv_jw *w,
                                           struct lv_err *err)
{
    struct lv_anomaly_det d;
    json_t *doc = NULL;
    int enabled = 1;
    int ret = -1;
    int rc;

    (void)w;
    memset(&d, 0, sizeof(d));
    if (lv_store_begin(rq->store, err) < 0) {
        goto out;
    }
    if (find(rq, in, &d, err) < 0 || !(doc = load(&d, err)) ||
        set_options(in, doc, err) < 0) {
        lv_store_rollback(rq->store);
        goto out;
    }
    lv_json_bool(in, "enabled", &enabled);
    if (!enabled) {
        d.next_ms = -1;
    } else if (d.next_ms < 0) {
        int64_t win = lv_logs_anomaly_window_ms(
            lv_json_str(doc, "evaluationFrequency"));

        d.next_ms = (rq->now_ms / win + 1) * win;
    }
    json_object_set_new(doc, "enabled", json_boolean(enabled));
    free(d.doc);
    d.doc = json_dumps(doc, JSON_COMPACT);
    d.updated_ms = rq->now_ms;
    rc = lv_store_anomaly_det_update(rq->store, &d, err);
    if (rc <= 0) {
        lv_store_rollback(rq->store);
        if (rc == 0) {
            lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, not_found);
        }
        goto out;
    }
    if (lv_store_commit(rq->store, err) < 0) {
        goto out;
    }
    ret = 0;
out:
    json_decref(doc);
    lv_anomaly_det_release(&d);
    return ret;
}

int lv_logs_op_delete_log_anomaly_detector(struct lv_req *rq,
                                           const json_t *in,
                                           struct lv_jw *w,
                                           struct lv_err *err)
{
    char id[37];
    int rc;

    (void)w;
    if (lv_logs_anomaly_id_of(rq, lv_json_str(in, "anomalyDetectorArn"),
                              id) < 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, not_found);
    }
    rc = lv_store_anomaly_det_delete(rq->store, rq->who.account, rq->region,
                                     id, err);
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, not_found);
    }
    return rc < 0 ? -1 : 0;
}

struct listing {
    struct lv_req *rq;
    struct lv_jw *w;
    const char *group;
    int64_t max, n;
    char last[37];
    int more;
};

static int list_each(void *arg, const struct lv_anomaly_det *d)
{
    struct listing *l = arg;
    json_t *doc;
    int keep = 1;

    if (l->n == l->max) {
        l->more = 1;
        return 1;
    }
    doc = json_loads(d->doc ? d->doc : "", 0, NULL);
    if (l->group) {
        size_t i;
        const json_t *v;

        keep = 0;
        json_array_foreach(json_object_get(doc, "logGroupArnList"), i, v) {
            keep |= json_is_string(v) &&
                    strcmp(json_string_value(v), l->group) == 0;
        }
    }
    if (keep && doc) {
        lv_jw_obj_open(l->w);
        write_det(l->rq, d, doc, 1, l->w);
        lv_jw_obj_close(l->w);
        l->n++;
    }
    snprintf(l->last, sizeof(l->last), "%s", d->id);
    json_decref(doc);
    return 0;
}

int lv_logs_op_list_log_anomaly_detectors(struct lv_req *rq,
                                          const json_t *in, struct lv_jw *w,
                                          struct lv_err *err)
{
    struct listing l;
    const char *token = lv_json_str(in, "nextToken");
    int rc;

    memset(&l, 0, sizeof(l));
    l.rq = rq;
    l.w = w;
    l.group = lv_json_str(in, "filterLogGroupArn");
    l.max = LIST_DEFAULT;
    lv_json_int64(in, "limit", &l.max);
    if (token && (strncmp(token, "ad:", 3) != 0 || strlen(token) != 39)) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER, "The specified "
                          "nextToken is invalid.");
    }
    lv_jw_key(w, "anomalyDetectors");
    lv_jw_arr_open(w);
    rc = lv_store_anomaly_det_list(rq->store, rq->who.account, rq->region,
                                   token ? token + 3 : "",
                                   LV_ANOMALY_MAX_DETECTORS + 1, list_each,
                                   &l, err);
    lv_jw_arr_close(w);
    if (rc < 0) {
        return -1;
    }
    if (l.more) {
        char next[48];

        snprintf(next, sizeof(next), "ad:%s", l.last);
        lv_jw_kstr(w, "nextToken", next);
    }
    return 0;
}
