/*
 * sigv4_int: what the three files of SigV4 share. sigv4.h is the contract;
 * this is the plumbing behind it.
 *
 * Both sides run the same four tasks, named as AWS names them
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html),
 * in sigv4_canon.c:
 *   Task 1  canonical request  lv_sigv4_canonical_request()
 *   Task 2  string to sign     lv_sigv4_string_to_sign()
 *   Task 3  signing key        lv_sigv4_signing_key()
 *   Task 4  signature          lv_sigv4_signature()
 * The signer (sigv4_sign.c) signs every header it is given; the verifier
 * (sigv4_verify.c) rebuilds the canonical request from the headers the
 * client listed in SignedHeaders.
 */
#ifndef LV_AUTH_SIGV4_INT_H
#define LV_AUTH_SIGV4_INT_H

#include <stddef.h>

#include "auth/sigv4.h"

struct lv_buf;

#define ALGORITHM "AWS4-HMAC-SHA256"
#define TERMINATOR "aws4_request"

/* Bounds on what a client can make us canonicalise. Real clients send an
 * Authorization header of ~250 bytes, a dozen headers and a path of "/". */
#define MAX_AUTHZ 8192
#define MAX_HEADERS 256
#define MAX_SIGNED_HEADERS 64
#define MAX_HEADER_NAME 256
#define MAX_HEADER_VALUE 8192
#define MAX_PATH 8192
#define MAX_QUERY 16384
#define MAX_QUERY_PARAMS 512
#define MAX_SCOPE_PART 63
#define MAX_CREQ (256u * 1024)

#define SHA256_LEN 32
#define HEX_LEN (2 * SHA256_LEN)

/* The white space a header value is trimmed of. */
static inline int lv_sigv4_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
           c == '\f';
}

/* The lower-case hex SHA-256 of n bytes of data, NUL-terminated. */
void lv_sigv4_sha256_hex(const void *data, size_t n, char out[HEX_LEN + 1]);

/* The payload hash req is signed or verified with: req->body_sha256_hex
 * when set (computed as the body arrived), else the hash of req->body. */
void lv_sigv4_payload_hex(const struct lv_sigv4_request *req,
                          char out[HEX_LEN + 1]);

/* HMAC-SHA256 of n bytes of data under key. */
void lv_sigv4_hmac_sha256(const void *key, size_t key_len, const void *data,
                          size_t n, unsigned char out[SHA256_LEN]);

/* 1 when s is a region or service name of valid form: 1 to
 * MAX_SCOPE_PART characters of a-z, 0-9 and '-'. */
int lv_sigv4_valid_scope_part(const char *s);

/*
 * Task 1: appends the canonical request of req to *creq. `signed_list` is
 * the SignedHeaders value ("a;b;c", lower case), `payload_hex` the
 * lower-case hex SHA-256 of the body. Returns 0; -1 past a bound; -2 when
 * a listed header is not in the request.
 */
int lv_sigv4_canonical_request(const struct lv_sigv4_request *req,
                               const char *signed_list,
                               const char *payload_hex, struct lv_buf *creq);

/* Task 2: appends the string to sign of canonical request *creq to *sts.
 * `date` is the scope's YYYYMMDD. 0, or -1 past *sts's bound. */
int lv_sigv4_string_to_sign(const char *amz_date, const char *date,
                            const char *region, const char *service,
                            const struct lv_buf *creq, struct lv_buf *sts);

/* Task 3: the signing key of the scope date/region/service under secret
 * into key. Intermediate keys are wiped. */
void lv_sigv4_signing_key(const char *secret, size_t secret_len,
                          const char *date, const char *region,
                          const char *service, unsigned char key[SHA256_LEN]);

/* Task 4: the lower-case hex signature of *sts, its signing key derived
 * from secret (Task 3) and wiped after use. */
void lv_sigv4_signature(const char *secret, size_t secret_len,
                        const char *date, const char *region,
                        const char *service, const struct lv_buf *sts,
                        char out[HEX_LEN + 1]);

#endif
