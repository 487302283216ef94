/*
 * authz.c: the authorization every KMS operation passes through
 * (kms_int.h) — the key policy (parsed once per policy text and cached),
 * then grants with their constraints — and the key-state and key-usage
 * rules. Condition keys are filled by condkeys.c.
 */
#include "kms/kms_int.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "kms/condkeys.h"
#include "policy/policy.h"
#include "store/kms_store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* ---- key policy cache ------------------------------------------------------ */

/* Parsing a policy costs far more than comparing its text, so each key's
 * parsed policy is kept with the text it came from; a different text (after
 * PutKeyPolicy, on this or another node) is parsed anew. */
#define POLICY_CACHE_SLOTS 256

struct policy_slot {
    char key_id[LV_KMS_ID_MAX];
    char *text;
    struct lv_policy *policy;
    unsigned refs;
};

/* The parsed policies of one KMS service object (struct lv_kms). */
struct lv_kms_policies {
    struct policy_slot slots[POLICY_CACHE_SLOTS];
    pthread_mutex_t mu;
};

struct lv_kms_policies *lv_kms_policies_new(void)
{
    struct lv_kms_policies *c = lv_xcalloc(1, sizeof(*c));

    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void lv_kms_policies_free(struct lv_kms_policies *c)
{
    if (!c) {
        return;
    }
    for (size_t i = 0; i < POLICY_CACHE_SLOTS; i++) {
        lv_policy_free(c->slots[i].policy);
        free(c->slots[i].text);
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static unsigned slot_of(const char *key_id)
{
    unsigned h = 2166136261u;

    for (const char *p = key_id; *p; p++) {
        h = (h ^ (unsigned char)*p) * 16777619u;
    }
    return h % POLICY_CACHE_SLOTS;
}

/* A shared parsed policy for k (release with policy_put), or NULL with
 * *err when the stored text does not parse (it was validated when put, so
 * that is a fault). */
static struct policy_slot *policy_get(struct lv_kms_policies *c,
                                      const struct lv_kms_key *k,
                                      struct lv_err *err)
{
    struct policy_slot *slot = &c->slots[slot_of(k->id)];
    struct lv_policy *p;

    pthread_mutex_lock(&c->mu);
    if (slot->policy && strcmp(slot->key_id, k->id) == 0 &&
        strcmp(slot->text, k->policy) == 0) {
        slot->refs++;
        pthread_mutex_unlock(&c->mu);
        return slot;
    }
    pthread_mutex_unlock(&c->mu);

    p = lv_policy_parse(k->policy, strlen(k->policy), err);
    if (!p) {
        lv_log(LV_LOG_ERROR, "kms: stored policy of key %s does not parse",
               k->id);
        lv_err_set(err, LV_E_KMS_INTERNAL, "The key policy of %s cannot "
                   "be read", k->arn);
        return NULL;
    }
    pthread_mutex_lock(&c->mu);
    /* Replace the slot only when nobody is evaluating with it. */
    if (slot->refs == 0) {
        lv_policy_free(slot->policy);
        free(slot->text);
        snprintf(slot->key_id, sizeof(slot->key_id), "%s", k->id);
        slot->text = lv_xstrdup(k->policy);
        slot->policy = p;
        slot->refs = 1;
        pthread_mutex_unlock(&c->mu);
        return slot;
    }
    pthread_mutex_unlock(&c->mu);
    /* Busy slot: a private slot for this call only. */
    {
        struct policy_slot *own = lv_xcalloc(1, sizeof(*own));

        own->policy = p;
        own->refs = (unsigned)-1;
        return own;
    }
}

static void policy_put(struct lv_kms_policies *c,
                       struct policy_slot *slot)
{
    if (slot->refs == (unsigned)-1) {
        lv_policy_free(slot->policy);
        free(slot);
        return;
    }
    pthread_mutex_lock(&c->mu);
    slot->refs--;
    pthread_mutex_unlock(&c->mu);
}

void lv_kms_policy_cache_drop(struct lv_kms *kms, const char *key_id)
{
    struct lv_kms_policies *c = kms->policies;
    struct policy_slot *slot = &c->slots[slot_of(key_id)];

    pthread_mutex_lock(&c->mu);
    if (slot->policy && slot->refs == 0 &&
        strcmp(slot->key_id, key_id) == 0) {
        lv_policy_free(slot->policy);
        free(slot->text);
        memset(slot, 0, sizeof(*slot));
    }
    pthread_mutex_unlock(&c->mu);
}

/* ---- authorization ---------------------------------------------------------- */

/* Does grant g allow `op` for this principal and context? */
struct grant_search {
    const struct lv_req *rq;
    const char *op;
    const struct lv_kv *ctx;
    size_t n_ctx;
    struct lv_kms_authz *how;   /* in: child; out: the grant; may be NULL */
    int allowed;
    json_t *trace;              /* NULL, or an array: each grant of the key
                                 * considered, with each of its checks */
};

static const char *ctx_value(const struct lv_kv *ctx, size_t n,
                             const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ctx[i].key, key) == 0) {
            return ctx[i].value;
        }
    }
    return NULL;
}

