/*
 * cks.c: custom key stores (CreateCustomKeyStore, DescribeCustomKeyStores,
 * ConnectCustomKeyStore, DisconnectCustomKeyStore, UpdateCustomKeyStore,
 * DeleteCustomKeyStore), on a PKCS#11 token (p11.h).
 *
 * The mapping: CustomKeyStoreType AWS_CLOUDHSM is real — its
 * CloudHsmClusterId is the label of a token of the module given with
 * `serve --pkcs11-module PATH`, its KeyStorePassword the token's user PIN.
 * (The model holds cluster ids to AWS's pattern cluster-[2-7a-zA-Z]{11,16},
 * so a token meant for a store is labelled so: "cluster-lvTokenAlpha".)
 * Without a module, no cluster exists (CloudHsmClusterNotFoundException).
 * EXTERNAL_KEY_STORE is answered as AWS does when the proxy cannot be
 * reached (XksProxyUriUnreachableException): logvault has no XKS client.
 *
 * The PIN is never stored: the server keeps it in memory (struct
 * lv_kms_cks_rt) from CreateCustomKeyStore or UpdateCustomKeyStore until
 * the store is deleted or the server stops, and wiped then. After a
 * restart a store's PIN is unknown: ConnectCustomKeyStore fails with
 * INVALID_CREDENTIALS until UpdateCustomKeyStore gives it again.
 * ConnectCustomKeyStore logs in to the token within the request (AWS's
 * transient CONNECTING completes at once) and, as on AWS, answers success
 * even when the attempt fails: the store is FAILED with its
 * ConnectionErrorCode. A store recorded CONNECTED without a session in
 * this process (after a restart, or on another server sharing a
 * PostgreSQL store) is shown DISCONNECTED.
 *
 * Keys in a custom key store (CreateKey with CustomKeyStoreId, Origin
 * AWS_CLOUDHSM: keys.c asks lv_kms_cks_create_key) are AES-256 token keys
 * labelled with the key's id; the key record holds no material. Their
 * ciphertexts are ordinary blobs (crypto.h: same header, same AAD), sealed
 * by the token under the blob's own nonce passed as the GCM IV
 * (lv_p11_encrypt_iv), so Decrypt finds the key from the blob as for any
 * symmetric key and the key record says where its material is. Every use
 * needs the store's session in this process: without one the key is
 * unusable (KMSInvalidStateException), as on AWS while its store is
 * disconnected. When such a key is deleted (the sweeper, at the end of
 * its waiting period) the token object is destroyed if the store is
 * connected; if not, it stays on the token as an orphan (AWS leaves the
 * key material in the cluster likewise) and the sweeper logs its label.
 */
#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "crypto/crypto.h"
#include "kms/keys_int.h"
#include "kms/kms.h"
#include "kms/kms_int.h"
#include "kms/p11.h"
#include "store/kms_store.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

#define CKS_MAX 64              /* stores known to the runtime */

struct cks_slot {
    char id[24];
    char *pin;                  /* owned, wiped on free; NULL: unknown */
    struct lv_p11_session *s;   /* NULL: not connected */
};

struct lv_kms_cks_rt {
    pthread_mutex_t mu;         /* guards slots and the use of sessions */
    struct lv_p11 *p11;         /* NULL: no module configured */
    struct cks_slot slot[CKS_MAX];
};

int lv_kms_set_pkcs11(struct lv_kms *kms, const char *module,
                      struct lv_err *err)
{
    struct lv_kms_cks_rt *rt;

    rt = lv_xcalloc(1, sizeof(*rt));
    pthread_mutex_init(&rt->mu, NULL);
    if (module) {
        rt->p11 = lv_p11_open(module, err);
        if (!rt->p11) {
            pthread_mutex_destroy(&rt->mu);
            free(rt);
            return -1;
        }
    }
    lv_kms_cks_rt_free(kms->cks);
    kms->cks = rt;
    return 0;
}

static void slot_clear(struct cks_slot *sl)
{
    lv_p11_logout(sl->s);
    if (sl->pin) {
        lv_secret_free(sl->pin, strlen(sl->pin));
    }
    memset(sl, 0, sizeof(*sl));
}

