/*
 * sigv4_verify: the verifier (lv_sigv4_verify, for the server). It
 * rebuilds the canonical request from the headers the client listed in
 * SignedHeaders and runs the four tasks of sigv4_canon.c over it.
 *
 * The verifier checks in the order AWS's JSON services do (observed against
 * DynamoDB by dynalite, and by scratchstack-aws-signature's "AWS Auth Error
 * Ordering"): Authorization present, algorithm, key=value syntax, required
 * parameters and date header, SignedHeaders includes host (and the date
 * header, and X-Amz-Target when it is sent), date format, 15-minute
 * window, Credential shape, credential scope, access key, signature. The
 * messages are AWS's words; each is defined once below with where it was
 * found.
 */
#include "auth/sigv4_int.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/creds.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/mem.h"

/* AWS accepts a request dated up to 15 minutes either side of its clock. */
#define SKEW_SECONDS (15 * 60)

/*
 * AWS's messages. Sources: "Request is missing Authentication Token",
 * "Unsupported AWS 'algorithm'", the 'Host' and scope messages and the
 * signature mismatch: dynalite's index.js (mhart/dynalite, recorded from
 * DynamoDB, a Coral JSON service like Logs and KMS) and the tests of
 * dacut/scratchstack-aws-signature; "Authorization header requires …" and
 * "… not a valid key=value pair …": the same two plus AWS responses quoted
 * in aws/chalice#828 and awslabs/fhir-works-on-aws-deployment#379; "Signature
 * expired …" / "Signature not yet current …": aws/aws-sdk-js#254 and
 * serverless/enterprise#11; the unknown key: aws/aws-logging-dotnet#15.
 * "Signature expired" and the scope messages end in ". " as AWS's do.
 */
static const char msg_missing[] = "Request is missing Authentication Token";
static const char msg_mismatch[] =
    "The request signature we calculated does not match the signature you "
    "provided. Check your AWS Secret Access Key and signing method. Consult "
    "the service documentation for details.";
static const char msg_unknown_key[] =
    "The security token included in the request is invalid.";
static const char msg_host_unsigned[] =
    "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
    "Authorization.";
static const char msg_target_unsigned[] =
    "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.";

struct param {
    const char *p;
    size_t n;
    int seen;
};

struct authz {
    struct param cred;
    struct param signed_headers;
    struct param sig;
};

/* ---- Task 4 with the credentials' key cache ----------------------------- */

/* Task 4 for the verifier: lv_sigv4_signature() with the signing key of
 * the scope taken from the credentials table's cache, derived and put
 * there on a miss. The key of a scope is the same for every request of
 * that day, so a hit saves the four HMACs of Task 3. */
static void verify_signature(const struct lv_creds *creds,
                             const struct lv_cred *cred, const char *date,
                             const char *region, const char *service,
                             const struct lv_buf *sts, char out[HEX_LEN + 1])
{
    unsigned char key[SHA256_LEN];
    unsigned char sig[SHA256_LEN];
    char scope[LV_CREDS_MAX_SCOPE + 2];
    int n = snprintf(scope, sizeof(scope), "%s/%s/%s", date, region,
                     service);
    int cacheable = n > 0 && (size_t)n <= LV_CREDS_MAX_SCOPE;

    if (!cacheable || !lv_creds_signing_key_get(creds, cred, scope, key)) {
        lv_sigv4_signing_key(cred->secret, cred->secret_len, date, region,
                             service, key);
        if (cacheable) {
            lv_creds_signing_key_put(creds, cred, scope, key);
        }
    }
    lv_sigv4_hmac_sha256(key, sizeof(key), sts->data, sts->len, sig);
    lv_hex_encode(sig, sizeof(sig), out);
    lv_secret_wipe(key, sizeof(key));
    lv_secret_wipe(sig, sizeof(sig));
}

/* ---- the verifier ------------------------------------------------------- */

/* The value of the first header called `name`, or NULL. */
static const char *find_header(const struct lv_sigv4_request *req,
                               const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        if (req->headers[i].name &&
            strcasecmp(req->headers[i].name, name) == 0) {
            return req->headers[i].value ? req->headers[i].value : "";
        }
    }
    return NULL;
}

/* Copies s without surrounding white space into out (cap bytes with NUL);
 * 0, or -1 when it does not fit. */
