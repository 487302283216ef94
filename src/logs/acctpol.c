/*
 * acctpol.c: account-level field index, transformer and subscription
 * filter policies (acctpol_int.h says what each function answers).
 *
 * Choices where AWS documents no wording: a second policy selecting every
 * group, or a 21st with prefixes, answers LimitExceededException naming
 * the bound; overlapping prefixes answer InvalidParameterException naming
 * both prefixes and the policy that holds the first.
 */
#include "logs/acctpol_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "logs/absent_int.h"
#include "logs/fidx.h"
#include "logs/filter.h"
#include "logs/transform.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

/* AWS: "The selectionCriteria string can be up to 25KB in length." */
#define MAX_SELECTION (25 * 1024)
/* AWS: "You can specify up to 50 values in each IN or NOT IN list." */
#define MAX_VALUES 50
/* AWS: as many as 20 prefix-scoped policies of a type. */
#define MAX_PREFIX_POLICIES 20
/* AWS: "The JSON specified in policyDocument can be up to 30,720
 * characters" (AccountPolicy). */
#define MAX_DOCUMENT 30720

struct selection {
    int by_name;            /* LogGroupName (else LogGroupNamePrefix) */
    int negated;            /* NOT IN (else IN) */
    json_t *values;         /* the array, NULL for "" (every group) */
};

static void selection_release(struct selection *s)
{
    json_decref(s->values);
    s->values = NULL;
}

static int name_chars_ok(const char *v, size_t len)
{
    if (len < 1 || len > LV_LOGS_MAX_NAME) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        char c = v[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || strchr("._-/#", c))) {
            return 0;
        }
    }
    return 1;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
        p++;
    }
    return p;
}

/* Takes the word w at *p (followed by a blank or '['). */
static int take_word(const char **p, const char *w)
{
    size_t n = strlen(w);

    if (strncmp(*p, w, n) != 0 ||
        !((*p)[n] == ' ' || (*p)[n] == '\t' || (*p)[n] == '[')) {
        return 0;
    }
    *p = skip_ws(*p + n);
    return 1;
}

/* Parses sel (the forms of acctpol_int.h). 0 or -1 with *err. */
static int selection_parse(const char *sel, struct selection *out,
                           struct lv_err *err)
{
    const char *p = skip_ws(sel);
    json_error_t je;
    size_t i;
    json_t *v;

    memset(out, 0, sizeof(*out));
    if (!*p) {
        return 0;
    }
    if (strlen(sel) > MAX_SELECTION) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "selectionCriteria must be at most 25KB long.");
    }
    if (take_word(&p, "LogGroupNamePrefix")) {
        out->by_name = 0;
    } else if (take_word(&p, "LogGroupName")) {
        out->by_name = 1;
    } else {
        goto bad;
    }
    if (take_word(&p, "NOT")) {
        out->negated = 1;
    }
    if (!take_word(&p, "IN")) {
        goto bad;
    }
    out->values = json_loads(p, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_array(out->values) || json_array_size(out->values) < 1 ||
        json_array_size(out->values) > MAX_VALUES) {
        goto bad;
    }
    json_array_foreach(out->values, i, v) {
        if (!json_is_string(v) ||
            !name_chars_ok(json_string_value(v), json_string_length(v))) {
            goto bad;
        }
    }
    return 0;
bad:
    selection_release(out);
    return lv_err_set(err, LV_E_INVALID_PARAMETER,
                      "Invalid selectionCriteria: expected a filter such "
                      "as LogGroupNamePrefix IN [\"name\", ...] with 1 to "
                      "%d log group names or prefixes.", MAX_VALUES);
}

/* The form each type takes. */
static int selection_for_type(const char *type, const char *sel,
                              struct selection *out, struct lv_err *err)
{
    int want_name = strcmp(type, LV_ACCTPOL_SUBSCRIPTION) == 0;

    if (selection_parse(sel ? sel : "", out, err) < 0) {
        return -1;
    }
    if (out->values && (out->by_name != want_name ||
                        out->negated != want_name)) {
        selection_release(out);
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid selectionCriteria: the only filter "
                          "supported for %s is %s.", type,
                          want_name ? "LogGroupName NOT IN []"
                                    : "LogGroupNamePrefix IN []");
    }
    return 0;
}

const json_t *lv_acctpol_transformer_config(const char *doc, json_t **root,
                                        struct lv_err *err)
{
    const json_t *c;

    *root = json_loads(doc, JSON_REJECT_DUPLICATES, NULL);
    c = json_object_get(*root, "transformerConfig");
    if (!json_is_array(c)) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "Invalid transformer policy: the policy document must "
                   "be a JSON object with a transformerConfig array.");
        return NULL;
    }
    return c;
}

