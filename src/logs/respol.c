/*
 * respol.c: PutResourcePolicy, DescribeResourcePolicies,
 * DeleteResourcePolicy, and the evaluation of the stored policies for
 * service principals (respol.h says where and why).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_PutResourcePolicy.html (and the two others)
 *
 * Two kinds of policy, told apart by resourceArn:
 *   - account-scoped (no resourceArn): at most LV_RESPOL_MAX_ACCOUNT per
 *     account and Region, a put of a new name past it is
 *     LimitExceededException "Resource limit exceeded."; a put of an
 *     existing name replaces it; expectedRevisionId is not used;
 *     policyScope "ACCOUNT", no revisionId.
 *   - log-group-scoped (resourceArn a log group ARN of the caller's account
 *     and Region, with or without ":*"; a group that does not exist is
 *     ResourceNotFoundException): one per group. Every change names the
 *     revision it replaces: expectedRevisionId absent (or a put of the
 *     first one) when there is none, else the current revisionId — any
 *     other case is OperationAbortedException. policyScope "RESOURCE",
 *     resourceArn and revisionId (a new UUID on every put) shown.
 * The document is parsed with the policy engine (policy/policy.h); what it
 * refuses is InvalidParameterException with the engine's message. AWS's
 * own wording for a malformed Logs resource policy is not documented (one
 * message users quote, "Could not convert to persistable policy.", is for
 * a service name given as an "AWS" principal, which the engine refuses as
 * an invalid principal).
 */
#include "logs/respol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "crypto/crypto.h"
#include "logs/groups_int.h"
#include "logs/logs.h"
#include "policy/policy.h"
#include "store/logs_store.h"
#include "store/store.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

#define DESCRIBE_MAX 50
/* A stream ARN: the group's + ":log-stream:" + a name of up to 512
 * characters of UTF-8. */
#define RESOURCE_MAX (LV_LOGS_ARN_MAX + 16 + LV_LOGS_MAX_NAME * 4)

static const char no_policy[] = "Policy with name [%s] does not exist.";
static const char bad_revision[] =
    "The expected revision ID does not match the resource policy's current "
    "revision ID.";

/* The policy AWS's reply shows, inside the open response. */
static void write_policy(struct lv_jw *w, const struct lv_log_respol *p)
{
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "policyName", p->name);
    lv_jw_kstr(w, "policyDocument", p->document ? p->document : "");
    lv_jw_kint64(w, "lastUpdatedTime", p->updated_ms);
    if (p->resource_arn[0]) {
        lv_jw_kstr(w, "policyScope", "RESOURCE");
        lv_jw_kstr(w, "resourceArn", p->resource_arn);
        lv_jw_kstr(w, "revisionId", p->revision_id);
    } else {
        lv_jw_kstr(w, "policyScope", "ACCOUNT");
    }
    lv_jw_obj_close(w);
}

/* The group resourceArn names, and its ARN without ":*" in arn. */
static int resource_group(struct lv_req *rq, const char *resource_arn,
                          char arn[LV_LOGS_ARN_MAX], struct lv_err *err)
{
    struct lv_log_group g;

    if (strncmp(resource_arn, "arn:", 4) != 0) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid resourceArn: %.*s", 200, resource_arn);
    }
    if (lv_logs_find_group_by(rq, resource_arn, &g, err) < 0) {
        return -1;
    }
    lv_logs_group_arn(&g, 0, arn);
    return 0;
}

/* Takes the first row of a walk (a group has at most one policy). */
static int take_one(void *arg, const struct lv_log_respol *p)
{
    struct lv_log_respol *out = arg;

    *out = *p;
    out->document = NULL;       /* the row's document is the walk's */
    return 1;
}

struct has_name {
    const char *name;
    int found;
};

static int find_name(void *arg, const struct lv_log_respol *p)
{
    struct has_name *h = arg;

    if (strcmp(p->name, h->name) == 0) {
        h->found = 1;
        return 1;
    }
    return 0;
}

static int check_document(const char *doc, struct lv_err *err)
{
    struct lv_policy *p;
    size_t len = strlen(doc);

    if (lv_json_utf8_len(doc, len) > LV_RESPOL_MAX_DOC_CHARS) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "1 validation error detected: Value at "
                          "'policyDocument' failed to satisfy constraint: "
                          "Member must have length less than or equal to "
                          "%d", LV_RESPOL_MAX_DOC_CHARS);
    }
    p = lv_policy_parse(doc, len, err);
    if (!p) {
        err->code = LV_E_INVALID_PARAMETER;
        return -1;
    }
    lv_policy_free(p);
    return 0;
}