static int copy_trimmed(const char *s, char *out, size_t cap)
{
    size_t n = strnlen(s, MAX_HEADER_VALUE + 1);
    size_t b = 0;

    while (b < n && lv_sigv4_is_space(s[b])) {
        b++;
    }
    while (n > b && lv_sigv4_is_space(s[n - 1])) {
        n--;
    }
    if (n - b >= cap) {
        return -1;
    }
    memcpy(out, s + b, n - b);
    out[n - b] = '\0';
    return 0;
}

static int digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

/* YYYYMMDDTHHMMSSZ, every field in range, UTC. */
static int parse_basic(const char *s, time_t *t)
{
    struct tm tm;
    struct tm back;
    int y, mo, d, h, mi, se;

    if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z' ||
        digits(s, 4, &y) < 0 || digits(s + 4, 2, &mo) < 0 ||
        digits(s + 6, 2, &d) < 0 || digits(s + 9, 2, &h) < 0 ||
        digits(s + 11, 2, &mi) < 0 || digits(s + 13, 2, &se) < 0) {
        return -1;
    }
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *t = timegm(&tm);
    /* timegm normalises 20150230 to March; a round trip rejects it. */
    if (!gmtime_r(t, &back) || back.tm_year != y - 1900 ||
        back.tm_mon != mo - 1 || back.tm_mday != d || back.tm_hour != h ||
        back.tm_min != mi || back.tm_sec != se) {
        return -1;
    }
    return 0;
}

/* An HTTP Date header, IMF-fixdate ("Sun, 30 Aug 2015 12:36:00 GMT"). */
static int parse_http_date(const char *s, time_t *t)
{
    struct tm tm;
    const char *end;

    memset(&tm, 0, sizeof(tm));
    end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end) {
        return -1;
    }
    *t = timegm(&tm);
    return 0;
}

static void format_basic(time_t t, char out[17])
{
    struct tm tm;

    if (!gmtime_r(&t, &tm) ||
        strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16) {
        memcpy(out, "00000000T000000Z", 17);
    }
}

/* Splits the parameters after the algorithm on ',' and white space (as
 * AWS does: "Credential= KEY/…" reports "'KEY/…' not a valid key=value
 * pair"). Returns 0, or -1 with err for a part without '='. */
static int parse_params(const char *authz_value, const char *rest,
                        struct authz *a, struct lv_err *err)
{
    const char *p = rest;

    memset(a, 0, sizeof(*a));
    while (*p) {
        const char *start;
        const char *eq;
        size_t len;
        size_t klen;
        struct param *dst = NULL;

        while (*p == ',' || lv_sigv4_is_space(*p)) {
            p++;
        }
        start = p;
        while (*p && *p != ',' && !lv_sigv4_is_space(*p)) {
            p++;
        }
        len = (size_t)(p - start);
        if (len == 0) {
            continue;
        }
        eq = memchr(start, '=', len);
        if (!eq) {
            return lv_err_set(err, LV_E_INCOMPLETE_SIGNATURE,
                              "'%.*s' not a valid key=value pair (missing "
                              "equal-sign) in Authorization header: '%s'.",
                              (int)(len > 256 ? 256 : len), start,
                              authz_value);
        }
        klen = (size_t)(eq - start);
        /* Parameter names are case-sensitive; unknown ones are ignored,
         * and the first of a repeated one counts. */
        if (klen == 10 && memcmp(start, "Credential", 10) == 0) {
            dst = &a->cred;
        } else if (klen == 13 && memcmp(start, "SignedHeaders", 13) == 0) {
            dst = &a->signed_headers;
        } else if (klen == 9 && memcmp(start, "Signature", 9) == 0) {
            dst = &a->sig;
        }
        if (dst && !dst->seen) {
            dst->seen = 1;
            dst->p = eq + 1;
            dst->n = len - klen - 1;
        }
    }
    return 0;
}

/* IncompleteSignatureException for missing parameters or date header, in
 * AWS's order, ending with the header as received. */
static int require_params(const char *authz_value, const struct authz *a,
                          int have_date, struct lv_err *err)
{
    struct lv_buf m = LV_BUF_INIT(sizeof(err->msg) * 2);
    int ret = 0;

    if (!a->cred.seen || a->cred.n == 0) {
        lv_buf_adds(&m, "Authorization header requires 'Credential' "
                        "parameter. ");
    }
    if (!a->sig.seen || a->sig.n == 0) {
        lv_buf_adds(&m, "Authorization header requires 'Signature' "
                        "parameter. ");
    }
    if (!a->signed_headers.seen) {
        lv_buf_adds(&m, "Authorization header requires 'SignedHeaders' "
                        "parameter. ");
    }
    if (!have_date) {
        lv_buf_adds(&m, "Authorization header requires existence of either "
                        "a 'X-Amz-Date' or a 'Date' header. ");
    }
    if (m.len) {
        ret = lv_err_set(err, LV_E_INCOMPLETE_SIGNATURE,
                         "%sAuthorization=%s", m.data, authz_value);
    }
    lv_buf_release(&m);
    return ret;
}