void lv_kms_cks_rt_free(struct lv_kms_cks_rt *rt)
{
    if (!rt) {
        return;
    }
    for (size_t i = 0; i < CKS_MAX; i++) {
        slot_clear(&rt->slot[i]);
    }
    lv_p11_close(rt->p11);
    pthread_mutex_destroy(&rt->mu);
    free(rt);
}

/* The slot of id, or (make) a free one for it; NULL when none. Under mu. */
static struct cks_slot *slot_of(struct lv_kms_cks_rt *rt, const char *id,
                                int make)
{
    struct cks_slot *free_sl = NULL;

    for (size_t i = 0; i < CKS_MAX; i++) {
        if (strcmp(rt->slot[i].id, id) == 0) {
            return &rt->slot[i];
        }
        if (!free_sl && rt->slot[i].id[0] == '\0') {
            free_sl = &rt->slot[i];
        }
    }
    if (make && free_sl) {
        snprintf(free_sl->id, sizeof(free_sl->id), "%s", id);
        return free_sl;
    }
    return NULL;
}

static struct lv_kms_cks_rt *rt_of(const struct lv_req *rq)
{
    return rq->app && rq->app->kms ? rq->app->kms->cks : NULL;
}

/* Keeps pin (a copy) as the PIN of id. */
static int keep_pin(struct lv_kms_cks_rt *rt, const char *id, const char *pin,
                    struct lv_err *err)
{
    struct cks_slot *sl;

    pthread_mutex_lock(&rt->mu);
    sl = slot_of(rt, id, 1);
    if (sl) {
        if (sl->pin) {
            lv_secret_free(sl->pin, strlen(sl->pin));
        }
        sl->pin = lv_xstrdup(pin);
    }
    pthread_mutex_unlock(&rt->mu);
    if (!sl) {
        return lv_err_set(err, LV_E_LIMIT_EXCEEDED, "This server keeps at "
                          "most %d custom key stores", CKS_MAX);
    }
    return 0;
}

static int connected(struct lv_kms_cks_rt *rt, const char *id)
{
    struct cks_slot *sl;
    int on;

    if (!rt) {
        return 0;
    }
    pthread_mutex_lock(&rt->mu);
    sl = slot_of(rt, id, 0);
    on = sl && sl->s;
    pthread_mutex_unlock(&rt->mu);
    return on;
}

/* ---- validation --------------------------------------------------------- */

static int check_pin(const char *pin, struct lv_err *err)
{
    size_t n = strlen(pin);

    if (n < 7 || n > 32) {
        return lv_err_set(err, LV_E_VALIDATION, "1 validation error "
                          "detected: Value at 'keyStorePassword' failed to "
                          "satisfy constraint: Member must have length %s",
                          n < 7 ? "greater than or equal to 7"
                                : "less than or equal to 32");
    }
    return 0;
}

/* A PEM certificate, as AWS requires of TrustAnchorCertificate. */
static int check_anchor(const char *pem, struct lv_err *err)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

    X509_free(x);
    BIO_free(bio);
    if (!x) {
        return lv_err_set(err, LV_E_INCORRECT_TRUST_ANCHOR, "The trust "
                          "anchor certificate in the request is not a PEM "
                          "certificate.");
    }
    return 0;
}

/* The token labelled label exists: 0, or -1 with
 * CloudHsmClusterNotFoundException. A wrong PIN is for Connect to find. */
static int check_cluster(struct lv_kms_cks_rt *rt, const char *label,
                         const char *pin, struct lv_err *err)
{
    struct lv_err e = LV_ERR_INIT;
    struct lv_p11_session *s = NULL;
    int rc;

    if (!rt || !rt->p11) {
        return lv_err_set(err, LV_E_CLOUD_HSM_CLUSTER_NOT_FOUND, "No "
                          "CloudHSM cluster with the specified ID %s exists "
                          "(this server has no PKCS#11 module).", label);
    }
    pthread_mutex_lock(&rt->mu);
    rc = lv_p11_login(rt->p11, label, pin, &s, &e);
    lv_p11_logout(s);
    pthread_mutex_unlock(&rt->mu);
    if (rc < 0 && strncmp(e.msg, "no PKCS#11 token", 16) == 0) {
        lv_err_release(&e);
        return lv_err_set(err, LV_E_CLOUD_HSM_CLUSTER_NOT_FOUND, "No "
                          "CloudHSM cluster with the specified ID %s exists.",
                          label);
    }
    lv_err_release(&e);
    return 0;
}