/* In the caller's transaction: the account-scoped put's limit check. */
static int account_room(struct lv_req *rq, const char *name,
                        struct lv_err *err)
{
    struct has_name h = { name, 0 };
    int64_t n = 0;

    if (lv_store_logs_respol_list(rq->store, rq->who.account, rq->region,
                                  NULL, "", "", LV_RESPOL_MAX_ACCOUNT + 1,
                                  find_name, &h, err) < 0 ||
        lv_store_logs_respol_count(rq->store, rq->who.account, rq->region,
                                   &n, err) < 0) {
        return -1;
    }
    if (!h.found && n >= LV_RESPOL_MAX_ACCOUNT) {
        return lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                          "Resource limit exceeded.");
    }
    return 0;
}

/* In the caller's transaction: the group-scoped put's revision check; an
 * existing policy of another name is replaced (one per group). */
static int resource_room(struct lv_req *rq, const char *arn,
                         const char *name, const char *expected,
                         struct lv_err *err)
{
    struct lv_log_respol cur;
    int rc;

    memset(&cur, 0, sizeof(cur));
    rc = lv_store_logs_respol_list(rq->store, rq->who.account, rq->region,
                                   arn, "", "", 1, take_one, &cur, err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return expected ? lv_err_set(err, LV_E_OPERATION_ABORTED, "%s",
                                     bad_revision)
                        : 0;
    }
    if (!expected || strcmp(expected, cur.revision_id) != 0) {
        return lv_err_set(err, LV_E_OPERATION_ABORTED, "%s", bad_revision);
    }
    if (strcmp(cur.name, name) != 0) {
        rc = lv_store_logs_respol_delete(rq->store, rq->who.account,
                                         rq->region, arn, cur.name,
                                         cur.revision_id, err);
        if (rc < 0) {
            return -1;
        }
        if (rc == 0) {
            return lv_err_set(err, LV_E_OPERATION_ABORTED, "%s",
                              bad_revision);
        }
    }
    return 0;
}

int lv_logs_op_put_resource_policy(struct lv_req *rq, const json_t *in,
                                   struct lv_jw *w, struct lv_err *err)
{
    const char *name = NULL;
    const char *doc = NULL;
    const char *resource = lv_json_str(in, "resourceArn");
    const char *expected = lv_json_str(in, "expectedRevisionId");
    char arn[LV_LOGS_ARN_MAX] = "";
    struct lv_log_respol p;

    if (lv_json_req_str(in, "policyName", 1, LV_RESPOL_MAX_NAME, &name,
                        err) < 0 ||
        lv_json_req_str(in, "policyDocument", 1, 51200, &doc, err) < 0 ||
        check_document(doc, err) < 0) {
        return -1;
    }
    if (resource && resource_group(rq, resource, arn, err) < 0) {
        return -1;
    }
    memset(&p, 0, sizeof(p));
    snprintf(p.account, sizeof(p.account), "%s", rq->who.account);
    snprintf(p.region, sizeof(p.region), "%s", rq->region);
    snprintf(p.resource_arn, sizeof(p.resource_arn), "%s", arn);
    snprintf(p.name, sizeof(p.name), "%s", name);
    lv_uuid4(p.revision_id);
    p.document = (char *)doc;   /* borrowed: p is never released */
    p.updated_ms = rq->now_ms;
    if (lv_store_begin(rq->store, err) < 0) {
        return -1;
    }
    if ((arn[0] ? resource_room(rq, arn, name, expected, err)
                : account_room(rq, name, err)) < 0 ||
        lv_store_logs_respol_put(rq->store, &p, err) < 0) {
        lv_store_rollback(rq->store);
        return -1;
    }
    if (lv_store_commit(rq->store, err) < 0) {
        return -1;
    }
    lv_jw_key(w, "resourcePolicy");
    write_policy(w, &p);
    if (arn[0]) {
        lv_jw_kstr(w, "revisionId", p.revision_id);
    }
    return 0;
}

/* ---- DescribeResourcePolicies ------------------------------------------ */

struct dpol {
    struct lv_jw *w;
    int n, max;
    char last_arn[LV_RESPOL_MAX_ARN];
    char last_name[sizeof(((struct lv_log_respol *)0)->name)];
};

static int describe_each(void *arg, const struct lv_log_respol *p)
{
    struct dpol *d = arg;

    if (d->n == d->max) {
        return 1;
    }
    write_policy(d->w, p);
    d->n++;
    snprintf(d->last_arn, sizeof(d->last_arn), "%s", p->resource_arn);
    snprintf(d->last_name, sizeof(d->last_name), "%s", p->name);
    return 0;
}

