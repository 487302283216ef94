/*
 * grants.c: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant,
 * RevokeGrant. https://docs.aws.amazon.com/kms/latest/developerguide/grants.html
 *
 * A grant lets its grantee principal perform the listed operations on one
 * key, within its encryption-context constraints; lv_kms_authorize (authz.c)
 * consults the stored grants after the key policy. A grant that lists
 * CreateGrant lets its grantee create only grants within its own terms,
 * and who may retire a grant is the grant's own business: both are rules
 * of lv_kms_authorize_how, which the handlers here hand the grant to be
 * created or retired. Grants live with their key (its account and region)
 * and go when it is deleted.
 *
 * Grant ids are 32 random bytes in hex (64 characters, as AWS's). Grant
 * tokens are not stored: a token is base64 of
 *
 *   offset  size  field
 *   0       1     format, 0x01
 *   1       32    grant id (raw)
 *   33      16    random nonce (every CreateGrant gets a fresh token)
 *   49      16    HMAC-SHA256(token key, bytes 0..48), first 16 bytes
 *
 * where the token key is HMAC-SHA256(root key, "logvault grant token v1"),
 * so a token names its grant and cannot be forged or altered.
 */
#include "kms/admin.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "crypto/keyring.h"
#include "crypto/crypto.h"
#include "kms/keys_int.h"
#include "kms/kms.h"
#include "kms/kms_int.h"
#include "policy/policy.h"
#include "store/kms_store.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html
 * "Grants for a given principal per KMS key: 500". */
#define MAX_GRANTS_PER_PRINCIPAL 500
/* https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html
 * and API_CreateGrant.html: up to 8 pairs per constraint, values of at most
 * 384 characters. */
#define MAX_CONSTRAINT_PAIRS 8
#define MAX_CONSTRAINT_VALUE 384
/* ListGrants / ListRetirableGrants: "it defaults to 50". */
#define DEFAULT_GRANT_LIMIT 50
#define GRANT_ID_BYTES 32
#define TOKEN_FORMAT 0x01
#define TOKEN_NONCE 16
#define TOKEN_MAC 16
#define TOKEN_BYTES (1 + GRANT_ID_BYTES + TOKEN_NONCE + TOKEN_MAC)
#define MAX_OPS 32

/* ---- small helpers ------------------------------------------------------ */

/* A grant id as logvault makes them: 64 lowercase hex digits. */
static int is_grant_id(const char *s)
{
    return strlen(s) == 2 * GRANT_ID_BYTES &&
           lv_hex_is_lower(s, 2 * GRANT_ID_BYTES);
}

static int check_grant_id(const char *s, struct lv_err *err)
{
    if (!is_grant_id(s)) {
        return lv_err_set(err, LV_E_INVALID_GRANT_ID, "Invalid grant ID: "
                          "%s", s);
    }
    return 0;
}

/* ---- grant tokens ------------------------------------------------------- */

static void token_mac(const struct lv_req *rq, const uint8_t *msg,
                      size_t len, uint8_t out[32])
{
    uint8_t key[32];
    unsigned int n = 0;

    lv_keyring_derive(rq->app->kms->keyring, "grant-token", NULL, 0, key);
    if (!HMAC(EVP_sha256(), key, sizeof(key), msg, len, out, &n)) {
        LV_BUG("HMAC-SHA256 failed");
    }
    lv_secret_wipe(key, sizeof(key));
}

/* A fresh token for grant id `gid` (64 hex); free() it. */
static char *make_token(const struct lv_req *rq, const char *gid)
{
    uint8_t t[TOKEN_BYTES];
    uint8_t mac[32];

    t[0] = TOKEN_FORMAT;
    if (lv_hex_decode(gid, GRANT_ID_BYTES, t + 1) < 0) {
        LV_BUG("grant id %s is not hex", gid);
    }
    lv_rand_bytes(t + 1 + GRANT_ID_BYTES, TOKEN_NONCE);
    token_mac(rq, t, TOKEN_BYTES - TOKEN_MAC, mac);
    memcpy(t + TOKEN_BYTES - TOKEN_MAC, mac, TOKEN_MAC);
    return lv_b64_encode_alloc(t, sizeof(t), NULL);
}

/* The grant id a token names, into gid; -1 with InvalidGrantTokenException
 * when the text is not a token this server made. */