/* ---- the store's records ------------------------------------------------ */

struct find {
    const char *name;           /* a store named so, or */
    const char *cluster;        /* a store on this cluster */
    const char *not_id;         /* other than this one */
    char id[24];
};

static int find_cb(void *arg, const struct lv_kms_cks *c)
{
    struct find *f = arg;

    if (f->not_id && strcmp(c->id, f->not_id) == 0) {
        return 0;
    }
    if ((f->name && strcmp(c->name, f->name) == 0) ||
        (f->cluster && strcmp(c->cluster_id, f->cluster) == 0)) {
        snprintf(f->id, sizeof(f->id), "%s", c->id);
        return 1;
    }
    return 0;
}

/* 1 with f->id when a store of rq's scope matches f, 0, -1 with *err. */
static int find_store(struct lv_req *rq, struct find *f, struct lv_err *err)
{
    int rc = lv_store_kms_cks_list(rq->store, rq->who.account, rq->region,
                                   "", 0, find_cb, f, err);

    return rc < 0 ? -1 : rc > 0;
}

/* Loads the store named by the input's CustomKeyStoreId, of rq's scope. */
static int load(struct lv_req *rq, const json_t *in, struct lv_kms_cks *c,
                struct lv_err *err)
{
    const char *id = lv_json_str(in, "CustomKeyStoreId");
    int rc;

    if (!id || !*id) {
        return lv_err_set(err, LV_E_VALIDATION, "1 validation error "
                          "detected: Value null at 'customKeyStoreId' failed "
                          "to satisfy constraint: Member must not be null");
    }
    rc = lv_store_kms_cks_get(rq->store, id, c, err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0 || strcmp(c->account, rq->who.account) != 0 ||
        strcmp(c->region, rq->region) != 0) {
        return lv_err_set(err, LV_E_CUSTOM_KEY_STORE_NOT_FOUND, "Custom key "
                          "store with ID %s does not exist.", id);
    }
    return 0;
}

/* The state shown: CONNECTED only with a session in this process. */
static const char *shown_state(struct lv_req *rq, const struct lv_kms_cks *c)
{
    if (strcmp(c->state, "CONNECTED") == 0 && !connected(rt_of(rq), c->id)) {
        return "DISCONNECTED";
    }
    return c->state;
}

static void write_store(struct lv_req *rq, struct lv_jw *w,
                        const struct lv_kms_cks *c)
{
    const char *state = shown_state(rq, c);

    lv_jw_obj_open(w);
    lv_jw_kstr(w, "CustomKeyStoreId", c->id);
    lv_jw_kstr(w, "CustomKeyStoreName", c->name);
    lv_jw_kstr(w, "CustomKeyStoreType", c->type);
    lv_jw_kstr(w, "CloudHsmClusterId", c->cluster_id);
    lv_jw_kstr(w, "TrustAnchorCertificate", c->trust_anchor);
    lv_jw_kstr(w, "ConnectionState", state);
    if (strcmp(state, "FAILED") == 0 && c->error_code[0]) {
        lv_jw_kstr(w, "ConnectionErrorCode", c->error_code);
    }
    lv_jw_key(w, "CreationDate");
    lv_jw_double(w, c->creation_date);
    lv_jw_obj_close(w);
}

/* ---- the operations ----------------------------------------------------- */

int lv_kms_op_create_custom_key_store(struct lv_req *rq, const json_t *in,
                                      struct lv_jw *w, struct lv_err *err)
{
    const char *name = lv_json_str(in, "CustomKeyStoreName");
    const char *type = lv_json_str(in, "CustomKeyStoreType");
    const char *cluster = lv_json_str(in, "CloudHsmClusterId");
    const char *anchor = lv_json_str(in, "TrustAnchorCertificate");
    const char *pin = lv_json_str(in, "KeyStorePassword");
    struct lv_kms_cks_rt *rt = rt_of(rq);
    struct lv_kms_cks c;
    struct find f;
    uint8_t rnd[9];
    int rc;
    int ret = -1;

