/*
 * metric.c: metric filters — PutMetricFilter, DescribeMetricFilters,
 * DeleteMetricFilter — and TestMetricFilter, which runs a pattern over
 * sample messages with the filter compiler (filter.h).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_PutMetricFilter.html (and the pages of the other three). The model's
 * constraints (filterName 1–512, filterPattern 0–1024, exactly one metric
 * transformation with metricName, metricNamespace, metricValue, limit
 * 1–50) were checked by the front before a handler runs.
 *
 * Metric filters are stored and described; logvault does not publish
 * CloudWatch metrics, so nothing evaluates a stored filter on ingest.
 */
#include "logs/logs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "logs/classes.h"
#include "logs/filter.h"
#include "logs/groups_int.h"
#include "logs/logs_int.h"
#include "store/logs_store.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

#define DESCRIBE_DEFAULT_LIMIT 50
/* API_MetricTransformation: "One metric filter can include as many as
 * three dimensions." */
#define MAX_DIMENSIONS 3

/* ---- PutMetricFilter ------------------------------------------------------ */

/*
 * The one metricTransformations element, re-written in the model's member
 * order (metricName, metricNamespace, metricValue, defaultValue,
 * dimensions, unit) as the JSON text we store and describe.
 */
static int transformation_text(const json_t *t, enum lv_filter_kind kind,
                               char **text, struct lv_err *err)
{
    json_t *arr = json_array();
    json_t *o = json_object();
    const json_t *dims = lv_json_obj(t, "dimensions");
    const char *unit = lv_json_str(t, "unit");
    double dv;
    int has_default = lv_json_double(t, "defaultValue", &dv);
    int ret = -1;

    json_object_set_new(o, "metricName",
                        json_string(lv_json_str(t, "metricName")));
    json_object_set_new(o, "metricNamespace",
                        json_string(lv_json_str(t, "metricNamespace")));
    json_object_set_new(o, "metricValue",
                        json_string(lv_json_str(t, "metricValue")));
    if (dims && json_object_size(dims) > 0) {
        /* AWS: dimensions name fields of the event, which only JSON and
         * space-delimited patterns have (the console: "only applicable for
         * JSON or delimited filter patterns"). */
        if (kind != LV_FILTER_JSON && kind != LV_FILTER_SPACE) {
            lv_err_set(err, LV_E_INVALID_PARAMETER,
                       "The specified filter pattern does not support "
                       "dimensions");
            goto out;
        }
        if (has_default) {
            lv_err_set(err, LV_E_INVALID_PARAMETER,
                       "Invalid metric transformation: dimensions and "
                       "default value are mutually exclusive properties");
            goto out;
        }
        if (json_object_size(dims) > MAX_DIMENSIONS) {
            /* AWS is silent on the wording; the limit is documented. */
            lv_err_set(err, LV_E_INVALID_PARAMETER,
                       "Invalid metric transformation: a metric filter can "
                       "include at most %d dimensions", MAX_DIMENSIONS);
            goto out;
        }
    }
    if (has_default) {
        json_object_set_new(o, "defaultValue", json_real(dv));
    }
    if (dims && json_object_size(dims) > 0) {
        json_object_set_new(o, "dimensions", json_deep_copy(dims));
    }
    if (unit) {
        json_object_set_new(o, "unit", json_string(unit));
    }
    json_array_append(arr, o);
    *text = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!*text) {
        LV_BUG("logs: json_dumps failed");
    }
    ret = 0;
out:
    json_decref(o);
    json_decref(arr);
    return ret;
}

/* The members of PutMetricFilter other than the transformation that AWS
 * describes back, as a JSON object text. */
static char *options_text(const json_t *in)
{
    json_t *o = json_object();
    const char *crit = lv_json_str(in, "fieldSelectionCriteria");
    const json_t *emit = lv_json_arr(in, "emitSystemFieldDimensions");
    int apply = 0;
    char *text;

    lv_json_bool(in, "applyOnTransformedLogs", &apply);
    json_object_set_new(o, "applyOnTransformedLogs", json_boolean(apply));
    if (crit) {
        json_object_set_new(o, "fieldSelectionCriteria", json_string(crit));
    }
    if (emit && json_array_size(emit) > 0) {
        json_object_set_new(o, "emitSystemFieldDimensions",
                            json_deep_copy(emit));
    }
    text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!text) {
        LV_BUG("logs: json_dumps failed");
    }
    return text;
}

