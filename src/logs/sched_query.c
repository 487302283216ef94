/*
 * sched_query.c: CreateScheduledQuery, GetScheduledQuery,
 * UpdateScheduledQuery, DeleteScheduledQuery and ListScheduledQueries
 * (sched_int.h has the record, sched_run.c runs it).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_CreateScheduledQuery.html (and the four others)
 *
 * The model checks the name (^[a-zA-Z0-9_\-/.#]+$, 1 to 255), the
 * description (up to 1,024), the query (up to 10,000), the expression
 * (up to 256), the S3 URI and the enums; here, each a
 * ValidationException (the error these operations list for bad input):
 *   - queryLanguage: CWLI only (SQL and PPL are not run by logvault, an
 *     error rather than a different result); the query must parse;
 *   - logGroupIdentifiers (names or ARNs of the caller's account and
 *     Region): at most 50, each must exist (ResourceNotFoundException);
 *     none at all needs a SOURCE command in the query;
 *   - scheduleExpression: sched_expr.h; timezone: an IANA name that the
 *     system's zone database has; a cron schedule in a zone other than
 *     UTC is refused (logvault evaluates cron in UTC only);
 *   - startTimeOffset: 0 to 30 days in seconds; left out, the run reads
 *     back one period of a rate() (what it reads first-to-last with no
 *     gap) or 300 seconds for cron — AWS does not document its default;
 *   - scheduleStartTime < scheduleEndTime (epoch ms) when both are given;
 *   - executionRoleArn: an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME).
 *     logvault has no IAM roles or STS: the role is checked for its form
 *     and recorded, never assumed; runs act as the principal that
 *     created or last updated the scheduled query.
 * A name taken answers ConflictException; at most LV_SCHED_MAX per
 * account and Region (ServiceQuotaExceededException). identifier is the
 * name or the ARN. UpdateScheduledQuery replaces the definition with the
 * request's members (the required ones always given; an optional one
 * left out is cleared, state left out is ENABLED, as on create; rate()
 * counts again from the update) and keeps the name, tags, creation time
 * and run status.
 */
#include "logs/logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "app.h"
#include "insights/insights.h"
#include "logs/logs_int.h"
#include "logs/sched_expr.h"
#include "logs/sched_int.h"
#include "svc/req.h"
#include "store/sched_store.h"
#include "store/store.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"

/* AWS documents no quota for scheduled queries as of writing; logvault
 * bounds the store with this one and says so in the message. */
#define LV_SCHED_MAX 1000
#define MAX_GROUPS 50
#define MAX_OFFSET_S (30LL * 24 * 3600)
#define LIST_DEFAULT 100
#define LIST_MAX 1000

static const char not_found[] = "The specified scheduled query does not "
                                "exist.";

void lv_logs_sched_arn(const char *region, const char *account,
                       const char *name, char out[LV_SCHED_ARN_MAX])
{
    snprintf(out, LV_SCHED_ARN_MAX,
             "arn:aws:logs:%s:%s:scheduled-query:%s", region, account, name);
}

/* The name an identifier (a name or this scope's ARN) names, or NULL. */
static const char *ident_name(const struct lv_req *rq, const char *ident)
{
    char prefix[200];
    size_t n;

    if (strncmp(ident, "arn:", 4) != 0) {
        return ident;
    }
    n = (size_t)snprintf(prefix, sizeof(prefix),
                         "arn:aws:logs:%s:%s:scheduled-query:", rq->region,
                         rq->who.account);
    if (strncmp(ident, prefix, n) != 0 || !ident[n]) {
        return NULL;
    }
    return ident + n;
}

int lv_logs_sched_find(struct lv_req *rq, const json_t *in,
                       struct lv_sched_rec *r, struct lv_err *err)
{
    const char *ident = lv_json_str(in, "identifier");
    const char *name = ident ? ident_name(rq, ident) : NULL;
    int rc;

    if (!name || strlen(name) >= sizeof(r->name)) {
        memset(r, 0, sizeof(*r));
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, not_found);
    }
    rc = lv_store_sched_get(rq->store, rq->who.account, rq->region, name, r,
                            err);
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, not_found);
    }
    return rc < 0 ? -1 : 0;
}