static int parse_token(const struct lv_req *rq, const char *text,
                       char gid[65], struct lv_err *err)
{
    uint8_t t[TOKEN_BYTES + 4];
    uint8_t mac[32];
    size_t n = strlen(text);
    size_t len = 0;

    if (n > lv_b64_encoded_len(TOKEN_BYTES) + 4 ||
        lv_b64_decode(text, n, t, &len) < 0 || len != TOKEN_BYTES ||
        t[0] != TOKEN_FORMAT) {
        return lv_err_set(err, LV_E_INVALID_GRANT_TOKEN,
                          "Invalid grant token.");
    }
    token_mac(rq, t, TOKEN_BYTES - TOKEN_MAC, mac);
    if (CRYPTO_memcmp(mac, t + TOKEN_BYTES - TOKEN_MAC, TOKEN_MAC) != 0) {
        return lv_err_set(err, LV_E_INVALID_GRANT_TOKEN,
                          "Invalid grant token.");
    }
    lv_hex_encode(t + 1, GRANT_ID_BYTES, gid);
    return 0;
}

/* ---- which operations a key's grants may list --------------------------- */

/*
 * The grant operations by key type, from "Grant operations" in
 * https://docs.aws.amazon.com/kms/latest/developerguide/grants.html:
 * every key: CreateGrant, DescribeKey, RetireGrant; symmetric encryption
 * keys: the symmetric cryptographic operations and the data-key
 * operations; RSA encryption keys: Encrypt, Decrypt, ReEncrypt*,
 * GetPublicKey; signing keys: Sign, Verify, GetPublicKey; HMAC keys:
 * GenerateMac, VerifyMac; key agreement keys: DeriveSharedSecret,
 * GetPublicKey.
 */
static int op_valid_for_key(const struct lv_kms_key *k, const char *op)
{
    static const char *const any[] = { "CreateGrant", "DescribeKey",
                                       "RetireGrant", NULL };
    static const char *const sym[] = {
        "Decrypt", "Encrypt", "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "ReEncryptFrom",
        "ReEncryptTo", NULL };
    static const char *const rsa_enc[] = { "Decrypt", "Encrypt",
                                           "ReEncryptFrom", "ReEncryptTo",
                                           "GetPublicKey", NULL };
    static const char *const sign[] = { "Sign", "Verify", "GetPublicKey",
                                        NULL };
    static const char *const mac[] = { "GenerateMac", "VerifyMac", NULL };
    static const char *const agree[] = { "DeriveSharedSecret",
                                         "GetPublicKey", NULL };
    const char *const *list = NULL;

    for (const char *const *p = any; *p; p++) {
        if (strcmp(*p, op) == 0) {
            return 1;
        }
    }
    if (strcmp(k->key_usage, "ENCRYPT_DECRYPT") == 0) {
        list = strcmp(k->key_spec, "SYMMETRIC_DEFAULT") == 0 ? sym : rsa_enc;
    } else if (strcmp(k->key_usage, "SIGN_VERIFY") == 0) {
        list = sign;
    } else if (strcmp(k->key_usage, "GENERATE_VERIFY_MAC") == 0) {
        list = mac;
    } else if (strcmp(k->key_usage, "KEY_AGREEMENT") == 0) {
        list = agree;
    }
    for (; list && *list; list++) {
        if (strcmp(*list, op) == 0) {
            return 1;
        }
    }
    return 0;
}

/* A grantee or retiring principal: an AWS principal ARN, an account id,
 * or a service principal. AWS's text for a bad one is not documented. */
static int check_principal(const char *member, const char *p,
                           struct lv_err *err)
{
    size_t n = strlen(p);

    if (strncmp(p, "arn:aws:", 8) == 0 && strchr(p + 8, ':')) {
        return 0;
    }
    if (n == 12 && strspn(p, "0123456789") == 12) {
        return 0;
    }
    if (n > 14 && strcmp(p + n - 14, ".amazonaws.com") == 0) {
        return 0;
    }
    return lv_err_set(err, LV_E_VALIDATION, "%s %s is not a valid "
                      "principal: use the ARN of an AWS principal or a "
                      "service principal name.", member, p);
}

/* ---- CreateGrant -------------------------------------------------------- */