int lv_logs_op_put_metric_filter(struct lv_req *rq, const json_t *in,
                                 struct lv_jw *w, struct lv_err *err)
{
    struct lv_log_group g;
    struct lv_log_metric_filter f;
    struct lv_filter *compiled = NULL;
    const json_t *ts = lv_json_arr(in, "metricTransformations");
    const json_t *t = json_array_get(ts, 0);
    char *trans = NULL;
    char *opts = NULL;
    size_t plen = 0;
    const char *pattern = lv_json_strn(in, "filterPattern", &plen);
    const char *name = lv_json_str(in, "filterName");
    int rc;
    int ret = -1;

    (void)w;
    if (!pattern || !name || json_array_size(ts) != 1 ||
        !json_is_object(t)) {
        /* The front enforces the model; this is only a safety net. */
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid metric filter");
    }
    compiled = lv_filter_compile(pattern, plen, err);
    if (!compiled) {
        goto out;
    }
    if (transformation_text(t, lv_filter_kind(compiled), &trans, err) < 0) {
        goto out;
    }
    opts = options_text(in);
    /* The group is found and the filter stored in one transaction, so the
     * filter lands on the group that was found, never on a group deleted
     * (or deleted and created again) in between. */
    if (lv_store_begin(rq->store, err) < 0) {
        goto out;
    }
    if (lv_logs_find_group(rq, in, &g, err) < 0 ||
        lv_logs_class_check(g.log_group_class, LV_FEAT_METRIC_FILTERS,
                            err) < 0) {
        lv_store_rollback(rq->store);
        goto out;
    }
    memset(&f, 0, sizeof(f));
    f.group_id = g.id;
    f.name = name;
    f.pattern = pattern;
    f.transformations = trans;
    f.metric_name = lv_json_str(t, "metricName");
    f.metric_namespace = lv_json_str(t, "metricNamespace");
    f.options = opts;
    f.creation_time = rq->now_ms;
    rc = lv_store_logs_metric_filter_put(rq->store, &f,
                                         LV_LOGS_MAX_METRIC_FILTERS, err);
    if (rc != 0) {
        if (rc == 1) {
            lv_err_set(err, LV_E_LIMIT_EXCEEDED, "Resource limit exceeded.");
        }
        lv_store_rollback(rq->store);
        goto out;
    }
    if (lv_store_commit(rq->store, err) < 0) {
        goto out;
    }
    ret = 0;
out:
    free(trans);
    free(opts);
    lv_filter_free(compiled);
    return ret;
}

/* ---- DeleteMetricFilter ------------------------------------------------------ */

int lv_logs_op_delete_metric_filter(struct lv_req *rq, const json_t *in,
                                    struct lv_jw *w, struct lv_err *err)
{
    struct lv_log_group g;
    const char *name = lv_json_str(in, "filterName");
    int rc;

    (void)w;
    if (!name) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid metric filter");
    }
    if (lv_logs_find_group(rq, in, &g, err) < 0) {
        return -1;
    }
    rc = lv_store_logs_metric_filter_delete(rq->store, g.id, name, err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                          "The specified resource does not exist.");
    }
    return 0;
}

/* ---- DescribeMetricFilters ----------------------------------------------------- */

struct describe {
    struct lv_jw *w;
    int limit;
    int count;
    int more;
    char last[2 * LV_LOGS_MAX_NAME + 2];  /* "group:filter" */
};

static void write_filter(struct lv_jw *w, const struct lv_log_metric_filter *f)
{
    json_t *opts = json_loads(f->options, 0, NULL);
    const json_t *v;

    lv_jw_obj_open(w);
    lv_jw_kstr(w, "filterName", f->name);
    lv_jw_kstr(w, "filterPattern", f->pattern);
    lv_jw_key(w, "metricTransformations");
    lv_jw_raw(w, f->transformations, strlen(f->transformations));
    lv_jw_kint64(w, "creationTime", f->creation_time);
    lv_jw_kstr(w, "logGroupName", f->group_name);
    v = json_object_get(opts, "applyOnTransformedLogs");
    lv_jw_kbool(w, "applyOnTransformedLogs", json_is_true(v));
    v = json_object_get(opts, "fieldSelectionCriteria");
    if (json_is_string(v)) {
        lv_jw_kstr(w, "fieldSelectionCriteria", json_string_value(v));
    }
    v = json_object_get(opts, "emitSystemFieldDimensions");
    if (json_is_array(v)) {
        lv_jw_key(w, "emitSystemFieldDimensions");
        lv_jw_json(w, v);
    }
    lv_jw_obj_close(w);
    json_decref(opts);
}

