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

#include <pthread.h>
#include <stdint.h>
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
#include "util/log.h"
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

/* ---- the policies in force, cached by generation ------------------------ */

/*
 * A snapshot of the account policies of one (account, region, type) in
 * force, as read at or after a group read that returned generation `gen`
 * (policies_store.h): immutable once built, shared by reference count.
 */
struct snap_pol {
    struct lv_log_policy_rec rec;   /* an owned copy */
    int level;                      /* 1: every group, 2: prefixes, 0:
                                     * unreadable selection (none) */
    char **prefixes;
    size_t n;
};

struct snap {
    int refs;                       /* under cache_mu */
    struct snap_pol *v;
    size_t n;
};

#define SNAP_SLOTS 64
#define XF_SLOTS 64

struct snap_slot {
    char account[13];
    char region[64];
    char type[48];
    int64_t gen;
    uint64_t used;
    struct snap *s;
};

/* A compiled transformer: a group's own, keyed by (group id, its
 * transformer_version), or an account policy's, keyed by the policy's id
 * (rows are never updated in place) and version -1. */
struct lv_acctpol_xf {
    int refs;                       /* under cache_mu */
    struct lv_transformer *t;
};

struct xf_slot {
    int64_t id;
    int64_t version;
    uint64_t used;
    struct lv_acctpol_xf *x;
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct snap_slot snaps[SNAP_SLOTS];
static struct xf_slot xfs[XF_SLOTS];
static uint64_t cache_tick;

static void snap_free(struct snap *sn)
{
    for (size_t i = 0; sn && i < sn->n; i++) {
        lv_log_policy_rec_release(&sn->v[i].rec);
        for (size_t k = 0; k < sn->v[i].n; k++) {
            free(sn->v[i].prefixes[k]);
        }
        free(sn->v[i].prefixes);
    }
    if (sn) {
        free(sn->v);
        free(sn);
    }
}

static void snap_unref(struct snap *sn)
{
    int last;

    if (!sn) {
        return;
    }
    pthread_mutex_lock(&cache_mu);
    last = --sn->refs == 0;
    pthread_mutex_unlock(&cache_mu);
    if (last) {
        snap_free(sn);
    }
}

static int snap_add(void *arg, const struct lv_log_policy_rec *r)
{
    struct snap *sn = arg;
    struct lv_err perr = LV_ERR_INIT;
    struct selection sel;
    struct snap_pol *p;
    size_t i;
    json_t *v;

    sn->v = lv_xrealloc(sn->v, (sn->n + 1) * sizeof(*sn->v));
    p = &sn->v[sn->n++];
    memset(p, 0, sizeof(*p));
    p->rec = *r;
    p->rec.document = lv_xstrdup(r->document ? r->document : "");
    p->rec.selection = lv_xstrdup(r->selection ? r->selection : "");
    if (selection_parse(p->rec.selection, &sel, &perr) < 0) {
        return 0;                   /* selects nothing */
    }
    if (!sel.values) {
        p->level = 1;
    } else if (!sel.by_name && !sel.negated) {
        p->level = 2;
        p->prefixes = lv_xcalloc(json_array_size(sel.values),
                                 sizeof(*p->prefixes));
        json_array_foreach(sel.values, i, v) {
            p->prefixes[p->n++] = lv_xstrdup(json_string_value(v));
        }
    }
    selection_release(&sel);
    return 0;
}

/* The snapshot of (g's account and region, type) for generation
 * g->policy_gen: from the cache, or read and cached. 0 with *out (unref
 * it), -1. A group not read from the store (gen 0) is served uncached. */
static int snap_get(struct lv_req *rq, const struct lv_log_group *g,
                    const char *type, struct snap **out, struct lv_err *err)
{
    struct snap *sn = NULL;
    struct snap_slot *victim = NULL;

    pthread_mutex_lock(&cache_mu);
    for (size_t i = 0; g->policy_gen > 0 && i < SNAP_SLOTS; i++) {
        struct snap_slot *sl = &snaps[i];

        if (sl->s && sl->gen == g->policy_gen &&
            strcmp(sl->type, type) == 0 &&
            strcmp(sl->account, g->account) == 0 &&
            strcmp(sl->region, g->region) == 0) {
            sl->used = ++cache_tick;
            sn = sl->s;
            sn->refs++;
            break;
        }
    }
    pthread_mutex_unlock(&cache_mu);
    if (sn) {
        *out = sn;
        return 0;
    }
    sn = lv_xcalloc(1, sizeof(*sn));
    sn->refs = 1;
    if (lv_store_policies_list(rq->store, g->account, g->region,
                               LV_POLICY_SCOPE_ACCOUNT, type, 0, snap_add,
                               sn, err) < 0) {
        snap_free(sn);
        return -1;
    }
    if (g->policy_gen > 0) {
        struct snap *old = NULL;

        pthread_mutex_lock(&cache_mu);
        for (size_t i = 0; i < SNAP_SLOTS; i++) {
            struct snap_slot *sl = &snaps[i];

            if (sl->s && strcmp(sl->type, type) == 0 &&
                strcmp(sl->account, g->account) == 0 &&
                strcmp(sl->region, g->region) == 0) {
                victim = sl;        /* the same key: replace it */
                break;
            }
            if (!victim || !sl->s ||
                (victim->s && sl->used < victim->used)) {
                victim = sl;
            }
        }
        old = victim->s;
        if (old && --old->refs > 0) {
            old = NULL;             /* still in use: its last user frees */
        }
        snprintf(victim->account, sizeof(victim->account), "%s",
                 g->account);
        snprintf(victim->region, sizeof(victim->region), "%s", g->region);
        snprintf(victim->type, sizeof(victim->type), "%s", type);
        victim->gen = g->policy_gen;
        victim->used = ++cache_tick;
        victim->s = sn;
        sn->refs++;
        pthread_mutex_unlock(&cache_mu);
        snap_free(old);
    }
    *out = sn;
    return 0;
}

/* The policy of sn that applies to g (see lv_acctpol_for_group), or
 * NULL. */
static const struct snap_pol *snap_pick(const struct snap *sn,
                                        const struct lv_log_group *g)
{
    const struct snap_pol *best = NULL;
    int best_level = 0;

    if (g->log_group_class[0] && strcmp(g->log_group_class, "STANDARD")) {
        return NULL;
    }
    for (size_t i = 0; i < sn->n; i++) {
        const struct snap_pol *p = &sn->v[i];
        int level = p->level == 1 ? 1 : 0;

        for (size_t k = 0; p->level == 2 && k < p->n; k++) {
            if (strncmp(g->name, p->prefixes[k],
                        strlen(p->prefixes[k])) == 0) {
                level = 2;
            }
        }
        if (level > best_level) {
            best = p;
            best_level = level;
        }
    }
    return best;
}

int lv_acctpol_for_group(struct lv_req *rq, const struct lv_log_group *g,
                         const char *type, struct lv_log_policy_rec *out,
                         struct lv_err *err)
{
    const struct snap_pol *p;
    struct snap *sn;