static int is_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return n > 0;
}

static int check_role(const char *arn, struct lv_err *err)
{
    static const char pre[] = "arn:aws:iam::";
    const char *p;

    if (strncmp(arn, pre, sizeof(pre) - 1) == 0) {
        p = arn + sizeof(pre) - 1;
        if (is_digits(p, 12) && strncmp(p + 12, ":role/", 6) == 0 &&
            p[18]) {
            return 0;
        }
    }
    return lv_err_set(err, LV_E_VALIDATION, "Invalid executionRoleArn: "
                      "expected an IAM role ARN "
                      "(arn:aws:iam::ACCOUNT:role/NAME).");
}

static int check_zone(const char *tz, struct lv_err *err)
{
    char path[300];

    if (strcmp(tz, "UTC") == 0) {
        return 0;
    }
    if (strstr(tz, "..") || tz[0] == '/' || strlen(tz) > 200) {
        goto bad;
    }
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
    if (access(path, R_OK) == 0) {
        return 0;
    }
bad:
    return lv_err_set(err, LV_E_VALIDATION, "Invalid timezone: %s is not "
                      "a time zone of the IANA database.", tz);
}

static int is_utc(const char *tz)
{
    return !tz || strcmp(tz, "UTC") == 0 || strcmp(tz, "Etc/UTC") == 0 ||
           strcmp(tz, "GMT") == 0 || strcmp(tz, "Etc/GMT") == 0;
}

/* Checks the members of a Create or Update request; copies the definition
 * members into doc. */
static int check_def(struct lv_req *rq, const json_t *in, json_t *doc,
                     struct lv_err *err)
{
    static const char *const copied[] = {
        "description", "queryLanguage", "queryString", "scheduleExpression",
        "timezone", "startTimeOffset", "destinationConfiguration",
        "scheduleStartTime", "scheduleEndTime", "executionRoleArn", NULL,
    };
    struct lv_iq_query *q = NULL;
    struct lv_sched_expr e;
    struct lv_log_group g;
    char msg[256];
    size_t qlen = 0;
    const char *lang = lv_json_str(in, "queryLanguage");
    const char *text = lv_json_strn(in, "queryString", &qlen);
    const char *expr = lv_json_str(in, "scheduleExpression");
    const char *tz = lv_json_str(in, "timezone");
    const char *role = lv_json_str(in, "executionRoleArn");
    const json_t *groups = lv_json_arr(in, "logGroupIdentifiers");
    json_t *arns = json_array();
    int64_t off = 0, start = -1, end = -1;
    int ret = -1;
    size_t i;
    const json_t *v;

