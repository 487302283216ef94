/*
 * parse: a key policy document → struct lv_policy, validating it as KMS
 * does (PutKeyPolicy / CreateKey answer MalformedPolicyDocumentException).
 * Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 * Operators: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 */
#include "policy/policy.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/policy_int.h"
#include "util/err.h"
#include "util/mem.h"

#define MALFORMED LV_E_MALFORMED_POLICY_DOCUMENT
#define BAD_PRINCIPALS \
    "Policy contains a statement with one or more invalid principals."

static const struct {
    const char *name;
    enum lv_pol_kind kind;
    enum lv_pol_cmp cmp;
    int negated;
} ops[] = {
    { "StringEquals", LV_PK_STRING, LV_PC_EQ, 0 },
    { "StringNotEquals", LV_PK_STRING, LV_PC_EQ, 1 },
    { "StringEqualsIgnoreCase", LV_PK_STRING_ICASE, LV_PC_EQ, 0 },
    { "StringNotEqualsIgnoreCase", LV_PK_STRING_ICASE, LV_PC_EQ, 1 },
    { "StringLike", LV_PK_STRING_LIKE, LV_PC_EQ, 0 },
    { "StringNotLike", LV_PK_STRING_LIKE, LV_PC_EQ, 1 },
    { "ArnEquals", LV_PK_ARN, LV_PC_EQ, 0 },
    { "ArnLike", LV_PK_ARN, LV_PC_EQ, 0 },
    { "ArnNotEquals", LV_PK_ARN, LV_PC_EQ, 1 },
    { "ArnNotLike", LV_PK_ARN, LV_PC_EQ, 1 },
    { "NumericEquals", LV_PK_NUMERIC, LV_PC_EQ, 0 },
    { "NumericNotEquals", LV_PK_NUMERIC, LV_PC_EQ, 1 },
    { "NumericLessThan", LV_PK_NUMERIC, LV_PC_LT, 0 },
    { "NumericLessThanEquals", LV_PK_NUMERIC, LV_PC_LE, 0 },
    { "NumericGreaterThan", LV_PK_NUMERIC, LV_PC_GT, 0 },
    { "NumericGreaterThanEquals", LV_PK_NUMERIC, LV_PC_GE, 0 },
    { "DateEquals", LV_PK_DATE, LV_PC_EQ, 0 },
    { "DateNotEquals", LV_PK_DATE, LV_PC_EQ, 1 },
    { "DateLessThan", LV_PK_DATE, LV_PC_LT, 0 },
    { "DateLessThanEquals", LV_PK_DATE, LV_PC_LE, 0 },
    { "DateGreaterThan", LV_PK_DATE, LV_PC_GT, 0 },
    { "DateGreaterThanEquals", LV_PK_DATE, LV_PC_GE, 0 },
    { "Bool", LV_PK_BOOL, LV_PC_EQ, 0 },
    { "BinaryEquals", LV_PK_BINARY, LV_PC_EQ, 0 },
    { "IpAddress", LV_PK_IP, LV_PC_EQ, 0 },
    { "NotIpAddress", LV_PK_IP, LV_PC_EQ, 1 },
    { "Null", LV_PK_NULL, LV_PC_EQ, 0 },
};

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

static void free_stmt(struct lv_pol_stmt *st)
{
    for (size_t i = 0; i < st->n_pr; i++) {
        free(st->pr[i].s);
        free(st->pr[i].text);
    }
    free(st->pr);
    free_strs(st->actions, st->n_actions);
    free_strs(st->resources, st->n_resources);
    for (size_t i = 0; i < st->n_conds; i++) {
        struct lv_pol_cond *c = &st->conds[i];

        for (size_t j = 0; j < c->n; j++) {
            free(c->vals[j].s);
        }
        free(c->vals);
        free(c->key);
        free(c->op);
    }
    free(st->conds);
    free(st->sid);
}

void lv_policy_free(struct lv_policy *p)
{
    if (!p) {
        return;
    }
    for (size_t i = 0; i < p->n_st; i++) {
        free_stmt(&p->st[i]);
    }
    free(p->st);
    free(p);
}