struct new_grant {
    /* the request */
    const char *name;           /* NULL when none */
    const char *grantee;
    const char *retiring;       /* NULL when none */
    const char *ops[MAX_OPS];
    size_t n_ops;
    char *constraints;          /* canonical JSON or NULL; owned */
    /* what the walk over the key's grants found */
    char same[65];              /* id of an identical named grant */
    int for_grantee;            /* grants of this grantee on the key */
};

static int ops_equal(const struct new_grant *ng, const char *stored)
{
    json_t *a = json_loads(stored, 0, NULL);
    size_t i;
    json_t *v;
    int eq = json_is_array(a) && json_array_size(a) == ng->n_ops;

    json_array_foreach(a, i, v) {
        int found = 0;

        for (size_t j = 0; j < ng->n_ops && eq; j++) {
            if (json_is_string(v) &&
                strcmp(json_string_value(v), ng->ops[j]) == 0) {
                found = 1;
            }
        }
        eq = eq && found;
    }
    json_decref(a);
    return eq;
}

static int scan_grant(void *arg, const struct lv_kms_grant *g)
{
    struct new_grant *ng = arg;
    const char *c = g->constraints ? g->constraints : "";

    if (strcmp(g->grantee, ng->grantee) == 0) {
        ng->for_grantee++;
    }
    if (ng->name && !ng->same[0] && g->name && strcmp(g->name, ng->name) == 0 &&
        strcmp(g->grantee, ng->grantee) == 0 &&
        strcmp(g->retiring ? g->retiring : "",
               ng->retiring ? ng->retiring : "") == 0 &&
        strcmp(c, ng->constraints ? ng->constraints : "") == 0 &&
        ops_equal(ng, g->operations)) {
        snprintf(ng->same, sizeof(ng->same), "%s", g->id);
    }
    return 0;
}

/* Reads Operations into ng (deduplicated, in the order given) and checks
 * each against the key type. */
static int read_operations(const json_t *in, const struct lv_kms_key *k,
                           struct new_grant *ng, struct lv_err *err)
{
    const json_t *arr = lv_json_arr(in, "Operations");
    size_t i;
    json_t *v;
    int only_create = 1;

    if (!arr || json_array_size(arr) == 0) {
        return lv_err_set(err, LV_E_VALIDATION, "1 validation error "
                          "detected: Value at 'operations' failed to satisfy"
                          " constraint: Member must have length greater than"
                          " or equal to 1");
    }
    json_array_foreach(arr, i, v) {
        const char *op = json_string_value(v);
        int dup = 0;

        if (!op) {
            continue;
        }
        if (!op_valid_for_key(k, op)) {
            /* AWS answers ValidationException here (API_CreateGrant:
             * "If you try, KMS returns a ValidationError exception");
             * its text is not documented. */
            return lv_err_set(err, LV_E_VALIDATION, "Grant operation %s is "
                              "not valid for KMS key %s: its key spec is %s"
                              " and its key usage %s.", op, k->arn,
                              k->key_spec, k->key_usage);
        }
        for (size_t j = 0; j < ng->n_ops; j++) {
            dup = dup || strcmp(ng->ops[j], op) == 0;
        }
        if (dup) {
            continue;
        }
        if (ng->n_ops == MAX_OPS) {
            LV_BUG("more distinct grant operations than the enum has");
        }
        ng->ops[ng->n_ops++] = op;
        only_create = only_create && strcmp(op, "CreateGrant") == 0;
    }
    if (only_create) {
        /* AWS's message, as clients have reported it. */
        return lv_err_set(err, LV_E_VALIDATION, "Grants must not contain "
                          "only the CreateGrant operation.");
    }
    return 0;
}

/*
 * Reads Constraints: at most one of EncryptionContextEquals and
 * EncryptionContextSubset (strictest reading: one constraint type per
 * grant), each of at most 8 pairs. Sets ng->constraints to its canonical
 * JSON and fills ctx with the pairs (pointers into `in`), which
 * authorization of CreateGrant compares with kms:EncryptionContext:
 * conditions, as AWS documents for CreateGrant.
 */
static int read_constraints(const json_t *in, const struct lv_kms_key *k,
                            struct new_grant *ng, struct lv_kv *ctx,
                            size_t *n_ctx, const char **type,
                            struct lv_err *err)
{
    const json_t *c = lv_json_obj(in, "Constraints");
    const json_t *eq;
    const json_t *sub;
    const json_t *m;
    const char *key;
    json_t *v;
    size_t n = 0;