    if (!lang || !text || !expr || !role) {
        lv_err_set(err, LV_E_VALIDATION, "queryLanguage, queryString, "
                   "scheduleExpression and executionRoleArn are required.");
        goto out;
    }
    if (strcmp(lang, "CWLI") != 0) {
        lv_err_set(err, LV_E_VALIDATION, "Query language %s is not "
                   "supported: logvault runs Logs Insights QL queries only "
                   "(queryLanguage CWLI).", lang);
        goto out;
    }
    if (lv_iq_parse(text, qlen, &q, err) < 0) {
        err->code = LV_E_VALIDATION;
        goto out;
    }
    if (lv_sched_expr_parse(expr, strlen(expr), &e, msg, sizeof(msg)) < 0) {
        lv_err_set(err, LV_E_VALIDATION, "%s", msg);
        goto out;
    }
    if (tz && check_zone(tz, err) < 0) {
        goto out;
    }
    if (e.kind == LV_SCHED_CRON && !is_utc(tz)) {
        lv_err_set(err, LV_E_VALIDATION, "Invalid timezone: logvault "
                   "evaluates cron() schedules in UTC only; use UTC or a "
                   "rate() expression.");
        goto out;
    }
    if (lv_json_int64(in, "startTimeOffset", &off) == 1 &&
        (off < 0 || off > MAX_OFFSET_S)) {
        lv_err_set(err, LV_E_VALIDATION, "startTimeOffset must be between "
                   "0 and %lld seconds.", (long long)MAX_OFFSET_S);
        goto out;
    }
    lv_json_int64(in, "scheduleStartTime", &start);
    lv_json_int64(in, "scheduleEndTime", &end);
    if (start >= 0 && end >= 0 && end <= start) {
        lv_err_set(err, LV_E_VALIDATION, "scheduleEndTime must be after "
                   "scheduleStartTime.");
        goto out;
    }
    if (check_role(role, err) < 0) {
        goto out;
    }
    if (json_array_size(groups) > MAX_GROUPS) {
        lv_err_set(err, LV_E_VALIDATION, "logGroupIdentifiers can contain "
                   "at most %d log groups.", MAX_GROUPS);
        goto out;
    }
    if (json_array_size(groups) == 0 && !lv_iq_query_source(q)) {
        lv_err_set(err, LV_E_VALIDATION, "Specify logGroupIdentifiers, or "
                   "select log groups with the SOURCE command in the query "
                   "string.");
        goto out;
    }
    if (json_array_size(groups) > 0 && lv_iq_query_source(q)) {
        lv_err_set(err, LV_E_VALIDATION, "Log groups cannot be given both "
                   "in logGroupIdentifiers and with the SOURCE command in "
                   "the query string.");
        goto out;
    }
    json_array_foreach(groups, i, v) {
        char arn[LV_LOGS_ARN_MAX];

        if (!json_is_string(v) ||
            lv_logs_find_group_by(rq, json_string_value(v), &g, err) < 0) {
            goto out;
        }
        lv_logs_group_arn(&g, 0, arn);
        json_array_append_new(arns, json_string(arn));
    }
    for (i = 0; copied[i]; i++) {
        json_t *m = json_object_get(in, copied[i]);

        if (m) {
            json_object_set(doc, copied[i], m);
        } else {
            json_object_del(doc, copied[i]);
        }
    }
    if (json_array_size(arns) > 0) {
        json_object_set(doc, "logGroupIdentifiers", arns);
    } else {
        json_object_del(doc, "logGroupIdentifiers");
    }
    json_object_set_new(doc, "state", json_string(
        lv_json_str(in, "state") ? lv_json_str(in, "state") : "ENABLED"));
    json_object_set_new(doc, "anchor", json_integer(
        start >= 0 ? start : lv_logs_sched_now_ms()));
    json_object_set_new(doc, "owner", json_pack(
        "{s:s, s:s, s:s, s:s, s:s}", "accessKey", rq->who.access_key,
        "account", rq->who.account, "user", rq->who.user, "arn",
        rq->who.arn, "service", rq->who.service));
    ret = 0;
out:
    json_decref(arns);
    lv_iq_query_free(q);
    return ret;
}

static int64_t next_of(const json_t *doc)
{
    struct lv_sched_expr e;
    char msg[256];
    const char *expr = lv_json_str(doc, "scheduleExpression");

    if (!expr || lv_sched_expr_parse(expr, strlen(expr), &e, msg,
                                     sizeof(msg)) < 0) {
        return -1;
    }
    return lv_logs_sched_next(doc, &e, lv_logs_sched_now_ms());
}

static char *dump(const json_t *doc)
{
    return json_dumps(doc, JSON_COMPACT);
}

/* The members GetScheduledQuery and UpdateScheduledQuery answer. */
static void write_def(struct lv_req *rq, const struct lv_sched_rec *r,
                      const json_t *doc, int summary, struct lv_jw *w)
{
    static const char *const full[] = {
        "description", "queryLanguage", "queryString", "logGroupIdentifiers",
        "scheduleExpression", "timezone", "startTimeOffset",
        "destinationConfiguration", "state", "lastTriggeredTime",
        "lastExecutionStatus", "scheduleStartTime", "scheduleEndTime",
        "executionRoleArn", NULL,
    };
    static const char *const brief[] = {
        "state", "lastTriggeredTime", "lastExecutionStatus",
        "scheduleExpression", "timezone", "destinationConfiguration", NULL,
    };
    const char *const *m = summary ? brief : full;
    char arn[LV_SCHED_ARN_MAX];

    lv_logs_sched_arn(rq->region, rq->who.account, r->name, arn);
    lv_jw_kstr(w, "scheduledQueryArn", arn);
    lv_jw_kstr(w, "name", r->name);
    for (size_t i = 0; m[i]; i++) {
        const json_t *v = json_object_get(doc, m[i]);

        if (v) {
            lv_jw_key(w, m[i]);
            lv_jw_json(w, v);
        }
    }
    lv_jw_kint64(w, "creationTime", r->created_ms);
    lv_jw_kint64(w, "lastUpdatedTime", r->updated_ms);
}

