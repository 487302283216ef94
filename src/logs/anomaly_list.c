/*
 * anomaly_list.c: ListAnomalies and UpdateAnomaly — the anomalies the
 * evaluator (anomaly_run.c) raised, and their suppression and baseline.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_ListAnomalies.html, API_UpdateAnomaly.html
 *
 * ListAnomalies: one detector's anomalies (anomalyDetectorArn) or every
 * detector's of the scope, by detector and pattern id; only those last
 * seen within the detector's anomalyVisibilityTime (days); suppressionState
 * SUPPRESSED or UNSUPPRESSED filters (a LIMITED suppression past its
 * suppressedUntil no longer counts, and its anomaly shows Active again);
 * limit 1 to 50 (default 50),
 * nextToken the position ("an:N"). `active` is whether the anomaly was
 * seen in the detector's last evaluated window; `suppressed` whether a
 * suppression holds now (INFINITE, or LIMITED until suppressedUntil).
 *
 * UpdateAnomaly names exactly one of anomalyId and patternId
 * (InvalidParameterException otherwise); patternId suppresses at the
 * pattern level (isPatternLevelSuppression). suppressionType LIMITED
 * needs suppressionPeriod (a positive value in SECONDS, MINUTES or
 * HOURS); INFINITE has none. baseline true makes the pattern's behaviour
 * part of the baseline: the anomaly's state becomes Baseline and the
 * evaluator raises nothing more for the pattern. Neither
 * suppressionType nor baseline: the anomaly is unsuppressed (state
 * Active).
 *
 * A detector with a KMS key (kmsKeyId) has its findings read only while
 * the Logs service may still Decrypt under it with the detector's context
 * (lv_logs_anomaly_key_check): ListAnomalies (of that detector, or of every
 * detector, which fails on the first refused one) and UpdateAnomaly answer
 * the key's error otherwise.
 */
#include "logs/logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "logs/anomaly_int.h"
#include "store/anomaly_store.h"
#include "svc/req.h"
#include "util/err.h"
#include "util/json.h"

#define LIST_DEFAULT 50
#define SCAN_MAX 10000
#define DAY_MS 86400000LL

static const char no_detector[] = "The specified anomaly detector does not "
                                  "exist.";

/* Whether a suppression of doc holds at now_ms. */
static int suppressed_now(const json_t *doc, int64_t now_ms)
{
    int64_t until = 0;

    if (!json_is_true(json_object_get(doc, "suppressed"))) {
        return 0;
    }
    if (json_is_true(json_object_get(doc, "suppressedInfinite"))) {
        return 1;
    }
    lv_json_int64(doc, "suppressedUntil", &until);
    return until > now_ms;
}

struct lister {
    struct lv_req *rq;
    struct lv_jw *w;
    const char *state;
    int64_t skip, max, n;
    int more;
    char det[37];
    int64_t window_end, visible_ms;
    int failed;                 /* the detector's key refused: err */
    struct lv_err err;
    struct lv_anomaly_key key;  /* det's data key (wiped at the end) */
    int gone;                   /* det was deleted during the walk */
};

/* Detector `id` of rq's scope: 0 when it exists and its findings may be
 * read now (its key, if any, allows the Logs service to Decrypt its data
 * key), with *doc (the caller's) when doc is not NULL and its data key in
 * *k (the caller wipes it) when k is not NULL; else -1 with *err
 * (ResourceNotFoundException, the key's error, a store fault). */
static int readable_detector(struct lv_req *rq, const char *id,
                             json_t **doc, struct lv_anomaly_key *k,
                             struct lv_err *err)
{
    struct lv_anomaly_det d;
    struct lv_anomaly_key mine;
    json_t *dd;
    int rc;

    rc = lv_store_anomaly_det_get(rq->store, rq->who.account, rq->region, id,
                                  &d, err);
    if (rc <= 0) {
        return rc < 0 ? -1 : lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                                        no_detector);
    }
    dd = json_loads(d.doc ? d.doc : "", 0, NULL);
    lv_anomaly_det_release(&d);
    if (lv_logs_anomaly_key_open(rq, id, dd, k ? k : &mine, err) < 0) {
        json_decref(dd);
        return -1;
    }
    if (!k) {
        lv_logs_anomaly_key_wipe(&mine);
    }
    if (doc) {
        *doc = dd;
    } else {
        json_decref(dd);
    }
    return 0;
}

/* The detector's lastWindowEnd and visibility, for its anomalies: 0, or
 * -1 when its key refuses (l->err). */