    memset(out, 0, sizeof(*out));
    if (snap_get(rq, g, type, &sn, err) < 0) {
        return -1;
    }
    p = snap_pick(sn, g);
    if (p) {
        *out = p->rec;
        out->document = lv_xstrdup(p->rec.document);
        out->selection = lv_xstrdup(p->rec.selection);
    }
    snap_unref(sn);
    return p ? 1 : 0;
}

int lv_acctpol_any(struct lv_req *rq, const struct lv_log_group *g,
                   const char *type, struct lv_err *err)
{
    struct snap *sn;
    int any;

    if (snap_get(rq, g, type, &sn, err) < 0) {
        return -1;
    }
    any = sn->n > 0;
    snap_unref(sn);
    return any;
}

/* ---- compiled transformers ------------------------------------------------ */

void lv_acctpol_xf_put(struct lv_acctpol_xf *x)
{
    int last;

    if (!x) {
        return;
    }
    pthread_mutex_lock(&cache_mu);
    last = --x->refs == 0;
    pthread_mutex_unlock(&cache_mu);
    if (last) {
        lv_transformer_free(x->t);
        free(x);
    }
}

static struct lv_acctpol_xf *xf_find(int64_t id, int64_t version)
{
    struct lv_acctpol_xf *x = NULL;

