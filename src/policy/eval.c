/*
 * eval: decides a request under a parsed policy, without allocating.
 * Evaluation logic: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * Conditions: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * and …/reference_policies_condition-single-vs-multi-valued-context-keys.html
 * Lockout check: https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#prevent-unmanageable-key
 */
#include "policy/policy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/policy_int.h"
#include "util/civil.h"
#include "util/err.h"

const char *lv_policy_decision_name(enum lv_policy_decision d)
{
    switch (d) {
    case LV_POLICY_ALLOW:
        return "ALLOW";
    case LV_POLICY_EXPLICIT_DENY:
        return "EXPLICIT_DENY";
    default:
        return "DEFAULT_DENY";
    }
}

/* ---- typed readings ---------------------------------------------------- */

int lv_policy_read_number(const char *s, double *out)
{
    char *end;
    double d;

    if (!*s || isspace((unsigned char)*s)) {
        return -1;
    }
    errno = 0;
    d = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(d)) {
        return -1;
    }
    *out = d;
    return 0;
}

/* Reads exactly n digits at *p. */
static int read_digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9') {
            return -1;
        }
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int read_epoch(const char *s, int64_t *out)
{
    const char *c = s;
    int64_t v = 0;

    if (*c == '-') {
        c++;
    }
    if (!*c || strlen(c) > 12) {
        return -1;
    }
    for (; *c; c++) {
        if (*c < '0' || *c > '9') {
            return -1;
        }
        v = v * 10 + (*c - '0');
    }
    *out = (s[0] == '-' ? -v : v) * 1000;
    return 0;
}

int lv_policy_read_date(const char *s, int64_t *out)
{
    const char *p = s;
    int y, mo, d;
    int h = 0, mi = 0, se = 0, ms = 0;
    int off = 0;
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
                                 30, 31 };

    if (read_epoch(s, out) == 0) {
        return 0;
    }
    if (read_digits(&p, 4, &y) < 0 || *p++ != '-' ||
        read_digits(&p, 2, &mo) < 0 || *p++ != '-' ||
        read_digits(&p, 2, &d) < 0) {
        return -1;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]) {
        return -1;
    }
    if (*p == 'T' || *p == 't') {
        p++;
        if (read_digits(&p, 2, &h) < 0 || *p++ != ':' ||
            read_digits(&p, 2, &mi) < 0) {
            return -1;
        }
        if (*p == ':') {
            p++;
            if (read_digits(&p, 2, &se) < 0) {
                return -1;
            }
            if (*p == '.') {
                int scale = 100;

                p++;
                if (*p < '0' || *p > '9') {
                    return -1;
                }
                for (; *p >= '0' && *p <= '9'; p++) {
                    ms += (*p - '0') * scale;
                    scale /= 10;
                }
            }
        }
        if (h > 23 || mi > 59 || se > 60) {
            return -1;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1;
            int oh, om = 0;

            if (read_digits(&p, 2, &oh) < 0) {
                return -1;
            }
            if (*p == ':') {
                p++;
            }
            if (*p && read_digits(&p, 2, &om) < 0) {
                return -1;
            }
            if (oh > 23 || om > 59) {
                return -1;
            }
            off = sign * (oh * 60 + om);
        }
    }
    if (*p) {
        return -1;
    }
    *out = ((lv_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se) -
            (int64_t)off * 60) * 1000 + ms;
    return 0;
}

int lv_policy_read_cidr(const char *s, unsigned char ip[16], int *ip_len,
                        int *prefix)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    int max;
    int pfx;

    if (alen == 0 || alen >= sizeof(addr)) {
        return -1;
    }
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    if (inet_pton(AF_INET, addr, ip) == 1) {
        *ip_len = 4;
    } else if (inet_pton(AF_INET6, addr, ip) == 1) {
        *ip_len = 16;
    } else {
        return -1;
    }
    max = *ip_len * 8;
    pfx = max;
    if (slash) {
        const char *c = slash + 1;

        if (!*c || strlen(c) > 3) {
            return -1;
        }
        pfx = 0;
        for (; *c; c++) {
            if (*c < '0' || *c > '9') {
                return -1;
            }
            pfx = pfx * 10 + (*c - '0');
        }
        if (pfx > max) {
            return -1;
        }
    }
    *prefix = pfx;
    return 0;
}

/* ---- context lookup ---------------------------------------------------- */

/* The values of one condition key in the request: the caller's context
 * entries whose names match case-insensitively, or else the one value
 * derived from the request's own fields. */
