/*
 * sigv4: AWS Signature Version 4 for JSON-protocol services — the signer
 * (used by the CLI and the tests) and the verifier (used by the server)
 * share one canonicalisation, so what one signs the other accepts.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 *
 * Only the Authorization-header form is served (the one every SDK and the
 * AWS CLI use for POST); presigned query strings are not. Time is always an
 * argument: nothing here reads the clock.
 */
#ifndef LV_AUTH_SIGV4_H
#define LV_AUTH_SIGV4_H

#include <stddef.h>
#include <time.h>

struct lv_buf;
struct lv_err;
struct lv_creds;
struct lv_principal;

struct lv_sigv4_header {
    const char *name;       /* as received; compared case-insensitively */
    const char *value;      /* as received, untrimmed */
};

struct lv_sigv4_request {
    const char *method;     /* "POST" */
    const char *path;       /* raw path as sent, e.g. "/" */
    const char *query;      /* raw query string without '?', or "" */
    const struct lv_sigv4_header *headers;  /* every header, in order;
                                               a name may repeat */
    size_t n_headers;
    const void *body;
    size_t body_len;
    /* NULL: the body is hashed here, in one pass. Otherwise the lower-case
     * hex SHA-256 of exactly body[0..body_len), as lv_sigv4_body_hash_final
     * gave it to the caller that received the body (never a value a
     * client sent: it is used as is). */
    const char *body_sha256_hex;
};

/*
 * The SHA-256 of a body computed as it arrives, piece by piece, so that
 * verifying a request needs no second pass over its body: the server
 * feeds every piece of the upload in order, then hands the digest to
 * lv_sigv4_verify in body_sha256_hex. A zeroed struct is a released one.
 */
struct lv_sigv4_body_hash {
    void *md;               /* EVP_MD_CTX, owned; NULL when released */
    size_t len;             /* bytes fed so far */
};

/* Starts a hash of zero bytes (a started one is released first). */
void lv_sigv4_body_hash_init(struct lv_sigv4_body_hash *h);

/* Adds n bytes of data (n may be 0) to a started hash. */
void lv_sigv4_body_hash_update(struct lv_sigv4_body_hash *h,
                               const void *data, size_t n);

/* The lower-case hex SHA-256 of everything fed, NUL-terminated, into out;
 * releases the hash. */
void lv_sigv4_body_hash_final(struct lv_sigv4_body_hash *h, char out[65]);

/* Frees a started hash; harmless on a released or zeroed one. */
void lv_sigv4_body_hash_release(struct lv_sigv4_body_hash *h);

/* What the credential scope of a verified request said. */
struct lv_sigv4_scope {
    char date[9];           /* YYYYMMDD */
    char region[64];
    char service[64];
};

/*
 * Task 1–4 for `req`: appends the canonical request to *creq and the string
 * to sign to *sts when they are not NULL, and the full Authorization header
 * value ("AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…") to
 * *authz. `amz_date` is the request's X-Amz-Date (YYYYMMDDTHHMMSSZ).
 * Every header of `req` is signed, so it must already hold Host and
 * X-Amz-Date (and X-Amz-Security-Token when one is used). Returns 0, or
 * -1 when the request cannot be canonicalised (err filled,
 * LV_E_INVALID_PARAMETER).
 */
int lv_sigv4_sign(const struct lv_sigv4_request *req, const char *access_key,
                  const char *secret, const char *region, const char *service,
                  const char *amz_date, struct lv_buf *authz,
                  struct lv_buf *creq, struct lv_buf *sts, struct lv_err *err);

/*
 * Verifies the Authorization header of `req` at time `now` against `creds`.
 * On success fills *who and *scope and returns 0. Otherwise returns -1 with
 * AWS's error and wording (see sigv4_verify.c):
 * MissingAuthenticationTokenException (no Authorization), IncompleteSignatureException (a malformed header,
 * Credential not of 5 parts, missing or malformed date),
 * UnrecognizedClientException (unknown access key),
 * InvalidSignatureException (wrong signature; expired or future date, more
 * than 15 minutes off; host, the date header or a sent X-Amz-Target not
 * signed; a bad credential scope). Signatures are compared in constant time. The body is always
 * hashed (here, or as it arrived: body_sha256_hex); X-Amz-Security-Token
 * is not checked (there is no STS).
 *
 * Any region and service of valid form are accepted: the caller checks
 * that scope->service names the service addressed and, if not, answers
 * InvalidSignatureException "Credential should be scoped to correct
 * service: '<name>'. ".
 */
int lv_sigv4_verify(const struct lv_sigv4_request *req,
                    const struct lv_creds *creds, time_t now,
                    struct lv_principal *who, struct lv_sigv4_scope *scope,
                    struct lv_err *err);

#endif
