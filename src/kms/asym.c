/*
 * asym: KMS operations on asymmetric keys — Sign, Verify, GetPublicKey —
 * DeriveSharedSecret (ECDH with a KEY_AGREEMENT key), and
 * GenerateDataKeyPair(WithoutPlaintext), which makes a key pair and wraps
 * its private half under a symmetric KMS key. The OpenSSL helpers
 * come first and take no request, so unit tests can drive them.
 *
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Verify.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/
 *   API_DeriveSharedSecret.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/
 *   API_GenerateDataKeyPair.html
 * Algorithms: https://docs.aws.amazon.com/kms/latest/developerguide/
 *   asymmetric-key-specs.html
 */
#include "kms/ops_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "kms/kms.h"
#include "kms/kms_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

/* ---- OpenSSL helpers ----------------------------------------------------- */

static EVP_PKEY *load_private(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;

    if (len > (size_t)LONG_MAX) {
        return NULL;
    }
    return d2i_AutoPrivateKey(NULL, &p, (long)len);
}

static int internal(struct lv_err *err, const char *what)
{
    return lv_err_set(err, LV_E_KMS_INTERNAL, "%s", what);
}

int lv_kms_asym_public(const uint8_t *der, size_t len, struct lv_buf *pub,
                       struct lv_err *err)
{
    EVP_PKEY *pk = load_private(der, len);
    unsigned char *p;
    int n;
    int ret = -1;

    if (!pk) {
        return internal(err, "The key material cannot be read");
    }
    n = i2d_PUBKEY(pk, NULL);
    if (n <= 0 || lv_buf_grow(pub, (size_t)n) < 0) {
        internal(err, "The public key cannot be encoded");
        goto out;
    }
    p = (unsigned char *)pub->data + pub->len;
    if (i2d_PUBKEY(pk, &p) != n) {
        internal(err, "The public key cannot be encoded");
        goto out;
    }
    pub->len += (size_t)n;
    pub->data[pub->len] = '\0';
    ret = 0;
out:
    EVP_PKEY_free(pk);
    return ret;
}

int lv_kms_asym_generate(const char *spec, uint8_t **priv, size_t *priv_len,
                         struct lv_buf *pub, struct lv_err *err)
{
    static const struct {
        const char *spec;
        const char *type;
        const char *curve;
        size_t bits;
    } specs[] = {
        { "RSA_2048", "RSA", NULL, 2048 },
        { "RSA_3072", "RSA", NULL, 3072 },
        { "RSA_4096", "RSA", NULL, 4096 },
        { "ECC_NIST_P256", "EC", "P-256", 0 },
        { "ECC_NIST_P384", "EC", "P-384", 0 },
        { "ECC_NIST_P521", "EC", "P-521", 0 },
        { "ECC_SECG_P256K1", "EC", "secp256k1", 0 },
    };
    EVP_PKEY *pk = NULL;
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    uint8_t *der = NULL;
    unsigned char *p;
    size_t i;
    int n = 0;
    int ret = -1;

    for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        if (strcmp(specs[i].spec, spec) == 0) {
            break;
        }
    }
    if (i == sizeof(specs) / sizeof(specs[0])) {
        return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION,
                          "KeyPairSpec %s is not supported.", spec);
    }
    if (specs[i].curve) {
        pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", specs[i].curve);
    } else {
        pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", specs[i].bits);
    }
    if (!pk) {
        return internal(err, "The key pair could not be generated");
    }
    p8 = EVP_PKEY2PKCS8(pk);
    n = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8, NULL) : -1;
    if (n <= 0) {
        internal(err, "The private key cannot be encoded");
        goto out;
    }
    der = lv_xmalloc((size_t)n);
    p = der;
    if (i2d_PKCS8_PRIV_KEY_INFO(p8, &p) != n) {
        internal(err, "The private key cannot be encoded");
        goto out;
    }
    if (lv_kms_asym_public(der, (size_t)n, pub, err) < 0) {
        goto out;
    }
    *priv = der;
    *priv_len = (size_t)n;
    der = NULL;
    ret = 0;