static char *lower_dup(const char *s)
{
    char *d = lv_xstrdup(s);

    for (char *c = d; *c; c++) {
        *c = (char)tolower((unsigned char)*c);
    }
    return d;
}

/* A string or a non-empty array of strings → a fresh vector. `what` names
 * the element for the message. */
static int read_str_list(const json_t *v, const char *what, int lower,
                         char ***out, size_t *n_out, struct lv_err *err)
{
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    char **vec;

    if (!json_is_string(v) && !json_is_array(v)) {
        return lv_err_set(err, MALFORMED,
                          "%s must be a string or a list of strings.", what);
    }
    if (n == 0) {
        return lv_err_set(err, MALFORMED, "%s must not be an empty list.",
                          what);
    }
    vec = lv_xcalloc(n, sizeof(*vec));
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;

        if (!json_is_string(e) || json_string_length(e) == 0) {
            free_strs(vec, n);
            return lv_err_set(err, MALFORMED,
                              "%s must contain only non-empty strings.",
                              what);
        }
        vec[i] = lower ? lower_dup(json_string_value(e))
                       : lv_xstrdup(json_string_value(e));
    }
    *out = vec;
    *n_out = n;
    return 0;
}

static int check_actions(char **a, size_t n, struct lv_err *err)
{
    for (size_t i = 0; i < n; i++) {
        const char *colon = strchr(a[i], ':');

        if (strcmp(a[i], "*") != 0 && (!colon || colon == a[i])) {
            return lv_err_set(err, MALFORMED,
                              "Actions must be prefaced by a vendor, "
                              "e.g., kms, iam: \"%.64s\" is not.", a[i]);
        }
    }
    return 0;
}

static void add_principal(struct lv_pol_stmt *st, enum lv_pol_pr_type type,
                          const char *s, size_t len)
{
    struct lv_pol_principal *pr;

    st->pr = lv_xrealloc(st->pr, (st->n_pr + 1) * sizeof(*st->pr));
    pr = &st->pr[st->n_pr++];
    pr->type = type;
    pr->s = s ? lv_xstrndup(s, len) : NULL;
    pr->text = NULL;
    if (type == LV_PP_SERVICE) {
        for (char *c = pr->s; *c; c++) {
            *c = (char)tolower((unsigned char)*c);
        }
    }
}

static int read_principal_values(struct lv_pol_stmt *st, const char *type,
                                 const json_t *v, struct lv_err *err)
{
    size_t n = json_is_array(v) ? json_array_size(v) : 1;

    if ((!json_is_string(v) && !json_is_array(v)) || n == 0) {
        return lv_err_set(err, MALFORMED, BAD_PRINCIPALS);
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        const char *s = json_string_value(e);
        enum lv_pol_pr_type t;
        const char *acct = NULL;

        if (!s || !*s) {
            return lv_err_set(err, MALFORMED, BAD_PRINCIPALS);
        }
        if (strcmp(type, "AWS") == 0) {
            if (lv_policy_read_aws_principal(s, &t, &acct) < 0) {
                return lv_err_set(err, MALFORMED, BAD_PRINCIPALS);
            }
            if (t == LV_PP_ACCOUNT) {
                add_principal(st, t, acct, 12);
            } else {
                add_principal(st, t, t == LV_PP_ANY ? NULL : s, strlen(s));
            }
        } else if (strcmp(type, "Service") == 0) {
            if (strpbrk(s, " \t\r\n*?") != NULL) {
                return lv_err_set(err, MALFORMED, BAD_PRINCIPALS);
            }
            add_principal(st, LV_PP_SERVICE, s, strlen(s));
        } else {
            add_principal(st, LV_PP_FEDERATED, s, strlen(s));
        }
        st->pr[st->n_pr - 1].text = lv_xstrdup(s);
    }
    return 0;
}

static int read_principal(struct lv_pol_stmt *st, const json_t *v,
                          struct lv_err *err)
{
    const char *type;
    const json_t *val;

