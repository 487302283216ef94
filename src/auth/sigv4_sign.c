/*
 * sigv4_sign: the signer (lv_sigv4_sign, for the CLI and the tests). It
 * signs every header of the request, under the four tasks of
 * sigv4_canon.c.
 */
#include "auth/sigv4_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "auth/creds.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* ---- the signer --------------------------------------------------------- */

static int strp_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int valid_header_name(const char *s)
{
    size_t n = strnlen(s, MAX_HEADER_NAME + 1);

    if (n == 0 || n > MAX_HEADER_NAME) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c <= ' ' || c >= 0x7f || c == ':' || c == ';' || c == ',') {
            return 0;
        }
    }
    return 1;
}

/* The lower-cased, sorted, distinct names of every header: "a;b;c". */
static int all_header_names(const struct lv_sigv4_request *req,
                            struct lv_buf *out, struct lv_err *err)
{
    char **names;
    size_t n = 0;
    int ret = -1;

    if (req->n_headers > MAX_HEADERS) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "too many headers to sign (at most %d)",
                          MAX_HEADERS);
    }
    names = lv_xcalloc(req->n_headers + 1, sizeof(*names));
    for (size_t i = 0; i < req->n_headers; i++) {
        if (!valid_header_name(req->headers[i].name)) {
            lv_err_set(err, LV_E_INVALID_PARAMETER,
                       "invalid header name to sign");
            goto out;
        }
        names[n] = lv_xstrdup(req->headers[i].name);
        for (char *c = names[n]; *c; c++) {
            *c = (char)tolower((unsigned char)*c);
        }
        n++;
    }
    qsort(names, n, sizeof(*names), strp_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(names[i], names[i - 1]) == 0) {
            continue;
        }
        if ((out->len && lv_buf_addc(out, ';') < 0) ||
            lv_buf_adds(out, names[i]) < 0) {
            lv_err_set(err, LV_E_INVALID_PARAMETER, "too many headers");
            goto out;
        }
    }
    ret = 0;
out:
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    return ret;
}

int lv_sigv4_sign(const struct lv_sigv4_request *req, const char *access_key,
                  const char *secret, const char *region, const char *service,
                  const char *amz_date, struct lv_buf *authz,
                  struct lv_buf *creq, struct lv_buf *sts, struct lv_err *err)
{
    struct lv_buf names = LV_BUF_INIT(MAX_HEADERS * (MAX_HEADER_NAME + 1));
    struct lv_buf c = LV_BUF_INIT(MAX_CREQ);
    struct lv_buf s = LV_BUF_INIT(MAX_CREQ);
    char payload[HEX_LEN + 1];
    char sig[HEX_LEN + 1];
    char date[9];
    int ret = -1;

    if (!req || !req->method || !access_key || !secret || !region ||
        !service || !amz_date || !authz) {
        LV_BUG("lv_sigv4_sign: NULL argument");
    }
    if (strlen(amz_date) != 16 || amz_date[8] != 'T' ||
        amz_date[15] != 'Z') {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "X-Amz-Date must be YYYYMMDDTHHMMSSZ");
        goto out;
    }
    if (!lv_sigv4_valid_scope_part(region) ||
        !lv_sigv4_valid_scope_part(service) ||
        strnlen(access_key, LV_MAX_ACCESS_KEY + 1) > LV_MAX_ACCESS_KEY ||
        strchr(access_key, '/')) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "invalid access key, region or service to sign with");
        goto out;
    }
    memcpy(date, amz_date, 8);
    date[8] = '\0';
    if (all_header_names(req, &names, err) < 0) {
        goto out;
    }
    lv_sigv4_payload_hex(req, payload);
    if (lv_sigv4_canonical_request(req, names.data, payload, &c) < 0) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "request too large to sign (path, query or a header)");
        goto out;
    }
    if (lv_sigv4_string_to_sign(amz_date, date, region, service, &c,
                                &s) < 0) {
        lv_err_set(err, LV_E_INVALID_PARAMETER, "request too large to sign");
        goto out;
    }
    lv_sigv4_signature(secret, strlen(secret), date, region, service, &s,
                       sig);
    if (lv_buf_addf(authz,
                    ALGORITHM " Credential=%s/%s/%s/%s/" TERMINATOR
                    ", SignedHeaders=%s, Signature=%s",
                    access_key, date, region, service, names.data, sig) < 0 ||
        (creq && lv_buf_add(creq, c.data, c.len) < 0) ||
        (sts && lv_buf_add(sts, s.data, s.len) < 0)) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "signed output exceeds its buffer");
        goto out;
    }
    ret = 0;
out:
    lv_buf_release(&names);
    lv_buf_release(&c);
    lv_buf_release(&s);
    lv_secret_wipe(sig, sizeof(sig));
    return ret;
}