static json_t *load(const struct lv_sched_rec *r, struct lv_err *err)
{
    json_t *doc = json_loads(r->doc ? r->doc : "", 0, NULL);

    if (!json_is_object(doc)) {
        json_decref(doc);
        lv_log(LV_LOG_ERROR, "logs: scheduled query %s unreadable",
               r->name);
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "Service is unavailable; please try again");
        return NULL;
    }
    return doc;
}

static int count_one(void *arg, const struct lv_sched_rec *r)
{
    (void)r;
    ++*(int64_t *)arg;
    return 0;
}

int lv_logs_op_create_scheduled_query(struct lv_req *rq, const json_t *in,
                                      struct lv_jw *w, struct lv_err *err)
{
    struct lv_sched_rec r;
    json_t *doc = json_object();
    const char *name = lv_json_str(in, "name");
    const json_t *tags = lv_json_obj(in, "tags");
    char arn[LV_SCHED_ARN_MAX];
    int64_t n = 0;
    int ret = -1;
    int rc;

    memset(&r, 0, sizeof(r));
    if (!name || strlen(name) >= sizeof(r.name)) {
        lv_err_set(err, LV_E_VALIDATION, "name is required (1 to 255 "
                   "characters).");
        goto out;
    }
    if (check_def(rq, in, doc, err) < 0) {
        goto out;
    }
    json_object_set_new(doc, "name", json_string(name));
    json_object_set_new(doc, "tags", tags ? json_deep_copy(tags)
                                          : json_object());
    snprintf(r.account, sizeof(r.account), "%s", rq->who.account);
    snprintf(r.region, sizeof(r.region), "%s", rq->region);
    snprintf(r.name, sizeof(r.name), "%s", name);
    r.created_ms = r.updated_ms = rq->now_ms;
    r.next_ms = next_of(doc);
    r.doc = dump(doc);
    if (lv_store_begin(rq->store, err) < 0) {
        goto out;
    }
    if (lv_store_sched_list(rq->store, rq->who.account, rq->region, "",
                            LV_SCHED_MAX, count_one, &n, err) < 0) {
        lv_store_rollback(rq->store);
        goto out;
    }
    if (n >= LV_SCHED_MAX) {
        lv_store_rollback(rq->store);
        lv_err_set(err, LV_E_SERVICE_QUOTA_EXCEEDED, "This account and "
                   "Region have %d scheduled queries, the most logvault "
                   "keeps.", LV_SCHED_MAX);
        goto out;
    }
    rc = lv_store_sched_insert(rq->store, &r, err);
    if (rc <= 0) {
        lv_store_rollback(rq->store);
        if (rc == 0) {
            lv_err_set(err, LV_E_CONFLICT, "A scheduled query named %s "
                       "already exists.", name);
        }
        goto out;
    }
    if (lv_store_commit(rq->store, err) < 0) {
        goto out;
    }
    lv_logs_sched_arn(rq->region, rq->who.account, name, arn);
    lv_log(LV_LOG_INFO, "logs: scheduled query created req=%s", rq->id);
    lv_jw_kstr(w, "scheduledQueryArn", arn);
    lv_jw_kstr(w, "state", lv_json_str(doc, "state"));
    ret = 0;
out:
    free(r.doc);
    json_decref(doc);
    return ret;
}

int lv_logs_op_get_scheduled_query(struct lv_req *rq, const json_t *in,
                                   struct lv_jw *w, struct lv_err *err)
{
    struct lv_sched_rec r;
    json_t *doc = NULL;
    int ret = -1;

    if (lv_logs_sched_find(rq, in, &r, err) < 0) {
        goto out;
    }
    doc = load(&r, err);
    if (!doc) {
        goto out;
    }
    write_def(rq, &r, doc, 0, w);
    ret = 0;
out:
    json_decref(doc);
    lv_sched_rec_release(&r);
    return ret;
}