/* Grant constraints, as AWS documents them: EncryptionContextEquals — the
 * request's context is exactly this map; EncryptionContextSubset — the
 * request's context contains every pair of this map. */
static int constraints_hold(const char *constraints, const struct lv_kv *ctx,
                            size_t n_ctx)
{
    json_t *c;
    const json_t *eq;
    const json_t *sub;
    const char *k;
    const json_t *v;
    int ok = 1;

    if (!constraints || !constraints[0]) {
        return 1;
    }
    c = json_loads(constraints, 0, NULL);
    if (!c) {
        return 0;
    }
    eq = json_object_get(c, "EncryptionContextEquals");
    sub = json_object_get(c, "EncryptionContextSubset");
    if (json_is_object(eq)) {
        if (json_object_size(eq) != n_ctx) {
            ok = 0;
        }
        json_object_foreach((json_t *)eq, k, v) {
            const char *have = ctx_value(ctx, n_ctx, k);

            if (!have || !json_is_string(v) ||
                strcmp(have, json_string_value(v)) != 0) {
                ok = 0;
            }
        }
    }
    if (json_is_object(sub)) {
        json_object_foreach((json_t *)sub, k, v) {
            const char *have = ctx_value(ctx, n_ctx, k);

            if (!have || !json_is_string(v) ||
                strcmp(have, json_string_value(v)) != 0) {
                ok = 0;
            }
        }
    }
    json_decref(c);
    return ok;
}

/*
 * A stored constraint, parsed: *map is the pairs of its
 * EncryptionContextEquals or EncryptionContextSubset (a borrowed reference
 * into *root, which the caller json_decref()s) and *equals says which. No
 * constraint is EncryptionContextSubset of no pairs (*map NULL): every
 * context satisfies both. -1 for anything else: both types, another
 * member, a value that is not a string.
 */
static int constraint_parse(const char *text, json_t **root,
                            const json_t **map, int *equals)
{
    const json_t *eq;
    const json_t *sub;
    const char *key;
    const json_t *v;

    *root = NULL;
    *map = NULL;
    *equals = 0;
    if (!text || !text[0]) {
        return 0;
    }
    *root = json_loads(text, 0, NULL);
    if (!json_is_object(*root) || json_object_size(*root) != 1) {
        return -1;
    }
    eq = json_object_get(*root, "EncryptionContextEquals");
    sub = json_object_get(*root, "EncryptionContextSubset");
    *map = eq ? eq : sub;
    *equals = eq != NULL;
    if (!json_is_object(*map)) {
        return -1;
    }
    json_object_foreach((json_t *)*map, key, v) {
        if (!json_is_string(v)) {
            return -1;
        }
    }
    return 0;
}

/* Does map `outer` hold every pair of map `inner` (NULL: no pairs)?
 * Keys and values compare exactly, as encryption contexts do. */