struct ctx_view {
    const struct lv_policy_request *rq;
    const char *key;
    const char *implicit;       /* used when no context entry names key */
    int explicit_found;
};

static const char *implicit_value(const struct lv_policy_request *rq,
                                  const char *key)
{
    if (strcasecmp(key, "aws:PrincipalArn") == 0) {
        return rq->principal_arn;
    }
    if (strcasecmp(key, "aws:PrincipalAccount") == 0 ||
        strcasecmp(key, "kms:CallerAccount") == 0) {
        return rq->principal_account;
    }
    if (strcasecmp(key, "aws:PrincipalServiceName") == 0) {
        return rq->principal_service;
    }
    if (strcasecmp(key, "aws:ResourceAccount") == 0) {
        return rq->resource_account;
    }
    return NULL;
}

static void view_init(struct ctx_view *v, const struct lv_policy_request *rq,
                      const char *key)
{
    v->rq = rq;
    v->key = key;
    v->explicit_found = 0;
    for (size_t i = 0; i < rq->n_ctx; i++) {
        if (rq->ctx[i].key && strcasecmp(rq->ctx[i].key, key) == 0) {
            v->explicit_found = 1;
            break;
        }
    }
    v->implicit = v->explicit_found ? NULL : implicit_value(rq, key);
}

/* Walks the values: *i and *j are the cursor, start both at 0. Returns the
 * next value or NULL at the end. NULL strings in the caller's arrays are
 * skipped. */
static const char *view_next(const struct ctx_view *v, size_t *i, size_t *j)
{
    if (!v->explicit_found) {
        if (*i == 0 && v->implicit) {
            (*i)++;
            return v->implicit;
        }
        return NULL;
    }
    for (; *i < v->rq->n_ctx; (*i)++, *j = 0) {
        const struct lv_policy_ctx_value *c = &v->rq->ctx[*i];

        if (!c->key || strcasecmp(c->key, v->key) != 0) {
            continue;
        }
        while (*j < c->n) {
            const char *s = c->values[(*j)++];

            if (s) {
                return s;
            }
        }
    }
    return NULL;
}

/* ---- conditions -------------------------------------------------------- */

static int cmp_order(enum lv_pol_cmp cmp, int c)
{
    switch (cmp) {
    case LV_PC_LT:
        return c < 0;
    case LV_PC_LE:
        return c <= 0;
    case LV_PC_GT:
        return c > 0;
    case LV_PC_GE:
        return c >= 0;
    default:
        return c == 0;
    }
}

static int ip_in(const struct lv_pol_value *pv, const char *s)
{
    unsigned char ip[16];
    int len;
    int pfx;
    int full;
    int rest;

    if (lv_policy_read_cidr(s, ip, &len, &pfx) < 0 || len != pv->ip_len) {
        return 0;
    }
    full = pv->prefix / 8;
    rest = pv->prefix % 8;
    if (memcmp(ip, pv->ip, (size_t)full) != 0) {
        return 0;
    }
    if (rest) {
        unsigned char mask = (unsigned char)(0xff << (8 - rest));

        return (ip[full] & mask) == (pv->ip[full] & mask);
    }
    return 1;
}

/* The positive comparison of one request value with one policy value:
 * the operator without its "Not". */
static int value_matches(const struct lv_pol_cond *c,
                         const struct lv_pol_value *pv, const char *s)
{
    double num;
    int64_t ms;

    if (!pv->ok) {
        return 0;
    }
    switch (c->kind) {
    case LV_PK_STRING:
    case LV_PK_BINARY:
        return strcmp(pv->s, s) == 0;
    case LV_PK_STRING_ICASE:
        return strcasecmp(pv->s, s) == 0;
    case LV_PK_STRING_LIKE:
        return lv_policy_glob(pv->s, pv->len, s, strlen(s), 0);
    case LV_PK_ARN:
        return lv_policy_arn_like(pv->s, s);
    case LV_PK_NUMERIC:
        if (lv_policy_read_number(s, &num) < 0) {
            return 0;
        }
        return cmp_order(c->cmp, (num > pv->num) - (num < pv->num));
    case LV_PK_DATE:
        if (lv_policy_read_date(s, &ms) < 0) {
            return 0;
        }
        return cmp_order(c->cmp, (ms > pv->ms) - (ms < pv->ms));
    case LV_PK_BOOL:
        return strcasecmp(pv->s, s) == 0;
    case LV_PK_IP:
        return ip_in(pv, s);
    case LV_PK_NULL:
        break;
    }
    return 0;
}

