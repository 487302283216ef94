/*
 * sched_run.c: the scheduler of scheduled queries (sched_int.h) and its
 * clock.
 *
 * Every LV_SCHED_TICK_MS, on the one node that holds the store lease
 * "logs.sched":
 *   - each scheduled query due (next_ms <= now, lv_store_sched_due) is
 *     triggered: its Insights query is started through StartQuery itself
 *     (lv_logs_op_start_query, with an lv_req built here for the query's
 *     owner: its account, region and principal; no source address), over
 *     [trigger - startTimeOffset, trigger] in epoch seconds, with the
 *     definition's log groups or the query's SOURCE. The run is recorded
 *     Running with the query's id; a query StartQuery refuses (a group
 *     deleted since, the concurrency limit, a key that no longer works)
 *     is recorded at once, InvalidQuery for a query or parameter error,
 *     Failed otherwise, with StartQuery's message. next_ms moves to the
 *     first run after now (runs missed while no node held the lease are
 *     skipped, not run in a burst);
 *   - each run still Running is looked at: once its Insights query has
 *     ended, the run takes its status (Complete, Failed, Timeout;
 *     Cancelled counts as Failed) and, when the query completed and the
 *     definition names an S3 destination, the delivery's outcome:
 *     logvault hosts no Amazon S3, so it is CLIENT_ERROR with a message
 *     saying the destination is unreachable — never COMPLETE. A query
 *     whose record is gone (expired) ends Failed.
 * The scheduled query's lastTriggeredTime and lastExecutionStatus follow
 * its newest run.
 */
#include "logs/sched_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "app.h"
#include "crypto/crypto.h"
#include "logs/logs.h"
#include "logs/sched_expr.h"
#include "store/insights_store.h"
#include "store/sched_store.h"
#include "store/store.h"
#include "svc/req.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/ticker.h"

#define SCHED_LEASE "logs.sched"
#define BATCH 100
#define CRON_DEFAULT_OFFSET_S 300

struct lv_logs_sched {
    struct lv_app *app;
    struct lv_ticker *ticker;
    int lease;
};

static _Atomic int64_t clock_base;      /* real ms when the clock started */
static atomic_int clock_speed = 1;

static int64_t real_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t lv_logs_sched_now_ms(void)
{
    int64_t now = real_ms();
    int speed = atomic_load(&clock_speed);
    int64_t base = atomic_load(&clock_base);

    if (speed <= 1 || base == 0) {
        return now;
    }
    return base + (now - base) * speed;
}

int64_t lv_logs_sched_next(const json_t *doc, const struct lv_sched_expr *e,
                           int64_t after_ms)
{
    const char *state = lv_json_str(doc, "state");
    int64_t anchor = 0, start = -1, end = -1, next;

    if (state && strcmp(state, "DISABLED") == 0) {
        return -1;
    }
    lv_json_int64(doc, "anchor", &anchor);
    lv_json_int64(doc, "scheduleStartTime", &start);
    lv_json_int64(doc, "scheduleEndTime", &end);
    if (start >= 0 && after_ms < start) {
        after_ms = start - 1;
    }
    next = lv_sched_expr_next(e, anchor, after_ms);
    if (next >= 0 && end >= 0 && next > end) {
        return -1;
    }
    return next;
}

/* The owner's request, as query_run.c builds one for a runner. */
static void owner_req(struct lv_logs_sched *s, const struct lv_sched_rec *r,
                      const json_t *doc, struct lv_req *rq)
{
    const json_t *o = lv_json_obj(doc, "owner");
    const char *v;

    memset(rq, 0, sizeof(*rq));
    rq->app = s->app;
    rq->store = s->app->store;
    lv_uuid4(rq->id);
    rq->now_ms = real_ms();
    rq->now = (time_t)(rq->now_ms / 1000);
    snprintf(rq->region, sizeof(rq->region), "%s", r->region);
    snprintf(rq->who.account, sizeof(rq->who.account), "%s", r->account);
#define OWN(key, field)                                                      \
    if ((v = lv_json_str(o, key)) != NULL) {                                 \
        snprintf(rq->who.field, sizeof(rq->who.field), "%s", v);             \
    }
    OWN("accessKey", access_key)
    OWN("user", user)
    OWN("arn", arn)
    OWN("service", service)
#undef OWN
}