int lv_acctpol_check_doc(const char *type, const char *doc,
                         const char *selection, struct lv_err *err)
{
    struct selection sel;
    int ret = -1;

    if (strlen(doc) > MAX_DOCUMENT) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "policyDocument must be at most %d characters.",
                          MAX_DOCUMENT);
    }
    if (selection_for_type(type, selection, &sel, err) < 0) {
        return -1;
    }
    if (strcmp(type, LV_ACCTPOL_FIELD_INDEX) == 0) {
        struct lv_fidx_policy p = LV_FIDX_POLICY_INIT;

        ret = lv_fidx_policy_parse(doc, strlen(doc), &p, err);
        lv_fidx_policy_release(&p);
    } else if (strcmp(type, LV_ACCTPOL_TRANSFORMER) == 0) {
        json_t *root = NULL;
        const json_t *c = lv_acctpol_transformer_config(doc, &root, err);
        struct lv_transformer *t = c ? lv_transformer_new(c, err) : NULL;

        ret = t ? 0 : -1;
        lv_transformer_free(t);
        json_decref(root);
    } else {
        ret = lv_err_set(err, LV_E_INVALID_PARAMETER,
                         "Policy type %s has no document check.", type);
    }
    selection_release(&sel);
    return ret;
}

/* ---- the checks against the policies in force ------------------------ */

struct store_check {
    const struct lv_log_policy_rec *rec;
    struct selection mine;
    int all_groups;                 /* others selecting every group */
    int prefixed;                   /* others with prefixes */
    struct lv_err *err;
};

static int overlaps(const char *a, const char *b)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);

    return strncmp(a, b, la < lb ? la : lb) == 0;
}

static int check_other(void *arg, const struct lv_log_policy_rec *r)
{
    struct store_check *sc = arg;
    struct selection other;
    struct lv_err perr = LV_ERR_INIT;
    size_t i;
    size_t k;
    json_t *a;
    json_t *b;
    int ret = 0;

    if (strcmp(r->name, sc->rec->name) == 0) {
        return 0;                   /* the policy this put replaces */
    }
    if (selection_parse(r->selection ? r->selection : "", &other,
                        &perr) < 0) {
        return 0;                   /* unreadable: it selects nothing */
    }
    if (!other.values) {
        sc->all_groups++;
        goto out;
    }
    sc->prefixed++;
    json_array_foreach(sc->mine.values, i, a) {
        json_array_foreach(other.values, k, b) {
            if (overlaps(json_string_value(a), json_string_value(b))) {
                ret = lv_err_set(sc->err, LV_E_INVALID_PARAMETER,
                                 "The log group name prefix '%s' overlaps "
                                 "the prefix '%s' of the %s '%s'.",
                                 json_string_value(a), json_string_value(b),
                                 r->type, r->name);
                goto out;
            }
        }
    }
out:
    selection_release(&other);
    return ret;
}

int lv_acctpol_check_store(struct lv_req *rq,
                           const struct lv_log_policy_rec *rec,
                           struct lv_err *err)
{
    struct store_check sc;
    int rc;

    memset(&sc, 0, sizeof(sc));
    sc.rec = rec;
    sc.err = err;
    if (selection_parse(rec->selection, &sc.mine, err) < 0) {
        return -1;
    }
    rc = lv_store_policies_list(rq->store, rec->account, rec->region,
                                LV_POLICY_SCOPE_ACCOUNT, rec->type, 0,
                                check_other, &sc, err);
    if (rc == 0 && !sc.mine.values && sc.all_groups > 0) {
        rc = lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                        "An account can have only one %s that applies to "
                        "all log groups.", rec->type);
    } else if (rc == 0 && sc.mine.values &&
               sc.prefixed >= MAX_PREFIX_POLICIES) {
        rc = lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                        "An account can have at most %d %s policies with "
                        "selection criteria.", MAX_PREFIX_POLICIES,
                        rec->type);
    }
    selection_release(&sc.mine);
    return rc == 0 ? 0 : -1;
}

/* ---- SUBSCRIPTION_FILTER_POLICY ---------------------------------------- */

