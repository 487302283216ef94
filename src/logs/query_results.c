/*
 * query_results.c: GetQueryResults, StopQuery, DescribeQueries and
 * ListLogGroupsForQuery — what is known of a query, read from the store
 * (so any node answers for a query any node runs; query_int.h).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_GetQueryResults.html (and API_StopQuery, API_DescribeQueries,
 * API_ListLogGroupsForQuery).
 *
 * A query id unknown in the caller's account and region is
 * ResourceNotFoundException "The specified query does not exist." (AWS's
 * wording is not recorded; this one follows the other Logs resources').
 *
 * GetQueryResults answers status, statistics (every member of
 * QueryStatistics; zeros before the runner wrote any), queryLanguage and
 * results: the rows once Complete — a page of maxItems (at most and by
 * default 10,000) with a nextToken while more remain — and [] while the
 * query is Scheduled or Running (partial results are optional in AWS's
 * contract; logvault shows none), Failed, Cancelled or Timeout.
 * encryptionKey is never shown: no KMS key can be associated with query
 * results here.
 *
 * StopQuery: a Scheduled or Running query becomes Cancelled ("success":
 * true). One that has already ended: "If the query has already ended, the
 * operation returns an error indicating that the specified query is not
 * running" — InvalidParameterException.
 */
#include "logs/logs.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app.h"
#include "logs/groups_int.h"
#include "logs/query_int.h"
#include "store/insights_store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

#define DESCRIBE_DEFAULT_MAX 1000
#define LIST_GROUPS_DEFAULT_MAX 50

static const char no_query[] = "The specified query does not exist.";
static const char bad_token[] = "The specified nextToken is invalid.";

static int get_query(struct lv_req *rq, const json_t *in, int with_results,
                     struct lv_query_rec *rec, struct lv_err *err)
{
    const char *id = NULL;
    int found;

    if (lv_json_req_str(in, "queryId", 1, 256, &id, err) < 0) {
        return -1;
    }
    if (strlen(id) >= sizeof(rec->id)) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_query);
    }
    found = lv_store_insights_query_get(rq->store, rq->who.account,
                                        rq->region, id, with_results, rec,
                                        err);
    if (found < 0) {
        return -1;
    }
    return found ? 0 : lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_query);
}

static void write_statistics(struct lv_jw *w, const struct lv_query_rec *rec)
{
    struct lv_buf zero = LV_BUF_INIT(1024);
    struct lv_query_stats st = { 0 };

    lv_jw_key(w, "statistics");
    if (rec->statistics && rec->statistics[0]) {
        lv_jw_raw(w, rec->statistics, strlen(rec->statistics));
    } else {
        lv_query_stats_json(&st, &zero);
        lv_jw_raw(w, zero.data, zero.len);
    }
    lv_buf_release(&zero);
}

/* Writes the page [from, from + max) of the packed rows; sets *more when
 * rows remain after it. */
static int write_results(struct lv_jw *w, const struct lv_buf *pack,
                         size_t from, size_t max, int *more,
                         struct lv_err *err)
{
    struct lv_buf page = LV_BUF_INIT(SIZE_MAX);
    size_t n = 0;
    int ret = -1;

    *more = 0;
    if (lv_query_results_page((const uint8_t *)pack->data, pack->len, from,
                              max, &page, &n) < 0) {
        lv_log(LV_LOG_ERROR, "logs: query results are malformed");
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "Service is unavailable; please try again");
        goto out;
    }
    lv_jw_key(w, "results");
    lv_jw_raw(w, page.data, page.len);
    *more = from + max < n;
    ret = 0;
out:
    lv_secret_wipe(page.data, page.len);
    lv_buf_release(&page);
    return ret;
}

int lv_logs_op_get_query_results(struct lv_req *rq, const json_t *in,
                                 struct lv_jw *w, struct lv_err *err)
{
    static const char kind[] = "GetQueryResults";
    struct lv_query_rec rec;
    struct lv_buf plain = LV_BUF_INIT(SIZE_MAX);
    char cursor[LV_LOGS_CURSOR_MAX];
    char next[32];
    int64_t max = LV_QUERY_RESULTS_PAGE;
    size_t from = 0;
    int more = 0;
    int has;
    int ret = -1;