static int detector_facts(struct lister *l, const char *id)
{
    json_t *doc = NULL;
    int64_t days = 21;

    snprintf(l->det, sizeof(l->det), "%s", id);
    l->window_end = 0;
    l->visible_ms = days * DAY_MS;
    lv_logs_anomaly_key_wipe(&l->key);
    l->gone = 0;
    if (readable_detector(l->rq, id, &doc, &l->key, &l->err) < 0) {
        /* A detector deleted meanwhile: its anomalies go with it. */
        l->gone = l->err.code == LV_E_RESOURCE_NOT_FOUND;
        return l->gone ? 0 : -1;
    }
    lv_json_int64(doc, "lastWindowEnd", &l->window_end);
    lv_json_int64(doc, "anomalyVisibilityTime", &days);
    l->visible_ms = days * DAY_MS;
    json_decref(doc);
    return 0;
}

static int list_each(void *arg, const struct lv_anomaly_row *a)
{
    static const char *const members[] = {
        "anomalyId", "patternId", "anomalyDetectorArn", "patternString",
        "priority", "firstSeen", "lastSeen", "description", "histogram", "logSamples", "patternTokens", "logGroupArnList",
        "suppressedDate", "suppressedUntil", "isPatternLevelSuppression",
        NULL,
    };
    struct lister *l = arg;
    json_t *doc;
    const char *state;
    int64_t last = 0;
    int sup;

    if (strcmp(l->det, a->detector) != 0 &&
        detector_facts(l, a->detector) < 0) {
        l->failed = 1;
        return 1;
    }
    if (l->gone) {
        return 0;
    }
    doc = json_loads(a->doc ? a->doc : "", 0, NULL);
    if (doc) {
        char what[64];

        snprintf(what, sizeof(what), "anomaly/%s", a->pattern_id);
        if (lv_logs_anomaly_unseal(&l->key, a->detector, what, doc,
                                   &l->err) < 0) {
            json_decref(doc);
            l->failed = 1;
            return 1;
        }
    }
    lv_json_int64(doc, "lastSeen", &last);
    sup = suppressed_now(doc, l->rq->now_ms);
    if (!doc || last < l->rq->now_ms - l->visible_ms ||
        (l->state && strcmp(l->state, "SUPPRESSED") == 0 && !sup) ||
        (l->state && strcmp(l->state, "UNSUPPRESSED") == 0 && sup)) {
        json_decref(doc);
        return 0;
    }
    if (l->skip > 0) {
        l->skip--;
        json_decref(doc);
        return 0;
    }
    if (l->n == l->max) {
        l->more = 1;
        json_decref(doc);
        return 1;
    }
    lv_jw_obj_open(l->w);
    for (size_t i = 0; members[i]; i++) {
        const json_t *v = json_object_get(doc, members[i]);

        if (v) {
            lv_jw_key(l->w, members[i]);
            lv_jw_json(l->w, v);
        }
    }
    state = lv_json_str(doc, "state");
    /* A LIMITED suppression that lapsed leaves the anomaly Active. */
    if (state && strcmp(state, "Suppressed") == 0 && !sup) {
        state = "Active";
    }
    lv_jw_kstr(l->w, "state", state ? state : "Active");
    lv_jw_kbool(l->w, "active", last >= l->window_end);
    lv_jw_kbool(l->w, "suppressed", sup);
    lv_jw_obj_close(l->w);
    l->n++;
    json_decref(doc);
    return 0;
}

int lv_logs_op_list_anomalies(struct lv_req *rq, const json_t *in,
                              struct lv_jw *w, struct lv_err *err)
{
    struct lister l;
    const char *arn = lv_json_str(in, "anomalyDetectorArn");
    const char *token = lv_json_str(in, "nextToken");
    char id[37] = "";
    int64_t first;
    int rc;

    memset(&l, 0, sizeof(l));
    if (arn) {
        if (lv_logs_anomaly_id_of(rq, arn, id) < 0) {
            return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_detector);
        }
        if (readable_detector(rq, id, NULL, NULL, err) < 0) {
            return -1;
        }
    }
    l.rq = rq;
    l.w = w;
    l.state = lv_json_str(in, "suppressionState");
    l.max = LIST_DEFAULT;
    lv_json_int64(in, "limit", &l.max);
    if (token) {
        char *e = NULL;

        l.skip = strncmp(token, "an:", 3) == 0 ? strtoll(token + 3, &e, 10)
                                               : -1;
        if (l.skip < 0 || !e || *e) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER, "The specified "
                              "nextToken is invalid.");
        }
    }
    first = l.skip;
    lv_jw_key(w, "anomalies");
    lv_jw_arr_open(w);
    rc = lv_store_anomaly_list(rq->store, rq->who.account, rq->region, id,
                               SCAN_MAX, list_each, &l, err);
    lv_jw_arr_close(w);
    lv_logs_anomaly_key_wipe(&l.key);
    if (rc < 0) {
        return -1;
    }
    if (l.failed) {
        *err = l.err;
        return -1;
    }
    if (l.more) {
        char next[40];

        snprintf(next, sizeof(next), "an:%lld", (long long)(first + l.n));
        lv_jw_kstr(w, "nextToken", next);
    }
    return 0;
}