/* Records the run, unless its scheduled query was deleted meanwhile (its
 * runs went with it). */
static void save_run(struct lv_store *store, const struct lv_sched_run *run,
                     const char *error, const json_t *dests)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_sched_run r = *run;
    struct lv_sched_rec q;
    json_t *doc;

    if (lv_store_sched_get(store, run->account, run->region, run->name, &q,
                           &err) <= 0) {
        return;
    }
    lv_sched_rec_release(&q);
    doc = json_object();

    if (error) {
        json_object_set_new(doc, "errorMessage", json_string(error));
    }
    if (dests) {
        json_object_set(doc, "destinations", (json_t *)dests);
    }
    r.doc = json_dumps(doc, JSON_COMPACT);
    if (lv_store_sched_run_put(store, &r, &err) < 0) {
        lv_log(LV_LOG_WARN, "logs: scheduled query run not recorded "
               "query=%s: %s", r.query_id, err.msg);
    }
    free(r.doc);
    json_decref(doc);
}

/* lastTriggeredTime / lastExecutionStatus, and next_ms when next >= -1. */
static void save_status(struct lv_store *store, const char *account,
                        const char *region, const char *name,
                        int64_t triggered, const char *status, int set_next,
                        int64_t next)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_sched_rec r;
    json_t *doc = NULL;
    int64_t last = -1;

    if (lv_store_sched_get(store, account, region, name, &r, &err) <= 0) {
        return;
    }
    doc = json_loads(r.doc ? r.doc : "", 0, NULL);
    if (!json_is_object(doc)) {
        goto out;
    }
    lv_json_int64(doc, "lastTriggeredTime", &last);
    if (triggered >= last) {
        json_object_set_new(doc, "lastTriggeredTime",
                            json_integer(triggered));
        json_object_set_new(doc, "lastExecutionStatus", json_string(status));
    }
    if (set_next) {
        r.next_ms = next;
    }
    free(r.doc);
    r.doc = json_dumps(doc, JSON_COMPACT);
    if (lv_store_sched_update(store, &r, &err) < 0) {
        lv_log(LV_LOG_WARN, "logs: scheduled query not updated: %s",
               err.msg);
    }
out:
    json_decref(doc);
    lv_sched_rec_release(&r);
}

struct due {
    struct lv_sched_rec *r;
    size_t n, cap;
};

static int due_each(void *arg, const struct lv_sched_rec *r)
{
    struct due *d = arg;

    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->r = lv_xrealloc(d->r, d->cap * sizeof(*d->r));
    }
    d->r[d->n] = *r;
    d->r[d->n].doc = lv_xstrdup(r->doc ? r->doc : "");
    d->n++;
    return 0;
}

/* The queryId StartQuery wrote into out (`{"queryId":"…"}`). */
static int query_id_of(const struct lv_buf *out, char id[37])
{
    json_t *o = json_loadb(out->data, out->len, 0, NULL);
    const char *v = lv_json_str(o, "queryId");
    int ok = v && strlen(v) < 37;

    if (ok) {
        snprintf(id, 37, "%s", v);
    }
    json_decref(o);
    return ok ? 0 : -1;
}