out:
    if (der) {
        lv_secret_free(der, (size_t)n);
    }
    PKCS8_PRIV_KEY_INFO_free(p8);
    EVP_PKEY_free(pk);
    return ret;
}

/* What a signing algorithm name means. */
struct sign_alg {
    const char *name;
    const char *md;         /* OpenSSL digest name */
    size_t digest_len;
    int rsa_padding;        /* 0 for ECDSA */
};

static const struct sign_alg sign_algs[] = {
    { "RSASSA_PSS_SHA_256", "SHA256", 32, RSA_PKCS1_PSS_PADDING },
    { "RSASSA_PSS_SHA_384", "SHA384", 48, RSA_PKCS1_PSS_PADDING },
    { "RSASSA_PSS_SHA_512", "SHA512", 64, RSA_PKCS1_PSS_PADDING },
    { "RSASSA_PKCS1_V1_5_SHA_256", "SHA256", 32, RSA_PKCS1_PADDING },
    { "RSASSA_PKCS1_V1_5_SHA_384", "SHA384", 48, RSA_PKCS1_PADDING },
    { "RSASSA_PKCS1_V1_5_SHA_512", "SHA512", 64, RSA_PKCS1_PADDING },
    { "ECDSA_SHA_256", "SHA256", 32, 0 },
    { "ECDSA_SHA_384", "SHA384", 48, 0 },
    { "ECDSA_SHA_512", "SHA512", 64, 0 },
};

static const struct sign_alg *find_sign_alg(const char *alg)
{
    for (size_t i = 0; i < sizeof(sign_algs) / sizeof(sign_algs[0]); i++) {
        if (strcmp(sign_algs[i].name, alg) == 0) {
            return &sign_algs[i];
        }
    }
    return NULL;
}

size_t lv_kms_sign_digest_len(const char *alg)
{
    const struct sign_alg *a = find_sign_alg(alg);

    return a ? a->digest_len : 0;
}

/*
 * The pieces sign and verify share: the key, a context set up for `alg`
 * (init is EVP_PKEY_sign_init or EVP_PKEY_verify_init), and the digest
 * of the message in dg. Returns 0 or -1 with *err.
 */
struct sig_job {
    EVP_PKEY *pk;
    EVP_PKEY_CTX *ctx;
    uint8_t dg[EVP_MAX_MD_SIZE];
    size_t dg_len;
};

static void sig_job_release(struct sig_job *j)
{
    EVP_PKEY_CTX_free(j->ctx);
    EVP_PKEY_free(j->pk);
    j->ctx = NULL;
    j->pk = NULL;
}

static int sig_job_init(struct sig_job *j, const uint8_t *der, size_t len,
                        const char *alg_name, const void *msg,
                        size_t msg_len, int is_digest, int for_sign,
                        struct lv_err *err)
{
    const struct sign_alg *alg = find_sign_alg(alg_name);
    EVP_MD *md = NULL;
    unsigned int n = 0;
    int ret = -1;