    *n_ctx = 0;
    *type = NULL;
    if (!c) {
        return 0;
    }
    eq = lv_json_obj(c, "EncryptionContextEquals");
    sub = lv_json_obj(c, "EncryptionContextSubset");
    if (!eq && !sub) {
        return 0;
    }
    if (eq && sub) {
        return lv_err_set(err, LV_E_VALIDATION, "A grant can have only one "
                          "constraint: EncryptionContextEquals or "
                          "EncryptionContextSubset.");
    }
    if (strcmp(k->key_spec, "SYMMETRIC_DEFAULT") != 0) {
        /* API_GrantConstraints: "You cannot use an encryption context
         * grant constraint for cryptographic operations with asymmetric
         * KMS keys or HMAC KMS keys." */
        return lv_err_set(err, LV_E_VALIDATION, "Encryption context grant "
                          "constraints are supported only on symmetric "
                          "encryption KMS keys; %s has key spec %s.",
                          k->arn, k->key_spec);
    }
    m = eq ? eq : sub;
    *type = eq ? "EncryptionContextEquals" : "EncryptionContextSubset";
    if (json_object_size(m) > MAX_CONSTRAINT_PAIRS) {
        return lv_err_set(err, LV_E_VALIDATION, "A grant constraint can "
                          "have at most %d encryption context pairs.",
                          MAX_CONSTRAINT_PAIRS);
    }
    json_object_foreach((json_t *)m, key, v) {
        const char *s = json_string_value(v);

        if (!s) {
            return lv_err_set(err, LV_E_SERIALIZATION, "Encryption context "
                              "values must be strings");
        }
        if (lv_json_utf8_len(s, strlen(s)) > MAX_CONSTRAINT_VALUE) {
            return lv_err_set(err, LV_E_VALIDATION, "An encryption context "
                              "value in a grant constraint cannot exceed %d "
                              "characters.", MAX_CONSTRAINT_VALUE);
        }
        ctx[n].key = key;
        ctx[n].value = s;
        n++;
    }
    {
        json_t *o = json_object();

        json_object_set(o, *type, (json_t *)m);
        ng->constraints = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(o);
        if (!ng->constraints) {
            LV_BUG("out of memory");
        }
    }
    *n_ctx = n;
    return 0;
}

static char *ops_json(const struct new_grant *ng)
{
    json_t *a = json_array();
    char *s;

    for (size_t i = 0; i < ng->n_ops; i++) {
        json_array_append_new(a, json_string(ng->ops[i]));
    }
    s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    if (!s) {
        LV_BUG("out of memory");
    }
    return s;
}

