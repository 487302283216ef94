/*
 * dp_ops.c: the data protection operations — PutDataProtectionPolicy,
 * GetDataProtectionPolicy, DeleteDataProtectionPolicy of a log group, and
 * PutAccountPolicy, DescribeAccountPolicies, DeleteAccountPolicy of the
 * account (dataprot.h says what a policy does).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_PutDataProtectionPolicy.html, API_PutAccountPolicy.html …
 *
 * Choices where AWS documents no wording (each pinned by 2601):
 * - Account policies (the other types' rules are in acctpol_int.h):
 *   DATA_PROTECTION_POLICY, FIELD_INDEX_POLICY and TRANSFORMER_POLICY are
 *   honoured — the field index policy where index.c and ingest.c take the
 *   effective policy, the transformer on ingest (transformer.c). A put of
 *   the same policyName replaces that policy.
 *   SUBSCRIPTION_FILTER_POLICY delivers to Kinesis, Firehose or Lambda,
 *   which logvault does not host: it answers as PutSubscriptionFilter
 *   does for that destination (acctpol.c, absent_int.h) and is never
 *   stored. METRIC_EXTRACTION_POLICY says which groups' Embedded Metric
 *   Format events make CloudWatch metrics; logvault hosts no CloudWatch
 *   metrics (the README: no metrics are emitted), so there is nothing for
 *   such a policy to govern, and the put answers InvalidParameterException
 *   saying so rather than a 200 for a policy nothing would read. Describe
 *   and Delete answer what is stored for any type.
 * - policyName: 1..255 characters (AWS documents no bound; this one keeps
 *   records small), not starting with "aws/" (AWS).
 * - An account has one data protection policy (AWS: "each account can
 *   have only one account-level data protection policy"): a put of that
 *   type replaces the one in force, whatever its name. selectionCriteria is refused for
 *   this type (AWS takes it only for the other types).
 * - FindingsDestination: a CloudWatch Logs group must exist in the
 *   caller's account and region (AWS: destinations "must already exist");
 *   Firehose streams and S3 buckets are services logvault does not host,
 *   so they never exist here: InvalidParameterException saying so.
 * - Get of a group without a policy answers its logGroupIdentifier alone;
 *   Delete of a group without one, and of an account policy that does not
 *   exist, answer ResourceNotFoundException.
 */
#include "logs/logs.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/acctpol_int.h"
#include "logs/classes.h"
#include "logs/dataprot.h"
#include "logs/logs_int.h"
#include "store/policies_store.h"
#include "store/store.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

#define DP_TYPE "DATA_PROTECTION_POLICY"
/* A policyName: AWS documents no bound; this one keeps records small. */
#define MAX_POLICY_NAME 255

static void group_scope(const struct lv_log_group *g, char out[64])
{
    snprintf(out, 64, "group:%" PRId64, g->id);
}

/* The checks of a document that need the store: the findings
 * destinations exist. */
static int check_destinations(struct lv_req *rq, const struct lv_dp_policy *p,
                              struct lv_err *err)
{
    const struct lv_dp_findings *f = lv_dp_policy_findings(p);
    struct lv_log_group g;

    if (f->firehose[0]) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid data protection policy: the Firehose "
                          "delivery stream '%s' does not exist",
                          f->firehose);
    }
    if (f->s3_bucket[0]) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid data protection policy: the S3 bucket "
                          "'%s' does not exist", f->s3_bucket);
    }
    if (f->log_group[0] &&
        lv_logs_find_group_by(rq, f->log_group, &g, err) < 0) {
        if (err->code == LV_E_RESOURCE_NOT_FOUND) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "Invalid data protection policy: the "
                              "findings log group '%s' does not exist",
                              f->log_group);
        }
        return -1;
    }
    return 0;
}

static int validate_doc(struct lv_req *rq, const char *doc,
                        struct lv_err *err)
{
    struct lv_dp_policy *p = lv_dp_policy_parse(doc, strlen(doc), err);
    int ret;

    if (!p) {
        return -1;
    }
    ret = check_destinations(rq, p, err);
    lv_dp_policy_free(p);
    return ret;
}

/* The names of the policies in force (an account has few). */
struct names {
    char (*v)[256];
    size_t n;
};