    memset(&rec, 0, sizeof(rec));
    if (get_query(rq, in, 1, &rec, err) < 0) {
        goto out;
    }
    has = lv_logs_token_read(rq, in, kind, rec.id, cursor, err);
    if (has < 0) {
        goto out;
    }
    if (has) {
        char *end;
        unsigned long long v = strtoull(cursor, &end, 10);

        if (*end != '\0' || end == cursor) {
            lv_err_set(err, LV_E_INVALID_PARAMETER, bad_token);
            goto out;
        }
        from = (size_t)v;
    }
    /* maxItems 0–10,000 (the model's range, checked by the front); 0 is
     * taken as "the default". */
    if (lv_json_int64(in, "maxItems", &max) && max <= 0) {
        max = LV_QUERY_RESULTS_PAGE;
    }
    lv_jw_kstr(w, "queryLanguage", rec.language[0] ? rec.language : "CWLI");
    if (strcmp(rec.status, "Complete") == 0 && rec.results) {
        if (lv_query_unseal(rq->app->logs->keyring, rec.account, rec.region,
                            rec.id, rec.results, rec.results_len, &plain,
                            err) < 0 ||
            write_results(w, &plain, from, (size_t)max, &more, err) < 0) {
            goto out;
        }
    } else {
        lv_jw_key(w, "results");
        lv_jw_arr_open(w);
        lv_jw_arr_close(w);
    }
    write_statistics(w, &rec);
    lv_jw_kstr(w, "status", rec.status);
    if (more) {
        snprintf(next, sizeof(next), "%zu", from + (size_t)max);
        lv_logs_token_write(rq, w, kind, rec.id, next);
    }
    ret = 0;
out:
    lv_secret_wipe(plain.data, plain.len);
    lv_buf_release(&plain);
    lv_query_rec_release(&rec);
    return ret;
}

int lv_logs_op_stop_query(struct lv_req *rq, const json_t *in,
                          struct lv_jw *w, struct lv_err *err)
{
    struct lv_query_rec rec;
    int rc;
    int ret = -1;

    memset(&rec, 0, sizeof(rec));
    if (get_query(rq, in, 0, &rec, err) < 0) {
        goto out;
    }
    rc = lv_store_insights_query_transition(rq->store, rec.id,
                                            "Scheduled,Running", "Cancelled",
                                            rq->now_ms, err);
    if (rc < 0) {
        goto out;
    }
    if (rc == 0) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "The specified query is not running.");
        goto out;
    }
    lv_log(LV_LOG_INFO, "logs: query cancelled query=%s req=%s", rec.id,
           rq->id);
    lv_jw_kbool(w, "success", 1);
    ret = 0;
out:
    lv_query_rec_release(&rec);
    return ret;
}

/* ---- DescribeQueries ---------------------------------------------------- */

struct dq {
    struct lv_jw *w;
    int n, max;
    int64_t last_ms;
    char last_id[37];
};

/* A number member of the statistics JSON text, 0 if absent. */
static int64_t stat_member(const char *stats, const char *name)
{
    json_t *o = stats ? json_loads(stats, 0, NULL) : NULL;
    double v = 0;

    if (o) {
        v = json_number_value(json_object_get(o, name));
        json_decref(o);
    }
    return (int64_t)v;
}

static int dq_each(void *arg, const struct lv_query_rec *q)
{
    struct dq *d = arg;
    struct lv_jw *w = d->w;

    if (d->n == d->max) {
        return 1;
    }
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "queryLanguage", q->language[0] ? q->language : "CWLI");
    lv_jw_kstr(w, "queryId", q->id);
    lv_jw_kstr(w, "queryString", q->query_string ? q->query_string : "");
    lv_jw_kstr(w, "status", q->status);
    lv_jw_kint64(w, "createTime", q->create_time_ms);
    if (q->log_group_name[0]) {
        lv_jw_kstr(w, "logGroupName", q->log_group_name);
    }
    if (q->finish_time_ms > 0) {
        lv_jw_kint64(w, "queryDuration",
                     q->finish_time_ms - q->create_time_ms);
    }
    lv_jw_kint64(w, "bytesScanned", stat_member(q->statistics,
                                                "bytesScanned"));
    lv_jw_obj_close(w);
    d->n++;
    d->last_ms = q->create_time_ms;
    snprintf(d->last_id, sizeof(d->last_id), "%s", q->id);
    return 0;
}