    pthread_mutex_lock(&cache_mu);
    for (size_t i = 0; i < XF_SLOTS; i++) {
        if (xfs[i].x && xfs[i].id == id && xfs[i].version == version) {
            xfs[i].used = ++cache_tick;
            x = xfs[i].x;
            x->refs++;
            break;
        }
    }
    pthread_mutex_unlock(&cache_mu);
    return x;
}

/* Compiles config text into a new entry (1 reference for the caller),
 * cached under (id, version); NULL when it does not compile. */
static struct lv_acctpol_xf *xf_add(int64_t id, int64_t version,
                                    const json_t *config)
{
    struct lv_err terr = LV_ERR_INIT;
    struct lv_transformer *t = config ? lv_transformer_new(config, &terr)
                                      : NULL;
    struct lv_acctpol_xf *x;
    struct lv_acctpol_xf *old = NULL;
    struct xf_slot *victim = NULL;

    if (!t) {
        return NULL;
    }
    x = lv_xcalloc(1, sizeof(*x));
    x->t = t;
    x->refs = 2;                    /* the caller's and the cache's */
    pthread_mutex_lock(&cache_mu);
    for (size_t i = 0; i < XF_SLOTS; i++) {
        struct xf_slot *sl = &xfs[i];

        if (sl->x && sl->id == id) {
            victim = sl;            /* an older version of the same */
            break;
        }
        if (!victim || !sl->x || (victim->x && sl->used < victim->used)) {
            victim = sl;
        }
    }
    old = victim->x;
    if (old && --old->refs > 0) {
        old = NULL;
    }
    victim->id = id;
    victim->version = version;
    victim->used = ++cache_tick;
    victim->x = x;
    pthread_mutex_unlock(&cache_mu);
    if (old) {
        lv_transformer_free(old->t);
        free(old);
    }
    return x;
}

const struct lv_transformer *lv_acctpol_xf_of(const struct lv_acctpol_xf *x)
{
    return x->t;
}

int lv_acctpol_transformer_get(struct lv_req *rq,
                               const struct lv_log_group *g,
                               struct lv_acctpol_xf **out,
                               struct lv_err *err)
{
    struct lv_buf text = LV_BUF_INIT(SIZE_MAX);
    const struct snap_pol *p;
    struct snap *sn = NULL;
    json_t *root = NULL;
    const json_t *c = NULL;
    int64_t created;
    int64_t modified;
    int rc;
    int ret = -1;

    *out = NULL;
    if (g->has_transformer) {
        /* The group's own: ids are never reused, versions only grow. */
        if ((*out = xf_find(g->id, g->transformer_version))) {
            return 1;
        }
        rc = lv_store_logs_group_get_transformer(rq->store, g->id, &text,
                                                 &created, &modified, err);
        if (rc < 0) {
            goto out;
        }
        if (rc == 1) {
            root = json_loadb(text.data, text.len, 0, NULL);
            *out = xf_add(g->id, g->transformer_version, root);
            ret = *out ? 1 : -2;
            goto out;
        }
        /* 0: deleted since g was read; the account's may apply. */
    }
    if (snap_get(rq, g, LV_ACCTPOL_TRANSFORMER, &sn, err) < 0) {
        goto out;
    }
    p = snap_pick(sn, g);
    if (!p) {
        ret = 0;
        goto out;
    }
    /* Keyed by the policy row's id, negated so that it never meets a
     * group id; the row is never changed in place. */
    if ((*out = xf_find(-p->rec.id, -1))) {
        ret = 1;
        goto out;
    }
    c = lv_acctpol_transformer_config(p->rec.document, &root, err);
    *out = c ? xf_add(-p->rec.id, -1, c) : NULL;
    ret = *out ? 1 : -2;
out:
    if (ret == -2) {
        /* Accepted when put, so a config that does not compile now is a
         * fault: ingest refuses the batch rather than store it
         * untransformed. */
        lv_log(LV_LOG_WARN, "logs: stored transformer unusable group=%lld "
               "req=%s", (long long)g->id, rq->id);
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "The log group's transformer cannot be applied.");
        ret = -1;
    }
    snap_unref(sn);
    json_decref(root);
    lv_buf_release(&text);
    return ret;
}
