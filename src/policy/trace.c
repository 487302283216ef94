/*
 * trace: the explainer's account of a decision (policy.h, lv_policy_trace).
 * Built from the same matchers as eval.c (policy_int.h), one element at a
 * time, and combined by the evaluation logic eval.c implements
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 * an explicit Deny anywhere wins, else a matching Allow allows, else the
 * default deny. lv_policy_eval() does not call this: the untraced path
 * keeps its short cuts and allocates nothing.
 */
#include "policy/policy.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"
#include "util/mem.h"

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *strs(char *const *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, json_string(v[i]));
    }
    return a;
}

static json_t *principal_values(const struct lv_pol_stmt *st)
{
    json_t *a = json_array();

    for (size_t i = 0; i < st->n_pr; i++) {
        const struct lv_pol_principal *pr = &st->pr[i];

        json_array_append_new(a, json_string(pr->text ? pr->text
                                             : pr->s ? pr->s : "*"));
    }
    return a;
}

static void add_value(void *arg, const char *value)
{
    json_array_append_new(arg, json_string(value));
}

static json_t *cond_trace(const struct lv_pol_cond *c,
                          const struct lv_policy_request *rq, int *ok)
{
    json_t *vals = json_array();
    json_t *have = json_array();

    for (size_t i = 0; i < c->n; i++) {
        json_array_append_new(vals, json_string(c->vals[i].s));
    }
    lv_policy_int_values(rq, c->key, add_value, have);
    *ok = lv_policy_int_cond(c, rq);
    return json_pack("{s:s, s:s, s:o, s:o, s:b}", "operator", c->op,
                     "key", c->key, "values", vals, "requestValues", have,
                     "matched", *ok);
}

/* One statement's trace; *applies as stmt_applies() in eval.c: 0 no,
 * 1 yes, 2 only through the principal's account. */
static json_t *stmt_trace(const struct lv_pol_stmt *st, size_t index,
                          const struct lv_policy_request *rq, int *applies)
{
    const char *who = rq->principal_service ? rq->principal_service
                                            : rq->principal_arn;
    json_t *conds = json_array();
    int pm;
    int am;
    int rm;
    int all = 1;

    if (st->not_principal) {
        pm = !lv_policy_int_not_principal(st, rq);
    } else {
        pm = lv_policy_int_principal(st, rq);
    }
    am = lv_policy_int_action(st, rq->action) != st->not_action;
    rm = lv_policy_int_resource(st, rq->resource) != st->not_resource;
    for (size_t i = 0; i < st->n_conds; i++) {
        int ok;

        json_array_append_new(conds, cond_trace(&st->conds[i], rq, &ok));
        all &= ok;
    }
    *applies = pm && am && rm && all ? pm : 0;
    return json_pack(
        "{s:I, s:o, s:s, s:b,"
        " s:{s:s, s:o, s:o, s:b, s:b},"
        " s:{s:s, s:o, s:o, s:b},"
        " s:{s:s, s:o, s:o, s:b},"
        " s:o}",
        "index", (json_int_t)index, "sid", str_or_null(st->sid),
        "effect", st->deny ? "Deny" : "Allow", "applies", *applies != 0,
        "principal",
        "element", st->not_principal ? "NotPrincipal" : "Principal",
        "values", principal_values(st), "request", str_or_null(who),
        "matched", pm != 0, "viaAccount", pm == 2,
        "action",
        "element", st->not_action ? "NotAction" : "Action",
        "values", strs(st->actions, st->n_actions),
        "request", str_or_null(rq->action), "matched", am,
        "resource",
        "element", st->not_resource ? "NotResource" : "Resource",
        "values", strs(st->resources, st->n_resources),
        "request", str_or_null(rq->resource), "matched", rm,
        "conditions", conds);
}

json_t *lv_policy_trace(const struct lv_policy *p,
                        const struct lv_policy_request *rq,
                        enum lv_policy_decision *decision, int *via_account)
{
    const char *who = rq->principal_service ? rq->principal_service
                                            : rq->principal_arn;
    json_t *stmts = json_array();
    json_t *denies = json_array();
    json_t *allows = json_array();
    json_t *deciding;
    json_t *out;
    enum lv_policy_decision d;
    char *reason;
    int direct = 0;

    for (size_t i = 0; i < p->n_st; i++) {
        int m;

        json_array_append_new(stmts, stmt_trace(&p->st[i], i, rq, &m));
        if (!m) {
            continue;
        }
        if (p->st[i].deny) {
            json_array_append_new(denies, json_integer((json_int_t)i));
        } else {
            json_array_append_new(allows, json_integer((json_int_t)i));
            direct |= m == 1;
        }
    }
    if (json_array_size(denies)) {
        d = LV_POLICY_EXPLICIT_DENY;
        deciding = json_incref(denies);
        reason = lv_xasprintf("explicit deny: a Deny statement matches %s "
                              "for %s", who ? who : "the caller",
                              rq->action ? rq->action : "the action");
    } else if (json_array_size(allows)) {
        d = LV_POLICY_ALLOW;
        deciding = json_incref(allows);
        reason = lv_xasprintf("allow: %s matches %s for %s%s",
                              json_array_size(allows) > 1
                              ? "Allow statements" : "an Allow statement",
                              who ? who : "the caller",
                              rq->action ? rq->action : "the action",
                              direct ? "" : " (through the principal's "
                              "account only)");
    } else {
        d = LV_POLICY_DEFAULT_DENY;
        deciding = json_array();
        reason = lv_xasprintf("no allow: no statement allows %s for %s",
                              rq->action ? rq->action : "the action",
                              who ? who : "the caller");
    }
    if (decision) {
        *decision = d;
    }
    if (via_account) {
        *via_account = d == LV_POLICY_ALLOW && !direct;
    }
    out = json_pack("{s:s, s:s, s:o, s:{s:o, s:o, s:o, s:s}, s:o}",
                    "decision", lv_policy_decision_name(d),
                    "reason", reason, "deciding", deciding,
                    "request", "action", str_or_null(rq->action),
                    "resource", str_or_null(rq->resource),
                    "principal", str_or_null(who),
                    "principalType",
                    rq->principal_service ? "Service" : "AWS",
                    "statements", stmts);
    json_decref(denies);
    json_decref(allows);
    free(reason);
    return out;
}