int lv_logs_op_describe_resource_policies(struct lv_req *rq,
                                          const json_t *in, struct lv_jw *w,
                                          struct lv_err *err)
{
    static const char kind[] = "DescribeResourcePolicies";
    const char *resource = lv_json_str(in, "resourceArn");
    const char *scope = lv_json_str(in, "policyScope");
    char arn[LV_LOGS_ARN_MAX] = "";
    char cursor[LV_LOGS_CURSOR_MAX];
    char next[LV_LOGS_CURSOR_MAX];
    char tscope[LV_LOGS_ARN_MAX + 16];
    const char *after_arn = "";
    const char *after_name = "";
    const char *which;
    char *nl;
    int64_t max = DESCRIBE_MAX;
    struct dpol d;
    size_t len;
    int has;
    int rc;

    memset(&d, 0, sizeof(d));
    lv_json_int64(in, "limit", &max);
    if (resource) {
        if (scope && strcmp(scope, "RESOURCE") != 0) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "resourceArn can only be given with "
                              "policyScope RESOURCE.");
        }
        /* The group's ARN as stored: without ":*". No such group lists
         * nothing (AWS lists no ResourceNotFoundException here). */
        len = strlen(resource);
        if (len >= 2 && strcmp(resource + len - 2, ":*") == 0) {
            len -= 2;
        }
        if (len >= sizeof(arn)) {
            /* Longer than any group ARN: an ARN no policy has. */
            snprintf(arn, sizeof(arn), "-");
        } else {
            memcpy(arn, resource, len);
            arn[len] = '\0';
        }
        which = arn;
    } else {
        which = scope && strcmp(scope, "RESOURCE") == 0 ? "" : NULL;
    }
    snprintf(tscope, sizeof(tscope), "%s|%s", which ? "R" : "A",
             which ? which : "");
    has = lv_logs_token_read(rq, in, kind, tscope, cursor, err);
    if (has < 0) {
        return -1;
    }
    if (has) {
        /* "ARN\nNAME" */
        nl = strchr(cursor, '\n');
        if (!nl) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "The specified nextToken is invalid.");
        }
        *nl = '\0';
        after_arn = cursor;
        after_name = nl + 1;
    }
    d.w = w;
    d.max = (int)max;
    lv_jw_key(w, "resourcePolicies");
    lv_jw_arr_open(w);
    rc = lv_store_logs_respol_list(rq->store, rq->who.account, rq->region,
                                   which, after_arn, after_name, d.max + 1,
                                   describe_each, &d, err);
    if (rc < 0) {
        return -1;
    }
    lv_jw_arr_close(w);
    if (rc == 1) {
        snprintf(next, sizeof(next), "%s\n%s", d.last_arn, d.last_name);
        lv_logs_token_write(rq, w, kind, tscope, next);
    }
    return 0;
}

/* ---- DeleteResourcePolicy ---------------------------------------------- */

int lv_logs_op_delete_resource_policy(struct lv_req *rq, const json_t *in,
                                      struct lv_jw *w, struct lv_err *err)
{
    const char *name = lv_json_str(in, "policyName");
    const char *resource = lv_json_str(in, "resourceArn");
    const char *expected = lv_json_str(in, "expectedRevisionId");
    char arn[LV_LOGS_ARN_MAX] = "";
    struct lv_log_respol cur;
    int rc;

    (void)w;
    if (!resource) {
        if (!name) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "policyName is required when resourceArn is "
                              "not given.");
        }
        rc = lv_store_logs_respol_delete(rq->store, rq->who.account,
                                         rq->region, "", name, NULL, err);
        if (rc < 0) {
            return -1;
        }
        return rc ? 0 : lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_policy,
                                   name);
    }
    if (resource_group(rq, resource, arn, err) < 0) {
        return -1;
    }
    if (!expected) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "expectedRevisionId is required to delete a "
                          "resource-scoped policy.");
    }
    memset(&cur, 0, sizeof(cur));
    rc = lv_store_logs_respol_list(rq->store, rq->who.account, rq->region,
                                   arn, "", "", 1, take_one, &cur, err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0 || (name && strcmp(name, cur.name) != 0)) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_policy,
                          name ? name : "");
    }
    /* Conditional on the revision: a put that came in between wins. */
    rc = lv_store_logs_respol_delete(rq->store, rq->who.account, rq->region,
                                     arn, cur.name, expected, err);
    if (rc < 0) {
        return -1;
    }
    return rc ? 0 : lv_err_set(err, LV_E_OPERATION_ABORTED, "%s",
                               bad_revision);
}

/* ---- evaluation -------------------------------------------------------- */

struct decide {
    const struct lv_policy_request *rq;
    int allowed;
    int denied;
    int broken;                 /* a stored document no longer parses */
};