int lv_acctpol_subscription(struct lv_req *rq, const char *doc,
                            const char *selection, struct lv_err *err)
{
    json_t *root = json_loads(doc, JSON_REJECT_DUPLICATES, NULL);
    const char *dest = lv_json_str(root, "DestinationArn");
    const char *role = lv_json_str(root, "RoleArn");
    const json_t *pat = json_object_get(root, "FilterPattern");
    const char *dist = lv_json_str(root, "Distribution");
    struct lv_filter *compiled;
    struct lv_logs_target t;
    struct selection sel;
    int ret = -1;

    if (selection_for_type(LV_ACCTPOL_SUBSCRIPTION, selection, &sel,
                           err) < 0) {
        goto out;
    }
    selection_release(&sel);
    if (!json_is_object(root) || !dest || (pat && !json_is_string(pat)) ||
        (dist && strcmp(dist, "Random") && strcmp(dist, "ByLogStream"))) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "Invalid subscription filter policy: the policy "
                   "document must be a JSON object with a DestinationArn, "
                   "and optionally RoleArn, FilterPattern and "
                   "Distribution (Random or ByLogStream).");
        goto out;
    }
    if (pat) {
        compiled = lv_filter_compile(json_string_value(pat),
                                     json_string_length(pat), err);
        if (!compiled) {
            goto out;
        }
        lv_filter_free(compiled);
    }
    /* From here on, PutSubscriptionFilter's order and answers. */
    if (lv_logs_target_parse(dest, &t) < 0) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "Invalid destinationArn: it must be the ARN of a "
                   "Kinesis stream, a Firehose delivery stream, a Lambda "
                   "function or a CloudWatch Logs destination.");
        goto out;
    }
    if ((t.kind == LV_LOGS_TARGET_KINESIS ||
         t.kind == LV_LOGS_TARGET_FIREHOSE) && !role) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "destinationArn for vendor %s cannot be used without "
                   "roleArn", t.kind == LV_LOGS_TARGET_KINESIS
                                  ? "kinesis" : "firehose");
        goto out;
    }
    if (role && !lv_logs_is_role_arn(role)) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "Invalid roleArn: it must be the ARN of an IAM role.");
        goto out;
    }
    if (t.kind == LV_LOGS_TARGET_DESTINATION) {
        lv_logs_destination_find(rq, t.account, t.name, err);
    } else {
        lv_logs_target_unreachable(&t, err);
    }
out:
    json_decref(root);
    return ret;
}

/* ---- the policy in force for a group ------------------------------------ */

struct pick {
    const struct lv_log_group *g;
    struct lv_log_policy_rec best;
    int found;                      /* 0, 1 every group, 2 a prefix */
};

static int pick_one(void *arg, const struct lv_log_policy_rec *r)
{
    struct pick *pk = arg;
    struct lv_err perr = LV_ERR_INIT;
    struct selection sel;
    int level = 0;
    size_t i;
    json_t *v;

    if (selection_parse(r->selection ? r->selection : "", &sel, &perr) < 0) {
        return 0;
    }
    if (!sel.values) {
        level = 1;
    } else if (!sel.by_name && !sel.negated) {
        json_array_foreach(sel.values, i, v) {
            if (strncmp(pk->g->name, json_string_value(v),
                        json_string_length(v)) == 0) {
                level = 2;
            }
        }
    }
    selection_release(&sel);
    if (level > pk->found) {
        lv_log_policy_rec_release(&pk->best);
        pk->best = *r;
        pk->best.document = lv_xstrdup(r->document);
        pk->best.selection = lv_xstrdup(r->selection ? r->selection : "");
        pk->found = level;
    }
    return 0;
}

int lv_acctpol_for_group(struct lv_req *rq, const struct lv_log_group *g,
                         const char *type, struct lv_log_policy_rec *out,
                         struct lv_err *err)
{
    struct pick pk;

    memset(&pk, 0, sizeof(pk));
    memset(out, 0, sizeof(*out));
    if (g->log_group_class[0] && strcmp(g->log_group_class, "STANDARD")) {
        return 0;
    }
    pk.g = g;
    if (lv_store_policies_list(rq->store, g->account, g->region,
                               LV_POLICY_SCOPE_ACCOUNT, type, 0, pick_one,
                               &pk, err) < 0) {
        lv_log_policy_rec_release(&pk.best);
        return -1;
    }
    if (!pk.found) {
        return 0;
    }
    *out = pk.best;
    return 1;
}

int lv_acctpol_transformer_effective(struct lv_req *rq,
                                     const struct lv_log_group *g,
                                     struct lv_buf *config,
                                     struct lv_err *err)
{
    struct lv_log_policy_rec rec;
    struct lv_err perr = LV_ERR_INIT;
    const json_t *c;
    json_t *root = NULL;
    int64_t created;
    int64_t modified;
    int rc;

    lv_buf_reset(config);
    if (g->has_transformer) {
        rc = lv_store_logs_group_get_transformer(rq->store, g->id, config,
                                                 &created, &modified, err);
        if (rc != 0) {
            return rc;              /* 0: deleted since g was read */
        }
    }
    rc = lv_acctpol_for_group(rq, g, LV_ACCTPOL_TRANSFORMER, &rec, err);
    if (rc != 1) {
        return rc;
    }
    c = lv_acctpol_transformer_config(rec.document, &root, &perr);
    if (!c || lv_json_dump_to_buf(c, config) < 0) {
        /* It was accepted when put: a fault, as ingest.c takes it. */
        lv_buf_reset(config);
        lv_buf_adds(config, "null");
    }
    json_decref(root);
    lv_log_policy_rec_release(&rec);
    return 1;
}