static void trigger(struct lv_logs_sched *s, const struct lv_sched_rec *r,
                    int64_t now)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_sched_expr e;
    struct lv_sched_run run;
    struct lv_req rq;
    struct lv_buf out = LV_BUF_INIT(4096);
    struct lv_jw w;
    char msg[256];
    json_t *doc = json_loads(r->doc ? r->doc : "", 0, NULL);
    json_t *in = json_object();
    const char *expr = lv_json_str(doc, "scheduleExpression");
    const json_t *groups = lv_json_arr(doc, "logGroupIdentifiers");
    int64_t when = r->next_ms;
    int64_t off = -1;
    int64_t next = -1;
    const char *status = "Running";
    int rc = -1;

    memset(&rq, 0, sizeof(rq));
    if (!json_is_object(doc) || !expr ||
        lv_sched_expr_parse(expr, strlen(expr), &e, msg, sizeof(msg)) < 0) {
        lv_log(LV_LOG_ERROR, "logs: scheduled query %s unreadable",
               r->name);
        save_status(s->app->store, r->account, r->region, r->name, when,
                    "Failed", 1, -1);
        goto out;
    }
    if (lv_json_int64(doc, "startTimeOffset", &off) == 0 || off < 0) {
        off = e.kind == LV_SCHED_RATE ? e.rate_ms / 1000
                                      : CRON_DEFAULT_OFFSET_S;
    }
    next = lv_logs_sched_next(doc, &e, now > when ? now : when);
    json_object_set(in, "queryString", json_object_get(doc, "queryString"));
    if (groups) {
        json_object_set(in, "logGroupIdentifiers", (json_t *)groups);
    }
    json_object_set_new(in, "startTime", json_integer(when / 1000 - off));
    json_object_set_new(in, "endTime", json_integer(when / 1000));
    owner_req(s, r, doc, &rq);
    lv_jw_init(&w, &out);
    lv_jw_obj_open(&w);
    rc = lv_logs_op_start_query(&rq, in, &w, &err);
    lv_jw_obj_close(&w);
    memset(&run, 0, sizeof(run));
    snprintf(run.account, sizeof(run.account), "%s", r->account);
    snprintf(run.region, sizeof(run.region), "%s", r->region);
    snprintf(run.name, sizeof(run.name), "%s", r->name);
    run.triggered_ms = when;
    if (rc == 0 && lv_jw_finish(&w) == 0 &&
        query_id_of(&out, run.query_id) == 0) {
        snprintf(run.status, sizeof(run.status), "Running");
        save_run(s->app->store, &run, NULL, NULL);
    } else {
        status = err.code == LV_E_MALFORMED_QUERY ||
                 err.code == LV_E_INVALID_PARAMETER ||
                 err.code == LV_E_RESOURCE_NOT_FOUND ? "InvalidQuery"
                                                     : "Failed";
        lv_uuid4(run.query_id);
        snprintf(run.status, sizeof(run.status), "%s", status);
        save_run(s->app->store, &run, err.msg[0] ? err.msg
                                                 : "The query did not start.",
                 NULL);
    }
    save_status(s->app->store, r->account, r->region, r->name, when, status,
                1, next);
    lv_log(LV_LOG_INFO, "logs: scheduled query triggered status=%s "
           "query=%s", status, run.query_id);
out:
    free(rq.trace);
    lv_buf_release(&out);
    json_decref(in);
    json_decref(doc);
}

struct open_runs {
    struct lv_sched_run *r;
    size_t n, cap;
};

static int open_each(void *arg, const struct lv_sched_run *r)
{
    struct open_runs *o = arg;

    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 16;
        o->r = lv_xrealloc(o->r, o->cap * sizeof(*o->r));
    }
    o->r[o->n] = *r;
    o->r[o->n].doc = NULL;
    o->n++;
    return 0;
}

/* The delivery of a completed run's results to the definition's S3
 * destination, which logvault cannot reach; NULL when none is named. */
static json_t *deliveries(struct lv_store *store,
                          const struct lv_sched_run *run)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_sched_rec r;
    json_t *doc;
    json_t *arr = NULL;
    const char *uri;

    if (lv_store_sched_get(store, run->account, run->region, run->name, &r,
                           &err) <= 0) {
        return NULL;
    }
    doc = json_loads(r.doc ? r.doc : "", 0, NULL);
    uri = lv_json_str(lv_json_obj(lv_json_obj(doc,
                                              "destinationConfiguration"),
                                  "s3Configuration"),
                      "destinationIdentifier");
    if (uri) {
        arr = json_pack("[{s:s, s:s, s:s, s:s}]", "destinationType", "S3",
                        "destinationIdentifier", uri, "status",
                        "CLIENT_ERROR", "errorMessage",
                        "The query results could not be delivered: the S3 "
                        "destination is not reachable (logvault hosts no "
                        "Amazon S3).");
    }
    json_decref(doc);
    lv_sched_rec_release(&r);
    return arr;
}