static int map_has_all(const json_t *outer, const json_t *inner)
{
    const char *key;
    const json_t *v;

    json_object_foreach((json_t *)inner, key, v) {
        const json_t *have = json_object_get(outer, key);

        if (!json_is_string(have) ||
            strcmp(json_string_value(have), json_string_value(v)) != 0) {
            return 0;
        }
    }
    return 1;
}

int lv_kms_constraint_covers(const char *parent, const char *child)
{
    json_t *proot = NULL;
    json_t *croot = NULL;
    const json_t *pmap;
    const json_t *cmap;
    int peq;
    int ceq;
    int ok = 0;

    if (constraint_parse(parent, &proot, &pmap, &peq) < 0 ||
        constraint_parse(child, &croot, &cmap, &ceq) < 0) {
        goto out;
    }
    if (peq) {
        /* Only the very same context satisfies Equals P: the child must
         * be Equals of exactly P's pairs. */
        ok = ceq && json_object_size(cmap) == json_object_size(pmap) &&
             map_has_all(cmap, pmap);
    } else {
        /* Subset P: every context the child admits holds the child's
         * pairs (Subset) or is them (Equals), so they must include P's:
         * a child may add pairs, never drop one. */
        ok = map_has_all(cmap, pmap);
    }
out:
    json_decref(proot);
    json_decref(croot);
    return ok;
}

/* Is `op` among the names of JSON array `ops`? */
static int ops_have(const json_t *ops, const char *op)
{
    size_t i;
    const json_t *v;

    json_array_foreach((json_t *)ops, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), op) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Does the stored operations text of a grant list `op`? */
static int grant_lists(const char *operations, const char *op)
{
    json_t *ops = json_loads(operations ? operations : "", 0, NULL);
    int listed = ops_have(ops, op);

    json_decref(ops);
    return listed;
}

int lv_kms_grant_covers(const char *parent_ops,
                        const char *parent_constraints,
                        const struct lv_kms_grant_shape *child)
{
    json_t *ops = json_loads(parent_ops ? parent_ops : "", 0, NULL);
    int ok = json_is_array(ops) && child->n_ops > 0;

    for (size_t i = 0; ok && i < child->n_ops; i++) {
        ok = ops_have(ops, child->ops[i]);
    }
    json_decref(ops);
    return ok && lv_kms_constraint_covers(parent_constraints,
                                          child->constraints);
}

/* The operations a grant can allow: the GrantOperation enum of the KMS
 * model (API_CreateGrant, Operations). ListGrants, RevokeGrant and the
 * administrative operations are not among them: a grant never allows
 * those ("Controlling access to grants" in the developer guide). */