/* The SignedHeaders value lower-cased into *out; 0, or -1 if malformed
 * (empty names, too many, too long). */
static int signed_list(const struct param *sh, struct lv_buf *out)
{
    size_t count = 0;
    size_t name_len = 0;

    if (sh->n == 0) {
        return -1;
    }
    for (size_t i = 0; i < sh->n; i++) {
        char c = sh->p[i];

        if (c == ';') {
            if (name_len == 0 || ++count >= MAX_SIGNED_HEADERS) {
                return -1;
            }
            name_len = 0;
        } else {
            if ((unsigned char)c <= ' ' || (unsigned char)c >= 0x7f ||
                c == ':' || ++name_len > MAX_HEADER_NAME) {
                return -1;
            }
        }
        if (lv_buf_addc(out, (char)tolower((unsigned char)c)) < 0) {
            return -1;
        }
    }
    return name_len ? 0 : -1;
}

static int list_has(const char *list, const char *name)
{
    size_t n = strlen(name);
    const char *p = list;

    while (*p) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);

        if (len == n && memcmp(p, name, n) == 0) {
            return 1;
        }
        p += len + (end ? 1 : 0);
    }
    return 0;
}

/* Credential=KEY/DATE/REGION/SERVICE/TERM. Trailing slashes are ignored,
 * as AWS does. Fills parts[] (pointers into a copy in *cred_copy). */
static int split_credential(const struct param *c, char **cred_copy,
                            char *parts[5])
{
    size_t n = c->n;
    int k = 0;
    char *s;

    while (n > 0 && c->p[n - 1] == '/') {
        n--;
    }
    s = lv_xstrndup(c->p, n);
    *cred_copy = s;
    parts[k++] = s;
    for (char *q = s; *q; q++) {
        if (*q == '/') {
            if (k == 5) {
                return -1;
            }
            *q = '\0';
            parts[k++] = q + 1;
        }
    }
    return k == 5 ? 0 : -1;
}

/* InvalidSignatureException for a credential scope that is not
 * DATE/REGION/SERVICE/aws4_request with DATE the request's day. The
 * service is returned in *scope: the caller checks that it names the
 * service addressed ("Credential should be scoped to correct service"). */
static int check_scope(char *parts[5], const char *amz_date,
                       struct lv_err *err)
{
    struct lv_buf m = LV_BUF_INIT(sizeof(err->msg) * 2);
    int ret = 0;

    if (!lv_sigv4_valid_scope_part(parts[2])) {
        lv_buf_addf(&m, "Credential should be scoped to a valid region, "
                        "not '%.64s'. ", parts[2]);
    }
    if (!lv_sigv4_valid_scope_part(parts[3])) {
        lv_buf_addf(&m, "Credential should be scoped to correct service: "
                        "'%.64s'. ", parts[3]);
    }
    if (strcmp(parts[4], TERMINATOR) != 0) {
        lv_buf_addf(&m, "Credential should be scoped with a valid "
                        "terminator: 'aws4_request', not '%.64s'. ",
                    parts[4]);
    }
    if (strlen(parts[1]) != 8 || strncmp(parts[1], amz_date, 8) != 0) {
        lv_buf_addf(&m, "Date in Credential scope does not match YYYYMMDD "
                        "from ISO-8601 version of date from HTTP: '%.64s' "
                        "!= '%.8s', from '%s'. ",
                    parts[1], amz_date, amz_date);
    }
    if (m.len) {
        ret = lv_err_set(err, LV_E_INVALID_SIGNATURE, "%s", m.data);
    }
    lv_buf_release(&m);
    return ret;
}

static int check_window(time_t t, const char *amz_date, time_t now,
                        struct lv_err *err)
{
    char lo[17];
    char hi[17];
    char nw[17];