int lv_kms_op_create_grant(struct lv_req *rq, const json_t *in,
                           struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_kms_grant g;
    struct new_grant ng;
    struct lv_kms_grant_shape shape;
    struct lv_kms_authz how;
    struct lv_kv ctx[MAX_CONSTRAINT_PAIRS];
    size_t n_ctx = 0;
    const char *ctype = NULL;
    const char *ref;
    struct lv_policy_ctx_value cv[5];
    const char *grantee_v[1];
    const char *retiring_v[1];
    const char *aws_v[1];
    const char *ctype_v[1];
    size_t n_cv = 0;
    uint8_t raw[GRANT_ID_BYTES];
    char *token = NULL;
    int ret = -1;

    lv_kms_key_init(&k);
    lv_kms_grant_init(&g);
    lv_kms_authz_init(&how);
    memset(&ng, 0, sizeof(ng));
    if (lv_json_req_str(in, "KeyId", 1, 2048, &ref, err) < 0 ||
        lv_json_req_str(in, "GranteePrincipal", 1, 256, &ng.grantee,
                        err) < 0) {
        goto out;
    }
    ng.retiring = lv_json_str(in, "RetiringPrincipal");
    ng.name = lv_json_str(in, "Name");
    if (lv_kms_resolve(rq, ref, LV_KMS_CROSS_ACCOUNT, &k, err) < 0) {
        goto out;
    }
    if (check_principal("GranteePrincipal", ng.grantee, err) < 0 ||
        (ng.retiring &&
         check_principal("RetiringPrincipal", ng.retiring, err) < 0) ||
        read_operations(in, &k, &ng, err) < 0 ||
        read_constraints(in, &k, &ng, ctx, &n_ctx, &ctype, err) < 0) {
        goto out;
    }

    /* The condition keys AWS sets for CreateGrant
     * (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html). */
    cv[n_cv].key = "kms:GrantOperations";
    cv[n_cv].values = ng.ops;
    cv[n_cv].n = ng.n_ops;
    n_cv++;
    grantee_v[0] = ng.grantee;
    cv[n_cv].key = "kms:GranteePrincipal";
    cv[n_cv].values = grantee_v;
    cv[n_cv].n = 1;
    n_cv++;
    if (ng.retiring) {
        retiring_v[0] = ng.retiring;
        cv[n_cv].key = "kms:RetiringPrincipal";
        cv[n_cv].values = retiring_v;
        cv[n_cv].n = 1;
        n_cv++;
    }
    /* True only when an AWS service creates the grant for its resource. */
    aws_v[0] = rq->who.service[0] ? "true" : "false";
    cv[n_cv].key = "kms:GrantIsForAWSResource";
    cv[n_cv].values = aws_v;
    cv[n_cv].n = 1;
    n_cv++;
    if (ctype) {
        ctype_v[0] = ctype;
        cv[n_cv].key = "kms:GrantConstraintType";
        cv[n_cv].values = ctype_v;
        cv[n_cv].n = 1;
        n_cv++;
    }
    /* A grant that lets the caller create grants lets it create only
     * grants within its own terms: the authorization checks the new grant
     * against it. */
    shape.ops = ng.ops;
    shape.n_ops = ng.n_ops;
    shape.constraints = ng.constraints;
    how.child = &shape;
    if (lv_kms_authorize_how(rq, &k, "CreateGrant", ctx, n_ctx, cv, n_cv,
                             &how, err) < 0) {
        goto out;
    }
    if (how.source == LV_KMS_AUTHZ_GRANT) {
        lv_log(LV_LOG_DEBUG, "kms: CreateGrant allowed by grant=%s "
               "key=%s req=%s", how.grant.id, k.id, rq->id);
    }
    /* Key states: CreateGrant works on enabled and disabled keys, not on
     * one pending deletion (the developer guide's key-state table). */
    if (strcmp(k.state, "Enabled") != 0 && strcmp(k.state, "Disabled") != 0 &&
        lv_kms_check_enabled(&k, err) < 0) {
        goto out;
    }
    if (lv_store_kms_grant_list(rq->store, k.id, NULL, "", 1000000,
                                scan_grant, &ng, err) < 0) {
        goto out;
    }
    if (lv_kms_admin_dry_run(in, err)) {
        goto out;
    }
    if (!ng.same[0]) {
        if (ng.for_grantee >= MAX_GRANTS_PER_PRINCIPAL) {
            lv_err_set(err, LV_E_LIMIT_EXCEEDED, "The number of grants for "
                       "principal %s on key %s has reached the limit of "
                       "%d.", ng.grantee, k.arn, MAX_GRANTS_PER_PRINCIPAL);
            goto out;
        }
        lv_rand_bytes(raw, sizeof(raw));
        lv_hex_encode(raw, sizeof(raw), g.id);
        snprintf(g.key_id, sizeof(g.key_id), "%s", k.id);
        g.name = lv_xstrdup(ng.name ? ng.name : "");
        g.grantee = lv_xstrdup(ng.grantee);
        g.retiring = lv_xstrdup(ng.retiring ? ng.retiring : "");
        g.issuing_account = lv_xasprintf("arn:aws:iam::%s:root",
                                         rq->who.account);
        g.operations = ops_json(&ng);
        g.constraints = lv_xstrdup(ng.constraints ? ng.constraints : "");
        g.creation_date = lv_kms_now(rq);
        if (lv_store_kms_grant_insert(rq->store, &g, err) < 0) {
            goto out;
        }
        snprintf(ng.same, sizeof(ng.same), "%s", g.id);
    }
    /* A fresh token every time, even for the same grant (AWS does so). */
    token = make_token(rq, ng.same);
    lv_jw_kstr(w, "GrantToken", token);
    lv_jw_kstr(w, "GrantId", ng.same);
    ret = 0;
out:
    lv_kms_authz_release(&how);
    free(token);
    free(ng.constraints);
    lv_kms_grant_release(&g);
    lv_kms_key_release(&k);
    return ret;
}

/* ---- ListGrants / ListRetirableGrants ----------------------------------- */