    memset(j, 0, sizeof(*j));
    if (!alg) {
        return lv_err_set(err, LV_E_INVALID_KEY_USAGE,
                          "Algorithm %s is not supported.", alg_name);
    }
    if (is_digest && msg_len != alg->digest_len) {
        /* AWS's wording, as clients quote it. */
        return lv_err_set(err, LV_E_VALIDATION,
                          "Digest is invalid length for algorithm %s.",
                          alg_name);
    }
    j->pk = load_private(der, len);
    if (!j->pk) {
        return internal(err, "The key material cannot be read");
    }
    if ((alg->rsa_padding != 0) != (EVP_PKEY_is_a(j->pk, "RSA") != 0)) {
        lv_err_set(err, LV_E_INVALID_KEY_USAGE,
                   "Algorithm %s is incompatible with this key.", alg_name);
        goto out;
    }
    md = EVP_MD_fetch(NULL, alg->md, NULL);
    if (!md) {
        internal(err, "The digest is not available");
        goto out;
    }
    if (is_digest) {
        memcpy(j->dg, msg, msg_len);
        j->dg_len = msg_len;
    } else {
        if (!EVP_Digest(msg, msg_len, j->dg, &n, md, NULL)) {
            internal(err, "The message cannot be hashed");
            goto out;
        }
        j->dg_len = n;
    }
    j->ctx = EVP_PKEY_CTX_new_from_pkey(NULL, j->pk, NULL);
    if (!j->ctx ||
        (for_sign ? EVP_PKEY_sign_init(j->ctx)
                  : EVP_PKEY_verify_init(j->ctx)) <= 0 ||
        (alg->rsa_padding &&
         EVP_PKEY_CTX_set_rsa_padding(j->ctx, alg->rsa_padding) <= 0) ||
        (alg->rsa_padding == RSA_PKCS1_PSS_PADDING &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(j->ctx,
                                          RSA_PSS_SALTLEN_DIGEST) <= 0) ||
        EVP_PKEY_CTX_set_signature_md(j->ctx, md) <= 0) {
        internal(err, "The signing context cannot be set up");
        goto out;
    }
    ret = 0;
out:
    EVP_MD_free(md);
    if (ret < 0) {
        sig_job_release(j);
    }
    return ret;
}

int lv_kms_asym_sign(const uint8_t *der, size_t len, const char *alg,
                     const void *msg, size_t msg_len, int is_digest,
                     struct lv_buf *sig, struct lv_err *err)
{
    struct sig_job j;
    size_t n = 0;
    int ret = -1;

    if (sig_job_init(&j, der, len, alg, msg, msg_len, is_digest, 1,
                     err) < 0) {
        return -1;
    }
    if (EVP_PKEY_sign(j.ctx, NULL, &n, j.dg, j.dg_len) <= 0 ||
        lv_buf_grow(sig, n) < 0 ||
        EVP_PKEY_sign(j.ctx, (unsigned char *)sig->data + sig->len, &n,
                      j.dg, j.dg_len) <= 0) {
        internal(err, "The message cannot be signed");
        goto out;
    }
    sig->len += n;
    sig->data[sig->len] = '\0';
    ret = 0;
out:
    sig_job_release(&j);
    return ret;
}

int lv_kms_asym_verify(const uint8_t *der, size_t len, const char *alg,
                       const void *msg, size_t msg_len, int is_digest,
                       const void *sig, size_t sig_len, struct lv_err *err)
{
    struct sig_job j;
    int rc;

    if (sig_job_init(&j, der, len, alg, msg, msg_len, is_digest, 0,
                     err) < 0) {
        return -1;
    }
    /* 1 valid; 0 wrong; < 0 for a signature that does not even parse,
     * which is just as invalid. */
    rc = EVP_PKEY_verify(j.ctx, sig, sig_len, j.dg, j.dg_len);
    sig_job_release(&j);
    return rc == 1;
}

static const char *oaep_md(const char *alg)
{
    if (strcmp(alg, "RSAES_OAEP_SHA_1") == 0) {
        return "SHA1";
    }
    if (strcmp(alg, "RSAES_OAEP_SHA_256") == 0) {
        return "SHA256";
    }
    return NULL;
}

/* An OAEP context for pk (encrypt or decrypt), or NULL. */
static EVP_PKEY_CTX *oaep_ctx(EVP_PKEY *pk, const char *alg, int enc)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    const char *mdname = oaep_md(alg);

    if (!c || !mdname || !EVP_PKEY_is_a(pk, "RSA") ||
        (enc ? EVP_PKEY_encrypt_init(c) : EVP_PKEY_decrypt_init(c)) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_oaep_md_name(c, mdname, NULL) <= 0 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md_name(c, mdname, NULL) <= 0) {
        EVP_PKEY_CTX_free(c);
        return NULL;
    }
    return c;
}