static int decide_each(void *arg, const struct lv_log_respol *p)
{
    struct decide *d = arg;
    struct lv_err perr = LV_ERR_INIT;
    struct lv_policy *pol;
    enum lv_policy_decision dec;

    pol = p->document ? lv_policy_parse(p->document, strlen(p->document),
                                        &perr)
                      : NULL;
    if (!pol) {
        d->broken = 1;          /* it was checked when put: fail closed */
        return 0;
    }
    dec = lv_policy_eval(pol, d->rq, NULL);
    lv_policy_free(pol);
    if (dec == LV_POLICY_EXPLICIT_DENY) {
        d->denied = 1;
        return 1;
    }
    if (dec == LV_POLICY_ALLOW) {
        d->allowed = 1;
    }
    return 0;
}

int lv_logs_respol_authorize(struct lv_req *rq, const struct lv_log_group *g,
                             const char *action, const char *stream,
                             const char *source_account,
                             const char *source_arn, struct lv_err *err)
{
    char resource[RESOURCE_MAX];
    const char *sa[1] = { source_account };
    const char *sr[1] = { source_arn };
    struct lv_policy_ctx_value ctx[2];
    struct lv_policy_request prq;
    struct decide d;
    char garn[LV_LOGS_ARN_MAX];
    size_t n_ctx = 0;
    int rc;

    if (!rq->who.service[0]) {
        return 0;
    }
    if (source_account) {
        ctx[n_ctx].key = "aws:SourceAccount";
        ctx[n_ctx].values = sa;
        ctx[n_ctx++].n = 1;
    }
    if (source_arn) {
        ctx[n_ctx].key = "aws:SourceArn";
        ctx[n_ctx].values = sr;
        ctx[n_ctx++].n = 1;
    }
    lv_logs_group_arn(g, 0, garn);
    snprintf(resource, sizeof(resource), "%s:log-stream:%s", garn, stream);
    memset(&prq, 0, sizeof(prq));
    prq.action = action;
    prq.resource = resource;
    prq.resource_account = g->account;
    prq.principal_service = rq->who.service;
    prq.ctx = ctx;
    prq.n_ctx = n_ctx;
    memset(&d, 0, sizeof(d));
    d.rq = &prq;
    rc = lv_store_logs_respol_list(rq->store, g->account, g->region, NULL,
                                   "", "", LV_RESPOL_MAX_ACCOUNT + 1,
                                   decide_each, &d, err);
    if (rc == 0) {
        rc = lv_store_logs_respol_list(rq->store, g->account, g->region,
                                       garn, "", "", 1, decide_each, &d,
                                       err);
    }
    if (rc < 0) {
        return -1;
    }
    /* IAM's wording for a refusal by resource-based policies. */
    if (d.denied) {
        return lv_err_set(err, LV_E_ACCESS_DENIED,
                          "User: %s is not authorized to perform: %s on "
                          "resource: %s with an explicit deny in a "
                          "resource-based policy", rq->who.service, action,
                          resource);
    }
    if (d.broken || !d.allowed) {
        return lv_err_set(err, LV_E_ACCESS_DENIED,
                          "User: %s is not authorized to perform: %s on "
                          "resource: %s because no resource-based policy "
                          "allows the %s action", rq->who.service, action,
                          resource, action);
    }
    return 0;
}

/* ---- a group's policies go with it -------------------------------------- */

struct drop_names {
    char (*names)[sizeof(((struct lv_log_respol *)0)->name)];
    int n;
};

static int collect_name(void *arg, const struct lv_log_respol *p)
{
    struct drop_names *d = arg;

    snprintf(d->names[d->n++], sizeof(d->names[0]), "%s", p->name);
    return 0;
}

int lv_logs_respol_drop_group(struct lv_req *rq,
                              const struct lv_log_group *g,
                              struct lv_err *err)
{
    char arn[LV_LOGS_ARN_MAX];
    /* One policy per group ARN (respol.h); room for a few more, so that
     * a store holding more than the rule allows is still emptied in
     * rounds rather than read into memory whole. */
    enum { ROUND = 8 };
    struct drop_names d;
    int ret = -1;

    lv_logs_group_arn(g, 0, arn);
    d.names = lv_xcalloc(ROUND, sizeof(*d.names));
    for (;;) {
        d.n = 0;
        if (lv_store_logs_respol_list(rq->store, g->account, g->region, arn,
                                      "", "", ROUND, collect_name, &d,
                                      err) < 0) {
            goto out;
        }
        for (int i = 0; i < d.n; i++) {
            if (lv_store_logs_respol_delete(rq->store, g->account,
                                            g->region, arn, d.names[i],
                                            NULL, err) < 0) {
                goto out;
            }
        }
        if (d.n < ROUND) {
            break;
        }
    }
    ret = 0;
out:
    free(d.names);
    return ret;
}