    lv_kms_cks_init(&c);
    if (!name || !*name) {
        lv_err_set(err, LV_E_VALIDATION, "1 validation error detected: "
                   "Value null at 'customKeyStoreName' failed to satisfy "
                   "constraint: Member must not be null");
        goto out;
    }
    if (type && strcmp(type, "EXTERNAL_KEY_STORE") == 0) {
        /* logvault reaches no external key store proxy. */
        lv_err_set(err, LV_E_XKS_PROXY_URI_UNREACHABLE, "KMS was unable to "
                   "reach the specified XksProxyUriPath. The path must be "
                   "reachable before you create the external key store or "
                   "update its settings.");
        goto out;
    }
    if (type && strcmp(type, "AWS_CLOUDHSM") != 0) {
        lv_err_set(err, LV_E_VALIDATION, "1 validation error detected: "
                   "Value '%s' at 'customKeyStoreType' failed to satisfy "
                   "constraint: Member must satisfy enum value set: "
                   "[EXTERNAL_KEY_STORE, AWS_CLOUDHSM]", type);
        goto out;
    }
    if (!cluster || !anchor || !pin) {
        lv_err_set(err, LV_E_VALIDATION, "A custom key store of type "
                   "AWS_CLOUDHSM requires CloudHsmClusterId, "
                   "TrustAnchorCertificate and KeyStorePassword.");
        goto out;
    }
    if (check_pin(pin, err) < 0 || check_anchor(anchor, err) < 0 ||
        check_cluster(rt, cluster, pin, err) < 0) {
        goto out;
    }
    memset(&f, 0, sizeof(f));
    f.cluster = cluster;
    rc = find_store(rq, &f, err);
    if (rc < 0) {
        goto out;
    }
    if (rc > 0) {
        lv_err_set(err, LV_E_CLOUD_HSM_CLUSTER_IN_USE, "The specified "
                   "CloudHSM cluster %s is already associated with custom "
                   "key store %s.", cluster, f.id);
        goto out;
    }
    lv_rand_bytes(rnd, sizeof(rnd));
    snprintf(c.id, sizeof(c.id), "cks-%02x%02x%02x%02x%02x%02x%02x%02x%x",
             rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7],
             rnd[8] & 0xf);
    snprintf(c.account, sizeof(c.account), "%s", rq->who.account);
    snprintf(c.region, sizeof(c.region), "%s", rq->region);
    snprintf(c.name, sizeof(c.name), "%s", name);
    snprintf(c.type, sizeof(c.type), "AWS_CLOUDHSM");
    snprintf(c.cluster_id, sizeof(c.cluster_id), "%s", cluster);
    c.trust_anchor = lv_xstrdup(anchor);
    snprintf(c.state, sizeof(c.state), "DISCONNECTED");
    c.creation_date = lv_kms_now(rq);
    rc = lv_store_kms_cks_insert(rq->store, &c, err);
    if (rc < 0) {
        goto out;
    }
    if (rc == 1) {
        lv_err_set(err, LV_E_CUSTOM_KEY_STORE_NAME_IN_USE, "A custom key "
                   "store with name %s already exists.", name);
        goto out;
    }
    if (keep_pin(rt, c.id, pin, err) < 0) {
        lv_store_kms_cks_delete(rq->store, c.id, err);
        goto out;
    }
    lv_jw_kstr(w, "CustomKeyStoreId", c.id);
    ret = 0;
out:
    lv_kms_cks_release(&c);
    return ret;
}

struct cks_page {
    struct lv_req *rq;
    struct lv_jw *w;
    int limit;
    int count;
    int truncated;
    char last[24];
};

static int page_cks(void *arg, const struct lv_kms_cks *c)
{
    struct cks_page *p = arg;

    if (p->count == p->limit) {
        p->truncated = 1;
        return 1;
    }
    write_store(p->rq, p->w, c);
    snprintf(p->last, sizeof(p->last), "%s", c->id);
    p->count++;
    return 0;
}