int lv_kms_asym_encrypt(const uint8_t *der, size_t len, const char *alg,
                        const void *pt, size_t pt_len, struct lv_buf *ct,
                        struct lv_err *err)
{
    EVP_PKEY *pk = load_private(der, len);
    EVP_PKEY_CTX *c = NULL;
    size_t hlen = strcmp(alg, "RSAES_OAEP_SHA_1") == 0 ? 20 : 32;
    size_t k;
    size_t n = 0;
    int ret = -1;

    if (!pk) {
        return internal(err, "The key material cannot be read");
    }
    k = (size_t)EVP_PKEY_get_size(pk);
    /* RFC 8017 7.1.1: mLen <= k - 2hLen - 2. AWS documents the same
     * maxima per key spec and algorithm; its error text is unknown, so
     * ours says what the limit is. */
    if (k < 2 * hlen + 2 || pt_len > k - 2 * hlen - 2) {
        lv_err_set(err, LV_E_VALIDATION, "Plaintext of %zu bytes is too "
                   "long for %s with a %zu-bit RSA key (at most %zu bytes)",
                   pt_len, alg, k * 8, k < 2 * hlen + 2 ? 0
                   : k - 2 * hlen - 2);
        goto out;
    }
    c = oaep_ctx(pk, alg, 1);
    if (!c || EVP_PKEY_encrypt(c, NULL, &n, pt, pt_len) <= 0 ||
        lv_buf_grow(ct, n) < 0 ||
        EVP_PKEY_encrypt(c, (unsigned char *)ct->data + ct->len, &n, pt,
                         pt_len) <= 0) {
        internal(err, "The plaintext cannot be encrypted");
        goto out;
    }
    ct->len += n;
    ct->data[ct->len] = '\0';
    ret = 0;
out:
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(pk);
    return ret;
}

int lv_kms_asym_decrypt(const uint8_t *der, size_t len, const char *alg,
                        const void *ct, size_t ct_len, struct lv_buf *pt,
                        struct lv_err *err)
{
    EVP_PKEY *pk = load_private(der, len);
    EVP_PKEY_CTX *c = NULL;
    size_t n = 0;
    size_t start = pt->len;
    int ret = -1;

    if (pk) {
        c = oaep_ctx(pk, alg, 0);
    }
    if (!c || EVP_PKEY_decrypt(c, NULL, &n, ct, ct_len) <= 0 ||
        lv_buf_grow(pt, n) < 0) {
        goto out;
    }
    if (EVP_PKEY_decrypt(c, (unsigned char *)pt->data + start, &n, ct,
                         ct_len) <= 0) {
        lv_secret_wipe(pt->data + start, pt->cap - start);
        goto out;
    }
    pt->len = start + n;
    pt->data[pt->len] = '\0';
    ret = 0;
out:
    if (ret < 0) {
        lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
    }
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(pk);
    return ret;
}

int lv_kms_asym_ecdh(const uint8_t *der, size_t len, const void *peer,
                     size_t peer_len, struct lv_buf *secret,
                     struct lv_err *err)
{
    const unsigned char *p = peer;
    EVP_PKEY *pk = load_private(der, len);
    EVP_PKEY *pub = NULL;
    EVP_PKEY_CTX *c = NULL;
    char mine[64];
    char theirs[64];
    size_t start = secret->len;
    size_t n = 0;
    int ret = -1;