/* One GrantListEntry, members in AWS's order. */
static void write_grant(struct lv_jw *w, const struct lv_kms_grant *g,
                        const char *key_arn)
{
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "KeyId", key_arn);
    lv_jw_kstr(w, "GrantId", g->id);
    if (g->name && g->name[0]) {
        lv_jw_kstr(w, "Name", g->name);
    }
    lv_jw_key(w, "CreationDate");
    lv_jw_double(w, g->creation_date);
    lv_jw_kstr(w, "GranteePrincipal", g->grantee);
    if (g->retiring && g->retiring[0]) {
        lv_jw_kstr(w, "RetiringPrincipal", g->retiring);
    }
    lv_jw_kstr(w, "IssuingAccount", g->issuing_account);
    lv_jw_key(w, "Operations");
    lv_jw_raw(w, g->operations, strlen(g->operations));
    if (g->constraints && g->constraints[0]) {
        lv_jw_key(w, "Constraints");
        lv_jw_raw(w, g->constraints, strlen(g->constraints));
    }
    lv_jw_obj_close(w);
}

/* Grants copied out of a store walk (the walk's rows are loans). */
struct grant_page {
    const char *grantee;        /* filter, NULL for none */
    const char *grant_id;       /* filter, NULL for none */
    int limit;
    struct lv_kms_grant *g;
    int n;
    int more;
};

static int collect_grant(void *arg, const struct lv_kms_grant *g)
{
    struct grant_page *pg = arg;
    struct lv_kms_grant *c;

    if ((pg->grantee && strcmp(g->grantee, pg->grantee) != 0) ||
        (pg->grant_id && strcmp(g->id, pg->grant_id) != 0)) {
        return 0;
    }
    if (pg->n == pg->limit) {
        pg->more = 1;
        return 1;
    }
    c = &pg->g[pg->n++];
    lv_kms_grant_init(c);
    memcpy(c->id, g->id, sizeof(c->id));
    memcpy(c->key_id, g->key_id, sizeof(c->key_id));
    c->name = lv_xstrdup(g->name ? g->name : "");
    c->grantee = lv_xstrdup(g->grantee);
    c->retiring = lv_xstrdup(g->retiring ? g->retiring : "");
    c->issuing_account = lv_xstrdup(g->issuing_account);
    c->operations = lv_xstrdup(g->operations);
    c->constraints = lv_xstrdup(g->constraints ? g->constraints : "");
    c->creation_date = g->creation_date;
    return 0;
}

static void page_release(struct grant_page *pg)
{
    for (int i = 0; i < pg->n; i++) {
        lv_kms_grant_release(&pg->g[i]);
    }
    free(pg->g);
}

static int page_init(const json_t *in, struct grant_page *pg,
                     const char **after, struct lv_err *err)
{
    int64_t limit = DEFAULT_GRANT_LIMIT;
    const char *marker = lv_json_str(in, "Marker");

    memset(pg, 0, sizeof(*pg));
    lv_json_int64(in, "Limit", &limit);     /* 1..1000 by the model */
    if (limit < 1 || limit > 1000) {
        limit = DEFAULT_GRANT_LIMIT;
    }
    pg->limit = (int)limit;
    pg->g = lv_xcalloc((size_t)limit, sizeof(*pg->g));
    /* Markers are the id of the last grant sent. */
    if (marker && !is_grant_id(marker)) {
        return lv_err_set(err, LV_E_INVALID_MARKER, "Invalid marker");
    }
    *after = marker ? marker : "";
    return 0;
}

static void page_tail(struct lv_jw *w, const struct grant_page *pg)
{
    if (pg->more) {
        lv_jw_kstr(w, "NextMarker", pg->g[pg->n - 1].id);
    }
    lv_jw_kbool(w, "Truncated", pg->more);
}

