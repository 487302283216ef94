/*
 * sigv4_body: the payload hash of SigV4 computed while the body arrives
 * (sigv4.h, struct lv_sigv4_body_hash), and the payload hash a request
 * is signed or verified with (sigv4_int.h, lv_sigv4_payload_hex).
 */
#include "auth/sigv4_int.h"

#include <openssl/evp.h>
#include <string.h>

#include "util/hex.h"
#include "util/err.h"

void lv_sigv4_body_hash_init(struct lv_sigv4_body_hash *h)
{
    EVP_MD_CTX *md;

    lv_sigv4_body_hash_release(h);
    md = EVP_MD_CTX_new();
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        LV_BUG("SHA-256 failed");
    }
    h->md = md;
    h->len = 0;
}

void lv_sigv4_body_hash_update(struct lv_sigv4_body_hash *h,
                               const void *data, size_t n)
{
    if (!h->md) {
        LV_BUG("lv_sigv4_body_hash_update: hash not started");
    }
    if (n && !EVP_DigestUpdate(h->md, data, n)) {
        LV_BUG("SHA-256 failed");
    }
    h->len += n;
}

void lv_sigv4_body_hash_final(struct lv_sigv4_body_hash *h,
                              char out[HEX_LEN + 1])
{
    unsigned char md[SHA256_LEN];
    unsigned int len = 0;

    if (!h->md) {
        LV_BUG("lv_sigv4_body_hash_final: hash not started");
    }
    if (!EVP_DigestFinal_ex(h->md, md, &len) || len != SHA256_LEN) {
        LV_BUG("SHA-256 failed");
    }
    lv_hex_encode(md, SHA256_LEN, out);
    lv_sigv4_body_hash_release(h);
}

void lv_sigv4_body_hash_release(struct lv_sigv4_body_hash *h)
{
    EVP_MD_CTX_free(h->md);
    h->md = NULL;
    h->len = 0;
}

void lv_sigv4_payload_hex(const struct lv_sigv4_request *req,
                          char out[HEX_LEN + 1])
{
    if (req->body_sha256_hex) {
        if (strlen(req->body_sha256_hex) != HEX_LEN) {
            LV_BUG("lv_sigv4_payload_hex: not a hex SHA-256");
        }
        memcpy(out, req->body_sha256_hex, HEX_LEN + 1);
        return;
    }
    lv_sigv4_sha256_hex(req->body_len ? req->body : "", req->body_len, out);
}
