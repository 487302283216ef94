/*
 * fault/fault.c: the fault-injection wrapper backend (fault.h). Every
 * operation of the table is wrapped: the core ones by hand below, the
 * domain ones from each component's list (kms, logs, audit, insights,
 * lookup, policies, sched, anomaly and livetail _ops.def), so an
 * operation added to those lists is wrapped (and named) without a change
 * here. begin_relaxed fails as begin does; xact_lock (lv_store_lock) is
 * passed through.
 */
#include "store/fault/fault.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

enum op {
    OP_PING,
    OP_EXEC,
    OP_BEGIN,
    OP_COMMIT,
    OP_VERSION_GET,
    OP_VERSION_SET,
    OP_VERSION_EACH,
    OP_META_GET,
    OP_META_SET,
    OP_META_ADD,
#define LV_STORE_OP(name, params, args) OP_KMS_##name,
#include "store/kms_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) OP_LOGS_##name,
#include "store/logs_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) OP_AUDIT_##name,
#include "store/audit_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) OP_INSIGHTS_##name,
#include "store/insights_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) OP_LOOKUP_##name,
#include "store/lookup_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) OP_POLICIES_##name,
#include "store/policies_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) OP_SCHED_##name,
#include "store/sched_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) OP_ANOMALY_##name,
#include "store/anomaly_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) OP_LIVETAIL_##name,
#include "store/livetail_ops.def"
#undef LV_STORE_OP
    OP_COUNT
};

const char *const lv_store_fault_ops[] = {
    "ping", "exec", "begin", "commit", "version_get", "version_set",
    "version_each", "meta_get", "meta_set", "meta_add",
#define LV_STORE_OP(name, params, args) "kms." #name,
#include "store/kms_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) "logs." #name,
#include "store/logs_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) "audit." #name,
#include "store/audit_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) "insights." #name,
#include "store/insights_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) "lookup." #name,
#include "store/lookup_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) "policies." #name,
#include "store/policies_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) "sched." #name,
#include "store/sched_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) "anomaly." #name,
#include "store/anomaly_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) "livetail." #name,
#include "store/livetail_ops.def"
#undef LV_STORE_OP
    NULL,
};

#define MAX_RULES 16
#define ANY_OP (-1)

struct rule {
    int op;                 /* enum op, or ANY_OP for "#N" */
    long nth;               /* 0: every call */
    int at_commit;          /* "commit/OP" */
    _Atomic long calls;     /* calls of op (at_commit: such commits) */
};

struct fault {
    const struct lv_store_backend *be;  /* the inner backend */
    void *impl;                         /* and its state */
    struct rule rules[MAX_RULES];
    size_t nrules;
    _Atomic long calls;                 /* calls of any operation */
    _Atomic long hits;
};

/* What this thread did in its open transaction, for "commit/OP". */
struct txn {
    const struct fault *owner;
    int depth;
    unsigned char called[OP_COUNT];
};

static _Thread_local struct txn txn;

static struct txn *this_txn(const struct fault *f)
{
    if (txn.owner != f) {
        memset(&txn, 0, sizeof(txn));
        txn.owner = f;
    }
    return &txn;
}

/* ---- specs -------------------------------------------------------------- */

static int op_named(const char *name, size_t len)
{
    for (int i = 0; i < OP_COUNT; i++) {
        if (strlen(lv_store_fault_ops[i]) == len &&
            memcmp(lv_store_fault_ops[i], name, len) == 0) {
            return i;
        }
    }
    return -1;
}

/* One rule from rule[0..len). */
static int parse_rule(const char *rule, size_t len, struct rule *r,
                      struct lv_err *err)
{
    const char *hash = memchr(rule, '#', len);
    size_t name_len = hash ? (size_t)(hash - rule) : len;
    const char *name = rule;
    char num[24];
    char *end;

