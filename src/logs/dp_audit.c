/*
 * dp_audit.c: the Audit statement of a data protection policy — a
 * findings report per ingested event that holds sensitive data, written
 * to the CloudWatch Logs group of its FindingsDestination (dataprot.h).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * mask-sensitive-log-data-audit-findings.html: "CloudWatch Logs writes one
 * findings report for each log event that contains sensitive data":
 *   {"auditTimestamp": "2023-01-23T21:11:20Z",
 *    "resourceArn": "arn:aws:logs:…:log-group:NAME:*",
 *    "dataIdentifiers": [{"name", "count", "detections": [{start, end}]}]}
 *
 * Choices where AWS documents nothing: the reports go to a stream of the
 * destination group named after the audited group (created when first
 * needed), timestamped at the events' ingestion; each policy in force (the
 * group's, the account's) reports its own identifiers to its own
 * destination. A report that cannot be written (the destination deleted
 * since, a store fault) is logged and dropped: the events themselves are
 * already stored, and PutLogEvents answers as it would without an audit.
 * A report larger than an event may be is dropped likewise. Firehose and
 * S3 destinations are refused at Put time (dp_ops.c).
 */
#include "logs/dataprot.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logs/acctpol_int.h"
#include "logs/chunk.h"
#include "logs/events_int.h"
#include "logs/logs_int.h"
#include "svc/req.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

/* AWS: an event is at most 1,048,576 bytes, its 26 bytes of overhead
 * included (API_PutLogEvents). */
#define MAX_REPORT (1048576 - 26)

/* The destination's stream named after group g: found or created. */
static int report_stream(struct lv_req *rq, const struct lv_log_group *dest,
                         const struct lv_log_group *g,
                         struct lv_log_stream *st, struct lv_err *err)
{
    int rc = lv_store_logs_stream_get(rq->store, dest->id, g->name, st, err);

    if (rc != 0) {
        return rc < 0 ? -1 : 0;
    }
    memset(st, 0, sizeof(*st));
    st->group_id = dest->id;
    snprintf(st->name, sizeof(st->name), "%s", g->name);
    st->creation_time = rq->now_ms;
    if (lv_store_logs_stream_insert(rq->store, st, err) < 0) {
        return -1;
    }
    /* Inserted, or inserted meanwhile by another request: read it. */
    rc = lv_store_logs_stream_get(rq->store, dest->id, g->name, st, err);
    if (rc <= 0) {
        return rc < 0 ? -1
                      : lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                                   "findings stream vanished");
    }
    return 0;
}

/* The reports of ev[0..n) under one policy, written to its group. */
static int audit_one(struct lv_req *rq, const struct lv_log_group *g,
                     struct lv_dp_policy *p, const struct lv_chunk_event *ev,
                     size_t n, struct lv_err *err)
{
    const struct lv_dp_findings *f = lv_dp_policy_findings(p);
    struct lv_buf ids = LV_BUF_INIT(SIZE_MAX);
    struct lv_buf all = LV_BUF_INIT(SIZE_MAX);
    struct lv_chunk_event *out = NULL;
    size_t *off = NULL;
    size_t k = 0;
    struct lv_log_group dest;
    struct lv_log_stream st;
    char arn[LV_LOGS_ARN_MAX];
    char when[32];
    time_t secs = (time_t)(rq->now_ms / 1000);
    struct tm tm;
    int ret = -1;

    if (!f->log_group[0]) {
        return 0;
    }
    lv_logs_group_arn(g, 1, arn);
    if (!gmtime_r(&secs, &tm) ||
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        when[0] = '\0';
    }
    off = lv_xcalloc(n, sizeof(*off));
    for (size_t i = 0; i < n; i++) {
        size_t start = all.len;

        if (!lv_dp_policy_audit(p, ev[i].msg, ev[i].len, &ids)) {
            continue;
        }
        lv_buf_addf(&all, "{\"auditTimestamp\":\"%s\",\"resourceArn\":\"",
                    when);
        lv_buf_add_json_str(&all, arn, strlen(arn));
        lv_buf_adds(&all, "\",\"dataIdentifiers\":");
        lv_buf_add(&all, ids.data, ids.len);
        lv_buf_addc(&all, '}');
        if (all.len - start > MAX_REPORT) {
            lv_log(LV_LOG_WARN, "logs: data protection finding too large, "
                   "dropped bytes=%zu req=%s", all.len - start, rq->id);
            all.len = start;
            continue;
        }
        off[k++] = start;
    }
    if (k == 0) {
        ret = 0;
        goto out;
    }
    if (lv_logs_find_group_by(rq, f->log_group, &dest, err) < 0 ||
        report_stream(rq, &dest, g, &st, err) < 0) {
        goto out;
    }
    out = lv_xcalloc(k, sizeof(*out));
    for (size_t i = 0; i < k; i++) {
        out[i].ts = rq->now_ms;
        out[i].msg = all.data + off[i];
        out[i].len = (i + 1 < k ? off[i + 1] : all.len) - off[i];
    }
    ret = lv_logs_ingest_events(rq, &dest, &st, out, k, err);
out:
    free(out);
    free(off);
    lv_buf_release(&ids);
    lv_buf_release(&all);
    return ret;
}

void lv_dp_audit_ingest(struct lv_req *rq, const struct lv_log_group *g,
                        const struct lv_chunk_event *ev, size_t n)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_dp_set *set = NULL;

    if (n == 0) {
        return;
    }
    /* The group row says whether it has its own policy; the account's
     * are cached by generation (acctpol_int.h): a group under none costs
     * no store read. */
    if (!g->has_dp_policy) {
        int any = lv_acctpol_any(rq, g, "DATA_PROTECTION_POLICY", &err);

        if (any < 0) {
            lv_log(LV_LOG_WARN, "logs: data protection audit skipped: %s "
                   "req=%s", err.msg, rq->id);
        }
        if (any <= 0) {
            return;
        }
    }
    if (lv_dp_set_load_current(rq->store, g->account, g->region, g->id,
                               &set, &err) < 0) {
        lv_log(LV_LOG_WARN, "logs: data protection audit skipped: %s req=%s",
               err.msg, rq->id);
        return;
    }
    for (size_t i = 0; set && i < lv_dp_set_count(set); i++) {
        struct lv_err one = LV_ERR_INIT;

        if (audit_one(rq, g, lv_dp_set_policy(set, i), ev, n, &one) < 0) {
            lv_log(LV_LOG_WARN, "logs: data protection findings not "
                   "written: %s req=%s", one.msg, rq->id);
        }
    }
    lv_dp_set_free(set);
}