int lv_logs_op_update_scheduled_query(struct lv_req *rq, const json_t *in,
                                      struct lv_jw *w, struct lv_err *err)
{
    struct lv_sched_rec r;
    json_t *doc = NULL;
    int ret = -1;
    int rc;

    if (lv_store_begin(rq->store, err) < 0) {
        memset(&r, 0, sizeof(r));
        goto out;
    }
    if (lv_logs_sched_find(rq, in, &r, err) < 0 || !(doc = load(&r, err)) ||
        check_def(rq, in, doc, err) < 0) {
        lv_store_rollback(rq->store);
        goto out;
    }
    free(r.doc);
    r.updated_ms = rq->now_ms;
    r.next_ms = next_of(doc);
    r.doc = dump(doc);
    rc = lv_store_sched_update(rq->store, &r, err);
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
    lv_log(LV_LOG_INFO, "logs: scheduled query updated req=%s", rq->id);
    write_def(rq, &r, doc, 0, w);
    ret = 0;
out:
    json_decref(doc);
    lv_sched_rec_release(&r);
    return ret;
}

int lv_logs_op_delete_scheduled_query(struct lv_req *rq, const json_t *in,
                                      struct lv_jw *w, struct lv_err *err)
{
    const char *ident = lv_json_str(in, "identifier");
    const char *name = ident ? ident_name(rq, ident) : NULL;
    int rc;

    (void)w;
    if (!name) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, not_found);
    }
    rc = lv_store_sched_delete(rq->store, rq->who.account, rq->region, name,
                               err);
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, not_found);
    }
    if (rc > 0) {
        lv_log(LV_LOG_INFO, "logs: scheduled query deleted req=%s", rq->id);
    }
    return rc < 0 ? -1 : 0;
}

struct listing {
    struct lv_req *rq;
    struct lv_jw *w;
    const char *state;
    int64_t max;
    int64_t n;
    char last[256];
    int more;
};

static int list_each(void *arg, const struct lv_sched_rec *r)
{
    struct listing *l = arg;
    json_t *doc;
    const char *state;

    if (l->n == l->max) {
        l->more = 1;
        return 1;
    }
    doc = json_loads(r->doc ? r->doc : "", 0, NULL);
    state = lv_json_str(doc, "state");
    if (!l->state || (state && strcmp(state, l->state) == 0)) {
        lv_jw_obj_open(l->w);
        write_def(l->rq, r, doc ? doc : json_object(), 1, l->w);
        lv_jw_obj_close(l->w);
        l->n++;
    }
    snprintf(l->last, sizeof(l->last), "%s", r->name);
    json_decref(doc);
    return 0;
}

int lv_logs_op_list_scheduled_queries(struct lv_req *rq, const json_t *in,
                                      struct lv_jw *w, struct lv_err *err)
{
    struct listing l;
    const char *token = lv_json_str(in, "nextToken");
    int rc;

    memset(&l, 0, sizeof(l));
    l.rq = rq;
    l.w = w;
    l.state = lv_json_str(in, "state");
    l.max = LIST_DEFAULT;
    lv_json_int64(in, "maxResults", &l.max);
    if (l.max < 1 || l.max > LIST_MAX) {
        return lv_err_set(err, LV_E_VALIDATION, "maxResults must be between "
                          "1 and %d.", LIST_MAX);
    }
    /* The token is the name of the last query of the previous page. */
    if (token && (strncmp(token, "sq:", 3) != 0 || strlen(token) > 258)) {
        return lv_err_set(err, LV_E_VALIDATION, "The nextToken is not "
                          "valid.");
    }
    lv_jw_key(w, "scheduledQueries");
    lv_jw_arr_open(w);
    rc = lv_store_sched_list(rq->store, rq->who.account, rq->region,
                             token ? token + 3 : "", LIST_MAX + 1, list_each,
                             &l, err);
    lv_jw_arr_close(w);
    if (rc < 0) {
        return -1;
    }
    if (l.more) {
        char next[300];

        snprintf(next, sizeof(next), "sq:%s", l.last);
        lv_jw_kstr(w, "nextToken", next);
    }
    return 0;
}