    if (!pk) {
        return internal(err, "The key material cannot be read");
    }
    if (peer_len <= (size_t)LONG_MAX) {
        pub = d2i_PUBKEY(NULL, &p, (long)peer_len);
    }
    /* The whole blob must be the key: nothing trailing. */
    if (!pub || p != (const unsigned char *)peer + peer_len ||
        !EVP_PKEY_is_a(pub, "EC") ||
        !EVP_PKEY_get_group_name(pk, mine, sizeof(mine), NULL) ||
        !EVP_PKEY_get_group_name(pub, theirs, sizeof(theirs), NULL) ||
        strcmp(mine, theirs) != 0) {
        /* AWS's text is not published; this says what is wrong. */
        lv_err_set(err, LV_E_VALIDATION, "PublicKey must be a DER-encoded "
                   "X.509 SubjectPublicKeyInfo of an elliptic curve key "
                   "on the curve of the KMS key.");
        goto out;
    }
    c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    if (!c || EVP_PKEY_derive_init(c) <= 0 ||
        EVP_PKEY_derive_set_peer_ex(c, pub, 1) <= 0) {
        /* the peer's point failed OpenSSL's public key check */
        lv_err_set(err, LV_E_VALIDATION, "PublicKey is not a valid point "
                   "of the curve of the KMS key.");
        goto out;
    }
    if (EVP_PKEY_derive(c, NULL, &n) <= 0 || lv_buf_grow(secret, n) < 0) {
        internal(err, "The shared secret cannot be derived");
        goto out;
    }
    if (EVP_PKEY_derive(c, (unsigned char *)secret->data + start, &n) <= 0) {
        lv_secret_wipe(secret->data + start, secret->cap - start);
        internal(err, "The shared secret cannot be derived");
        goto out;
    }
    secret->len = start + n;
    secret->data[secret->len] = '\0';
    ret = 0;
out:
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(pub);
    EVP_PKEY_free(pk);
    return ret;
}

/* ---- handlers ------------------------------------------------------------ */

/* The material of an asymmetric key: one version, its current one. */
static int asym_material(struct lv_req *rq, const struct lv_kms_key *k,
                         uint8_t **mat, size_t *len, struct lv_err *err)
{
    return lv_kms_material(rq, k, k->current_version, mat, len, err);
}

/* MessageType: RAW (default) → 0, DIGEST → 1, else -1 with *err. */
static int message_type(const json_t *in, const struct lv_kms_key *k,
                        struct lv_err *err)
{
    const char *t = lv_json_str(in, "MessageType");

    if (!t || strcmp(t, "RAW") == 0) {
        return 0;
    }
    if (strcmp(t, "DIGEST") == 0) {
        return 1;
    }
    /* EXTERNAL_MU is for ML-DSA keys, which logvault does not make. */
    return lv_err_set(err, LV_E_VALIDATION,
                      "Message type %s is incompatible with key spec %s.", t,
                      k->key_spec);
}

/* Sign and Verify share everything up to the cryptography. */
static int sign_verify(struct lv_req *rq, const json_t *in, int verify,
                       struct lv_jw *w, struct lv_err *err)
{
    const char *op = verify ? "Verify" : "Sign";
    const char *alg = lv_json_str(in, "SigningAlgorithm");
    struct lv_kms_key k;
    struct lv_buf sig = LV_BUF_INIT(8192);
    unsigned char *msg = NULL;
    unsigned char *given = NULL;
    uint8_t *mat = NULL;
    size_t msg_len = 0;
    size_t given_len = 0;
    size_t mat_len = 0;
    int is_digest;
    int valid;
    int ret = -1;