static int collect_name(void *arg, const struct lv_log_policy_rec *r)
{
    struct names *nm = arg;

    nm->v = lv_xrealloc(nm->v, (nm->n + 1) * sizeof(*nm->v));
    snprintf(nm->v[nm->n++], 256, "%s", r->name);
    return 0;
}

/* In one transaction: runs `check` (when given) against the policies in
 * force, closes the policy in force of rec's (scope, type, name) — or
 * every one of its (scope, type) when `any_name` — and inserts rec. */
static int replace(struct lv_req *rq, const struct lv_log_policy_rec *rec,
                   int any_name,
                   int (*check)(struct lv_req *,
                                const struct lv_log_policy_rec *,
                                struct lv_err *),
                   struct lv_err *err)
{
    struct lv_store *s = rq->store;
    struct names nm = { NULL, 0 };
    int ret = -1;

    char lock[256];

    if (lv_store_begin(s, err) < 0) {
        return -1;
    }
    /* The check reads the policies in force and the write adds one: two
     * puts of one account, region and type at once (two nodes on
     * PostgreSQL) must not both pass a check that each would fail after
     * the other (overlapping prefixes; two data protection policies). */
    snprintf(lock, sizeof(lock), "logs.policies:%s:%s:%s:%s", rec->account,
             rec->region, rec->scope, rec->type);
    if (lv_store_lock(s, lock, err) < 0) {
        goto fail;
    }
    if (check && check(rq, rec, err) < 0) {
        goto fail;
    }
    if (any_name) {
        if (lv_store_policies_list(s, rec->account, rec->region, rec->scope,
                                   rec->type, 0, collect_name, &nm,
                                   err) < 0) {
            goto fail;
        }
        for (size_t i = 0; i < nm.n; i++) {
            if (lv_store_policies_close(s, rec->account, rec->region,
                                        rec->scope, rec->type, nm.v[i],
                                        rq->now_ms, err) < 0) {
                goto fail;
            }
        }
    } else if (lv_store_policies_close(s, rec->account, rec->region,
                                       rec->scope, rec->type, rec->name,
                                       rq->now_ms, err) < 0) {
        goto fail;
    }
    if (lv_store_policies_insert(s, rec, err) < 0) {
        goto fail;
    }
    ret = lv_store_commit(s, err);
    goto out;
fail:
    lv_store_rollback(s);
out:
    free(nm.v);
    return ret;
}

/* The record in force of (scope, type, name or any), or 0 found. */
struct one {
    const char *name;           /* NULL: any */
    struct lv_log_policy_rec rec;
    int found;
};

static int take_one(void *arg, const struct lv_log_policy_rec *r)
{
    struct one *o = arg;

    if (o->found || (o->name && strcmp(o->name, r->name) != 0)) {
        return 0;
    }
    o->rec = *r;
    o->rec.document = lv_xstrdup(r->document);
    o->rec.selection = lv_xstrdup(r->selection);
    o->found = 1;
    return 0;
}

/* ---- the log group's policy ------------------------------------------ */

int lv_logs_op_put_data_protection_policy(struct lv_req *rq, const json_t *in,
                                          struct lv_jw *w, struct lv_err *err)
{
    const char *ident = lv_json_str(in, "logGroupIdentifier");
    const char *doc = lv_json_str(in, "policyDocument");
    struct lv_log_policy_rec rec;
    struct lv_log_group g;

    if (!doc) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "1 validation error detected: Value null at "
                          "'policyDocument' failed to satisfy constraint: "
                          "Member must not be null");
    }
    if (lv_logs_find_group_by(rq, ident, &g, err) < 0 ||
        lv_logs_class_check(g.log_group_class, LV_FEAT_DATA_PROTECTION,
                            err) < 0 ||
        validate_doc(rq, doc, err) < 0) {
        return -1;
    }
    memset(&rec, 0, sizeof(rec));
    snprintf(rec.account, sizeof(rec.account), "%s", g.account);
    snprintf(rec.region, sizeof(rec.region), "%s", g.region);
    group_scope(&g, rec.scope);
    snprintf(rec.type, sizeof(rec.type), "%s", DP_TYPE);
    snprintf(rec.policy_scope, sizeof(rec.policy_scope), "ALL");
    rec.document = (char *)doc;
    rec.selection = (char *)"";
    rec.from_ms = rq->now_ms;
    if (replace(rq, &rec, 0, NULL, err) < 0) {
        return -1;
    }
    lv_jw_kstr(w, "logGroupIdentifier", ident);
    lv_jw_kstr(w, "policyDocument", doc);
    lv_jw_kint64(w, "lastUpdatedTime", rq->now_ms);
    return 0;
}