/* One request value against every policy value: OR. */
static int any_policy_value(const struct lv_pol_cond *c, const char *s)
{
    for (size_t k = 0; k < c->n; k++) {
        if (value_matches(c, &c->vals[k], s)) {
            return 1;
        }
    }
    return 0;
}

static int cond_true(const struct lv_pol_cond *c,
                     const struct lv_policy_request *rq)
{
    struct ctx_view view;
    size_t i = 0;
    size_t j = 0;
    size_t count = 0;
    int pos_any = 0;
    int pos_all = 1;
    const char *s;

    view_init(&view, rq, c->key);
    while ((s = view_next(&view, &i, &j)) != NULL) {
        int m = any_policy_value(c, s);

        count++;
        pos_any |= m;
        pos_all &= m;
    }
    if (c->kind == LV_PK_NULL) {
        /* "true": the key must be absent; "false": present. */
        for (size_t k = 0; k < c->n; k++) {
            if (c->vals[k].ok && c->vals[k].flag == (count == 0)) {
                return 1;
            }
        }
        return 0;
    }
    if (count == 0) {
        if (c->if_exists || c->set == LV_PS_ALL) {
            return 1;
        }
        if (c->set == LV_PS_ANY) {
            return 0;
        }
        return c->negated;
    }
    switch (c->set) {
    case LV_PS_ANY:
        /* some request value matches (negated: matches none) */
        return c->negated ? !pos_all : pos_any;
    case LV_PS_ALL:
        /* every request value matches (negated: matches none) */
        return c->negated ? !pos_any : pos_all;
    default:
        return c->negated ? !pos_any : pos_any;
    }
}

/* ---- statements -------------------------------------------------------- */

/* 0: no match; 1: matched directly; 2: matched only through the account. */
static int principal_match(const struct lv_pol_stmt *st,
                           const struct lv_policy_request *rq)
{
    int via = 0;

    for (size_t i = 0; i < st->n_pr; i++) {
        const struct lv_pol_principal *pr = &st->pr[i];

        switch (pr->type) {
        case LV_PP_ANY:
            return 1;
        case LV_PP_ACCOUNT:
            if (!rq->principal_service && rq->principal_account &&
                strcmp(pr->s, rq->principal_account) == 0) {
                via = 2;
            }
            break;
        case LV_PP_ARN:
            if (rq->principal_arn && strcmp(pr->s, rq->principal_arn) == 0) {
                return 1;
            }
            break;
        case LV_PP_SERVICE:
            if (rq->principal_service &&
                strcasecmp(pr->s, rq->principal_service) == 0) {
                return 1;
            }
            break;
        case LV_PP_FEDERATED:
            break;
        }
    }
    return via;
}

static int action_match(const struct lv_pol_stmt *st, const char *action)
{
    size_t alen = strlen(action);

    for (size_t i = 0; i < st->n_actions; i++) {
        if (lv_policy_glob(st->actions[i], strlen(st->actions[i]), action,
                           alen, 1)) {
            return 1;
        }
    }
    return 0;
}

static int resource_match(const struct lv_pol_stmt *st, const char *res)
{
    for (size_t i = 0; i < st->n_resources; i++) {
        const char *r = st->resources[i];

        if (strcmp(r, "*") == 0 || (res && lv_policy_arn_like(r, res))) {
            return 1;
        }
    }
    return 0;
}

static int is_account_root(const char *arn)
{
    size_t len = arn ? strlen(arn) : 0;

    return len > 5 && strcmp(arn + len - 5, ":root") == 0;
}

/*
 * Does a NotPrincipal list leave the requester out? A request from an IAM
 * user is made by the user and by its account, so the IAM reference
 * (reference_policies_elements_notprincipal.html) has the user left out
 * only when NotPrincipal names both the user and its account: naming only
 * the user denies the account and with it the user, and naming only the
 * account (an account id or arn:…:root) leaves out just the account root.
 * A service principal is left out when it is named; "*" leaves out
 * everyone.
 */
static int not_principal_excludes(const struct lv_pol_stmt *st,
                                  const struct lv_policy_request *rq)
{
    int arn = 0;
    int account = 0;

    for (size_t i = 0; i < st->n_pr; i++) {
        const struct lv_pol_principal *pr = &st->pr[i];

        switch (pr->type) {
        case LV_PP_ANY:
            return 1;
        case LV_PP_ACCOUNT:
            if (!rq->principal_service && rq->principal_account &&
                strcmp(pr->s, rq->principal_account) == 0) {
                account = 1;
            }
            break;
        case LV_PP_ARN:
            if (rq->principal_arn && strcmp(pr->s, rq->principal_arn) == 0) {
                arn = 1;
            }
            break;
        case LV_PP_SERVICE:
            if (rq->principal_service &&
                strcasecmp(pr->s, rq->principal_service) == 0) {
                return 1;
            }
            break;
        case LV_PP_FEDERATED:
            break;
        }
    }
    if (rq->principal_service) {
        return 0;
    }
    if (!rq->principal_arn || is_account_root(rq->principal_arn)) {
        return account;
    }
    return arn && account;
}