int lv_kms_op_describe_custom_key_stores(struct lv_req *rq, const json_t *in,
                                         struct lv_jw *w, struct lv_err *err)
{
    const char *id = lv_json_str(in, "CustomKeyStoreId");
    const char *name = lv_json_str(in, "CustomKeyStoreName");
    struct lv_kms_cks c;
    struct cks_page p;
    struct find f;
    char after[64];
    int rc;
    int ret = -1;

    lv_kms_cks_init(&c);
    if (id && name) {
        lv_err_set(err, LV_E_VALIDATION, "Specify either CustomKeyStoreId "
                   "or CustomKeyStoreName, not both.");
        goto out;
    }
    if (name) {
        memset(&f, 0, sizeof(f));
        f.name = name;
        rc = find_store(rq, &f, err);
        if (rc < 0) {
            goto out;
        }
        if (rc == 0 || lv_store_kms_cks_get(rq->store, f.id, &c, err) != 1) {
            lv_err_set(err, LV_E_CUSTOM_KEY_STORE_NOT_FOUND, "Custom key "
                       "store with name %s does not exist.", name);
            goto out;
        }
    } else if (id && load(rq, in, &c, err) < 0) {
        goto out;
    }
    lv_jw_key(w, "CustomKeyStores");
    lv_jw_arr_open(w);
    memset(&p, 0, sizeof(p));
    if (id || name) {
        write_store(rq, w, &c);
    } else {
        if (lv_kms_marker_read(in, "cks", after, sizeof(after), err) < 0) {
            goto out;
        }
        p.rq = rq;
        p.w = w;
        p.limit = lv_kms_limit(in);
        if (lv_store_kms_cks_list(rq->store, rq->who.account, rq->region,
                                  after, p.limit + 1, page_cks, &p,
                                  err) < 0) {
            goto out;
        }
    }
    lv_jw_arr_close(w);
    if (p.truncated) {
        lv_kms_marker_write(w, "cks", p.last);
    }
    lv_jw_kbool(w, "Truncated", p.truncated);
    ret = 0;
out:
    lv_kms_cks_release(&c);
    return ret;
}

static int invalid_state(const struct lv_kms_cks *c, const char *shown,
                         const char *op, struct lv_err *err)
{
    return lv_err_set(err, LV_E_CUSTOM_KEY_STORE_INVALID_STATE, "%s is not "
                      "valid for custom key store %s, whose ConnectionState "
                      "is %s.", op, c->id, shown);
}

int lv_kms_op_connect_custom_key_store(struct lv_req *rq, const json_t *in,
                                       struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_cks_rt *rt = rt_of(rq);
    struct lv_kms_cks c;
    struct lv_err e = LV_ERR_INIT;
    struct cks_slot *sl;
    const char *shown;
    const char *code = "";
    int rc = -1;
    int ret = -1;

    (void)w;
    lv_kms_cks_init(&c);
    if (load(rq, in, &c, err) < 0) {
        goto out;
    }
    shown = shown_state(rq, &c);
    if (strcmp(shown, "FAILED") == 0) {
        invalid_state(&c, shown, "ConnectCustomKeyStore", err);
        goto out;
    }
    if (strcmp(shown, "CONNECTED") == 0) {
        ret = 0;
        goto out;
    }
    if (!rt || !rt->p11) {
        code = "CLUSTER_NOT_FOUND";
    } else {
        pthread_mutex_lock(&rt->mu);
        sl = slot_of(rt, c.id, 1);
        if (!sl || !sl->pin) {
            code = "INVALID_CREDENTIALS";
        } else {
            lv_p11_logout(sl->s);
            sl->s = NULL;
            rc = lv_p11_login(rt->p11, c.cluster_id, sl->pin, &sl->s, &e);
            if (rc < 0) {
                code = strncmp(e.msg, "no PKCS#11 token", 16) == 0
                           ? "CLUSTER_NOT_FOUND"
                       : strncmp(e.msg, "the user PIN", 12) == 0
                           ? "INVALID_CREDENTIALS"
                           : "INTERNAL_ERROR";
                lv_log(LV_LOG_WARN, "kms: custom key store %s cannot "
                       "connect: %s", c.id, lv_err_msg(&e));
            }
        }
        pthread_mutex_unlock(&rt->mu);
    }
    snprintf(c.state, sizeof(c.state), "%s", rc == 0 ? "CONNECTED"
                                                     : "FAILED");
    snprintf(c.error_code, sizeof(c.error_code), "%s", code);
    if (lv_store_kms_cks_update(rq->store, &c, err) < 0) {
        goto out;
    }
    ret = 0;
out:
    lv_err_release(&e);
    lv_kms_cks_release(&c);
    return ret;
}

