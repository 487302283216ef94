/*
 * query_start.c: StartQuery — checks a Logs Insights query, resolves the
 * log groups it reads, records it Scheduled in the store and hands it to
 * this node's runner pool (query_int.h has the life of a query).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_StartQuery.html
 *
 * The groups: exactly one of logGroupName, logGroupNames (names) and
 * logGroupIdentifiers (names or ARNs, "Don't include an * at the end"),
 * each list at most 50, or a SOURCE command in the query — never both,
 * never neither (InvalidParameterException; AWS's wording is not
 * recorded, ours names the parameters). Every named group must exist in
 * the caller's account and region (ResourceNotFoundException "The
 * specified log group does not exist.", as every Logs operation answers).
 * SOURCE logGroups(namePrefix: [...], class: ..., accountIdentifiers:
 * [...]) selects the caller's groups whose name starts with one of the
 * prefixes (every group without namePrefix), of the class when given;
 * accountIdentifiers must include the caller's account (logvault has no
 * linked accounts), else nothing is selected — at most
 * LV_QUERY_MAX_SOURCE_GROUPS; none is a ResourceNotFoundException.
 *
 * The range: startTime and endTime in epoch seconds, both inclusive;
 * endTime before startTime is InvalidParameterException. limit: 1–100,000
 * (the model's range, checked by the front), default 10,000.
 * queryLanguage: CWLI (the default); SQL and PPL are valid values of the
 * model that logvault does not run, so they answer
 * InvalidParameterException naming what is supported — an error rather
 * than a different result.
 *
 * The query is parsed here (MalformedQueryException with the position,
 * from the engine), so that a query that cannot run never gets an id.
 * The concurrency limit is counted in the same transaction that inserts
 * the query: with sqlite the transaction takes the write lock at once, so
 * two StartQuery never both see 99; with PostgreSQL two nodes may each
 * see 99 at the same instant and both start (the limit is then passed by
 * one per racing node).
 */
#include "logs/logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app.h"
#include "crypto/crypto.h"
#include "insights/insights.h"
/* For struct lv_iq_source's members only: insights.h declares the SOURCE
 * selection opaque. */
#include "insights/iq.h"
#include "logs/dataprot.h"
#include "logs/classes.h"
#include "logs/query_int.h"
#include "store/insights_store.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* The groups a query reads, in the order resolved, each once. */
struct qgroups {
    struct lv_log_group *g;
    size_t n, cap;
    const struct lv_iq_source *src;
    int too_many;
};

static void add_group(struct qgroups *qg, const struct lv_log_group *g)
{
    for (size_t i = 0; i < qg->n; i++) {
        if (qg->g[i].id == g->id) {
            return;
        }
    }
    if (qg->n == qg->cap) {
        qg->cap = qg->cap ? qg->cap * 2 : 8;
        qg->g = lv_xrealloc(qg->g, qg->cap * sizeof(*qg->g));
    }
    qg->g[qg->n++] = *g;
}

/* One list parameter (logGroupNames or logGroupIdentifiers). */
static int named_groups(struct lv_req *rq, const char *member,
                        const json_t *list, struct qgroups *qg,
                        struct lv_err *err)
{
    struct lv_log_group g;
    size_t i;
    const json_t *v;

    if (json_array_size(list) == 0) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "%s must contain at least one log group.", member);
    }
    if (json_array_size(list) > LV_QUERY_MAX_GROUPS) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "%s can contain at most %d log groups.", member,
                          LV_QUERY_MAX_GROUPS);
    }
    json_array_foreach(list, i, v) {
        const char *s = json_string_value(v);

        if (!s) {
            continue;
        }
        if (lv_logs_find_group_by(rq, s, &g, err) < 0) {
            return -1;
        }
        add_group(qg, &g);
    }
    return 0;
}

static int source_each(void *arg, const struct lv_log_group *g)
{
    struct qgroups *qg = arg;

    if (qg->src->log_group_class &&
        strcmp(qg->src->log_group_class, g->log_group_class) != 0) {
        return 0;
    }
    if (qg->n >= LV_QUERY_MAX_SOURCE_GROUPS) {
        qg->too_many = 1;
        return 1;
    }
    add_group(qg, g);
    return 0;
}

static int source_groups(struct lv_req *rq, const struct lv_iq_source *src,
                         struct qgroups *qg, struct lv_err *err)
{
    int mine = src->n_accounts == 0;