/* 0: the statement does not apply; 1: applies; 2: applies through the
 * principal's account only. */
static int stmt_applies(const struct lv_pol_stmt *st,
                        const struct lv_policy_request *rq)
{
    int pm;

    if (st->not_principal) {
        if (not_principal_excludes(st, rq)) {
            return 0;
        }
        pm = 1;
    } else {
        pm = principal_match(st, rq);
        if (!pm) {
            return 0;
        }
    }
    if (action_match(st, rq->action ? rq->action : "") == st->not_action) {
        return 0;
    }
    if (resource_match(st, rq->resource) == st->not_resource) {
        return 0;
    }
    for (size_t i = 0; i < st->n_conds; i++) {
        if (!cond_true(&st->conds[i], rq)) {
            return 0;
        }
    }
    return pm;
}

enum lv_policy_decision lv_policy_eval(const struct lv_policy *p,
                                       const struct lv_policy_request *rq,
                                       int *via_account)
{
    int allowed = 0;
    int direct = 0;

    if (via_account) {
        *via_account = 0;
    }
    for (size_t i = 0; i < p->n_st; i++) {
        const struct lv_pol_stmt *st = &p->st[i];
        int m = stmt_applies(st, rq);

        if (!m) {
            continue;
        }
        if (st->deny) {
            return LV_POLICY_EXPLICIT_DENY;
        }
        allowed = 1;
        direct |= m == 1;
    }
    if (!allowed) {
        return LV_POLICY_DEFAULT_DENY;
    }
    if (via_account) {
        *via_account = !direct;
    }
    return LV_POLICY_ALLOW;
}

/* ---- the matchers, for the trace (policy_int.h) ------------------------ */

int lv_policy_int_principal(const struct lv_pol_stmt *st,
                            const struct lv_policy_request *rq)
{
    return principal_match(st, rq);
}

int lv_policy_int_not_principal(const struct lv_pol_stmt *st,
                                const struct lv_policy_request *rq)
{
    return not_principal_excludes(st, rq);
}

int lv_policy_int_action(const struct lv_pol_stmt *st, const char *action)
{
    return action_match(st, action ? action : "");
}

int lv_policy_int_resource(const struct lv_pol_stmt *st, const char *res)
{
    return resource_match(st, res);
}

int lv_policy_int_cond(const struct lv_pol_cond *c,
                       const struct lv_policy_request *rq)
{
    return cond_true(c, rq);
}

void lv_policy_int_values(const struct lv_policy_request *rq,
                          const char *key,
                          void (*fn)(void *arg, const char *value),
                          void *arg)
{
    struct ctx_view view;
    size_t i = 0;
    size_t j = 0;
    const char *s;

    view_init(&view, rq, key);
    while ((s = view_next(&view, &i, &j)) != NULL) {
        fn(arg, s);
    }
}

int lv_policy_mentions(const struct lv_policy *p, const char *prefix)
{
    size_t len = strlen(prefix);

    for (size_t i = 0; i < p->n_st; i++) {
        const struct lv_pol_stmt *st = &p->st[i];

        for (size_t j = 0; j < st->n_conds; j++) {
            if (strncasecmp(st->conds[j].key, prefix, len) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

int lv_policy_lockout_check(const struct lv_policy *p,
                            const char *principal_arn,
                            const char *principal_account,
                            const char *key_arn, struct lv_err *err)
{
    struct lv_policy_request rq;
    char key_account[13];

    memset(&rq, 0, sizeof(rq));
    rq.action = "kms:PutKeyPolicy";
    rq.resource = key_arn;
    rq.principal_arn = principal_arn;
    rq.principal_account = principal_account;
    if (key_arn && lv_policy_arn_account(key_arn, key_account) == 0) {
        rq.resource_account = key_account;
    }
    if (lv_policy_eval(p, &rq, NULL) != LV_POLICY_ALLOW) {
        return lv_err_set(err, LV_E_MALFORMED_POLICY_DOCUMENT,
                          "The new key policy will not allow you to update "
                          "the key policy in the future.");
    }
    return 0;
}