/* Logs out of the store id's session, if any. */
static void drop_session(struct lv_kms_cks_rt *rt, const char *id)
{
    struct cks_slot *sl;

    if (!rt) {
        return;
    }
    pthread_mutex_lock(&rt->mu);
    sl = slot_of(rt, id, 0);
    if (sl) {
        lv_p11_logout(sl->s);
        sl->s = NULL;
    }
    pthread_mutex_unlock(&rt->mu);
}

int lv_kms_op_disconnect_custom_key_store(struct lv_req *rq,
                                          const json_t *in, struct lv_jw *w,
                                          struct lv_err *err)
{
    struct lv_kms_cks c;
    int ret = -1;

    (void)w;
    lv_kms_cks_init(&c);
    if (load(rq, in, &c, err) < 0) {
        goto out;
    }
    drop_session(rt_of(rq), c.id);
    snprintf(c.state, sizeof(c.state), "DISCONNECTED");
    c.error_code[0] = '\0';
    if (lv_store_kms_cks_update(rq->store, &c, err) < 0) {
        goto out;
    }
    ret = 0;
out:
    lv_kms_cks_release(&c);
    return ret;
}

int lv_kms_op_update_custom_key_store(struct lv_req *rq, const json_t *in,
                                      struct lv_jw *w, struct lv_err *err)
{
    const char *name = lv_json_str(in, "NewCustomKeyStoreName");
    const char *cluster = lv_json_str(in, "CloudHsmClusterId");
    const char *pin = lv_json_str(in, "KeyStorePassword");
    struct lv_kms_cks_rt *rt = rt_of(rq);
    struct lv_kms_cks c;
    struct find f;
    const char *shown;
    int rc;
    int ret = -1;

    (void)w;
    lv_kms_cks_init(&c);
    if (load(rq, in, &c, err) < 0) {
        goto out;
    }
    if (strcmp(c.type, "AWS_CLOUDHSM") != 0) {
        lv_err_set(err, LV_E_VALIDATION, "Only an AWS_CLOUDHSM custom key "
                   "store can be updated here.");
        goto out;
    }
    shown = shown_state(rq, &c);
    if ((cluster || pin) && strcmp(shown, "DISCONNECTED") != 0) {
        invalid_state(&c, shown, "UpdateCustomKeyStore", err);
        goto out;
    }
    if (pin && check_pin(pin, err) < 0) {
        goto out;
    }
    if (name) {
        memset(&f, 0, sizeof(f));
        f.name = name;
        f.not_id = c.id;
        rc = find_store(rq, &f, err);
        if (rc < 0) {
            goto out;
        }
        if (rc > 0) {
            lv_err_set(err, LV_E_CUSTOM_KEY_STORE_NAME_IN_USE, "A custom "
                       "key store with name %s already exists.", name);
            goto out;
        }
        snprintf(c.name, sizeof(c.name), "%s", name);
    }
    if (cluster) {
        /* AWS takes only a cluster related to the original one; a token
         * is related to itself only. */
        if (strcmp(cluster, c.cluster_id) != 0) {
            lv_err_set(err, LV_E_CLOUD_HSM_CLUSTER_NOT_RELATED, "The "
                       "specified CloudHSM cluster %s does not share a "
                       "backup history with the original cluster %s.",
                       cluster, c.cluster_id);
            goto out;
        }
    }
    if (lv_store_kms_cks_update(rq->store, &c, err) < 0) {
        goto out;
    }
    if (pin && rt && keep_pin(rt, c.id, pin, err) < 0) {
        goto out;
    }
    ret = 0;
out:
    lv_kms_cks_release(&c);
    return ret;
}