static int is_grant_operation(const char *action)
{
    static const char *const ops[] = {
        "Decrypt", "Encrypt", "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo",
        "Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant",
        "DescribeKey", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac",
        "DeriveSharedSecret", NULL };

    for (const char *const *p = ops; *p; p++) {
        if (strcmp(*p, action) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Does principal text `p` (from a grant) name the caller? An exact match,
 * or the caller's account given as its root ARN or its id, which names
 * every identity of that account (as a key policy's Principal does: with
 * no identity policies configured, the account's identities may act). */
static int names_caller(const struct lv_req *rq, const char *p)
{
    char root[64];

    if (!p || !p[0]) {
        return 0;
    }
    if (strcmp(p, rq->who.service[0] ? rq->who.service : rq->who.arn) == 0) {
        return 1;
    }
    if (rq->who.service[0]) {
        return 0;
    }
    snprintf(root, sizeof(root), "arn:aws:iam::%s:root", rq->who.account);
    return strcmp(p, root) == 0 || strcmp(p, rq->who.account) == 0;
}

/* May the caller retire g by the grant itself? Its retiring principal;
 * its grantee when g lists RetireGrant; an identity of the account that
 * issued it (API_RetireGrant: "and by the Amazon Web Services account in
 * which the grant is created"). */
static int grant_lets_retire(const struct lv_req *rq,
                             const struct lv_kms_grant *g)
{
    char root[64];

    if (names_caller(rq, g->retiring)) {
        return 1;
    }
    if (names_caller(rq, g->grantee) &&
        grant_lists(g->operations, "RetireGrant")) {
        return 1;
    }
    snprintf(root, sizeof(root), "arn:aws:iam::%s:root", rq->who.account);
    return !rq->who.service[0] && g->issuing_account &&
           strcmp(g->issuing_account, root) == 0;
}

static char *dup_or_empty(const char *s)
{
    return lv_xstrdup(s ? s : "");
}

static void grant_copy(struct lv_kms_grant *dst, const struct lv_kms_grant *g)
{
    lv_kms_grant_release(dst);
    memcpy(dst->id, g->id, sizeof(dst->id));
    memcpy(dst->key_id, g->key_id, sizeof(dst->key_id));
    dst->name = dup_or_empty(g->name);
    dst->grantee = dup_or_empty(g->grantee);
    dst->retiring = dup_or_empty(g->retiring);
    dst->issuing_account = dup_or_empty(g->issuing_account);
    dst->operations = dup_or_empty(g->operations);
    dst->constraints = dup_or_empty(g->constraints);
    dst->creation_date = g->creation_date;
}

void lv_kms_authz_init(struct lv_kms_authz *a)
{
    memset(a, 0, sizeof(*a));
    lv_kms_grant_init(&a->grant);
}

void lv_kms_authz_release(struct lv_kms_authz *a)
{
    lv_kms_grant_release(&a->grant);
    a->source = LV_KMS_AUTHZ_NONE;
}

/* The trace's entry for one grant considered: its terms and each check. */
static void trace_grant(json_t *trace, const struct lv_kms_grant *g,
                        int grantee, int listed, int holds, const char *rule)
{
    json_t *ops = json_loads(g->operations ? g->operations : "", 0, NULL);
    json_t *cons = g->constraints && g->constraints[0]
                   ? json_loads(g->constraints, 0, NULL) : NULL;

    json_array_append_new(trace, json_pack(
        "{s:s, s:s, s:s, s:o, s:o, s:b, s:b, s:b, s:s, s:b}",
        "grantId", g->id, "name", g->name ? g->name : "",
        "granteePrincipal", g->grantee ? g->grantee : "",
        "operations", ops ? ops : json_array(),
        "constraints", cons ? cons : json_null(),
        "granteeMatches", grantee, "operationListed", listed,
        "constraintHolds", holds, "constraintRule", rule,
        "allows", grantee && listed && holds));
}

static int grant_matches(void *arg, const struct lv_kms_grant *g)
{
    struct grant_search *gs = arg;
    const char *who = gs->rq->who.service[0] ? gs->rq->who.service
                                             : gs->rq->who.arn;
    const char *rule = "the request's encryption context satisfies the "
                       "grant's constraint";
    int grantee;
    int listed;
    int ok;

    grantee = strcmp(g->grantee, who) == 0;
    listed = (grantee || gs->trace) && grant_lists(g->operations, gs->op);
    if (!gs->trace && (!grantee || !listed)) {
        return 0;
    }
    if (strcmp(gs->op, "CreateGrant") == 0) {
        rule = "the grant covers the grant to be created";
        /* The grant's constraint bounds the grants it lets its grantee
         * create, not this request's context (API_GrantConstraints: "the
         * constraint requires that any grants created with the
         * CreateGrant permission have an equally strict or stricter
         * encryption context constraint"). */
        ok = gs->how && gs->how->child &&
             lv_kms_grant_covers(g->operations, g->constraints,
                                 gs->how->child);
    } else if (strcmp(gs->op, "DescribeKey") == 0) {
        /* API_GrantConstraints: grants with constraints "can include the
         * DescribeKey and RetireGrant operations, but the constraint
         * doesn't apply to these operations". */
        ok = 1;
        rule = "the constraint does not apply to DescribeKey";
    } else {
        ok = constraints_hold(g->constraints, gs->ctx, gs->n_ctx);
    }
    if (gs->trace) {
        trace_grant(gs->trace, g, grantee, listed, ok, rule);
    }
    if (!ok || !grantee || !listed || gs->allowed) {
        return 0;
    }
    if (gs->how) {
        grant_copy(&gs->how->grant, g);
        gs->how->source = LV_KMS_AUTHZ_GRANT;
    }
    gs->allowed = 1;
    /* Traced: go on, to show every grant of the key. */
    return gs->trace ? 0 : 1;
}

/* What the request context needs from the store, read only when the key
 * policy asks for it (lv_policy_mentions): the key's tags and aliases, and
 * for ReEncrypt whether the other key is this one. Owns its strings. */
struct gathered {
    struct lv_kv *tags;
    size_t n_tags;
    char **aliases;
    size_t n_aliases;
};

static void gathered_release(struct gathered *g)
{
    for (size_t i = 0; i < g->n_tags; i++) {
        free((char *)g->tags[i].key);
        free((char *)g->tags[i].value);
    }
    free(g->tags);
    for (size_t i = 0; i < g->n_aliases; i++) {
        free(g->aliases[i]);
    }
    free(g->aliases);
}

static int gather_tag(void *arg, const char *tag_key, const char *value)
{
    struct gathered *g = arg;

    g->tags = lv_xrealloc(g->tags, (g->n_tags + 1) * sizeof(*g->tags));
    g->tags[g->n_tags].key = lv_xstrdup(tag_key);
    g->tags[g->n_tags].value = lv_xstrdup(value);
    g->n_tags++;
    return 0;
}

static int gather_alias(void *arg, const struct lv_kms_alias *a)
{
    struct gathered *g = arg;

    g->aliases = lv_xrealloc(g->aliases,
                             (g->n_aliases + 1) * sizeof(*g->aliases));
    g->aliases[g->n_aliases++] = lv_xstrdup(a->name);
    return 0;
}

/*
 * kms:ReEncryptOnSameKey for k under ReEncryptFrom / ReEncryptTo: is the
 * request's other key (DestinationKeyId, or SourceKeyId — else the key the
 * ciphertext names) k itself? A reference that names no key is not k. 1 or
 * 0 into *same; -1 with *err on a store fault.
 */
static int reencrypt_same_key(struct lv_req *rq, const struct lv_kms_key *k,
                              const char *action, int *same,
                              struct lv_err *err)
{
    const char *other = lv_json_str(rq->in, strcmp(action, "ReEncryptFrom")
                                                    == 0
                                                ? "DestinationKeyId"
                                                : "SourceKeyId");
    struct lv_kms_key o;
    struct lv_err oerr = LV_ERR_INIT;
    unsigned char *blob = NULL;
    size_t blob_len = 0;
    uint8_t raw[16];
    uint8_t kraw[16];
    uint32_t version;
    int ret = 0;

    *same = 0;
    if (other) {
        lv_kms_key_init(&o);
        if (lv_kms_resolve(rq, other, LV_KMS_ALIAS_OK |
                           LV_KMS_CROSS_ACCOUNT, &o, &oerr) == 0) {
            *same = strcmp(o.id, k->id) == 0;
        } else if (lv_err_status(oerr.code) >= 500) {
            *err = oerr;
            ret = -1;
        }
        lv_kms_key_release(&o);
        return ret;
    }
    blob = lv_json_blob(rq->in, "CiphertextBlob", &blob_len);
    if (blob && lv_blob_parse_header(blob, blob_len, raw, &version,
                                     &oerr) == 0) {
        *same = lv_kms_key_raw(k, kraw) == 0 && memcmp(raw, kraw, 16) == 0;
    }
    free(blob);
    return 0;
}

static int gather(struct lv_req *rq, const struct lv_kms_key *k,
                  const char *action, const struct lv_policy *p,
                  struct lv_kms_condsrc *src, struct gathered *g,
                  struct lv_err *err)
{
    if (lv_policy_mentions(p, "aws:ResourceTag/")) {
        if (lv_store_kms_tag_list(rq->store, k->id, "", INT32_MAX,
                                  gather_tag, g, err) < 0) {
            return -1;
        }
        src->tags = g->tags;
        src->n_tags = g->n_tags;
    }
    if (lv_policy_mentions(p, "kms:ResourceAliases")) {
        if (lv_store_kms_alias_list(rq->store, k->account, k->region, k->id,
                                    "", INT32_MAX, gather_alias, g,
                                    err) < 0) {
            return -1;
        }
        src->aliases = (const char *const *)g->aliases;
        src->n_aliases = g->n_aliases;
    }
    if ((strcmp(action, "ReEncryptFrom") == 0 ||
         strcmp(action, "ReEncryptTo") == 0) && rq->in &&
        lv_policy_mentions(p, "kms:ReEncryptOnSameKey") &&
        reencrypt_same_key(rq, k, action, &src->same_key, err) < 0) {
        return -1;
    }
    return 0;
}

/* Sets the trace's verdict (trace may be NULL: untraced). */
static void verdict(json_t *trace, int allowed, const char *by,
                    const char *reason)
{
    if (trace) {
        json_object_set_new(trace, "decision",
                            json_string(allowed ? "ALLOW" : "DENY"));
        json_object_set_new(trace, "decidedBy", json_string(by));
        json_object_set_new(trace, "reason", json_string(reason));
    }
}

/* The request the trace explains: who, what, on which key, with which
 * encryption context (as CloudTrail records it: never a plaintext). */
static void trace_request(json_t *trace, const struct lv_req *rq,
                          const struct lv_kms_key *k, const char *action,
                          const struct lv_kv *ctx, size_t n_ctx)
{
    json_t *ec = json_object();

    for (size_t i = 0; i < n_ctx; i++) {
        json_object_set_new(ec, ctx[i].key, json_string(ctx[i].value));
    }
    json_object_set_new(trace, "request", json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:o}",
        "principal", rq->who.service[0] ? rq->who.service : rq->who.arn,
        "principalType", rq->who.service[0] ? "Service" : "AWS",
        "action", action, "keyArn", k->arn, "keyAccount", k->account,
        "encryptionContext", ec));
}

/* lv_kms_authorize_how, traced into `trace` (a JSON object) when it is
 * not NULL: the key policy's trace (lv_policy_trace), each grant
 * considered, the verdict. Untraced, it is the path every request takes:
 * lv_policy_eval, the grant walk stopping at the first that allows. */
static int authorize(struct lv_req *rq, const struct lv_kms_key *k,
                     const char *action, const struct lv_kv *ctx,
                     size_t n_ctx, const struct lv_policy_ctx_value *extra,
                     size_t n_extra, struct lv_kms_authz *how,
                     json_t *trace, struct lv_err *err)
{
    struct lv_kms_condctx cc;
    struct lv_kms_condsrc src;
    struct gathered g;
    struct lv_policy_request pr;
    struct policy_slot *slot = NULL;
    enum lv_policy_decision d = LV_POLICY_DEFAULT_DENY;
    struct grant_search gs;
    char *full_action = lv_xasprintf("kms:%s", action);
    int via_account = 0;
    const int is_service = rq->who.service[0] != '\0';
    const char *who_text = is_service ? rq->who.service : rq->who.arn;
    int ret = -1;

    lv_kms_condctx_init(&cc);
    memset(&g, 0, sizeof(g));
    memset(&src, 0, sizeof(src));
    slot = policy_get(rq->app->kms->policies, k, err);
    if (!slot) {
        goto out;
    }
    /* The request context: the caller's own keys first (they win), then
     * every key of the table (condkeys.c) that applies to the action. */
    for (size_t i = 0; i < n_extra; i++) {
        lv_kms_condctx_add(&cc, extra[i].key, extra[i].values, extra[i].n);
    }
    src.rq = rq;
    src.k = k;
    src.action = action;
    src.ctx = ctx;
    src.n_ctx = n_ctx;
    src.same_key = -1;
    if (gather(rq, k, action, slot->policy, &src, &g, err) < 0) {
        goto out;
    }
    src.policy = slot->policy;
    lv_kms_condkeys_build(&cc, &src);

    memset(&pr, 0, sizeof(pr));
    pr.action = full_action;
    pr.resource = k->arn;
    pr.resource_account = k->account;
    if (is_service) {
        pr.principal_service = rq->who.service;
    } else {
        pr.principal_arn = rq->who.arn;
        pr.principal_account = rq->who.account;
    }
    pr.ctx = cc.v;
    pr.n_ctx = cc.n;

    if (trace) {
        trace_request(trace, rq, k, full_action, ctx, n_ctx);
        json_object_set_new(trace, "keyPolicy",
                            lv_policy_trace(slot->policy, &pr, &d,
                                            &via_account));
    } else {
        d = lv_policy_eval(slot->policy, &pr, &via_account);
    }
    if (d == LV_POLICY_EXPLICIT_DENY) {
        verdict(trace, 0, "keyPolicy", "explicit deny: a Deny statement "
                "of the key policy matches; nothing can allow it");
        lv_err_set(err, LV_E_ACCESS_DENIED,
                   "User: %s is not authorized to perform: %s on "
                   "resource: %s with an explicit deny in a "
                   "resource-based policy", who_text, full_action, k->arn);
        goto out;
    }
    if (strcmp(action, "RetireGrant") == 0) {
        /* Who may retire a grant is the grant's own business: "The
         * kms:RetireGrant permission alone does not allow principals to
         * retire a grant. The kms:RetireGrant permission is not effective
         * in a key policy" (grant-manage.html, "Retiring and revoking
         * grants"). So neither the policy's Allow nor another grant that
         * lists RetireGrant counts; only the grant to be retired. */
        if (how && how->target && grant_lets_retire(rq, how->target)) {
            grant_copy(&how->grant, how->target);
            how->source = LV_KMS_AUTHZ_GRANT;
            verdict(trace, 1, "grant", "the grant to be retired lets the "
                    "caller retire it");
            ret = 0;
            goto out;
        }
        verdict(trace, 0, "grant", "no allow: only the grant to be "
                "retired can allow RetireGrant (its retiring principal, "
                "its grantee when it lists RetireGrant, or its issuing "
                "account); the key policy's kms:RetireGrant is not "
                "effective");
        goto denied;
    }
    if (d == LV_POLICY_ALLOW) {
        /* Allowed through the account: on AWS the identity's own IAM
         * policy decides next. logvault configures no identity policies,
         * so an identity may act within its own account; a key of another
         * account needs the policy to name the identity itself. */
        if (!via_account || strcmp(rq->who.account, k->account) == 0) {
            if (how) {
                how->source = LV_KMS_AUTHZ_POLICY;
            }
            verdict(trace, 1, "keyPolicy", via_account
                    ? "allow: the key policy allows the principal's "
                      "account, and the principal acts in that account"
                    : "allow: an Allow statement of the key policy "
                      "matches");
            ret = 0;
            goto out;
        }
    }
    if (!is_grant_operation(action)) {
        verdict(trace, 0, "keyPolicy", d == LV_POLICY_ALLOW
                ? "no allow: the key policy allows only the principal's "
                  "account, and the key is in another account: the key "
                  "policy must name the principal itself"
                : "no allow: no statement of the key policy allows it, "
                  "and grants cannot allow this operation");
        goto denied;
    }
    gs.rq = rq;
    gs.op = action;
    gs.ctx = ctx;
    gs.n_ctx = n_ctx;
    gs.how = how;
    gs.allowed = 0;
    gs.trace = trace ? json_array() : NULL;
    if (trace) {
        json_object_set_new(trace, "grants", gs.trace);
    }
    if (lv_store_kms_grant_list(rq->store, k->id, NULL, "", 100000,
                                grant_matches, &gs, err) < 0) {
        goto out;
    }
    if (gs.allowed) {
        verdict(trace, 1, "grant", "allow: a grant for the principal lists "
                "the operation and its constraint holds");
        ret = 0;
        goto out;
    }
    verdict(trace, 0, "grants", "no allow: no statement of the key policy "
            "allows it, and no grant for the principal lists the "
            "operation with a constraint that holds");
denied:
    /* Also when grants of the caller list CreateGrant but none covers the
     * grant asked for: AWS documents the rule but not its error text, so
     * this is its usual AccessDeniedException, which also tells nothing
     * about the caller's grants. */
    lv_err_set(err, LV_E_ACCESS_DENIED,
               "User: %s is not authorized to perform: %s on "
               "resource: %s because no resource-based policy allows "
               "the %s action", who_text, full_action, k->arn, full_action);
out:
    if (slot) {
        policy_put(rq->app->kms->policies, slot);
    }
    gathered_release(&g);
    lv_kms_condctx_release(&cc);
    free(full_action);
    return ret;
}

int lv_kms_authorize_how(struct lv_req *rq, const struct lv_kms_key *k,
                         const char *action, const struct lv_kv *ctx,
                         size_t n_ctx,
                         const struct lv_policy_ctx_value *extra,
                         size_t n_extra, struct lv_kms_authz *how,
                         struct lv_err *err)
{
    int ret = authorize(rq, k, action, ctx, n_ctx, extra, n_extra, how,
                        NULL, err);

    if (ret < 0 && err->code == LV_E_ACCESS_DENIED && !rq->trace) {
        /* Refused: decide once more, traced, for the record (rq->trace).
         * Only a refusal pays for it. */
        struct lv_kms_authz again;
        json_t *t;

        lv_kms_authz_init(&again);
        if (how) {
            again.child = how->child;
            again.target = how->target;
        }
        t = lv_kms_authorize_trace(rq, k, action, ctx, n_ctx, extra,
                                   n_extra, &again);
        if (t) {
            rq->trace = json_dumps(t, JSON_COMPACT);
        }
        json_decref(t);
        lv_kms_authz_release(&again);
    }
    return ret;
}

json_t *lv_kms_authorize_trace(struct lv_req *rq, const struct lv_kms_key *k,
                               const char *action, const struct lv_kv *ctx,
                               size_t n_ctx,
                               const struct lv_policy_ctx_value *extra,
                               size_t n_extra, struct lv_kms_authz *how)
{
    struct lv_err err = LV_ERR_INIT;
    json_t *t = json_object();

    if (authorize(rq, k, action, ctx, n_ctx, extra, n_extra, how, t,
                  &err) < 0 && err.code != LV_E_ACCESS_DENIED) {
        json_decref(t);
        t = NULL;
    } else if (err.code == LV_E_ACCESS_DENIED) {
        json_object_set_new(t, "errorCode",
                            json_string("AccessDeniedException"));
        json_object_set_new(t, "errorMessage", json_string(lv_err_msg(&err)));
    }
    lv_err_release(&err);
    return t;
}

int lv_kms_authorize(struct lv_req *rq, const struct lv_kms_key *k,
                     const char *action, const struct lv_kv *ctx,
                     size_t n_ctx, const struct lv_policy_ctx_value *extra,
                     size_t n_extra, struct lv_err *err)
{
    return lv_kms_authorize_how(rq, k, action, ctx, n_ctx, extra, n_extra,
                                NULL, err);
}

/* ---- state and usage ----------------------------------------------------------- */

int lv_kms_check_enabled(const struct lv_kms_key *k, struct lv_err *err)
{
    if (strcmp(k->state, "Enabled") == 0) {
        return 0;
    }
    if (strcmp(k->state, "Disabled") == 0) {
        return lv_err_set(err, LV_E_DISABLED, "%s is disabled.", k->arn);
    }
    if (strcmp(k->state, "PendingDeletion") == 0) {
        return lv_err_set(err, LV_E_KMS_INVALID_STATE,
                          "%s is pending deletion.", k->arn);
    }
    return lv_err_set(err, LV_E_KMS_INVALID_STATE, "%s is %s.", k->arn,
                      k->state);
}

int lv_kms_check_usage(const struct lv_kms_key *k, const char *usage,
                       const char *op, struct lv_err *err)
{
    if (strcmp(k->key_usage, usage) == 0) {
        return 0;
    }
    return lv_err_set(err, LV_E_INVALID_KEY_USAGE,
                      "%s key usage is %s which is not valid for %s.",
                      k->arn, k->key_usage, op);
}