int lv_kms_op_list_grants(struct lv_req *rq, const json_t *in,
                          struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct grant_page pg;
    const char *after = "";
    int ret = -1;

    lv_kms_key_init(&k);
    memset(&pg, 0, sizeof(pg));
    if (lv_kms_load_key(rq, in, LV_KMS_CROSS_ACCOUNT, "ListGrants", &k,
                        err) < 0 ||
        page_init(in, &pg, &after, err) < 0) {
        goto out;
    }
    pg.grantee = lv_json_str(in, "GranteePrincipal");
    pg.grant_id = lv_json_str(in, "GrantId");
    if (pg.grant_id && check_grant_id(pg.grant_id, err) < 0) {
        goto out;
    }
    if (lv_store_kms_grant_list(rq->store, k.id, NULL, after, 1000000,
                                collect_grant, &pg, err) < 0) {
        goto out;
    }
    lv_jw_key(w, "Grants");
    lv_jw_arr_open(w);
    for (int i = 0; i < pg.n; i++) {
        write_grant(w, &pg.g[i], k.arn);
    }
    lv_jw_arr_close(w);
    page_tail(w, &pg);
    ret = 0;
out:
    page_release(&pg);
    lv_kms_key_release(&k);
    return ret;
}

/*
 * The account of a principal as CreateGrant takes it: an account id, or
 * the account field of an ARN (arn:PARTITION:SERVICE::ACCOUNT:RESOURCE),
 * into out. -1 for anything else (a service principal has no account).
 */
static int principal_account(const char *p, char out[13])
{
    const char *f = p;

    if (strlen(p) == 12 && strspn(p, "0123456789") == 12) {
        memcpy(out, p, 13);
        return 0;
    }
    if (strncmp(p, "arn:", 4) != 0) {
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        f = strchr(f, ':');
        if (!f) {
            return -1;
        }
        f++;
    }
    if (strspn(f, "0123456789") != 12 || f[12] != ':') {
        return -1;
    }
    memcpy(out, f, 12);
    out[12] = '\0';
    return 0;
}

/*
 * ListRetirableGrants: the grants, on keys of the request's region, whose
 * retiring principal is RetiringPrincipal. It is authorized by IAM policy
 * alone on AWS (no key is named); logvault has no identity policies, so a
 * caller sees the grants on its own account's keys and the grants whose
 * retiring principal is of its account, never others'.
 */
int lv_kms_op_list_retirable_grants(struct lv_req *rq, const json_t *in,
                                    struct lv_jw *w, struct lv_err *err)
{
    struct grant_page pg;
    struct grant_page batch;
    struct lv_kms_key k;
    const char *rp;
    const char *after = "";
    char next[65];
    char acct[13];
    int own_principal;
    int ret = -1;

    lv_kms_key_init(&k);
    memset(&pg, 0, sizeof(pg));
    memset(&batch, 0, sizeof(batch));
    if (lv_json_req_str(in, "RetiringPrincipal", 1, 256, &rp, err) < 0 ||
        page_init(in, &pg, &after, err) < 0) {
        goto out;
    }
    own_principal = principal_account(rp, acct) == 0 &&
                    strcmp(acct, rq->who.account) == 0;
    lv_jw_key(w, "Grants");
    lv_jw_arr_open(w);
    /* A batch at a time: grants outside the caller's view are skipped, so
     * read on until the page is full or the list ends. */
    for (;;) {
        batch.limit = pg.limit;
        batch.g = lv_xcalloc((size_t)batch.limit, sizeof(*batch.g));
        if (lv_store_kms_grant_list(rq->store, NULL, rp, after, 1000000,
                                    collect_grant, &batch, err) < 0) {
            goto out;
        }
        if (batch.n) {
            memcpy(next, batch.g[batch.n - 1].id, sizeof(next));
        }
        for (int i = 0; i < batch.n && !pg.more; i++) {
            int found = lv_store_kms_key_get(rq->store, batch.g[i].key_id,
                                             &k, err);

            if (found < 0) {
                goto out;
            }
            if (!found || strcmp(k.region, rq->region) != 0 ||
                (strcmp(k.account, rq->who.account) != 0 &&
                 !own_principal)) {
                continue;
            }
            if (pg.n == pg.limit) {
                pg.more = 1;
                break;
            }
            write_grant(w, &batch.g[i], k.arn);
            /* Moved into the page, which NextMarker reads. */
            pg.g[pg.n++] = batch.g[i];
            lv_kms_grant_init(&batch.g[i]);
        }
        if (pg.more || !batch.more) {
            break;
        }
        page_release(&batch);
        memset(&batch, 0, sizeof(batch));
        after = next;
    }
    lv_jw_arr_close(w);
    page_tail(w, &pg);
    ret = 0;
out:
    page_release(&batch);
    page_release(&pg);
    lv_kms_key_release(&k);
    return ret;
}