int lv_kms_op_delete_custom_key_store(struct lv_req *rq, const json_t *in,
                                      struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_cks_rt *rt = rt_of(rq);
    struct lv_kms_cks c;
    struct cks_slot *sl;
    const char *shown;
    int n = 0;
    int ret = -1;

    (void)w;
    lv_kms_cks_init(&c);
    if (load(rq, in, &c, err) < 0) {
        goto out;
    }
    shown = shown_state(rq, &c);
    if (strcmp(shown, "DISCONNECTED") != 0) {
        invalid_state(&c, shown, "DeleteCustomKeyStore", err);
        goto out;
    }
    if (lv_store_kms_cks_key_count(rq->store, c.id, &n, err) < 0) {
        goto out;
    }
    if (n > 0) {
        lv_err_set(err, LV_E_CUSTOM_KEY_STORE_HAS_CM_KS, "Custom key store "
                   "%s contains KMS keys; delete them first.", c.id);
        goto out;
    }
    if (lv_store_kms_cks_delete(rq->store, c.id, err) < 0) {
        goto out;
    }
    if (rt) {
        pthread_mutex_lock(&rt->mu);
        sl = slot_of(rt, c.id, 0);
        if (sl) {
            slot_clear(sl);
        }
        pthread_mutex_unlock(&rt->mu);
    }
    ret = 0;
out:
    lv_kms_cks_release(&c);
    return ret;
}

/* ---- keys of a custom key store ----------------------------------------- */

/* The session of the store id with rt->mu held (the caller unlocks), or
 * NULL (not held) when the store is not connected in this process. */
static struct lv_p11_session *lock_session(struct lv_kms_cks_rt *rt,
                                           const char *id)
{
    struct cks_slot *sl;

    if (!rt) {
        return NULL;
    }
    pthread_mutex_lock(&rt->mu);
    sl = slot_of(rt, id, 0);
    if (sl && sl->s) {
        return sl->s;
    }
    pthread_mutex_unlock(&rt->mu);
    return NULL;
}

static int unusable(const struct lv_kms_key *k, struct lv_err *err)
{
    return lv_err_set(err, LV_E_KMS_INVALID_STATE, "%s is unavailable "
                      "because its custom key store %s is not connected.",
                      k->arn, k->custom_key_store_id);
}

int lv_kms_cks_create_key(struct lv_req *rq, const json_t *in,
                          const char *key_label, char cluster[64],
                          struct lv_err *err)
{
    struct lv_kms_cks_rt *rt = rt_of(rq);
    struct lv_p11_session *s;
    struct lv_kms_cks c;
    const char *shown;
    int ret = -1;

    lv_kms_cks_init(&c);
    if (load(rq, in, &c, err) < 0) {
        goto out;
    }
    shown = shown_state(rq, &c);
    if (strcmp(shown, "CONNECTED") != 0) {
        invalid_state(&c, shown, "CreateKey", err);
        goto out;
    }
    s = lock_session(rt, c.id);
    if (!s) {
        invalid_state(&c, "DISCONNECTED", "CreateKey", err);
        goto out;
    }
    ret = lv_p11_generate(s, key_label, err);
    pthread_mutex_unlock(&rt->mu);
    if (ret == 0) {
        snprintf(cluster, 64, "%s", c.cluster_id);
    }
out:
    lv_kms_cks_release(&c);
    return ret;
}

int lv_kms_cks_cluster(struct lv_req *rq, const struct lv_kms_key *k,
                       char cluster[64], int *usable)
{
    struct lv_kms_cks c;
    struct lv_err e = LV_ERR_INIT;
    int rc;

    cluster[0] = '\0';
    *usable = connected(rt_of(rq), k->custom_key_store_id);
    lv_kms_cks_init(&c);
    rc = lv_store_kms_cks_get(rq->store, k->custom_key_store_id, &c, &e);
    if (rc == 1) {
        snprintf(cluster, 64, "%s", c.cluster_id);
    }
    lv_kms_cks_release(&c);
    lv_err_release(&e);
    return rc == 1 ? 0 : -1;
}

int lv_kms_cks_usable(struct lv_req *rq, const struct lv_kms_key *k,
                      struct lv_err *err)
{
    if (!k->custom_key_store_id[0] ||
        connected(rt_of(rq), k->custom_key_store_id)) {
        return 0;
    }
    return unusable(k, err);
}