    memset(r, 0, sizeof(*r));
    if (name_len > 7 && memcmp(name, "commit/", 7) == 0) {
        r->at_commit = 1;
        name += 7;
        name_len -= 7;
    }
    if (hash) {
        size_t n = len - name_len - (size_t)(name - rule) - 1;

        if (n == 0 || n >= sizeof(num)) {
            goto bad;
        }
        memcpy(num, hash + 1, n);
        num[n] = '\0';
        r->nth = strtol(num, &end, 10);
        if (*end || r->nth <= 0) {
            goto bad;
        }
    }
    if (name_len == 0 && hash && !r->at_commit) {
        r->op = ANY_OP;
        return 0;
    }
    r->op = op_named(name, name_len);
    if (r->op < 0) {
        goto bad;
    }
    return 0;
bad:
    return lv_err_set(err, LV_E_INVALID_PARAMETER,
                      "store fault: bad rule \"%.*s\"", (int)len, rule);
}

/* Rules of spec into rules[], their number in *n. */
static int parse_spec(const char *spec, struct rule *rules, size_t *n,
                      struct lv_err *err)
{
    const char *p = spec;

    *n = 0;
    while (*p) {
        const char *start;
        const char *end;

        while (*p == ',' || isspace((unsigned char)*p)) {
            p++;
        }
        if (!*p) {
            break;
        }
        start = p;
        while (*p && *p != ',' && !isspace((unsigned char)*p)) {
            p++;
        }
        end = p;
        if (*n == MAX_RULES) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "store fault: more than %d rules", MAX_RULES);
        }
        if (parse_rule(start, (size_t)(end - start), &rules[*n], err) < 0) {
            return -1;
        }
        (*n)++;
    }
    return 0;
}

/* ---- the decision ------------------------------------------------------- */

static int fail(struct fault *f, int op, long call, struct lv_err *err)
{
    atomic_fetch_add(&f->hits, 1);
    lv_log(LV_LOG_WARN, "store: injected fault op=%s call=%ld",
           lv_store_fault_ops[op], call);
    return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                      LV_STORE_UNAVAILABLE_MSG);
}

/* Counts a call of op and answers -1 (err filled) when a rule fails it. */
static int check(struct fault *f, int op, struct lv_err *err)
{
    long call = atomic_fetch_add(&f->calls, 1) + 1;
    struct txn *t = this_txn(f);
    int hit = 0;

    if (t->depth > 0) {
        t->called[op] = 1;
    }
    for (size_t i = 0; i < f->nrules; i++) {
        struct rule *r = &f->rules[i];

        if (r->at_commit) {
            continue;
        }
        if (r->op == ANY_OP) {
            hit |= call == r->nth;
        } else if (r->op == op) {
            long n = atomic_fetch_add(&r->calls, 1) + 1;

            hit |= r->nth == 0 || n == r->nth;
        }
    }
    return hit ? fail(f, op, call, err) : 0;
}

/* Whether a "commit/OP[#N]" rule fails the outermost commit of t; each
 * such rule counts the commits it matches. */
static int commit_hit(struct fault *f, const struct txn *t)
{
    int hit = 0;

    if (t->depth != 1) {
        return 0;
    }
    for (size_t i = 0; i < f->nrules; i++) {
        struct rule *r = &f->rules[i];

        if (r->at_commit && t->called[r->op]) {
            long n = atomic_fetch_add(&r->calls, 1) + 1;

            hit |= r->nth == 0 || n == r->nth;
        }
    }
    return hit;
}

/* ---- the core operations ------------------------------------------------ */

static void fault_close(void *impl)
{
    struct fault *f = impl;

    if (txn.owner == f) {
        memset(&txn, 0, sizeof(txn));
    }
    f->be->close(f->impl);
    free(f);
}

static int fault_ping(void *impl, struct lv_err *err)
{
    struct fault *f = impl;

    return check(f, OP_PING, err) < 0 ? -1 : f->be->ping(f->impl, err);
}

static int fault_exec(void *impl, const char *sql, struct lv_err *err)
{
    struct fault *f = impl;

    return check(f, OP_EXEC, err) < 0 ? -1 : f->be->exec(f->impl, sql, err);
}

static int fault_begin(void *impl, struct lv_err *err)
{
    struct fault *f = impl;
    struct txn *t;

    if (check(f, OP_BEGIN, err) < 0 || f->be->begin(f->impl, err) < 0) {
        return -1;
    }
    t = this_txn(f);
    if (t->depth++ == 0) {
        memset(t->called, 0, sizeof(t->called));
    }
    return 0;
}

