/*
 * sched_history.c: GetScheduledQueryHistory — the runs of one scheduled
 * query (sched_run.c records them) triggered in [startTime, endTime]
 * (epoch ms, both inclusive; endTime before startTime is a
 * ValidationException), newest first, optionally only those whose
 * executionStatus is one of executionStatuses; maxResults 1 to 1,000
 * (default 100), nextToken the position in that list ("h:N").
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_GetScheduledQueryHistory.html
 */
#include "logs/logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "logs/sched_int.h"
#include "store/sched_store.h"
#include "util/err.h"
#include "util/json.h"

#define HISTORY_DEFAULT 100
#define HISTORY_MAX 1000
/* The runs one request looks at: the newest in the range. */
#define HISTORY_SCAN 10000

struct hist {
    struct lv_jw *w;
    const json_t *statuses;
    int64_t skip, max, n;
    int more;
};

static int wanted(const struct hist *h, const char *status)
{
    size_t i;
    const json_t *v;

    if (json_array_size(h->statuses) == 0) {
        return 1;
    }
    json_array_foreach(h->statuses, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), status) == 0) {
            return 1;
        }
    }
    return 0;
}

static int hist_each(void *arg, const struct lv_sched_run *r)
{
    struct hist *h = arg;
    json_t *doc;

    if (!wanted(h, r->status)) {
        return 0;
    }
    if (h->skip > 0) {
        h->skip--;
        return 0;
    }
    if (h->n == h->max) {
        h->more = 1;
        return 1;
    }
    doc = json_loads(r->doc ? r->doc : "", 0, NULL);
    lv_jw_obj_open(h->w);
    lv_jw_kstr(h->w, "queryId", r->query_id);
    lv_jw_kstr(h->w, "executionStatus", r->status);
    lv_jw_kint64(h->w, "triggeredTimestamp", r->triggered_ms);
    if (lv_json_str(doc, "errorMessage")) {
        lv_jw_kstr(h->w, "errorMessage", lv_json_str(doc, "errorMessage"));
    }
    lv_jw_key(h->w, "destinations");
    if (lv_json_arr(doc, "destinations")) {
        lv_jw_json(h->w, lv_json_arr(doc, "destinations"));
    } else {
        lv_jw_arr_open(h->w);
        lv_jw_arr_close(h->w);
    }
    lv_jw_obj_close(h->w);
    json_decref(doc);
    h->n++;
    return 0;
}

int lv_logs_op_get_scheduled_query_history(struct lv_req *rq,
                                           const json_t *in, struct lv_jw *w,
                                           struct lv_err *err)
{
    struct lv_sched_rec r;
    struct hist h;
    char arn[LV_SCHED_ARN_MAX];
    const char *token = lv_json_str(in, "nextToken");
    int64_t start = 0, end = 0;
    int ret = -1;
    int rc;

    memset(&h, 0, sizeof(h));
    memset(&r, 0, sizeof(r));
    if (lv_logs_sched_find(rq, in, &r, err) < 0) {
        goto out;
    }
    lv_json_int64(in, "startTime", &start);
    lv_json_int64(in, "endTime", &end);
    if (end < start) {
        lv_err_set(err, LV_E_VALIDATION, "endTime must not be before "
                   "startTime.");
        goto out;
    }
    h.w = w;
    h.statuses = lv_json_arr(in, "executionStatuses");
    h.max = HISTORY_DEFAULT;
    lv_json_int64(in, "maxResults", &h.max);
    if (token) {
        char *e = NULL;

        h.skip = strncmp(token, "h:", 2) == 0 ? strtoll(token + 2, &e, 10)
                                              : -1;
        if (h.skip < 0 || !e || *e) {
            lv_err_set(err, LV_E_VALIDATION, "The nextToken is not valid.");
            goto out;
        }
    }
    lv_logs_sched_arn(rq->region, rq->who.account, r.name, arn);
    lv_jw_kstr(w, "name", r.name);
    lv_jw_kstr(w, "scheduledQueryArn", arn);
    lv_jw_key(w, "triggerHistory");
    lv_jw_arr_open(w);
    {
        int64_t first = h.skip;

        rc = lv_store_sched_run_list(rq->store, rq->who.account, rq->region,
                                     r.name, start, end, HISTORY_SCAN,
                                     hist_each, &h, err);
        lv_jw_arr_close(w);
        if (rc < 0) {
            goto out;
        }
        if (h.more) {
            char next[40];

            snprintf(next, sizeof(next), "h:%lld",
                     (long long)(first + h.n));
            lv_jw_kstr(w, "nextToken", next);
        }
    }
    ret = 0;
out:
    lv_sched_rec_release(&r);
    return ret;
}