static void settle(struct lv_logs_sched *s, const struct lv_sched_run *run)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_query_rec q;
    struct lv_sched_run done = *run;
    json_t *dests = NULL;
    const char *status;
    const char *error = NULL;
    int rc;

    rc = lv_store_insights_query_get(s->app->store, run->account,
                                     run->region, run->query_id, 0, &q,
                                     &err);
    if (rc < 0) {
        return;
    }
    if (rc == 0) {
        status = "Failed";
        error = "The query's results are no longer kept.";
    } else if (strcmp(q.status, "Complete") == 0) {
        status = "Complete";
        dests = deliveries(s->app->store, run);
    } else if (strcmp(q.status, "Timeout") == 0) {
        status = "Timeout";
    } else if (strcmp(q.status, "Failed") == 0 ||
               strcmp(q.status, "Cancelled") == 0) {
        status = "Failed";
        error = q.error && q.error[0] ? q.error : "The query failed.";
    } else {
        lv_query_rec_release(&q);
        return;                     /* Scheduled or Running */
    }
    snprintf(done.status, sizeof(done.status), "%s", status);
    done.doc = NULL;
    save_run(s->app->store, &done, error, dests);
    save_status(s->app->store, run->account, run->region, run->name,
                run->triggered_ms, status, 0, 0);
    json_decref(dests);
    if (rc > 0) {
        lv_query_rec_release(&q);
    }
}

static void tick(void *arg)
{
    struct lv_logs_sched *s = arg;
    struct lv_store *store = s->app->store;
    struct lv_err err = LV_ERR_INIT;
    struct due d = { 0 };
    struct open_runs o = { 0 };
    int64_t now;

    if (!lv_store_lease_pass(store, SCHED_LEASE, &s->lease)) {
        return;
    }
    now = lv_logs_sched_now_ms();
    if (lv_store_sched_due(store, now, BATCH, due_each, &d, &err) < 0) {
        lv_log(LV_LOG_WARN, "logs: scheduled queries unreadable: %s",
               err.msg);
    }
    for (size_t i = 0; i < d.n; i++) {
        trigger(s, &d.r[i], now);
        lv_sched_rec_release(&d.r[i]);
    }
    free(d.r);
    if (lv_store_sched_run_open(store, BATCH, open_each, &o, &err) < 0) {
        lv_log(LV_LOG_WARN, "logs: scheduled query runs unreadable: %s",
               err.msg);
    }
    for (size_t i = 0; i < o.n; i++) {
        settle(s, &o.r[i]);
    }
    free(o.r);
}

struct lv_logs_sched *lv_logs_sched_start(struct lv_app *app)
{
    struct lv_logs_sched *s = lv_xcalloc(1, sizeof(*s));
    const char *env = getenv("LOGVAULT_TEST_SCHED_SPEED");
    int tick_ms = LV_SCHED_TICK_MS;

    s->app = app;
    s->lease = LV_STORE_LEASE_UNKNOWN;
    if (env) {
        long speed = strtol(env, NULL, 10);

        if (speed >= 2 && speed <= 3600) {
            atomic_store(&clock_base, real_ms());
            atomic_store(&clock_speed, (int)speed);
            tick_ms = (int)(LV_SCHED_TICK_MS / speed);
            tick_ms = tick_ms < 50 ? 50 : tick_ms;
            lv_log(LV_LOG_WARN, "logs: scheduler clock runs %ld times "
                   "faster (LOGVAULT_TEST_SCHED_SPEED: tests only)", speed);
        }
    }
    s->ticker = lv_ticker_start("logs scheduler", tick_ms, tick, s);
    if (!s->ticker) {
        free(s);
        return NULL;
    }
    return s;
}

void lv_logs_sched_stop(struct lv_logs_sched *s)
{
    if (!s) {
        return;
    }
    lv_ticker_stop(s->ticker);
    free(s);
}
