/*
 * streams.c: the log stream operations — CreateLogStream, DeleteLogStream,
 * DescribeLogStreams. Events are not here (ingest.c, read.c); a stream's
 * event timestamps and sequence come from the store, kept by the ingest
 * path.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_LogStream.html for the output members and their order.
 */
#include "logs/groups_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "logs/logs.h"
#include "logs/respol.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

#define DESCRIBE_DEFAULT_LIMIT 50

/* A stream ARN: the group's (LV_LOGS_ARN_MAX) + ":log-stream:" + a name
 * of up to 512 characters of UTF-8. */
#define STREAM_ARN_MAX (LV_LOGS_ARN_MAX + 16 + LV_LOGS_MAX_NAME * 4)

static const char kind[] = "DescribeLogStreams";

/*
 * A LogStream object in AWS's order. The event times appear once the
 * stream has events. uploadSequenceToken is the decimal count of chunks
 * appended (next_seq): AWS ignores sequence tokens now but still returns
 * one.
 *
 * storedBytes: AWS deprecated the member for log streams on June 17, 2019
 * and documents it as "always reported as zero" there (API_LogStream),
 * while keeping it in the model. We report what the stream really holds
 * (the same measure as the group's storedBytes: message bytes plus 26 per
 * event, less what retention expired), as issue 10 §7 asks: a zero that
 * says nothing is worse for an operator than a true figure, a client that
 * follows AWS's advice ignores the member either way, and the sum over a
 * group's streams then equals the group's storedBytes.
 */
static void write_stream(struct lv_jw *w, const struct lv_log_group *g,
                         const struct lv_log_stream *st)
{
    char group_arn[LV_LOGS_ARN_MAX];
    char *arn;
    char seq[32];

    lv_logs_group_arn(g, 0, group_arn);
    arn = lv_xasprintf("%s:log-stream:%s", group_arn, st->name);
    snprintf(seq, sizeof(seq), "%" PRId64, st->next_seq);
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "logStreamName", st->name);
    lv_jw_kint64(w, "creationTime", st->creation_time);
    if (st->last_ingestion_time > 0) {
        lv_jw_kint64(w, "firstEventTimestamp", st->first_event_ts);
        lv_jw_kint64(w, "lastEventTimestamp", st->last_event_ts);
        lv_jw_kint64(w, "lastIngestionTime", st->last_ingestion_time);
    }
    lv_jw_kstr(w, "uploadSequenceToken", seq);
    lv_jw_kstr(w, "arn", arn);
    lv_jw_kint64(w, "storedBytes", st->stored_bytes);
    lv_jw_obj_close(w);
    free(arn);
}

/* ---- CreateLogStream ---------------------------------------------------- */

int lv_logs_op_create_log_stream(struct lv_req *rq, const json_t *in,
                                 struct lv_jw *w, struct lv_err *err)
{
    struct lv_log_group g;
    struct lv_log_stream st;
    const char *group;
    const char *name;
    int rc;

    (void)w;
    if (lv_json_req_str(in, "logGroupName", 1, LV_LOGS_MAX_NAME, &group,
                        err) < 0 ||
        lv_json_req_str(in, "logStreamName", 1, LV_LOGS_MAX_NAME, &name,
                        err) < 0 ||
        lv_logs_find_group_by(rq, group, &g, err) < 0 ||
        lv_logs_respol_authorize(rq, &g, "logs:CreateLogStream", name, NULL,
                                 NULL, err) < 0) {
        return -1;
    }
    memset(&st, 0, sizeof(st));
    st.group_id = g.id;
    snprintf(st.name, sizeof(st.name), "%s", name);
    st.creation_time = rq->now_ms;
    rc = lv_store_logs_stream_insert(rq->store, &st, err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 1) {
        return lv_err_set(err, LV_E_RESOURCE_ALREADY_EXISTS,
                          "The specified log stream already exists");
    }
    return 0;
}

/* ---- DeleteLogStream ---------------------------------------------------- */

int lv_logs_op_delete_log_stream(struct lv_req *rq, const json_t *in,
                                 struct lv_jw *w, struct lv_err *err)
{
    struct lv_log_group g;
    struct lv_log_stream st;
    const char *group;
    const char *name;

    (void)w;
    if (lv_json_req_str(in, "logGroupName", 1, LV_LOGS_MAX_NAME, &group,
                        err) < 0 ||
        lv_json_req_str(in, "logStreamName", 1, LV_LOGS_MAX_NAME, &name,
                        err) < 0 ||
        lv_store_begin(rq->store, err) < 0) {
        return -1;
    }
    if (lv_logs_find_group_by(rq, group, &g, err) < 0) {
        goto fail;
    }
    /* "When enabled on a log group, deletion protection blocks all
     * deletion operations until it is explicitly disabled"
     * (PutLogGroupDeletionProtection); AWS lists ValidationException for
     * DeleteLogStream as for DeleteLogGroup. */
    if (g.deletion_protection) {
        lv_err_set(err, LV_E_VALIDATION,
                   "Cannot delete log stream in a log group with deletion "
                   "protection enabled. Disable deletion protection "
                   "first.");
        goto fail;
    }
    if (lv_logs_find_stream(rq, &g, name, &st, err) < 0) {
        goto fail;
    }
    if (lv_store_logs_stream_delete(rq->store, st.id, err) < 0) {
        goto fail;
    }
    return lv_store_commit(rq->store, err);
fail:
    lv_store_rollback(rq->store);
    return -1;
}

/* ---- DescribeLogStreams ------------------------------------------------- */