    format_basic(now, nw);
    if (now - t > SKEW_SECONDS) {
        format_basic(now - SKEW_SECONDS, lo);
        return lv_err_set(err, LV_E_INVALID_SIGNATURE,
                          "Signature expired: %s is now earlier than %s "
                          "(%s - 15 min.)", amz_date, lo, nw);
    }
    if (t - now > SKEW_SECONDS) {
        format_basic(now + SKEW_SECONDS, hi);
        return lv_err_set(err, LV_E_INVALID_SIGNATURE,
                          "Signature not yet current: %s is still later "
                          "than %s (%s + 15 min.)", amz_date, hi, nw);
    }
    return 0;
}

/* The lower-case hex SHA-256 of the body equals `claimed` (any case)? */
static int same_hash(const char *claimed, const char *actual)
{
    char c[HEX_LEN + 2];

    if (copy_trimmed(claimed, c, sizeof(c)) < 0 || strlen(c) != HEX_LEN) {
        return 0;
    }
    for (size_t i = 0; i < HEX_LEN; i++) {
        if (tolower((unsigned char)c[i]) != actual[i]) {
            return 0;
        }
    }
    return 1;
}

int lv_sigv4_verify(const struct lv_sigv4_request *req,
                    const struct lv_creds *creds, time_t now,
                    struct lv_principal *who, struct lv_sigv4_scope *scope,
                    struct lv_err *err)
{
    struct lv_buf list = LV_BUF_INIT(MAX_SIGNED_HEADERS *
                                     (MAX_HEADER_NAME + 1));
    struct lv_buf c = LV_BUF_INIT(MAX_CREQ);
    struct lv_buf s = LV_BUF_INIT(MAX_CREQ);
    const struct lv_cred *cred;
    const char *authz_value;
    const char *xdate;
    const char *hdate;
    const char *content_sha;
    char *cred_copy = NULL;
    char *parts[5];
    char amz_date[17];
    char payload[HEX_LEN + 1];
    char sig[HEX_LEN + 1];
    char given[HEX_LEN + 1];
    struct authz a;
    time_t t;
    size_t alg_len;
    int rc;
    int ret = -1;

    if (!req || !req->method || !creds || !who || !scope) {
        LV_BUG("lv_sigv4_verify: NULL argument");
    }
    memset(sig, 0, sizeof(sig));
    if (req->n_headers > MAX_HEADERS) {
        lv_err_set(err, LV_E_INCOMPLETE_SIGNATURE,
                   "Too many headers (at most %d are accepted)", MAX_HEADERS);
        goto out;
    }
    authz_value = find_header(req, "Authorization");
    if (!authz_value) {
        lv_err_set(err, LV_E_MISSING_AUTHENTICATION_TOKEN, "%s", msg_missing);
        goto out;
    }
    authz_value += strspn(authz_value, " \t");
    if (strnlen(authz_value, MAX_AUTHZ + 1) > MAX_AUTHZ) {
        lv_err_set(err, LV_E_INCOMPLETE_SIGNATURE,
                   "Authorization header is longer than %d bytes.",
                   MAX_AUTHZ);
        goto out;
    }
    xdate = find_header(req, "X-Amz-Date");
    hdate = xdate ? NULL : find_header(req, "Date");

    /* The algorithm. "AWS4-…" other than ours is named; anything else
     * (a bearer token, SigV2's "AWS KEY:SIG") lacks every parameter. */
    alg_len = strcspn(authz_value, " \t,");
    if (alg_len != strlen(ALGORITHM) ||
        strncmp(authz_value, ALGORITHM, alg_len) != 0) {
        if (strncmp(authz_value, "AWS4-", 5) == 0) {
            lv_err_set(err, LV_E_INCOMPLETE_SIGNATURE,
                       "Unsupported AWS 'algorithm': '%.*s' (only "
                       ALGORITHM " for now). ",
                       (int)(alg_len > 64 ? 64 : alg_len), authz_value);
        } else {
            memset(&a, 0, sizeof(a));
            require_params(authz_value, &a, xdate || hdate, err);
        }
        goto out;
    }
    if (parse_params(authz_value, authz_value + alg_len, &a, err) < 0 ||
        require_params(authz_value, &a, xdate || hdate, err) < 0) {
        goto out;
    }