static int describe_each(void *arg, const struct lv_log_metric_filter *f)
{
    struct describe *d = arg;

    if (d->count == d->limit) {
        d->more = 1;
        return 1;
    }
    write_filter(d->w, f);
    d->count++;
    snprintf(d->last, sizeof(d->last), "%s:%s", f->group_name, f->name);
    return 0;
}

int lv_logs_op_describe_metric_filters(struct lv_req *rq, const json_t *in,
                                       struct lv_jw *w, struct lv_err *err)
{
    static const char kind[] = "DescribeMetricFilters";
    const char *group_name = lv_json_str(in, "logGroupName");
    const char *prefix = lv_json_str(in, "filterNamePrefix");
    const char *metric = lv_json_str(in, "metricName");
    const char *ns = lv_json_str(in, "metricNamespace");
    char cursor[LV_LOGS_CURSOR_MAX];
    char scope[64];
    const char *after_name = "";
    char *colon;
    struct lv_log_group g;
    struct describe d;
    int64_t v;
    int rc;

    /* API_DescribeMetricFilters: "If you include this parameter in your
     * request, you must also include the metricNamespace parameter" (and
     * the other way round). AWS's wording is not documented. */
    if ((metric != NULL) != (ns != NULL)) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "metricName and metricNamespace must be "
                          "specified together.");
    }
    memset(&g, 0, sizeof(g));
    if (group_name && lv_logs_find_group(rq, in, &g, err) < 0) {
        return -1;
    }
    /* "CloudWatch Logs uses the value that you set here only if you also
     * include the logGroupName parameter in your request." */
    if (!group_name) {
        prefix = NULL;
    }
    memset(&d, 0, sizeof(d));
    d.limit = DESCRIBE_DEFAULT_LIMIT;
    if (lv_json_int64(in, "limit", &v) && v >= 1) {
        d.limit = (int)v;
    }
    snprintf(scope, sizeof(scope), "%" PRId64, g.id);
    if (lv_logs_token_read(rq, in, kind, scope, cursor, err) < 0) {
        return -1;
    }
    /* The cursor is "group:filter"; group names have no ':'. */
    colon = strchr(cursor, ':');
    if (colon) {
        *colon = '\0';
        after_name = colon + 1;
    }
    d.w = w;
    lv_jw_key(w, "metricFilters");
    lv_jw_arr_open(w);
    rc = lv_store_logs_metric_filter_list(rq->store, rq->who.account,
                                          rq->region, g.id, prefix, metric,
                                          ns, after_name,
                                          colon ? cursor : "", d.limit + 1,
                                          describe_each, &d, err);
    if (rc < 0) {
        return -1;
    }
    lv_jw_arr_close(w);
    if (d.more) {
        lv_logs_token_write(rq, w, kind, scope, d.last);
    }
    return 0;
}

/* ---- TestMetricFilter ------------------------------------------------------------ */

int lv_logs_op_test_metric_filter(struct lv_req *rq, const json_t *in,
                                  struct lv_jw *w, struct lv_err *err)
{
    size_t plen = 0;
    const char *pattern = lv_json_strn(in, "filterPattern", &plen);
    const json_t *msgs = lv_json_arr(in, "logEventMessages");
    struct lv_filter *f;
    size_t i;
    const json_t *m;

    (void)rq;
    if (!pattern || !msgs) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid filter pattern");
    }
    f = lv_filter_compile(pattern, plen, err);
    if (!f) {
        return -1;
    }
    lv_jw_key(w, "matches");
    lv_jw_arr_open(w);
    json_array_foreach(msgs, i, m) {
        const char *text = json_string_value(m);
        size_t len = json_string_length(m);
        json_t *x = NULL;

        if (!text || !lv_filter_match_extract(f, text, len, &x)) {
            continue;
        }
        lv_jw_obj_open(w);
        /* Numbered from 1, in the order given. */
        lv_jw_kint64(w, "eventNumber", (int64_t)i + 1);
        lv_jw_key(w, "eventMessage");
        lv_jw_strn(w, text, len);
        lv_jw_key(w, "extractedValues");
        if (x) {
            lv_jw_json(w, x);
        } else {
            lv_jw_obj_open(w);
            lv_jw_obj_close(w);
        }
        lv_jw_obj_close(w);
        json_decref(x);
    }
    lv_jw_arr_close(w);
    lv_filter_free(f);
    return 0;
}