int lv_logs_op_describe_queries(struct lv_req *rq, const json_t *in,
                                struct lv_jw *w, struct lv_err *err)
{
    static const char kind[] = "DescribeQueries";
    const char *group = lv_json_str(in, "logGroupName");
    const char *status = lv_json_str(in, "status");
    const char *lang = lv_json_str(in, "queryLanguage");
    char cursor[LV_LOGS_CURSOR_MAX];
    char scope[1024];
    char next[128];
    struct dq d;
    int64_t before_ms = INT64_MAX;
    const char *before_id = "";
    int64_t max = DESCRIBE_DEFAULT_MAX;
    int has;
    int rc;

    memset(&d, 0, sizeof(d));
    lv_json_int64(in, "maxResults", &max);
    /* The filters are part of the token's scope: a token continues only
     * the listing that issued it. */
    snprintf(scope, sizeof(scope), "%s|%s|%s", group ? group : "",
             status ? status : "", lang ? lang : "");
    has = lv_logs_token_read(rq, in, kind, scope, cursor, err);
    if (has < 0) {
        return -1;
    }
    if (has) {
        char *dot = strchr(cursor, '.');
        char *end;

        before_ms = strtoll(cursor, &end, 10);
        if (!dot || end != dot || strlen(dot + 1) >= 37) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER, bad_token);
        }
        before_id = dot + 1;
    }
    d.w = w;
    d.max = (int)max;
    lv_jw_key(w, "queries");
    lv_jw_arr_open(w);
    /* One more than a page: whether another page follows. */
    rc = lv_store_insights_query_list(rq->store, rq->who.account, rq->region,
                                      status ? status : "",
                                      group ? group : "", lang ? lang : "",
                                      before_ms, before_id, d.max + 1,
                                      dq_each, &d, err);
    if (rc < 0) {
        return -1;
    }
    lv_jw_arr_close(w);
    if (rc == 1) {
        snprintf(next, sizeof(next), "%" PRId64 ".%s", d.last_ms, d.last_id);
        lv_logs_token_write(rq, w, kind, scope, next);
    }
    return 0;
}

/* ---- ListLogGroupsForQuery ---------------------------------------------- */

int lv_logs_op_list_log_groups_for_query(struct lv_req *rq, const json_t *in,
                                         struct lv_jw *w, struct lv_err *err)
{
    static const char kind[] = "ListLogGroupsForQuery";
    struct lv_query_rec rec;
    char cursor[LV_LOGS_CURSOR_MAX];
    char next[32];
    json_t *arns = NULL;
    int64_t max = LIST_GROUPS_DEFAULT_MAX;
    size_t from = 0;
    size_t n;
    int has;
    int ret = -1;

    memset(&rec, 0, sizeof(rec));
    if (get_query(rq, in, 0, &rec, err) < 0) {
        goto out;
    }
    lv_json_int64(in, "maxResults", &max);
    has = lv_logs_token_read(rq, in, kind, rec.id, cursor, err);
    if (has < 0) {
        goto out;
    }
    if (has) {
        char *end;

        from = (size_t)strtoull(cursor, &end, 10);
        if (*end != '\0' || end == cursor) {
            lv_err_set(err, LV_E_INVALID_PARAMETER, bad_token);
            goto out;
        }
    }
    arns = json_loads(rec.groups ? rec.groups : "[]", 0, NULL);
    n = json_array_size(arns);
    lv_jw_key(w, "logGroupIdentifiers");
    lv_jw_arr_open(w);
    for (size_t i = from; i < n && i - from < (size_t)max; i++) {
        lv_jw_str(w, json_string_value(json_array_get(arns, i)));
    }
    lv_jw_arr_close(w);
    if (from + (size_t)max < n) {
        snprintf(next, sizeof(next), "%zu", from + (size_t)max);
        lv_logs_token_write(rq, w, kind, rec.id, next);
    }
    ret = 0;
out:
    json_decref(arns);
    lv_query_rec_release(&rec);
    return ret;
}