    /* SignedHeaders must cover host and the header that dates the
     * request; else the signature could be replayed to another host or
     * outside the window. */
    if (signed_list(&a.signed_headers, &list) < 0 ||
        !list_has(list.data, "host")) {
        lv_err_set(err, LV_E_INVALID_SIGNATURE, "%s", msg_host_unsigned);
        goto out;
    }
    if (!list_has(list.data, xdate ? "x-amz-date" : "date")) {
        lv_err_set(err, LV_E_INVALID_SIGNATURE,
                   "'%s' must be a 'SignedHeader' in the AWS Authorization.",
                   xdate ? "X-Amz-Date" : "Date");
        goto out;
    }
    /* X-Amz-Target names the operation of a JSON-protocol request: left
     * unsigned, it could be changed in flight and a signed ListKeys would
     * run as CreateKey. AWS documents no answer for an unsigned target
     * (botocore, the AWS CLI and the other SDKs always sign it), so we
     * take the strict side and answer it as AWS answers an unsigned Host
     * or date header, with the same words. */
    if (find_header(req, "X-Amz-Target") &&
        !list_has(list.data, "x-amz-target")) {
        lv_err_set(err, LV_E_INVALID_SIGNATURE, "%s", msg_target_unsigned);
        goto out;
    }

    /* The date: X-Amz-Date in ISO 8601 basic format, else Date. */
    rc = copy_trimmed(xdate ? xdate : hdate, amz_date, sizeof(amz_date));
    if (rc == 0 && parse_basic(amz_date, &t) == 0) {
        /* amz_date is the timestamp of the string to sign as sent */
    } else if (!xdate && parse_http_date(hdate, &t) == 0) {
        format_basic(t, amz_date);
    } else {
        lv_err_set(err, LV_E_INCOMPLETE_SIGNATURE,
                   "Date must be in ISO-8601 'basic format'. Got '%.64s'. "
                   "See http://en.wikipedia.org/wiki/ISO_8601",
                   xdate ? xdate : hdate);
        goto out;
    }
    if (check_window(t, amz_date, now, err) < 0) {
        goto out;
    }

    if (split_credential(&a.cred, &cred_copy, parts) < 0) {
        lv_err_set(err, LV_E_INCOMPLETE_SIGNATURE,
                   "Credential must have exactly 5 slash-delimited elements, "
                   "e.g. keyid/date/region/service/term, got '%.*s'",
                   (int)(a.cred.n > 256 ? 256 : a.cred.n), a.cred.p);
        goto out;
    }
    if (check_scope(parts, amz_date, err) < 0) {
        goto out;
    }
    cred = strlen(parts[0]) <= LV_MAX_ACCESS_KEY
               ? lv_creds_find(creds, parts[0])
               : NULL;
    if (!cred) {
        lv_err_set(err, LV_E_UNRECOGNIZED_CLIENT, "%s", msg_unknown_key);
        goto out;
    }

    /* The payload hash is always that of the body received (hashed here,
     * or by the server as it arrived). A client that
     * also sends x-amz-content-sha256 (the JS SDK v3 does) must send the
     * same hash: otherwise what it signed is not this body, so it is a
     * signature mismatch, never a hash we take on trust. */
    lv_sigv4_payload_hex(req, payload);
    content_sha = find_header(req, "X-Amz-Content-Sha256");
    if (content_sha && !same_hash(content_sha, payload)) {
        lv_err_set(err, LV_E_INVALID_SIGNATURE, "%s", msg_mismatch);
        goto out;
    }

    /* Tasks 1–4 over what the client says it signed. A signed header that
     * is absent cannot have been signed as sent: a mismatch. */
    rc = lv_sigv4_canonical_request(req, list.data, payload, &c);
    if (rc < 0 ||
        lv_sigv4_string_to_sign(amz_date, parts[1], parts[2], parts[3], &c,
                                &s) < 0) {
        lv_err_set(err, LV_E_INVALID_SIGNATURE, "%s", msg_mismatch);
        goto out;
    }
    verify_signature(creds, cred, parts[1], parts[2], parts[3], &s, sig);
    memset(given, 0, sizeof(given));
    if (a.sig.n == HEX_LEN) {
        memcpy(given, a.sig.p, HEX_LEN);
    }
    if (!lv_secret_equal(sig, given, HEX_LEN) || a.sig.n != HEX_LEN) {
        lv_err_set(err, LV_E_INVALID_SIGNATURE, "%s", msg_mismatch);
        goto out;
    }

    memset(scope, 0, sizeof(*scope));
    memcpy(scope->date, parts[1], 8);
    snprintf(scope->region, sizeof(scope->region), "%s", parts[2]);
    snprintf(scope->service, sizeof(scope->service), "%s", parts[3]);
    lv_creds_principal(cred, who);
    ret = 0;
out:
    free(cred_copy);
    lv_buf_release(&list);
    lv_buf_release(&c);
    lv_buf_release(&s);
    lv_secret_wipe(sig, sizeof(sig));
    return ret;
}