    for (size_t i = 0; i < src->n_accounts; i++) {
        if (strcmp(src->accounts[i], rq->who.account) == 0) {
            mine = 1;
        }
    }
    qg->src = src;
    /* No namePrefix: every group (of the class, when given). */
    for (size_t i = 0; mine && i < (src->n_prefixes ? src->n_prefixes : 1);
         i++) {
        if (lv_store_logs_group_list(rq->store, rq->who.account, rq->region,
                                     src->n_prefixes ? src->name_prefixes[i]
                                                     : "",
                                     "", 0, source_each, qg, err) < 0) {
            return -1;
        }
    }
    if (qg->too_many) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "The SOURCE command selects more than %d log "
                          "groups.", LV_QUERY_MAX_SOURCE_GROUPS);
    }
    if (qg->n == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                          "The SOURCE command selects no log group.");
    }
    return 0;
}

static int resolve_groups(struct lv_req *rq, const json_t *in,
                          const struct lv_iq_query *q, struct qgroups *qg,
                          struct lv_err *err)
{
    const char *name = lv_json_str(in, "logGroupName");
    const json_t *names = lv_json_arr(in, "logGroupNames");
    const json_t *idents = lv_json_arr(in, "logGroupIdentifiers");
    const struct lv_iq_source *src = lv_iq_query_source(q);
    int given = (name != NULL) + (names != NULL) + (idents != NULL);
    struct lv_log_group g;

    if (given > 1) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Specify exactly one of logGroupName, "
                          "logGroupNames or logGroupIdentifiers.");
    }
    if (given == 1 && src) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Log groups cannot be given both as a parameter "
                          "(logGroupName, logGroupNames or "
                          "logGroupIdentifiers) and with the SOURCE command "
                          "in the query string.");
    }
    if (given == 0 && !src) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Specify exactly one of logGroupName, "
                          "logGroupNames or logGroupIdentifiers, or select "
                          "log groups with the SOURCE command in the query "
                          "string.");
    }
    if (src) {
        return source_groups(rq, src, qg, err);
    }
    if (name) {
        if (lv_logs_find_group_by(rq, name, &g, err) < 0) {
            return -1;
        }
        add_group(qg, &g);
        return 0;
    }
    return names ? named_groups(rq, "logGroupNames", names, qg, err)
                 : named_groups(rq, "logGroupIdentifiers", idents, qg, err);
}

/* r8/iqsub: the group each sub-query's SOURCE names (join, appendcols,
 * in ( … )) is resolved as a group named in logGroupNames is — in the
 * caller's account and region, by name or ARN — so a missing one is
 * the same ResourceNotFoundException. The runner reads it by name again
 * (query_run.c); it is not part of the record's groups, which are the
 * query's own. */
static int check_sub_groups(struct lv_req *rq, const struct lv_iq_query *q,
                            struct lv_err *err)
{
    struct lv_log_group g;

    for (size_t i = 0; i < lv_iq_query_n_subs(q); i++) {
        if (lv_logs_find_group_by(rq, lv_iq_query_sub_group(q, i), &g,
                                  err) < 0 ||
            lv_logs_class_check(g.log_group_class, LV_FEAT_INSIGHTS,
                                err) < 0) {
            return -1;
        }
    }
    return 0;
}

/* The log class rules (classes.h): every group the query reads must
 * allow Insights and each class-restricted command the query holds. */