    if (json_is_string(v)) {
        if (strcmp(json_string_value(v), "*") != 0) {
            return lv_err_set(err, MALFORMED, BAD_PRINCIPALS);
        }
        add_principal(st, LV_PP_ANY, NULL, 0);
        return 0;
    }
    if (!json_is_object(v) || json_object_size(v) == 0) {
        return lv_err_set(err, MALFORMED, BAD_PRINCIPALS);
    }
    json_object_foreach((json_t *)v, type, val) {
        if (strcmp(type, "AWS") != 0 && strcmp(type, "Service") != 0 &&
            strcmp(type, "Federated") != 0) {
            return lv_err_set(err, MALFORMED, BAD_PRINCIPALS);
        }
        if (read_principal_values(st, type, val, err) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Splits "ForAnyValue:StringLikeIfExists" into its parts. -1 if unknown. */
static int read_operator(const char *name, struct lv_pol_cond *c)
{
    size_t len;

    c->set = LV_PS_NONE;
    if (strncasecmp(name, "ForAnyValue:", 12) == 0) {
        c->set = LV_PS_ANY;
        name += 12;
    } else if (strncasecmp(name, "ForAllValues:", 13) == 0) {
        c->set = LV_PS_ALL;
        name += 13;
    }
    len = strlen(name);
    c->if_exists = 0;
    if (len > 8 && strcasecmp(name + len - 8, "IfExists") == 0) {
        c->if_exists = 1;
        len -= 8;
    }
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (strlen(ops[i].name) == len &&
            strncasecmp(ops[i].name, name, len) == 0) {
            c->kind = ops[i].kind;
            c->cmp = ops[i].cmp;
            c->negated = ops[i].negated;
            if (c->kind == LV_PK_NULL && (c->if_exists || c->set)) {
                return -1;
            }
            return 0;
        }
    }
    return -1;
}

/* The typed reading of one condition value, done once here. */
static void prepare_value(struct lv_pol_cond *c, struct lv_pol_value *v)
{
    switch (c->kind) {
    case LV_PK_NUMERIC:
        v->ok = lv_policy_read_number(v->s, &v->num) == 0;
        break;
    case LV_PK_DATE:
        v->ok = lv_policy_read_date(v->s, &v->ms) == 0;
        break;
    case LV_PK_BOOL:
    case LV_PK_NULL:
        v->ok = strcasecmp(v->s, "true") == 0 ||
                strcasecmp(v->s, "false") == 0;
        v->flag = strcasecmp(v->s, "true") == 0;
        break;
    case LV_PK_IP:
        v->ok = lv_policy_read_cidr(v->s, v->ip, &v->ip_len,
                                    &v->prefix) == 0;
        break;
    default:
        v->ok = 1;
        break;
    }
}

static char *value_text(const json_t *e)
{
    if (json_is_string(e)) {
        return lv_xstrdup(json_string_value(e));
    }
    if (json_is_true(e)) {
        return lv_xstrdup("true");
    }
    if (json_is_false(e)) {
        return lv_xstrdup("false");
    }
    if (json_is_integer(e)) {
        return lv_xasprintf("%lld", (long long)json_integer_value(e));
    }
    if (json_is_real(e)) {
        return lv_xasprintf("%.17g", json_real_value(e));
    }
    return NULL;
}

static int read_cond_values(struct lv_pol_cond *c, const json_t *v,
                            struct lv_err *err)
{
    size_t n = json_is_array(v) ? json_array_size(v) : 1;

    c->vals = lv_xcalloc(n, sizeof(*c->vals));
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        struct lv_pol_value *pv = &c->vals[c->n];

        pv->s = value_text(e);
        if (!pv->s) {
            return lv_err_set(err, MALFORMED,
                              "Condition values for \"%.128s\" must be "
                              "strings, numbers or booleans.", c->key);
        }
        pv->len = strlen(pv->s);
        c->n++;
        prepare_value(c, pv);
    }
    return 0;
}

static int read_condition(struct lv_pol_stmt *st, const json_t *v,
                          struct lv_err *err)
{
    const char *opname;
    const json_t *keys;