    lv_kms_key_init(&k);
    if (lv_kms_use_key(rq, in, "KeyId", op, NULL, 0, "SIGN_VERIFY", op, &k,
                       err) < 0) {
        goto out;
    }
    if (!alg) {
        alg = "";
    }
    if (lv_kms_check_alg(lv_kms_signing_algorithms(k.key_spec), alg,
                         k.key_spec, err) < 0) {
        goto out;
    }
    is_digest = message_type(in, &k, err);
    if (is_digest < 0) {
        goto out;
    }
    msg = lv_json_blob(in, "Message", &msg_len);
    if (verify) {
        given = lv_json_blob(in, "Signature", &given_len);
    }
    if (!msg || (verify && !given)) {
        lv_err_set(err, LV_E_VALIDATION, "1 validation error detected: "
                   "Value null at '%s' failed to satisfy constraint: Member"
                   " must not be null", !msg ? "message" : "signature");
        goto out;
    }
    if (is_digest && msg_len != lv_kms_sign_digest_len(alg)) {
        lv_err_set(err, LV_E_VALIDATION,
                   "Digest is invalid length for algorithm %s.", alg);
        goto out;
    }
    if (lv_kms_dry_run(in, err) < 0) {
        goto out;
    }
    if (asym_material(rq, &k, &mat, &mat_len, err) < 0) {
        goto out;
    }
    if (verify) {
        valid = lv_kms_asym_verify(mat, mat_len, alg, msg, msg_len,
                                   is_digest, given, given_len, err);
        if (valid < 0) {
            goto out;
        }
        if (!valid) {
            /* AWS sends this one without a message. */
            lv_err_set(err, LV_E_KMS_INVALID_SIGNATURE, NULL);
            goto out;
        }
    } else if (lv_kms_asym_sign(mat, mat_len, alg, msg, msg_len, is_digest,
                                &sig, err) < 0) {
        goto out;
    }
    lv_jw_kstr(w, "KeyId", k.arn);
    if (verify) {
        lv_jw_kbool(w, "SignatureValid", 1);
    } else {
        lv_jw_key(w, "Signature");
        lv_jw_b64(w, sig.data, sig.len);
    }
    lv_jw_kstr(w, "SigningAlgorithm", alg);
    ret = 0;
out:
    if (mat) {
        lv_secret_free(mat, mat_len);
    }
    if (msg) {
        lv_secret_free(msg, msg_len + 1);
    }
    free(given);
    lv_buf_release(&sig);
    lv_kms_key_release(&k);
    return ret;
}

int lv_kms_op_sign(struct lv_req *rq, const json_t *in, struct lv_jw *w,
                   struct lv_err *err)
{
    return sign_verify(rq, in, 0, w, err);
}

int lv_kms_op_verify(struct lv_req *rq, const json_t *in, struct lv_jw *w,
                     struct lv_err *err)
{
    return sign_verify(rq, in, 1, w, err);
}

static void write_list(struct lv_jw *w, const char *key,
                       const char *const *list)
{
    lv_jw_key(w, key);
    lv_jw_arr_open(w);
    for (; list && *list; list++) {
        lv_jw_str(w, *list);
    }
    lv_jw_arr_close(w);
}

int lv_kms_op_get_public_key(struct lv_req *rq, const json_t *in,
                             struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_buf pub = LV_BUF_INIT(8192);
    uint8_t *mat = NULL;
    size_t mat_len = 0;
    int ret = -1;

    lv_kms_key_init(&k);
    if (lv_kms_use_key(rq, in, "KeyId", "GetPublicKey", NULL, 0, NULL, NULL,
                       &k, err) < 0) {
        goto out;
    }
    if (strncmp(k.key_spec, "RSA_", 4) != 0 &&
        strncmp(k.key_spec, "ECC_", 4) != 0) {
        /* AWS's exact text is not published; this says what is wrong. */
        lv_err_set(err, LV_E_UNSUPPORTED_OPERATION,
                   "%s key spec %s is not supported for this operation. "
                   "GetPublicKey requires an asymmetric KMS key.", k.arn,
                   k.key_spec);
        goto out;
    }
    if (asym_material(rq, &k, &mat, &mat_len, err) < 0 ||
        lv_kms_asym_public(mat, mat_len, &pub, err) < 0) {
        goto out;
    }
    lv_jw_kstr(w, "KeyId", k.arn);
    lv_jw_key(w, "PublicKey");
    lv_jw_b64(w, pub.data, pub.len);
    lv_jw_kstr(w, "CustomerMasterKeySpec", k.key_spec);
    lv_jw_kstr(w, "KeySpec", k.key_spec);
    lv_jw_kstr(w, "KeyUsage", k.key_usage);
    if (strcmp(k.key_usage, "ENCRYPT_DECRYPT") == 0) {
        write_list(w, "EncryptionAlgorithms",
                   lv_kms_encryption_algorithms(k.key_spec));
    } else if (strcmp(k.key_usage, "SIGN_VERIFY") == 0) {
        write_list(w, "SigningAlgorithms",
                   lv_kms_signing_algorithms(k.key_spec));
    } else if (strcmp(k.key_usage, "KEY_AGREEMENT") == 0) {
        write_list(w, "KeyAgreementAlgorithms",
                   lv_kms_key_agreement_algorithms(k.key_spec));
    }
    ret = 0;
out:
    if (mat) {
        lv_secret_free(mat, mat_len);
    }
    lv_buf_release(&pub);
    lv_kms_key_release(&k);
    return ret;
}