int lv_kms_cks_seal(struct lv_req *rq, const struct lv_kms_key *k,
                    const struct lv_kv *ctx, size_t n_ctx, const void *pt,
                    size_t pt_len, struct lv_buf *blob, struct lv_err *err)
{
    struct lv_kms_cks_rt *rt = rt_of(rq);
    struct lv_p11_session *s;
    struct lv_buf aad = LV_BUF_INIT(SIZE_MAX);
    uint8_t hdr[LV_BLOB_HEADER_BYTES];
    uint8_t raw[16];
    size_t start = blob->len;
    int ret = -1;

    if (lv_kms_key_raw(k, raw) < 0) {
        return lv_err_set(err, LV_E_KMS_INTERNAL, "The plaintext cannot be "
                          "encrypted");
    }
    lv_blob_header(hdr, raw, k->current_version);
    lv_blob_aad(hdr, ctx, n_ctx, &aad);
    s = lock_session(rt, k->custom_key_store_id);
    if (!s) {
        unusable(k, err);
        goto out;
    }
    if (lv_buf_add(blob, hdr, sizeof(hdr)) < 0) {
        lv_err_set(err, LV_E_KMS_INTERNAL, "The plaintext cannot be "
                   "encrypted");
    } else if (lv_p11_encrypt_iv(s, k->id, hdr + LV_BLOB_NONCE_OFFSET,
                                 aad.data, aad.len, pt, pt_len, blob,
                                 err) == 0) {
        ret = 0;
    }
    pthread_mutex_unlock(&rt->mu);
    if (ret < 0) {
        blob->len = start;
        blob->data[start] = '\0';
    }
out:
    lv_buf_release(&aad);
    return ret;
}

int lv_kms_cks_open(struct lv_req *rq, const struct lv_kms_key *k,
                    const void *blob, size_t len, const struct lv_kv *ctx,
                    size_t n_ctx, struct lv_buf *pt, struct lv_err *err)
{
    struct lv_kms_cks_rt *rt = rt_of(rq);
    struct lv_p11_session *s;
    struct lv_buf aad = LV_BUF_INIT(SIZE_MAX);
    const uint8_t *b = blob;
    int ret = -1;

    if (len < LV_BLOB_OVERHEAD) {
        return lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
    }
    lv_blob_aad(b, ctx, n_ctx, &aad);
    s = lock_session(rt, k->custom_key_store_id);
    if (!s) {
        unusable(k, err);
        goto out;
    }
    ret = lv_p11_decrypt(s, k->id, aad.data, aad.len,
                         b + LV_BLOB_NONCE_OFFSET,
                         len - LV_BLOB_NONCE_OFFSET, pt, err);
    pthread_mutex_unlock(&rt->mu);
out:
    lv_buf_release(&aad);
    return ret;
}

int lv_kms_cks_random(struct lv_req *rq, const json_t *in, void *out,
                      size_t n, struct lv_err *err)
{
    struct lv_kms_cks_rt *rt = rt_of(rq);
    struct lv_p11_session *s;
    struct lv_kms_cks c;
    const char *shown;
    int ret = -1;

    lv_kms_cks_init(&c);
    if (load(rq, in, &c, err) < 0) {
        goto out;
    }
    shown = shown_state(rq, &c);
    s = strcmp(shown, "CONNECTED") == 0 ? lock_session(rt, c.id) : NULL;
    if (!s) {
        invalid_state(&c, strcmp(shown, "CONNECTED") == 0 ? "DISCONNECTED"
                                                         : shown,
                      "GenerateRandom", err);
        goto out;
    }
    ret = lv_p11_random(s, out, n, err);
    pthread_mutex_unlock(&rt->mu);
out:
    lv_kms_cks_release(&c);
    return ret;
}

int lv_kms_cks_destroy_key(struct lv_req *rq, const struct lv_kms_key *k,
                           struct lv_err *err)
{
    struct lv_kms_cks_rt *rt = rt_of(rq);
    struct lv_p11_session *s;
    int rc;

    s = lock_session(rt, k->custom_key_store_id);
    if (!s) {
        return 0;
    }
    rc = lv_p11_destroy(s, k->id, err);
    pthread_mutex_unlock(&rt->mu);
    return rc;
}