    if (!json_is_object(v)) {
        return lv_err_set(err, MALFORMED, "Condition must be an object.");
    }
    json_object_foreach((json_t *)v, opname, keys) {
        const char *key;
        const json_t *vals;
        struct lv_pol_cond proto;

        memset(&proto, 0, sizeof(proto));
        if (read_operator(opname, &proto) < 0) {
            return lv_err_set(err, MALFORMED,
                              "Policy contains an unknown condition "
                              "operator: %.128s", opname);
        }
        if (!json_is_object(keys)) {
            return lv_err_set(err, MALFORMED,
                              "Condition operator %.128s must map condition "
                              "keys to values.", opname);
        }
        json_object_foreach((json_t *)keys, key, vals) {
            struct lv_pol_cond *c;

            if (!*key) {
                return lv_err_set(err, MALFORMED,
                                  "Condition keys must not be empty.");
            }
            st->conds = lv_xrealloc(st->conds,
                                    (st->n_conds + 1) * sizeof(*st->conds));
            c = &st->conds[st->n_conds++];
            *c = proto;
            c->key = lv_xstrdup(key);
            c->op = lv_xstrdup(opname);
            if (read_cond_values(c, vals, err) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

static int check_keys(const json_t *o, const char *const *known,
                      const char *where, struct lv_err *err)
{
    const char *k;
    const json_t *v;

    json_object_foreach((json_t *)o, k, v) {
        size_t i;

        for (i = 0; known[i]; i++) {
            if (strcmp(k, known[i]) == 0) {
                break;
            }
        }
        if (!known[i]) {
            return lv_err_set(err, MALFORMED,
                              "%s contains an unrecognized element: %.64s",
                              where, k);
        }
    }
    return 0;
}

/* Exactly one of `a` / `b` present; returns which (0: a, 1: b). */
static int one_of(const json_t *o, const char *a, const char *b,
                  const json_t **v, struct lv_err *err)
{
    const json_t *va = json_object_get(o, a);
    const json_t *vb = json_object_get(o, b);

    if (va && vb) {
        return lv_err_set(err, MALFORMED,
                          "A statement must not contain both %s and %s.",
                          a, b);
    }
    if (!va && !vb) {
        return lv_err_set(err, MALFORMED,
                          "A statement must contain %s or %s.", a, b);
    }
    *v = va ? va : vb;
    return va ? 0 : 1;
}

static int read_statement(struct lv_pol_stmt *st, const json_t *o,
                          struct lv_err *err)
{
    static const char *const known[] = {
        "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
        "Resource", "NotResource", "Condition", NULL
    };
    const json_t *v;
    const char *effect;
    int which;

    if (!json_is_object(o)) {
        return lv_err_set(err, MALFORMED, "Each statement must be an "
                          "object.");
    }
    if (check_keys(o, known, "A statement", err) < 0) {
        return -1;
    }
    v = json_object_get(o, "Sid");
    if (v && !json_is_string(v)) {
        return lv_err_set(err, MALFORMED, "Sid must be a string.");
    }
    if (v) {
        st->sid = lv_xstrdup(json_string_value(v));
    }
    effect = json_string_value(json_object_get(o, "Effect"));
    if (!effect) {
        return lv_err_set(err, MALFORMED, "A statement is missing the "
                          "required Effect element.");
    }
    if (strcmp(effect, "Allow") != 0 && strcmp(effect, "Deny") != 0) {
        return lv_err_set(err, MALFORMED, "Effect must be \"Allow\" or "
                          "\"Deny\", not \"%.64s\".", effect);
    }
    st->deny = effect[0] == 'D';

    /* Key policies are resource policies: a principal is required. */
    which = one_of(o, "Principal", "NotPrincipal", &v, err);
    if (which < 0) {
        return -1;
    }
    st->not_principal = which;
    if (st->not_principal && !st->deny) {
        /* "NotPrincipal must be used with "Effect":"Deny". Using it with
         * "Effect":"Allow" is not supported." (IAM reference,
         * reference_policies_elements_notprincipal.html). KMS's own
         * wording for this refusal is not documented. */
        return lv_err_set(err, MALFORMED, "NotPrincipal is supported only "
                          "with \"Effect\": \"Deny\".");
    }
    if (read_principal(st, v, err) < 0) {
        return -1;
    }

    which = one_of(o, "Action", "NotAction", &v, err);
    if (which < 0) {
        return -1;
    }
    st->not_action = which;
    if (read_str_list(v, which ? "NotAction" : "Action", 1, &st->actions,
                      &st->n_actions, err) < 0 ||
        check_actions(st->actions, st->n_actions, err) < 0) {
        return -1;
    }

    which = one_of(o, "Resource", "NotResource", &v, err);
    if (which < 0) {
        return -1;
    }
    st->not_resource = which;
    if (read_str_list(v, which ? "NotResource" : "Resource", 0,
                      &st->resources, &st->n_resources, err) < 0) {
        return -1;
    }

    v = json_object_get(o, "Condition");
    if (v && read_condition(st, v, err) < 0) {
        return -1;
    }
    return 0;
}

static int read_document(struct lv_policy *p, const json_t *root,
                         struct lv_err *err)
{
    static const char *const known[] = { "Version", "Id", "Statement",
                                         NULL };
    const json_t *v;
    const char *ver;
    size_t n;

    if (!json_is_object(root)) {
        return lv_err_set(err, MALFORMED,
                          "The policy document must be a JSON object.");
    }
    if (check_keys(root, known, "The policy document", err) < 0) {
        return -1;
    }
    v = json_object_get(root, "Version");
    if (v) {
        ver = json_string_value(v);
        if (!ver || (strcmp(ver, "2012-10-17") != 0 &&
                     strcmp(ver, "2008-10-17") != 0)) {
            return lv_err_set(err, MALFORMED, "The policy document has an "
                              "invalid Version: use \"2012-10-17\".");
        }
    }
    v = json_object_get(root, "Id");
    if (v && !json_is_string(v)) {
        return lv_err_set(err, MALFORMED, "Id must be a string.");
    }
    v = json_object_get(root, "Statement");
    if (!v) {
        return lv_err_set(err, MALFORMED,
                          "The policy document has no Statement element.");
    }
    if (!json_is_object(v) && !json_is_array(v)) {
        return lv_err_set(err, MALFORMED, "Statement must be an object or "
                          "a list of objects.");
    }
    n = json_is_array(v) ? json_array_size(v) : 1;
    if (n == 0) {
        return lv_err_set(err, MALFORMED,
                          "The policy document has no statements.");
    }
    p->st = lv_xcalloc(n, sizeof(*p->st));
    for (size_t i = 0; i < n; i++) {
        p->n_st++;
        if (read_statement(&p->st[i],
                           json_is_array(v) ? json_array_get(v, i) : v,
                           err) < 0) {
            return -1;
        }
    }
    return 0;
}

struct lv_policy *lv_policy_parse(const char *doc, size_t len,
                                  struct lv_err *err)
{
    json_t *root = NULL;
    json_error_t jerr;
    struct lv_policy *p = NULL;
    struct lv_policy *ret = NULL;

    if (len > LV_POLICY_MAX_BYTES) {
        lv_err_set(err, MALFORMED, "The policy document is %zu bytes, over "
                   "the limit of %d bytes.", len, LV_POLICY_MAX_BYTES);
        goto out;
    }
    root = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        lv_err_set(err, MALFORMED, "The policy document is not valid JSON: "
                   "%s (line %d, column %d).", jerr.text, jerr.line,
                   jerr.column);
        goto out;
    }
    p = lv_xcalloc(1, sizeof(*p));
    if (read_document(p, root, err) < 0) {
        goto out;
    }
    ret = p;
    p = NULL;
out:
    lv_policy_free(p);
    json_decref(root);
    return ret;
}

/* GetKeyPolicy returns the default policy in this layout (Jackson's pretty
 * printer), e.g. in the CloudTrail example of
 * https://docs.aws.amazon.com/kms/latest/developerguide/ct-put-key-policy.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html */
char *lv_policy_default_key_policy(const char *account)
{
    return lv_xasprintf(
        "{\n"
        "  \"Version\" : \"2012-10-17\",\n"
        "  \"Id\" : \"key-default-1\",\n"
        "  \"Statement\" : [ {\n"
        "    \"Sid\" : \"Enable IAM User Permissions\",\n"
        "    \"Effect\" : \"Allow\",\n"
        "    \"Principal\" : {\n"
        "      \"AWS\" : \"arn:aws:iam::%s:root\"\n"
        "    },\n"
        "    \"Action\" : \"kms:*\",\n"
        "    \"Resource\" : \"*\"\n"
        "  } ]\n"
        "}", account);
}