/* ---- RetireGrant / RevokeGrant ------------------------------------------ */

/* The grant gid of key k, or NotFoundException when there is none (or it
 * belongs to another key). AWS's text for this case is not documented. */
static int load_grant(struct lv_req *rq, const char *gid,
                      const struct lv_kms_key *k, struct lv_kms_grant *g,
                      struct lv_err *err)
{
    int found = lv_store_kms_grant_get(rq->store, gid, g, err);

    if (found < 0) {
        return -1;
    }
    if (!found || (k && strcmp(g->key_id, k->id) != 0)) {
        return lv_err_set(err, LV_E_NOT_FOUND, "Grant ID %s not found", gid);
    }
    return 0;
}

int lv_kms_op_retire_grant(struct lv_req *rq, const json_t *in,
                           struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_kms_grant g;
    struct lv_kms_authz how;
    const char *token = lv_json_str(in, "GrantToken");
    const char *ref = lv_json_str(in, "KeyId");
    const char *gid_in = lv_json_str(in, "GrantId");
    char gid[65];
    int found;
    int ret = -1;

    (void)w;
    lv_kms_key_init(&k);
    lv_kms_grant_init(&g);
    lv_kms_authz_init(&how);
    if (token) {
        if (parse_token(rq, token, gid, err) < 0) {
            goto out;
        }
        if (gid_in && strcmp(gid_in, gid) != 0) {
            lv_err_set(err, LV_E_INVALID_GRANT_ID, "The grant ID %s does "
                       "not match the grant token.", gid_in);
            goto out;
        }
    } else if (ref && gid_in) {
        if (check_grant_id(gid_in, err) < 0) {
            goto out;
        }
        snprintf(gid, sizeof(gid), "%s", gid_in);
    } else {
        lv_err_set(err, LV_E_VALIDATION, "Either GrantToken, or both "
                   "GrantId and KeyId, must be specified.");
        goto out;
    }
    if (ref) {
        if (lv_kms_resolve(rq, ref, LV_KMS_CROSS_ACCOUNT, &k, err) < 0 ||
            load_grant(rq, gid, &k, &g, err) < 0) {
            goto out;
        }
    } else {
        if (load_grant(rq, gid, NULL, &g, err) < 0) {
            goto out;
        }
        found = lv_store_kms_key_get(rq->store, g.key_id, &k, err);
        if (found < 0) {
            goto out;
        }
        if (!found || strcmp(k.region, rq->region) != 0 ||
            k.material_destroyed) {
            lv_err_set(err, LV_E_NOT_FOUND, "Grant ID %s not found", gid);
            goto out;
        }
    }
    /* Permission comes from the grant itself (lv_kms_authorize_how); an
     * explicit Deny of kms:RetireGrant in the key policy wins. */
    how.target = &g;
    if (lv_kms_authorize_how(rq, &k, "RetireGrant", NULL, 0, NULL, 0, &how,
                             err) < 0) {
        goto out;
    }
    if (lv_kms_admin_dry_run(in, err)) {
        goto out;
    }
    ret = lv_store_kms_grant_delete(rq->store, g.id, err);
out:
    lv_kms_authz_release(&how);
    lv_kms_grant_release(&g);
    lv_kms_key_release(&k);
    return ret;
}

int lv_kms_op_revoke_grant(struct lv_req *rq, const json_t *in,
                           struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_kms_grant g;
    const char *ref;
    const char *gid;
    int ret = -1;

    (void)w;
    lv_kms_key_init(&k);
    lv_kms_grant_init(&g);
    if (lv_json_req_str(in, "KeyId", 1, 2048, &ref, err) < 0 ||
        lv_json_req_str(in, "GrantId", 1, 128, &gid, err) < 0 ||
        lv_kms_resolve(rq, ref, LV_KMS_CROSS_ACCOUNT, &k, err) < 0 ||
        lv_kms_authorize(rq, &k, "RevokeGrant", NULL, 0, NULL, 0, err) < 0 ||
        check_grant_id(gid, err) < 0 ||
        load_grant(rq, gid, &k, &g, err) < 0) {
        goto out;
    }
    if (lv_kms_admin_dry_run(in, err)) {
        goto out;
    }
    ret = lv_store_kms_grant_delete(rq->store, g.id, err);
out:
    lv_kms_grant_release(&g);
    lv_kms_key_release(&k);
    return ret;
}
