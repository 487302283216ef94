/*
 * sigv4_canon: the part of SigV4 the signer and the verifier share — the
 * four tasks (sigv4_int.h), so that what one signs the other accepts, and
 * the small helpers they are made of.
 */
#include "auth/sigv4_int.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/mem.h"

/* ---- small helpers ---------------------------------------------------- */

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
           c == '~';
}

void lv_sigv4_sha256_hex(const void *data, size_t n,
                         char out[HEX_LEN + 1])
{
    unsigned char md[SHA256_LEN];
    unsigned int len = 0;

    if (!EVP_Digest(data, n, md, &len, EVP_sha256(), NULL) ||
        len != SHA256_LEN) {
        LV_BUG("SHA-256 failed");
    }
    lv_hex_encode(md, SHA256_LEN, out);
}

void lv_sigv4_hmac_sha256(const void *key, size_t key_len, const void *data,
                          size_t n, unsigned char out[SHA256_LEN])
{
    unsigned int len = 0;

    if (!HMAC(EVP_sha256(), key, (int)key_len, data, n, out, &len) ||
        len != SHA256_LEN) {
        LV_BUG("HMAC-SHA256 failed");
    }
}

int lv_sigv4_valid_scope_part(const char *s)
{
    size_t n = strnlen(s, MAX_SCOPE_PART + 1);

    if (n == 0 || n > MAX_SCOPE_PART) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-')) {
            return 0;
        }
    }
    return 1;
}

/* Percent-encodes every byte but the unreserved ones (and '/' if asked),
 * with upper-case hex, as Task 1 requires. */
