/*
 * fuzz_sigv4: arbitrary bytes as the Authorization header and as the rest
 * of the header list, through lv_sigv4_verify (and lv_sigv4_sign on the
 * same headers). Input layout: the first line is the Authorization value;
 * each further line "name:value" is one header (a line without ':' is a
 * header with an empty value); after an empty line comes the body. The
 * verifier must return 0 or -1 with an error, never crash or leak; and
 * the body hashed as the server hashes it, in pieces as it arrives (cut
 * where the body's own bytes say), must get the very same answer.
 *
 *   clang -fsanitize=fuzzer,address,undefined … tests/fuzz/fuzz_sigv4.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/creds.h"
#include "auth/sigv4.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#define FUZZ_MAX_HEADERS 48
#define FUZZ_NOW ((time_t)1440938160)      /* 2015-08-30T12:36:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct lv_creds *creds;
    struct lv_sigv4_header h[FUZZ_MAX_HEADERS];
    struct lv_sigv4_request req;
    struct lv_sigv4_scope scope;
    struct lv_principal who;
    struct lv_err err = LV_ERR_INIT;
    struct lv_buf authz = LV_BUF_INIT(1 << 16);
    char *text;
    char *p;
    char *end;
    size_t n = 0;
    const char *body = "";
    size_t body_len = 0;
    struct lv_sigv4_body_hash bh = { NULL, 0 };
    char hex[65];
    enum lv_errcode code;
    char msg[sizeof(err.msg)];
    int rc;

    if (!creds) {
        creds = lv_creds_new_default();
    }
    if (size > 1 << 16) {
        return 0;
    }
    /* A copy with a NUL after each line; embedded NULs just cut a value
     * short, as they would arriving through a C HTTP server. */
    text = lv_xmalloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    end = text + size;
    p = text;
    while (p < end && n < FUZZ_MAX_HEADERS) {
        char *eol = memchr(p, '\n', (size_t)(end - p));
        char *colon;

        if (!eol) {
            eol = end;
        }
        *eol = '\0';
        if (n > 0 && *p == '\0') {
            body = eol < end ? eol + 1 : end;
            body_len = (size_t)(end - body);
            break;
        }
        if (n == 0) {
            h[n].name = "Authorization";
            h[n].value = p;
        } else {
            colon = strchr(p, ':');
            if (colon) {
                *colon = '\0';
                h[n].value = colon + 1;
            } else {
                h[n].value = "";
            }
            h[n].name = p;
        }
        n++;
        p = eol + 1;
    }
    req.method = "POST";
    req.path = "/";
    req.query = "";
    req.headers = h;
    req.n_headers = n;
    req.body = body;
    req.body_len = body_len;
    req.body_sha256_hex = NULL;

    rc = lv_sigv4_verify(&req, creds, FUZZ_NOW, &who, &scope, &err);
    if (rc == 0) {
        /* Only a correctly signed request may pass: impossible here
         * unless the fuzzer found the signature, so this is a bug. */
        if (strcmp(who.access_key, "test") != 0) {
            abort();
        }
    } else if (err.code == LV_E_NONE) {
        abort();
    }
    /* The same request with the body hashed piece by piece: each piece
     * 1 to 64 bytes long, its length the low bits of the byte it starts
     * at. Same answer, same error. */
    lv_sigv4_body_hash_init(&bh);
    for (size_t off = 0; off < body_len;) {
        size_t piece = ((unsigned char)body[off] & 63u) + 1;

        if (piece > body_len - off) {
            piece = body_len - off;
        }
        lv_sigv4_body_hash_update(&bh, body + off, piece);
        off += piece;
    }
    lv_sigv4_body_hash_final(&bh, hex);
    req.body_sha256_hex = hex;
    code = err.code;
    memcpy(msg, err.msg, sizeof(msg));
    err = (struct lv_err)LV_ERR_INIT;
    if (lv_sigv4_verify(&req, creds, FUZZ_NOW, &who, &scope, &err) != rc ||
        err.code != code || memcmp(err.msg, msg, sizeof(msg)) != 0) {
        abort();
    }
    req.body_sha256_hex = NULL;
    /* The signer over the same headers (skipping the Authorization). */
    if (n > 1) {
        req.headers = h + 1;
        req.n_headers = n - 1;
        if (lv_sigv4_sign(&req, "test", "test", "us-east-1", "logs",
                          "20150830T123600Z", &authz, NULL, NULL,
                          &err) == 0) {
            /* What we sign we must accept, if host and the date are
             * among the signed headers; either way it must not crash. */
            req.headers = h;
            req.n_headers = n;
            h[0].value = authz.data;
            lv_sigv4_verify(&req, creds, FUZZ_NOW, &who, &scope, &err);
        }
    }
    lv_buf_release(&authz);
    free(text);
    return 0;
}