int lv_logs_op_get_data_protection_policy(struct lv_req *rq, const json_t *in,
                                          struct lv_jw *w, struct lv_err *err)
{
    const char *ident = lv_json_str(in, "logGroupIdentifier");
    struct lv_log_group g;
    struct one o;
    char scope[64];

    memset(&o, 0, sizeof(o));
    if (lv_logs_find_group_by(rq, ident, &g, err) < 0) {
        return -1;
    }
    group_scope(&g, scope);
    if (lv_store_policies_list(rq->store, g.account, g.region, scope,
                               DP_TYPE, 0, take_one, &o, err) < 0) {
        return -1;
    }
    lv_jw_kstr(w, "logGroupIdentifier", ident);
    if (o.found) {
        lv_jw_kstr(w, "policyDocument", o.rec.document);
        lv_jw_kint64(w, "lastUpdatedTime", o.rec.from_ms);
        lv_log_policy_rec_release(&o.rec);
    }
    return 0;
}

int lv_logs_op_delete_data_protection_policy(struct lv_req *rq,
                                             const json_t *in,
                                             struct lv_jw *w,
                                             struct lv_err *err)
{
    const char *ident = lv_json_str(in, "logGroupIdentifier");
    struct lv_log_group g;
    char scope[64];
    int rc;

    (void)w;
    if (lv_logs_find_group_by(rq, ident, &g, err) < 0) {
        return -1;
    }
    group_scope(&g, scope);
    rc = lv_store_policies_close(rq->store, g.account, g.region, scope,
                                 DP_TYPE, "", rq->now_ms, err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                          "No data protection policy found for this log "
                          "group.");
    }
    return 0;
}

/* ---- account policies ---------------------------------------------------- */

/* A policyType is given (the model requires it; the front checked its
 * enum). */
static int need_type(const char *type, struct lv_err *err)
{
    if (!type) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "1 validation error detected: Value null at "
                          "'policyType' failed to satisfy constraint: "
                          "Member must not be null");
    }
    return 0;
}

/* The types a put may store (see the top). */
static int check_type(const char *type, struct lv_err *err)
{
    if (need_type(type, err) < 0) {
        return -1;
    }
    if (strcmp(type, "METRIC_EXTRACTION_POLICY") == 0) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Policy type METRIC_EXTRACTION_POLICY is not "
                          "supported by this server: it hosts no CloudWatch "
                          "metrics, so no metric is ever extracted from "
                          "Embedded Metric Format events.");
    }
    return 0;
}

static void write_account_policy(struct lv_jw *w,
                                 const struct lv_log_policy_rec *r)
{
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "policyName", r->name);
    lv_jw_kstr(w, "policyDocument", r->document);
    lv_jw_kint64(w, "lastUpdatedTime", r->from_ms);
    lv_jw_kstr(w, "policyType", r->type);
    lv_jw_kstr(w, "scope", r->policy_scope);
    if (r->selection && r->selection[0]) {
        lv_jw_kstr(w, "selectionCriteria", r->selection);
    }
    lv_jw_kstr(w, "accountId", r->account);
    lv_jw_obj_close(w);
}

int lv_logs_op_put_account_policy(struct lv_req *rq, const json_t *in,
                                  struct lv_jw *w, struct lv_err *err)
{
    const char *name = lv_json_str(in, "policyName");
    const char *doc = lv_json_str(in, "policyDocument");
    const char *type = lv_json_str(in, "policyType");
    const char *scope = lv_json_str(in, "scope");
    struct lv_log_policy_rec rec;

    const char *sel = lv_json_str(in, "selectionCriteria");
    int is_dp;