int lv_kms_op_derive_shared_secret(struct lv_req *rq, const json_t *in,
                                   struct lv_jw *w, struct lv_err *err)
{
    const char *alg = lv_json_str(in, "KeyAgreementAlgorithm");
    struct lv_kms_key k;
    struct lv_buf secret = LV_BUF_INIT(1024);
    unsigned char *peer = NULL;
    uint8_t *mat = NULL;
    size_t peer_len = 0;
    size_t mat_len = 0;
    int ret = -1;

    lv_kms_key_init(&k);
    if (lv_kms_use_key(rq, in, "KeyId", "DeriveSharedSecret", NULL, 0,
                       "KEY_AGREEMENT", "DeriveSharedSecret", &k, err) < 0) {
        goto out;
    }
    if (lv_kms_check_alg(lv_kms_key_agreement_algorithms(k.key_spec),
                         alg ? alg : "", k.key_spec, err) < 0) {
        goto out;
    }
    if (lv_json_obj(in, "Recipient")) {
        /* As GenerateDataKeyPair: no Nitro Enclaves here to attest. */
        lv_err_set(err, LV_E_UNSUPPORTED_OPERATION, "Recipient (a Nitro "
                   "Enclaves attestation document) is not supported.");
        goto out;
    }
    peer = lv_json_blob(in, "PublicKey", &peer_len);
    if (!peer) {
        lv_err_set(err, LV_E_VALIDATION, "1 validation error detected: "
                   "Value null at 'publicKey' failed to satisfy "
                   "constraint: Member must not be null");
        goto out;
    }
    if (lv_kms_dry_run(in, err) < 0) {
        goto out;
    }
    if (asym_material(rq, &k, &mat, &mat_len, err) < 0 ||
        lv_kms_asym_ecdh(mat, mat_len, peer, peer_len, &secret, err) < 0) {
        goto out;
    }
    lv_jw_kstr(w, "KeyId", k.arn);
    lv_jw_key(w, "SharedSecret");
    lv_jw_b64(w, secret.data, secret.len);
    lv_jw_kstr(w, "KeyAgreementAlgorithm", alg);
    lv_jw_kstr(w, "KeyOrigin", k.origin);
    ret = 0;
out:
    if (mat) {
        lv_secret_free(mat, mat_len);
    }
    free(peer);
    lv_crypto_buf_release(&secret);
    lv_kms_key_release(&k);
    return ret;
}

/* Encrypts `pt` under the current material of the symmetric key k with
 * the context, appending the blob to *blob. */
static int wrap(struct lv_req *rq, const struct lv_kms_key *k,
                const struct lv_kv *ctx, size_t n_ctx, const void *pt,
                size_t pt_len, struct lv_buf *blob, struct lv_err *err)
{
    uint8_t *mat = NULL;
    size_t mat_len = 0;
    uint8_t raw[16];
    int ret = -1;

    if (lv_kms_material(rq, k, k->current_version, &mat, &mat_len,
                        err) < 0) {
        return -1;
    }
    if (mat_len != LV_AEAD_KEY_BYTES || lv_kms_key_raw(k, raw) < 0 ||
        lv_blob_encrypt(mat, raw, k->current_version, ctx, n_ctx, pt,
                        pt_len, blob) < 0) {
        lv_err_set(err, LV_E_KMS_INTERNAL, "The data key pair cannot be "
                   "encrypted");
        goto out;
    }
    ret = 0;
out:
    lv_secret_free(mat, mat_len);
    return ret;
}