static int uri_encode(struct lv_buf *out, const char *s, size_t n,
                      int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[3];

        if (is_unreserved(c) || (keep_slash && c == '/')) {
            if (lv_buf_addc(out, (char)c) < 0) {
                return -1;
            }
            continue;
        }
        esc[0] = '%';
        esc[1] = hex[c >> 4];
        esc[2] = hex[c & 15];
        if (lv_buf_add(out, esc, 3) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Decodes %XX escapes; an escape that is not one stays as it is. */
static size_t pct_decode(const char *s, size_t n, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        int hi;
        int lo;

        if (s[i] == '%' && i + 2 < n &&
            (hi = lv_hex_value((unsigned char)s[i + 1])) >= 0 &&
            (lo = lv_hex_value((unsigned char)s[i + 2])) >= 0) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    return o;
}

/* ---- Task 1: canonical request ----------------------------------------- */

/*
 * Canonical URI for services other than S3: the path with `.` and `..`
 * segments resolved and runs of '/' collapsed (the suite's normalize-path
 * cases), a trailing '/' kept, then URI-encoded with '/' left alone. The
 * path arrives as sent on the wire (already encoded once), so encoding it
 * again gives the double encoding AWS specifies for non-S3 services.
 */
static int canonical_uri(const char *path, struct lv_buf *out)
{
    size_t n = strnlen(path, MAX_PATH + 1);
    size_t *seg_off = NULL;
    size_t *seg_len = NULL;
    size_t nseg = 0;
    size_t i = 0;
    int trailing;
    int ret = -1;

    if (n > MAX_PATH) {
        return -1;
    }
    if (n == 0) {
        return lv_buf_addc(out, '/');
    }
    trailing = path[n - 1] == '/';
    seg_off = lv_xcalloc(n / 2 + 1, sizeof(*seg_off));
    seg_len = lv_xcalloc(n / 2 + 1, sizeof(*seg_len));
    while (i < n) {
        size_t start;
        size_t len;

        while (i < n && path[i] == '/') {
            i++;
        }
        start = i;
        while (i < n && path[i] != '/') {
            i++;
        }
        len = i - start;
        if (len == 0 || (len == 1 && path[start] == '.')) {
            continue;
        }
        if (len == 2 && path[start] == '.' && path[start + 1] == '.') {
            if (nseg > 0) {
                nseg--;
            }
            continue;
        }
        seg_off[nseg] = start;
        seg_len[nseg] = len;
        nseg++;
    }
    for (size_t s = 0; s < nseg; s++) {
        if (lv_buf_addc(out, '/') < 0 ||
            uri_encode(out, path + seg_off[s], seg_len[s], 0) < 0) {
            goto out;
        }
    }
    if ((nseg == 0 || trailing) && lv_buf_addc(out, '/') < 0) {
        goto out;
    }
    ret = 0;
out:
    free(seg_off);
    free(seg_len);
    return ret;
}

struct qparam {
    char *key;      /* encoded */
    char *val;      /* encoded */
};

static int qparam_cmp(const void *a, const void *b)
{
    const struct qparam *x = a;
    const struct qparam *y = b;
    int c = strcmp(x->key, y->key);

    return c ? c : strcmp(x->val, y->val);
}

static char *encode_component(const char *s, size_t n)
{
    struct lv_buf b = LV_BUF_INIT(3 * MAX_QUERY + 1);
    char *tmp = lv_xmalloc(n + 1);
    size_t dn = pct_decode(s, n, tmp);
    char *res;

    if (uri_encode(&b, tmp, dn, 0) < 0) {
        LV_BUG("encoded query component past its bound");
    }
    free(tmp);
    res = lv_buf_detach(&b, NULL);
    return res;
}

/*
 * Canonical query string: each name=value decoded then encoded with the
 * unreserved set (so "a b", "%E1%88%B4" and raw UTF-8 all come out the same
 * way), a name without '=' given an empty value, sorted by encoded name
 * then value. '+' is taken literally (SDKs send spaces as %20).
 */
static int canonical_query(const char *query, struct lv_buf *out)
{
    size_t n = strnlen(query, MAX_QUERY + 1);
    struct qparam *ps = NULL;
    size_t np = 0;
    size_t i = 0;
    int ret = -1;

    if (n > MAX_QUERY) {
        return -1;
    }
    ps = lv_xcalloc(n / 2 + 1, sizeof(*ps));
    while (i < n) {
        size_t start = i;
        const char *eq;
        size_t len;

        while (i < n && query[i] != '&') {
            i++;
        }
        len = i - start;
        i++;
        if (len == 0) {
            continue;
        }
        if (np == MAX_QUERY_PARAMS) {
            goto out;
        }
        eq = memchr(query + start, '=', len);
        if (eq) {
            size_t klen = (size_t)(eq - (query + start));

            ps[np].key = encode_component(query + start, klen);
            ps[np].val = encode_component(eq + 1, len - klen - 1);
        } else {
            ps[np].key = encode_component(query + start, len);
            ps[np].val = lv_xstrdup("");
        }
        np++;
    }
    qsort(ps, np, sizeof(*ps), qparam_cmp);
    for (size_t k = 0; k < np; k++) {
        if ((k && lv_buf_addc(out, '&') < 0) ||
            lv_buf_adds(out, ps[k].key) < 0 || lv_buf_addc(out, '=') < 0 ||
            lv_buf_adds(out, ps[k].val) < 0) {
            goto out;
        }
    }
    ret = 0;
out:
    for (size_t k = 0; k < np; k++) {
        free(ps[k].key);
        free(ps[k].val);
    }
    free(ps);
    return ret;
}

/* Appends one header value trimmed, with every inner run of white space
 * (including the line breaks of a folded value) made one space. */
static int add_trimmed(struct lv_buf *out, const char *v)
{
    size_t n = strnlen(v, MAX_HEADER_VALUE + 1);
    size_t i = 0;
    int pending = 0;

    if (n > MAX_HEADER_VALUE) {
        return -1;
    }
    while (i < n && lv_sigv4_is_space(v[i])) {
        i++;
    }
    for (; i < n; i++) {
        if (lv_sigv4_is_space(v[i])) {
            pending = 1;
            continue;
        }
        if (pending && lv_buf_addc(out, ' ') < 0) {
            return -1;
        }
        pending = 0;
        if (lv_buf_addc(out, v[i]) < 0) {
            return -1;
        }
    }
    return 0;
}

static int name_eq(const char *a, const char *b, size_t blen)
{
    return strlen(a) == blen && strncasecmp(a, b, blen) == 0;
}

/* The canonical value of header `name` (lower case, `len` bytes): every
 * occurrence trimmed and joined with ',' in the order received. Returns
 * how many occurrences there were, or -1 past a bound. */
static int header_value(const struct lv_sigv4_request *req, const char *name,
                        size_t len, struct lv_buf *out)
{
    int found = 0;

    for (size_t i = 0; i < req->n_headers; i++) {
        if (!name_eq(req->headers[i].name, name, len)) {
            continue;
        }
        if ((found && lv_buf_addc(out, ',') < 0) ||
            add_trimmed(out, req->headers[i].value) < 0) {
            return -1;
        }
        found++;
    }
    return found;
}

/*
 * Task 1. `signed_list` is the SignedHeaders value ("a;b;c", lower case).
 * Returns 0; -1 past a bound; -2 when a listed header is not in the request.
 */
int lv_sigv4_canonical_request(const struct lv_sigv4_request *req,
                               const char *signed_list,
                               const char *payload_hex, struct lv_buf *creq)
{
    const char *p = signed_list;

    if (lv_buf_adds(creq, req->method) < 0 || lv_buf_addc(creq, '\n') < 0 ||
        canonical_uri(req->path ? req->path : "/", creq) < 0 ||
        lv_buf_addc(creq, '\n') < 0 ||
        canonical_query(req->query ? req->query : "", creq) < 0 ||
        lv_buf_addc(creq, '\n') < 0) {
        return -1;
    }
    while (*p) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int found;

        if (lv_buf_add(creq, p, len) < 0 || lv_buf_addc(creq, ':') < 0) {
            return -1;
        }
        found = header_value(req, p, len, creq);
        if (found < 0) {
            return -1;
        }
        if (found == 0) {
            return -2;
        }
        if (lv_buf_addc(creq, '\n') < 0) {
            return -1;
        }
        p = end ? end + 1 : p + len;
    }
    if (lv_buf_addc(creq, '\n') < 0 || lv_buf_adds(creq, signed_list) < 0 ||
        lv_buf_addc(creq, '\n') < 0 || lv_buf_adds(creq, payload_hex) < 0) {
        return -1;
    }
    return 0;
}

/* ---- Task 2: string to sign -------------------------------------------- */

int lv_sigv4_string_to_sign(const char *amz_date, const char *date,
                            const char *region, const char *service,
                            const struct lv_buf *creq, struct lv_buf *sts)
{
    char h[HEX_LEN + 1];

    lv_sigv4_sha256_hex(creq->data, creq->len, h);
    return lv_buf_addf(sts, ALGORITHM "\n%s\n%s/%s/%s/" TERMINATOR "\n%s",
                       amz_date, date, region, service, h);
}

/* ---- Task 3: signing key ----------------------------------------------- */

void lv_sigv4_signing_key(const char *secret, size_t secret_len,
                          const char *date, const char *region,
                          const char *service, unsigned char key[SHA256_LEN])
{
    size_t klen = 4 + secret_len;
    unsigned char *k = lv_xmalloc(klen);
    unsigned char a[SHA256_LEN];
    unsigned char b[SHA256_LEN];

    memcpy(k, "AWS4", 4);
    memcpy(k + 4, secret, secret_len);
    /* kDate, kRegion, kService, then the signing key */
    lv_sigv4_hmac_sha256(k, klen, date, strlen(date), a);
    lv_sigv4_hmac_sha256(a, sizeof(a), region, strlen(region), b);
    lv_sigv4_hmac_sha256(b, sizeof(b), service, strlen(service), a);
    lv_sigv4_hmac_sha256(a, sizeof(a), TERMINATOR, strlen(TERMINATOR), key);
    lv_secret_free(k, klen);
    lv_secret_wipe(a, sizeof(a));
    lv_secret_wipe(b, sizeof(b));
}

/* ---- Task 4: signature -------------------------------------------------- */

void lv_sigv4_signature(const char *secret, size_t secret_len,
                        const char *date, const char *region,
                        const char *service, const struct lv_buf *sts,
                        char out[HEX_LEN + 1])
{
    unsigned char key[SHA256_LEN];
    unsigned char sig[SHA256_LEN];

    lv_sigv4_signing_key(secret, secret_len, date, region, service, key);
    lv_sigv4_hmac_sha256(key, sizeof(key), sts->data, sts->len, sig);
    lv_hex_encode(sig, sizeof(sig), out);
    lv_secret_wipe(key, sizeof(key));
    lv_secret_wipe(sig, sizeof(sig));
}