/* Passed through (no fault of its own: it orders, it keeps nothing). */
static int fault_xact_lock(void *impl, const char *name, struct lv_err *err)
{
    struct fault *f = impl;

    return f->be->xact_lock ? f->be->xact_lock(f->impl, name, err) : 0;
}

/* As fault_begin: the same faults (OP_BEGIN), then the backend's. */
static int fault_begin_relaxed(void *impl, struct lv_err *err)
{
    struct fault *f = impl;
    struct txn *t;

    if (check(f, OP_BEGIN, err) < 0 ||
        f->be->begin_relaxed(f->impl, err) < 0) {
        return -1;
    }
    t = this_txn(f);
    if (t->depth++ == 0) {
        memset(t->called, 0, sizeof(t->called));
    }
    return 0;
}

static int fault_commit(void *impl, struct lv_err *err)
{
    struct fault *f = impl;
    struct txn *t = this_txn(f);
    long call;
    int ret;

    if (check(f, OP_COMMIT, err) < 0) {
        ret = -1;
        f->be->rollback(f->impl);
    } else if (commit_hit(f, t)) {
        call = atomic_load(&f->calls);
        ret = fail(f, OP_COMMIT, call, err);
        f->be->rollback(f->impl);
    } else {
        ret = f->be->commit(f->impl, err);
    }
    if (t->depth > 0) {
        t->depth--;
    }
    return ret;
}

static void fault_rollback(void *impl)
{
    struct fault *f = impl;
    struct txn *t = this_txn(f);

    f->be->rollback(f->impl);
    if (t->depth > 0) {
        t->depth--;
    }
}

static int fault_version_get(void *impl, const char *component, int *version,
                             struct lv_err *err)
{
    struct fault *f = impl;

    if (check(f, OP_VERSION_GET, err) < 0) {
        return -1;
    }
    return f->be->version_get(f->impl, component, version, err);
}

static int fault_version_set(void *impl, const char *component, int version,
                             struct lv_err *err)
{
    struct fault *f = impl;

    if (check(f, OP_VERSION_SET, err) < 0) {
        return -1;
    }
    return f->be->version_set(f->impl, component, version, err);
}

static int fault_version_each(void *impl,
                              int (*fn)(void *arg, const char *component,
                                        int version),
                              void *arg, struct lv_err *err)
{
    struct fault *f = impl;

    if (check(f, OP_VERSION_EACH, err) < 0) {
        return -1;
    }
    return f->be->version_each(f->impl, fn, arg, err);
}

static int fault_meta_get(void *impl, const char *key, struct lv_buf *out,
                          struct lv_err *err)
{
    struct fault *f = impl;

    if (check(f, OP_META_GET, err) < 0) {
        return -1;
    }
    return f->be->meta_get(f->impl, key, out, err);
}

static int fault_meta_set(void *impl, const char *key, const void *value,
                          size_t len, struct lv_err *err)
{
    struct fault *f = impl;

    if (check(f, OP_META_SET, err) < 0) {
        return -1;
    }
    return f->be->meta_set(f->impl, key, value, len, err);
}

static int fault_meta_add(void *impl, const char *key, const void *value,
                          size_t len, struct lv_err *err)
{
    struct fault *f = impl;

    if (check(f, OP_META_ADD, err) < 0) {
        return -1;
    }
    return f->be->meta_add(f->impl, key, value, len, err);
}

static int fault_kms_generation(void *impl, uint64_t *gen)
{
    struct fault *f = impl;

    return f->be->kms_generation(f->impl, gen);
}

/* Passed through unchanged: a lease is not a write that can half-happen,
 * and the background work it guards has its own store calls to fail. */
static int fault_lease(void *impl, const char *name, struct lv_err *err)
{
    struct fault *f = impl;

    return f->be->lease(f->impl, name, err);
}

/* ---- the domain operations ---------------------------------------------- */