static int data_key_pair(struct lv_req *rq, const json_t *in, int plain,
                         struct lv_jw *w, struct lv_err *err)
{
    const char *action = plain ? "GenerateDataKeyPair"
                               : "GenerateDataKeyPairWithoutPlaintext";
    const char *spec = lv_json_str(in, "KeyPairSpec");
    struct lv_kv ctx[LV_KMS_MAX_CONTEXT_PAIRS];
    size_t n_ctx = 0;
    struct lv_kms_key k;
    struct lv_buf pub = LV_BUF_INIT(8192);
    struct lv_buf blob = LV_BUF_INIT(16384);
    uint8_t *priv = NULL;
    size_t priv_len = 0;
    int ret = -1;

    lv_kms_key_init(&k);
    if (lv_kms_context(in, "EncryptionContext", ctx,
                       LV_KMS_MAX_CONTEXT_PAIRS, &n_ctx, err) < 0) {
        goto out;
    }
    if (lv_json_obj(in, "Recipient")) {
        lv_err_set(err, LV_E_UNSUPPORTED_OPERATION, "Recipient (a Nitro "
                   "Enclaves attestation document) is not supported.");
        goto out;
    }
    if (lv_kms_use_key(rq, in, "KeyId", action, ctx, n_ctx,
                       "ENCRYPT_DECRYPT", action, &k, err) < 0) {
        goto out;
    }
    if (strcmp(k.key_spec, "SYMMETRIC_DEFAULT") != 0) {
        /* Worded after AWS's GenerateDataKey message. */
        lv_err_set(err, LV_E_INVALID_KEY_USAGE,
                   "You cannot generate a data key pair with an asymmetric"
                   " CMK");
        goto out;
    }
    if (k.custom_key_store_id[0]) {
        /* "You cannot use an asymmetric KMS key or a KMS key in a custom
         * key store" (API_GenerateDataKeyPair). */
        lv_err_set(err, LV_E_UNSUPPORTED_OPERATION, "%s origin is %s which "
                   "is not valid for this operation.", k.arn, k.origin);
        goto out;
    }
    if (!spec) {
        spec = "";
    }
    if (lv_kms_dry_run(in, err) < 0) {
        goto out;
    }
    if (lv_kms_asym_generate(spec, &priv, &priv_len, &pub, err) < 0 ||
        wrap(rq, &k, ctx, n_ctx, priv, priv_len, &blob, err) < 0) {
        goto out;
    }
    lv_jw_key(w, "PrivateKeyCiphertextBlob");
    lv_jw_b64(w, blob.data, blob.len);
    if (plain) {
        lv_jw_key(w, "PrivateKeyPlaintext");
        lv_jw_b64(w, priv, priv_len);
    }
    lv_jw_key(w, "PublicKey");
    lv_jw_b64(w, pub.data, pub.len);
    lv_jw_kstr(w, "KeyId", k.arn);
    lv_jw_kstr(w, "KeyPairSpec", spec);
    ret = 0;
out:
    if (priv) {
        lv_secret_free(priv, priv_len);
    }
    lv_buf_release(&blob);
    lv_buf_release(&pub);
    lv_kms_key_release(&k);
    return ret;
}

int lv_kms_op_generate_data_key_pair(struct lv_req *rq, const json_t *in,
                                     struct lv_jw *w, struct lv_err *err)
{
    return data_key_pair(rq, in, 1, w, err);
}

int lv_kms_op_generate_data_key_pair_without_plaintext(struct lv_req *rq,
                                                       const json_t *in,
                                                       struct lv_jw *w,
                                                       struct lv_err *err)
{
    return data_key_pair(rq, in, 0, w, err);
}