struct finder {
    const char *anomaly_id;
    const char *pattern_id;
    struct lv_anomaly_row found;
    int hit;
};

static int find_each(void *arg, const struct lv_anomaly_row *a)
{
    struct finder *f = arg;
    json_t *doc;
    const char *aid;

    if (f->pattern_id) {
        if (strcmp(a->pattern_id, f->pattern_id) != 0) {
            return 0;
        }
    } else {
        doc = json_loads(a->doc ? a->doc : "", 0, NULL);
        aid = lv_json_str(doc, "anomalyId");
        if (!aid || strcmp(aid, f->anomaly_id) != 0) {
            json_decref(doc);
            return 0;
        }
        json_decref(doc);
    }
    f->found = *a;
    f->found.doc = strdup(a->doc ? a->doc : "{}");
    f->hit = 1;
    return 1;
}

static int64_t period_ms(const json_t *p)
{
    int64_t v = 0;
    const char *unit = lv_json_str(p, "suppressionUnit");

    if (!lv_json_int64(p, "value", &v) || v <= 0 || !unit) {
        return -1;
    }
    return strcmp(unit, "SECONDS") == 0   ? v * 1000
           : strcmp(unit, "MINUTES") == 0 ? v * 60000
           : strcmp(unit, "HOURS") == 0   ? v * 3600000
                                          : -1;
}

int lv_logs_op_update_anomaly(struct lv_req *rq, const json_t *in,
                              struct lv_jw *w, struct lv_err *err)
{
    struct finder f;
    const char *type = lv_json_str(in, "suppressionType");
    const json_t *period = lv_json_obj(in, "suppressionPeriod");
    json_t *doc = NULL;
    char id[37];
    int baseline = 0;
    int64_t len = -1;
    int ret = -1;

    (void)w;
    memset(&f, 0, sizeof(f));
    f.anomaly_id = lv_json_str(in, "anomalyId");
    f.pattern_id = lv_json_str(in, "patternId");
    lv_json_bool(in, "baseline", &baseline);
    if ((f.anomaly_id != NULL) == (f.pattern_id != NULL)) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER, "Specify exactly one "
                          "of anomalyId and patternId.");
    }
    if (type && strcmp(type, "LIMITED") == 0 &&
        (len = period_ms(period)) < 0) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER, "A LIMITED "
                          "suppression needs a suppressionPeriod with a "
                          "positive value and a unit.");
    }
    if (type && strcmp(type, "INFINITE") == 0 && period) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER, "An INFINITE "
                          "suppression takes no suppressionPeriod.");
    }
    if (lv_logs_anomaly_id_of(rq, lv_json_str(in, "anomalyDetectorArn"),
                              id) < 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_detector);
    }
    if (readable_detector(rq, id, NULL, NULL, err) < 0) {
        return -1;
    }
    if (lv_store_anomaly_list(rq->store, rq->who.account, rq->region, id,
                              SCAN_MAX, find_each, &f, err) < 0) {
        goto out;
    }
    if (!f.hit) {
        lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, "The specified anomaly "
                   "does not exist.");
        goto out;
    }
    doc = json_loads(f.found.doc, 0, NULL);
    if (!json_is_object(doc)) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "Service is unavailable; please try again");
        goto out;
    }
    if (type) {
        json_object_set_new(doc, "suppressed", json_true());
        json_object_set_new(doc, "suppressedDate", json_integer(rq->now_ms));
        json_object_set_new(doc, "suppressedInfinite",
                            json_boolean(strcmp(type, "INFINITE") == 0));
        if (len > 0) {
            json_object_set_new(doc, "suppressedUntil",
                                json_integer(rq->now_ms + len));
        } else {
            json_object_del(doc, "suppressedUntil");
        }
        json_object_set_new(doc, "isPatternLevelSuppression",
                            json_boolean(f.pattern_id != NULL));
        json_object_set_new(doc, "state", json_string("Suppressed"));
    } else if (!baseline) {
        json_object_set_new(doc, "suppressed", json_false());
        json_object_del(doc, "suppressedDate");
        json_object_del(doc, "suppressedUntil");
        json_object_del(doc, "suppressedInfinite");
        json_object_del(doc, "isPatternLevelSuppression");
        json_object_set_new(doc, "state", json_string("Active"));
    }
    if (baseline) {
        json_object_set_new(doc, "state", json_string("Baseline"));
    }
    free(f.found.doc);
    f.found.doc = json_dumps(doc, JSON_COMPACT);
    if (lv_store_anomaly_put(rq->store, &f.found, err) < 0) {
        goto out;
    }
    ret = 0;
out:
    json_decref(doc);
    free(f.found.doc);
    return ret;
}