#define LV_STORE_OP(name, params, args)                                      \
    static int kms_##name(void *impl, LV_STORE_UNPAREN params)               \
    {                                                                        \
        struct fault *fw = impl;                                             \
                                                                             \
        if (check(fw, OP_KMS_##name, err) < 0) {                             \
            return -1;                                                       \
        }                                                                    \
        return fw->be->kms->name(fw->impl, LV_STORE_UNPAREN args);           \
    }
#include "store/kms_ops.def"
#undef LV_STORE_OP

#define LV_STORE_OP(name, params, args)                                      \
    static int logs_##name(void *impl, LV_STORE_UNPAREN params)              \
    {                                                                        \
        struct fault *fw = impl;                                             \
                                                                             \
        if (check(fw, OP_LOGS_##name, err) < 0) {                            \
            return -1;                                                       \
        }                                                                    \
        return fw->be->logs->name(fw->impl, LV_STORE_UNPAREN args);          \
    }
#include "store/logs_ops.def"
#undef LV_STORE_OP

#define LV_STORE_OP(name, params, args)                                      \
    static int audit_##name(void *impl, LV_STORE_UNPAREN params)             \
    {                                                                        \
        struct fault *fw = impl;                                             \
                                                                             \
        if (check(fw, OP_AUDIT_##name, err) < 0) {                           \
            return -1;                                                       \
        }                                                                    \
        return fw->be->audit->name(fw->impl, LV_STORE_UNPAREN args);         \
    }
#include "store/audit_ops.def"
#undef LV_STORE_OP

#define LV_STORE_OP(name, params, args)                                      \
    static int insights_##name(void *impl, LV_STORE_UNPAREN params)          \
    {                                                                        \
        struct fault *fw = impl;                                             \
                                                                             \
        if (check(fw, OP_INSIGHTS_##name, err) < 0) {                        \
            return -1;                                                       \
        }                                                                    \
        return fw->be->insights->name(fw->impl, LV_STORE_UNPAREN args);      \
    }
#include "store/insights_ops.def"
#undef LV_STORE_OP

#define LV_STORE_OP(name, params, args)                                      \
    static int lookup_##name(void *impl, LV_STORE_UNPAREN params)            \
    {                                                                        \
        struct fault *fw = impl;                                             \
                                                                             \
        if (check(fw, OP_LOOKUP_##name, err) < 0) {                          \
            return -1;                                                       \
        }                                                                    \
        return fw->be->lookup->name(fw->impl, LV_STORE_UNPAREN args);        \
    }
#include "store/lookup_ops.def"
#undef LV_STORE_OP

#define LV_STORE_OP(name, params, args)                                      \
    static int policies_##name(void *impl, LV_STORE_UNPAREN params)          \
    {                                                                        \
        struct fault *fw = impl;                                             \
                                                                             \
        if (check(fw, OP_POLICIES_##name, err) < 0) {                        \
            return -1;                                                       \
        }                                                                    \
        return fw->be->policies->name(fw->impl, LV_STORE_UNPAREN args);      \
    }
#include "store/policies_ops.def"
#undef LV_STORE_OP

#define LV_STORE_OP(name, params, args)                                      \
    static int sched_##name(void *impl, LV_STORE_UNPAREN params)             \
    {                                                                        \
        struct fault *fw = impl;                                             \
                                                                             \
        if (check(fw, OP_SCHED_##name, err) < 0) {                           \
            return -1;                                                       \
        }                                                                    \
        return fw->be->sched->name(fw->impl, LV_STORE_UNPAREN args);         \
    }
#include "store/sched_ops.def"
#undef LV_STORE_OP

#define LV_STORE_OP(name, params, args)                                      \
    static int anomaly_##name(void *impl, LV_STORE_UNPAREN params)           \
    {                                                                        \
        struct fault *fw = impl;                                             \
                                                                             \
        if (check(fw, OP_ANOMALY_##name, err) < 0) {                         \
            return -1;                                                       \
        }                                                                    \
        return fw->be->anomaly->name(fw->impl, LV_STORE_UNPAREN args);       \
    }
#include "store/anomaly_ops.def"
#undef LV_STORE_OP

#define LV_STORE_OP(name, params, args)                                      \
    static int livetail_##name(void *impl, LV_STORE_UNPAREN params)          \
    {                                                                        \
        struct fault *fw = impl;                                             \
                                                                             \
        if (check(fw, OP_LIVETAIL_##name, err) < 0) {                        \
            return -1;                                                       \
        }                                                                    \
        return fw->be->livetail->name(fw->impl, LV_STORE_UNPAREN args);      \
    }
#include "store/livetail_ops.def"
#undef LV_STORE_OP

static const struct lv_store_kms_ops fault_kms_ops = {
#define LV_STORE_OP(name, params, args) .name = kms_##name,
#include "store/kms_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_logs_ops fault_logs_ops = {
#define LV_STORE_OP(name, params, args) .name = logs_##name,
#include "store/logs_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_audit_ops fault_audit_ops = {
#define LV_STORE_OP(name, params, args) .name = audit_##name,
#include "store/audit_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_insights_ops fault_insights_ops = {
#define LV_STORE_OP(name, params, args) .name = insights_##name,
#include "store/insights_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_lookup_ops fault_lookup_ops = {
#define LV_STORE_OP(name, params, args) .name = lookup_##name,
#include "store/lookup_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_policies_ops fault_policies_ops = {
#define LV_STORE_OP(name, params, args) .name = policies_##name,
#include "store/policies_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_sched_ops fault_sched_ops = {
#define LV_STORE_OP(name, params, args) .name = sched_##name,
#include "store/sched_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_anomaly_ops fault_anomaly_ops = {
#define LV_STORE_OP(name, params, args) .name = anomaly_##name,
#include "store/anomaly_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_livetail_ops fault_livetail_ops = {
#define LV_STORE_OP(name, params, args) .name = livetail_##name,
#include "store/livetail_ops.def"
#undef LV_STORE_OP
};

/* open and probe stay NULL: the wrapper is put on a store already open. */
static const struct lv_store_backend fault_backend = {
    .name = "fault",
    .close = fault_close,
    .ping = fault_ping,
    .exec = fault_exec,
    .begin = fault_begin,
    .begin_relaxed = fault_begin_relaxed,
    .commit = fault_commit,
    .rollback = fault_rollback,
    .version_get = fault_version_get,
    .version_set = fault_version_set,
    .version_each = fault_version_each,
    .meta_get = fault_meta_get,
    .meta_set = fault_meta_set,
    .meta_add = fault_meta_add,
    .kms_generation = fault_kms_generation,
    .lease = fault_lease,
    .xact_lock = fault_xact_lock,
    .kms = &fault_kms_ops,
    .logs = &fault_logs_ops,
    .audit = &fault_audit_ops,
    .insights = &fault_insights_ops,
    .lookup = &fault_lookup_ops,
    .policies = &fault_policies_ops,
    .sched = &fault_sched_ops,
    .anomaly = &fault_anomaly_ops,
    .livetail = &fault_livetail_ops,
};

/* ---- the wrapper's functions -------------------------------------------- */

static void set_rules(struct fault *f, const struct rule *rules, size_t n)
{
    f->nrules = n;
    for (size_t i = 0; i < n; i++) {
        f->rules[i].op = rules[i].op;
        f->rules[i].nth = rules[i].nth;
        f->rules[i].at_commit = rules[i].at_commit;
        atomic_store(&f->rules[i].calls, 0);
    }
    atomic_store(&f->calls, 0);
    atomic_store(&f->hits, 0);
}

int lv_store_fault_wrap(struct lv_store *s, const char *spec,
                        struct lv_err *err)
{
    struct rule rules[MAX_RULES];
    struct fault *f;
    size_t n;

    if (parse_spec(spec, rules, &n, err) < 0) {
        return -1;
    }
    f = lv_xcalloc(1, sizeof(*f));
    f->be = s->be;
    f->impl = s->impl;
    set_rules(f, rules, n);
    s->be = &fault_backend;
    s->impl = f;
    return 0;
}

static struct fault *fault_of(struct lv_store *s)
{
    if (s->be != &fault_backend) {
        LV_BUG("store fault: the %s store is not wrapped", s->be->name);
    }
    return s->impl;
}

int lv_store_fault_set(struct lv_store *s, const char *spec,
                       struct lv_err *err)
{
    struct fault *f = fault_of(s);
    struct rule rules[MAX_RULES];
    size_t n;

    if (parse_spec(spec, rules, &n, err) < 0) {
        return -1;
    }
    set_rules(f, rules, n);
    return 0;
}

long lv_store_fault_hits(struct lv_store *s)
{
    return atomic_load(&fault_of(s)->hits);
}