    if (check_type(type, err) < 0) {
        return -1;
    }
    is_dp = strcmp(type, DP_TYPE) == 0;
    if (!name || !*name || strlen(name) > MAX_POLICY_NAME) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "policyName must be between 1 and %d characters.",
                          MAX_POLICY_NAME);
    }
    if (strncmp(name, "aws/", 4) == 0) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "policyName cannot start with aws/.");
    }
    if (scope && strcmp(scope, "ALL") != 0) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "scope must be ALL.");
    }
    if (is_dp && sel) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "selectionCriteria is not supported for policy "
                          "type DATA_PROTECTION_POLICY.");
    }
    if (!doc) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "1 validation error detected: Value null at "
                          "'policyDocument' failed to satisfy constraint: "
                          "Member must not be null");
    }
    if (strcmp(type, LV_ACCTPOL_SUBSCRIPTION) == 0) {
        return lv_acctpol_subscription(rq, doc, sel, err);
    }
    if (is_dp ? validate_doc(rq, doc, err) < 0
              : lv_acctpol_check_doc(type, doc, sel, err) < 0) {
        return -1;
    }
    memset(&rec, 0, sizeof(rec));
    snprintf(rec.account, sizeof(rec.account), "%s", rq->who.account);
    snprintf(rec.region, sizeof(rec.region), "%s", rq->region);
    snprintf(rec.scope, sizeof(rec.scope), "%s", LV_POLICY_SCOPE_ACCOUNT);
    snprintf(rec.type, sizeof(rec.type), "%s", type);
    snprintf(rec.name, sizeof(rec.name), "%s", name);
    snprintf(rec.policy_scope, sizeof(rec.policy_scope), "ALL");
    rec.document = (char *)doc;
    rec.selection = (char *)(sel ? sel : "");
    rec.from_ms = rq->now_ms;
    if (replace(rq, &rec, is_dp, is_dp ? NULL : lv_acctpol_check_store,
                err) < 0) {
        return -1;
    }
    lv_jw_key(w, "accountPolicy");
    write_account_policy(w, &rec);
    return 0;
}

struct describe {
    struct lv_jw *w;
    const char *name;
};

static int describe_one(void *arg, const struct lv_log_policy_rec *r)
{
    struct describe *d = arg;

    if (!d->name || strcmp(d->name, r->name) == 0) {
        write_account_policy(d->w, r);
    }
    return 0;
}

int lv_logs_op_describe_account_policies(struct lv_req *rq, const json_t *in,
                                         struct lv_jw *w, struct lv_err *err)
{
    const char *type = lv_json_str(in, "policyType");
    const json_t *accts = lv_json_arr(in, "accountIdentifiers");
    struct describe d = { w, lv_json_str(in, "policyName") };
    int mine = 1;
    size_t i;
    json_t *a;

    if (need_type(type, err) < 0) {
        return -1;
    }
    /* Only the caller's own account's policies are visible here. */
    if (accts && json_array_size(accts) > 0) {
        mine = 0;
        json_array_foreach((json_t *)accts, i, a) {
            if (json_is_string(a) &&
                strcmp(json_string_value(a), rq->who.account) == 0) {
                mine = 1;
            }
        }
    }
    lv_jw_key(w, "accountPolicies");
    lv_jw_arr_open(w);
    if (mine && lv_store_policies_list(rq->store, rq->who.account,
                                       rq->region, LV_POLICY_SCOPE_ACCOUNT,
                                       type, 0, describe_one, &d, err) < 0) {
        return -1;
    }
    lv_jw_arr_close(w);
    return 0;
}

int lv_logs_op_delete_account_policy(struct lv_req *rq, const json_t *in,
                                     struct lv_jw *w, struct lv_err *err)
{
    const char *name = lv_json_str(in, "policyName");
    const char *type = lv_json_str(in, "policyType");
    int rc;

    (void)w;
    if (need_type(type, err) < 0) {
        return -1;
    }
    rc = lv_store_policies_close(rq->store, rq->who.account, rq->region,
                                 LV_POLICY_SCOPE_ACCOUNT, type,
                                 name ? name : "", rq->now_ms, err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                          "Policy with name [%s] does not exist",
                          name ? name : "");
    }
    return 0;
}