static int check_classes(const struct lv_iq_query *q,
                         const struct qgroups *qg, struct lv_err *err)
{
    for (size_t i = 0; i < qg->n; i++) {
        const char *cls = qg->g[i].log_group_class;

        if (lv_logs_class_check(cls, LV_FEAT_INSIGHTS, err) < 0) {
            return -1;
        }
        for (size_t j = 0; j < q->n_cmds; j++) {
            enum lv_logs_feature f;

            switch (q->cmds[j].k) {
            case LV_IQ_C_PATTERN:
                f = LV_FEAT_QUERY_PATTERN;
                break;
            case LV_IQ_C_DIFF:
                f = LV_FEAT_QUERY_DIFF;
                break;
            case LV_IQ_C_FILTER_INDEX:
                f = LV_FEAT_QUERY_FILTER_INDEX;
                break;
            case LV_IQ_C_UNMASK:
                f = LV_FEAT_QUERY_UNMASK;
                break;
            default:
                continue;
            }
            if (lv_logs_class_check(cls, f, err) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

static int check_language(const json_t *in, struct lv_err *err)
{
    const char *lang = lv_json_str(in, "queryLanguage");

    if (!lang || strcmp(lang, "CWLI") == 0) {
        return 0;
    }
    return lv_err_set(err, LV_E_INVALID_PARAMETER,
                      "Query language %s is not supported: logvault runs "
                      "Logs Insights QL queries only (queryLanguage CWLI).",
                      lang);
}

int lv_logs_op_start_query(struct lv_req *rq, const json_t *in,
                           struct lv_jw *w, struct lv_err *err)
{
    struct lv_iq_query *q = NULL;
    struct qgroups qg = { 0 };
    struct lv_query_rec rec;
    struct lv_buf arns = LV_BUF_INIT(SIZE_MAX);
    char arn[LV_LOGS_ARN_MAX];
    size_t qlen = 0;
    const char *text = lv_json_strn(in, "queryString", &qlen);
    int64_t start = 0;
    int64_t end = 0;
    int64_t limit = LV_QUERY_DEFAULT_LIMIT;
    int64_t active = 0;
    int ret = -1;

    memset(&rec, 0, sizeof(rec));
    if (lv_json_req_int64(in, "startTime", &start, err) < 0 ||
        lv_json_req_int64(in, "endTime", &end, err) < 0) {
        goto out;
    }
    if (!text) {
        lv_json_req_str(in, "queryString", 0, 10000, &text, err);
        goto out;
    }
    if (check_language(in, err) < 0) {
        goto out;
    }
    if (end < start) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "endTime (%lld) must not be before startTime (%lld).",
                   (long long)end, (long long)start);
        goto out;
    }
    lv_json_int64(in, "limit", &limit);
    if (lv_iq_parse(text, qlen, &q, err) < 0) {
        goto out;
    }
    if (resolve_groups(rq, in, q, &qg, err) < 0 ||
        check_sub_groups(rq, q, err) < 0 ||
        check_classes(q, &qg, err) < 0) {
        goto out;
    }
    /* The unmask command shows what data protection masked: the caller
     * needs logs:Unmask on every group the query reads
     * (CWL_QuerySyntax-Unmask). */
    for (size_t i = 0; lv_iq_query_unmasks(q) && i < qg.n; i++) {
        lv_logs_group_arn(&qg.g[i], 1, arn);
        if (lv_dp_authorize_unmask(rq, arn, err) < 0) {
            goto out;
        }
    }
    lv_buf_addc(&arns, '[');
    for (size_t i = 0; i < qg.n; i++) {
        lv_logs_group_arn(&qg.g[i], 0, arn);
        if (i > 0) {
            lv_buf_addc(&arns, ',');
        }
        lv_buf_addc(&arns, '"');
        lv_buf_add_json_str(&arns, arn, strlen(arn));
        lv_buf_addc(&arns, '"');
    }
    lv_buf_addc(&arns, ']');

    /* The record, Scheduled. */
    lv_uuid4(rec.id);
    snprintf(rec.account, sizeof(rec.account), "%s", rq->who.account);
    snprintf(rec.region, sizeof(rec.region), "%s", rq->region);
    snprintf(rec.status, sizeof(rec.status), "Scheduled");
    snprintf(rec.language, sizeof(rec.language), "CWLI");
    rec.query_string = (char *)text;
    rec.groups = arns.data;
    snprintf(rec.log_group_name, sizeof(rec.log_group_name), "%s",
             lv_iq_query_source(q) ? "" : qg.g[0].name);
    rec.create_time_ms = rq->now_ms;
    rec.start_time_s = start;
    rec.end_time_s = end;
    rec.limit = (int)limit;
    lv_logs_node_name(rec.node);
    rec.heartbeat_ms = rq->now_ms;

    if (lv_store_begin(rq->store, err) < 0) {
        goto out;
    }
    if (lv_store_insights_query_count_active(rq->store, rq->who.account,
                                             rq->region, &active, err) < 0) {
        lv_store_rollback(rq->store);
        goto out;
    }
    if (active >= LV_QUERY_MAX_CONCURRENT) {
        lv_store_rollback(rq->store);
        lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                   "Account maximum query concurrency limit of [%d] "
                   "reached.", LV_QUERY_MAX_CONCURRENT);
        goto out;
    }
    if (lv_store_insights_query_insert(rq->store, &rec, err) < 0) {
        lv_store_rollback(rq->store);
        goto out;
    }
    /* The runner reads the query's row: hand it over only once the row
     * is visible to the runner's connection, i.e. after the outermost
     * commit — the front's own, around this handler, when the audit trail
     * is on. A rolled-back request drops the job. */
    lv_logs_queries_submit_after_commit(rq->app->logs->queries, rq->store,
                                        rec.id, rec.account, rec.region,
                                        &rq->who);
    if (lv_store_commit(rq->store, err) < 0) {
        goto out;
    }
    lv_log(LV_LOG_INFO, "logs: query scheduled query=%s groups=%zu req=%s",
           rec.id, qg.n, rq->id);
    lv_jw_kstr(w, "queryId", rec.id);
    ret = 0;
out:
    lv_buf_release(&arns);
    free(qg.g);
    lv_iq_query_free(q);
    return ret;
}