struct page {
    struct lv_jw *w;
    const struct lv_log_group *g;
    int limit;
    int count;
    int more;
    int descending;
    /* the cursor: the last stream of the previous page */
    int has_cursor;
    int64_t cursor_ts;
    const char *cursor_name;
    /* what this page ends on */
    int64_t last_ts;
    char last[LV_LOGS_MAX_NAME + 1];
    /* descending by name: the last limit+1 streams below the cursor */
    struct lv_log_stream *ring;
    size_t seen;
};

static int emit(struct page *p, const struct lv_log_stream *st)
{
    if (p->count == p->limit) {
        p->more = 1;
        return 1;
    }
    write_stream(p->w, p->g, st);
    p->count++;
    p->last_ts = st->last_event_ts;
    snprintf(p->last, sizeof(p->last), "%s", st->name);
    return 0;
}

static int by_name(void *arg, const struct lv_log_stream *st)
{
    return emit(arg, st);
}

/* Descending by name over an ascending walk: keeps the last limit+1
 * streams whose names are below the cursor. */
static int by_name_desc(void *arg, const struct lv_log_stream *st)
{
    struct page *p = arg;
    size_t cap = (size_t)p->limit + 1;

    if (p->has_cursor && strcmp(st->name, p->cursor_name) >= 0) {
        return 1;
    }
    p->ring[p->seen % cap] = *st;
    p->seen++;
    return 0;
}

static void flush_desc(struct page *p)
{
    size_t cap = (size_t)p->limit + 1;
    size_t n = p->seen < cap ? p->seen : cap;

    /* Newest (highest) first: seen-1, seen-2, … */
    for (size_t i = 0; i < n; i++) {
        if (emit(p, &p->ring[(p->seen - 1 - i) % cap]) != 0) {
            break;
        }
    }
}

static int after_cursor(const struct page *p, const struct lv_log_stream *st)
{
    int c;

    if (!p->has_cursor) {
        return 1;
    }
    if (st->last_event_ts != p->cursor_ts) {
        return p->descending ? st->last_event_ts < p->cursor_ts
                             : st->last_event_ts > p->cursor_ts;
    }
    c = strcmp(st->name, p->cursor_name);
    return p->descending ? c < 0 : c > 0;
}

static int by_time(void *arg, const struct lv_log_stream *st)
{
    struct page *p = arg;

    if (!after_cursor(p, st)) {
        return 0;
    }
    return emit(p, st);
}

/* A LastEventTime cursor is "TS NAME". */
static int parse_time_cursor(char *cursor, struct page *p,
                             struct lv_err *err)
{
    char *sp = strchr(cursor, ' ');
    char *end = NULL;

    if (!sp) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "The specified nextToken is invalid.");
    }
    *sp = '\0';
    p->cursor_ts = strtoll(cursor, &end, 10);
    if (end != sp) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "The specified nextToken is invalid.");
    }
    p->cursor_name = sp + 1;
    return 0;
}

int lv_logs_op_describe_log_streams(struct lv_req *rq, const json_t *in,
                                    struct lv_jw *w, struct lv_err *err)
{
    struct lv_log_group g;
    const char *prefix = lv_json_str(in, "logStreamNamePrefix");
    const char *order = lv_json_str(in, "orderBy");
    char cursor[LV_LOGS_CURSOR_MAX];
    char scope[64];
    char *next = NULL;
    struct page p;
    int64_t limit = DESCRIBE_DEFAULT_LIMIT;
    int time_order = order && strcmp(order, "LastEventTime") == 0;
    int descending = 0;
    int has;
    int rc;
    int ret = -1;

    memset(&p, 0, sizeof(p));
    lv_json_bool(in, "descending", &descending);
    if (lv_json_int64(in, "limit", &limit) && limit < 1) {
        limit = DESCRIBE_DEFAULT_LIMIT;
    }
    if (time_order && prefix) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Cannot order by LastEventTime with a "
                          "logStreamNamePrefix.");
    }
    if (lv_logs_find_group(rq, in, &g, err) < 0) {
        return -1;
    }
    /* A token serves only the listing that issued it: this group, this
     * order, this direction. */
    snprintf(scope, sizeof(scope), "%" PRId64 "/%s/%d", g.id,
             time_order ? "time" : "name", descending);
    has = lv_logs_token_read(rq, in, kind, scope, cursor, err);
    if (has < 0) {
        return -1;
    }
    p.g = &g;
    p.w = w;
    p.limit = (int)limit;
    p.descending = descending;
    p.has_cursor = has;
    p.cursor_name = cursor;
    if (time_order && has && parse_time_cursor(cursor, &p, err) < 0) {
        return -1;
    }
    lv_jw_key(w, "logStreams");
    lv_jw_arr_open(w);
    if (time_order) {
        rc = lv_store_logs_stream_list_by_time(rq->store, g.id, descending,
                                               by_time, &p, err);
    } else if (!descending) {
        rc = lv_store_logs_stream_list(rq->store, g.id, prefix ? prefix : "",
                                       cursor, p.limit + 1, by_name, &p,
                                       err);
    } else {
        p.ring = lv_xcalloc((size_t)p.limit + 1, sizeof(*p.ring));
        rc = lv_store_logs_stream_list(rq->store, g.id, prefix ? prefix : "",
                                       "", 0, by_name_desc, &p, err);
        if (rc >= 0) {
            flush_desc(&p);
        }
    }
    if (rc < 0) {
        goto out;
    }
    lv_jw_arr_close(w);
    if (p.more) {
        next = time_order ? lv_xasprintf("%" PRId64 " %s", p.last_ts, p.last)
                          : lv_xstrdup(p.last);
        lv_logs_token_write(rq, w, kind, scope, next);
    }
    ret = 0;
out:
    free(next);
    free(p.ring);
    return ret;
}
