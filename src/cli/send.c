/*
 * cli/send: one AWS JSON 1.1 call — serialise, sign (SigV4, the four tasks
 * in auth/sigv4_canon.c), POST with libcurl on a kept-alive connection, and read
 * the answer as botocore does (botocore/parsers.py BaseJSONParser: the
 * error code is `__type` after its last '#', the message `message` or
 * `Message`). Retries follow botocore's "standard" mode
 * (botocore/retries/standard.py): connection errors, HTTP 500/502/503/504
 * and the throttling codes, at most AWS_MAX_ATTEMPTS attempts (default 3),
 * waiting rand(0,1) * 2^attempt seconds, at most 20.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
#include "cli/cli_int.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/rand.h>

#include "auth/sigv4.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/evstream.h"
#include "util/mem.h"

#define MAX_RESPONSE_BYTES ((size_t)1 << 30)

struct lv_cli_http {
    CURL *curl;
};

void lv_cli_http_free(struct lv_cli_http *h)
{
    if (h) {
        if (h->curl) {
            curl_easy_cleanup(h->curl);
        }
        free(h);
    }
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct lv_buf *b = ud;

    if (lv_buf_add(b, p, size * n) < 0) {
        return 0;
    }
    return size * n;
}

/* An event-stream answer being read (lv_cli_call_stream): while the
 * status is 200 the bytes are messages for fn, else the error body. */
struct sink {
    CURL *curl;
    struct lv_buf *body;
    struct lv_buf pend;         /* bytes of a message not whole yet */
    lv_cli_event_fn fn;
    void *arg;
    const volatile sig_atomic_t *stop;
    int rc;                     /* fn's verdict; LV_CLI_RC_GENERAL when
                                 * the stream is malformed */
    int stopped;                /* we ended the transfer */
    int streamed;               /* a 200 answer began */
};

/* Hands every whole message in sk->pend to fn; 0 to go on, -1 to stop. */
static int drain(struct sink *sk)
{
    size_t off = 0;
    int ret = 0;

    while (off < sk->pend.len) {
        struct lv_evstream_msg m;
        const char *mt, *type;
        size_t mtl, tl, used;
        char kind[16], name[256];
        int rc = lv_evstream_read(sk->pend.data + off, sk->pend.len - off,
                                  &m, &used);

        if (rc == 0) {
            break;
        }
        if (rc < 0) {
            sk->rc = lv_cli_fail(LV_CLI_RC_GENERAL, "The event stream is "
                                 "malformed (a length or CRC32 does not "
                                 "check out)");
            ret = -1;
            break;
        }
        off += used;
        if (!lv_evstream_header(&m, ":message-type", &mt, &mtl)) {
            mt = "event";
            mtl = 5;
        }
        snprintf(kind, sizeof(kind), "%.*s", (int)mtl, mt);
        if (!lv_evstream_header(&m, strcmp(kind, "exception") == 0
                                        ? ":exception-type"
                                    : strcmp(kind, "error") == 0
                                        ? ":error-code" : ":event-type",
                                &type, &tl)) {
            type = "";
            tl = 0;
        }
        snprintf(name, sizeof(name), "%.*s", (int)tl, type);
        if (strcmp(kind, "event") == 0 &&
            strcmp(name, "initial-response") == 0) {
            continue;
        }
        if (strcmp(kind, "error") == 0 &&
            lv_evstream_header(&m, ":error-message", &type, &tl)) {
            /* an error message carries its text in a header */
            sk->rc = sk->fn(sk->arg, kind, name, type, tl);
        } else {
            sk->rc = sk->fn(sk->arg, kind, name,
                            (const char *)m.payload, m.payload_len);
        }
        if (sk->rc) {
            ret = -1;
            break;
        }
    }
    memmove(sk->pend.data, sk->pend.data + off, sk->pend.len - off);
    sk->pend.len -= off;
    sk->pend.data[sk->pend.len] = '\0';
    return ret;
}

static size_t on_stream(char *p, size_t size, size_t n, void *ud)
{
    struct sink *sk = ud;
    long status = 0;

    curl_easy_getinfo(sk->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        return on_body(p, size, n, sk->body);
    }
    sk->streamed = 1;
    if (lv_buf_add(&sk->pend, p, size * n) < 0) {
        sk->rc = lv_cli_fail(LV_CLI_RC_GENERAL, "The event stream is "
                             "malformed (a message is too large)");
        sk->stopped = 1;
        return 0;
    }
    if (drain(sk) < 0) {
        sk->stopped = 1;
        return 0;
    }
    return size * n;
}

/* Called about once a second even while nothing arrives: SIGINT (the
 * caller's flag) ends the stream. */
static int on_progress(void *ud, curl_off_t dt, curl_off_t dn,
                       curl_off_t ut, curl_off_t un)
{
    struct sink *sk = ud;

    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    if (sk->stop && *sk->stop) {
        sk->stopped = 1;
        return 1;
    }
    return 0;
}

static const char *const RETRY_CODES[] = {
    "Throttling", "ThrottlingException", "ThrottledException",
    "RequestThrottledException", "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded",
    "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
    "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    "RequestTimeout", "RequestTimeoutException", NULL,
};

static int retryable(long status, const char *code)
{
    int i;

    if (status == 500 || status == 502 || status == 503 || status == 504) {
        return 1;
    }
    for (i = 0; code && RETRY_CODES[i]; i++) {
        if (strcmp(code, RETRY_CODES[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The request URL ("http://h:p/" for an endpoint without a path) and the
 * Host header value (host[:port] as in the URL). */
static void split_endpoint(const char *ep, char **url, char **host)
{
    const char *p = strstr(ep, "://");
    const char *h = p ? p + 3 : ep;
    const char *slash = strchr(h, '/');
    size_t hl = slash ? (size_t)(slash - h) : strlen(h);

    *host = lv_xstrndup(h, hl);
    if (!slash) {
        *url = lv_xasprintf("%s/", ep);
    } else {
        *url = lv_xstrdup(ep);
    }
}

/*
 * StartLiveTail's host: the model's hostPrefix "stream-" before an AWS
 * endpoint's host, as botocore injects it. Before any other endpoint
 * (logvault's, an address) the URL is used as it is: botocore would
 * prefix those too, and "stream-127.0.0.1" names nothing.
 */
static void stream_host(char **url, char **host)
{
    size_t hl = strlen(*host);
    const char *colon = strchr(*host, ':');
    size_t name = colon ? (size_t)(colon - *host) : hl;
    static const char aws[] = ".amazonaws.com";
    char *p;

    if (name < sizeof(aws) ||
        strncmp(*host + name - (sizeof(aws) - 1), aws, sizeof(aws) - 1)) {
        return;
    }
    p = strstr(*url, *host);
    if (p) {
        char *u = lv_xasprintf("%.*sstream-%s", (int)(p - *url), *url, p);

        free(*url);
        *url = u;
    }
    p = lv_xasprintf("stream-%s", *host);
    free(*host);
    *host = p;
}

static const char *url_path(const char *url)
{
    const char *p = strstr(url, "://");
    const char *slash = strchr(p ? p + 3 : url, '/');

    return slash ? slash : "/";
}

static void backoff(int attempt)
{
    unsigned char r = 128;
    double secs;

    if (RAND_bytes(&r, 1) != 1) {
        r = 128;
    }
    secs = (r / 255.0) * (double)(1 << attempt);
    if (secs > 20) {
        secs = 20;
    }
    usleep((useconds_t)(secs * 1e6));
}

static int max_attempts(void)
{
    const char *v = getenv("AWS_MAX_ATTEMPTS");
    long n;
    char *end;

    if (v && *v) {
        n = strtol(v, &end, 10);
        if (*end == '\0' && n >= 1 && n < 100) {
            return (int)n;
        }
    }
    return 3;
}

/* One attempt: fills *status and *body, or returns a curl error. */
static CURLcode post(struct lv_cli *c, const char *url, const char *host,
                     const char *opname, const char *payload,
                     long *status, struct lv_buf *body, struct sink *sk,
                     struct lv_err *err, int *sign_failed)
{
    char amz_date[17], target[256];
    struct lv_sigv4_header h[5];
    struct lv_sigv4_request rq;
    struct lv_buf authz = LV_BUF_INIT((size_t)-1);
    struct curl_slist *list = NULL;
    char *line = NULL;
    time_t now = time(NULL);
    struct tm tm;
    size_t nh = 0, i;
    CURLcode rc = CURLE_OK;

    *sign_failed = 0;
    gmtime_r(&now, &tm);
    strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
    snprintf(target, sizeof(target), "%s.%s", c->svc->target_prefix, opname);
    h[nh++] = (struct lv_sigv4_header){ "Content-Type",
                                        "application/x-amz-json-1.1" };
    h[nh++] = (struct lv_sigv4_header){ "Host", host };
    h[nh++] = (struct lv_sigv4_header){ "X-Amz-Date", amz_date };
    h[nh++] = (struct lv_sigv4_header){ "X-Amz-Target", target };
    if (c->cfg.token) {
        h[nh++] = (struct lv_sigv4_header){ "X-Amz-Security-Token",
                                            c->cfg.token };
    }
    rq = (struct lv_sigv4_request){ "POST", url_path(url), "", h, nh,
                                    payload, strlen(payload) };
    if (lv_sigv4_sign(&rq, c->cfg.access_key, c->cfg.secret, c->cfg.region,
                      c->svc->signing_name, amz_date, &authz, NULL, NULL,
                      err) < 0) {
        *sign_failed = 1;
        goto out;
    }
    for (i = 0; i < nh; i++) {
        if (strcmp(h[i].name, "Host") == 0) {
            continue;   /* curl sends Host from the URL, identically */
        }
        free(line);
        line = lv_xasprintf("%s: %s", h[i].name, h[i].value);
        list = curl_slist_append(list, line);
    }
    free(line);
    line = lv_xasprintf("Authorization: %s", authz.data);
    list = curl_slist_append(list, line);
    list = curl_slist_append(list, "Expect:");
    list = curl_slist_append(list, "User-Agent: logvault/" LV_VERSION);

    lv_cli_debug(c, "Making request for OperationModel(name=%s) with "
                 "params: url=%s, X-Amz-Target=%s, body=%zu bytes", opname,
                 url, target, strlen(payload));
    curl_easy_setopt(c->http->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->http->curl, CURLOPT_POST, 1L);
    curl_easy_setopt(c->http->curl, CURLOPT_POSTFIELDS, payload);
    curl_easy_setopt(c->http->curl, CURLOPT_POSTFIELDSIZE,
                     (long)strlen(payload));
    curl_easy_setopt(c->http->curl, CURLOPT_HTTPHEADER, list);
    if (sk) {
        sk->curl = c->http->curl;
        sk->body = body;
        curl_easy_setopt(c->http->curl, CURLOPT_WRITEFUNCTION, on_stream);
        curl_easy_setopt(c->http->curl, CURLOPT_WRITEDATA, sk);
        curl_easy_setopt(c->http->curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c->http->curl, CURLOPT_XFERINFOFUNCTION,
                         on_progress);
        curl_easy_setopt(c->http->curl, CURLOPT_XFERINFODATA, sk);
    } else {
        curl_easy_setopt(c->http->curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c->http->curl, CURLOPT_WRITEDATA, body);
        curl_easy_setopt(c->http->curl, CURLOPT_NOPROGRESS, 1L);
    }
    curl_easy_setopt(c->http->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->http->curl, CURLOPT_CONNECTTIMEOUT,
                     c->connect_timeout);
    /* https:// endpoints: the CA bundle replaces the system's store, as
     * botocore's verify=<bundle> does; --no-verify-ssl checks neither the
     * chain nor the name (the AWS CLI's, which it warns about). */
    if (c->cfg.ca_bundle) {
        curl_easy_setopt(c->http->curl, CURLOPT_CAINFO, c->cfg.ca_bundle);
    }
    if (c->no_verify_ssl) {
        curl_easy_setopt(c->http->curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c->http->curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (c->read_timeout > 0) {
        curl_easy_setopt(c->http->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c->http->curl, CURLOPT_LOW_SPEED_TIME,
                         c->read_timeout);
    }
    rc = curl_easy_perform(c->http->curl);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c->http->curl, CURLINFO_RESPONSE_CODE, status);
        lv_cli_debug(c, "Response: status=%ld, body=%zu bytes", *status,
                     body->len);
    } else {
        lv_cli_debug(c, "Exception received when sending HTTP request: %s",
                     curl_easy_strerror(rc));
    }
out:
    curl_easy_setopt(c->http->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(list);
    free(line);
    lv_buf_release(&authz);
    return rc;
}

static int call(struct lv_cli *c, const char *opname, const json_t *params,
                json_t **resp, struct sink *sk)
{
    char *payload = NULL, *url = NULL, *host = NULL;
    struct lv_buf body = LV_BUF_INIT(MAX_RESPONSE_BYTES);
    struct lv_err err = LV_ERR_INIT;
    json_t *doc = NULL;
    char *code = NULL;
    const char *msg = "";
    long status = 0;
    int attempts = max_attempts(), attempt, sign_failed = 0;
    CURLcode rc = CURLE_OK;
    int ret = LV_CLI_RC_GENERAL;

    if (!c->http) {
        c->http = lv_xcalloc(1, sizeof(*c->http));
        c->http->curl = curl_easy_init();
        if (!c->http->curl) {
            return lv_cli_fail(LV_CLI_RC_GENERAL, "curl_easy_init failed");
        }
    }
    payload = params ? json_dumps(params, JSON_COMPACT | JSON_PRESERVE_ORDER)
                     : lv_xstrdup("{}");
    split_endpoint(c->cfg.endpoint, &url, &host);
    if (sk) {
        stream_host(&url, &host);
    }
    for (attempt = 0; attempt < attempts; attempt++) {
        if (attempt > 0) {
            backoff(attempt - 1);
        }
        lv_buf_reset(&body);
        json_decref(doc);
        doc = NULL;
        free(code);
        code = NULL;
        status = 0;
        rc = post(c, url, host, opname, payload, &status, &body, sk, &err,
                  &sign_failed);
        if (sign_failed) {
            ret = lv_cli_fail(LV_CLI_RC_GENERAL, "%s", err.msg);
            goto out;
        }
        if (sk && sk->streamed) {
            /* Ended by us (fn, SIGINT), by the server, or cut: never
             * sent again. */
            if (sk->stopped) {
                ret = sk->rc;
            } else if (rc != CURLE_OK) {
                ret = lv_cli_fail(LV_CLI_RC_GENERAL, "Connection was closed "
                                  "before the event stream ended: %s",
                                  curl_easy_strerror(rc));
            } else {
                ret = 0;
            }
            goto out;
        }
        if (rc != CURLE_OK) {
            continue;
        }
        doc = body.len ? json_loadb(body.data, body.len, 0, NULL)
                       : json_object();
        if (status == 200) {
            break;
        }
        if (json_is_object(doc)) {
            const char *t = json_string_value(json_object_get(doc,
                                                              "__type"));
            const char *hash;
            if (!t) {
                t = json_string_value(json_object_get(doc, "code"));
            }
            if (t) {
                hash = strrchr(t, '#');
                code = lv_xstrdup(hash ? hash + 1 : t);
                /* botocore drops a ":http://…" suffix some services send */
                char *colon = strchr(code, ':');
                if (colon) {
                    *colon = '\0';
                }
            }
        }
        if (!code) {
            code = lv_xasprintf("%ld", status);
        }
        if (!retryable(status, code) || attempt == attempts - 1) {
            break;
        }
    }
    if (rc == CURLE_OPERATION_TIMEDOUT && status == 0) {
        ret = lv_cli_fail(LV_CLI_RC_GENERAL,
                          "Read timeout on endpoint URL: \"%s\"", url);
        goto out;
    }
    if (rc == CURLE_PEER_FAILED_VERIFICATION ||
        rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CONNECT_ERROR) {
        /* botocore's SSLError, with curl's reason for OpenSSL's. */
        ret = lv_cli_fail(LV_CLI_RC_GENERAL,
                          "SSL validation failed for %s %s", url,
                          curl_easy_strerror(rc));
        goto out;
    }
    if (rc != CURLE_OK) {
        ret = lv_cli_fail(LV_CLI_RC_GENERAL,
                          "Could not connect to the endpoint URL: \"%s\"",
                          url);
        goto out;
    }
    if (status == 200) {
        if (!json_is_object(doc)) {
            ret = lv_cli_fail(LV_CLI_RC_GENERAL,
                              "Unable to parse response (not valid JSON), "
                              "invalid XML received. Further retries may "
                              "succeed:\n%s", body.data);
            goto out;
        }
        *resp = doc;
        doc = NULL;
        ret = 0;
        goto out;
    }
    if (json_is_object(doc)) {
        const char *m = json_string_value(json_object_get(doc, "message"));
        if (!m) {
            m = json_string_value(json_object_get(doc, "Message"));
        }
        msg = m ? m : "";
    }
    /* botocore's standard mode marks MaxAttemptsReached whenever the last
     * attempt allowed was made, retryable error or not */
    if (attempt >= attempts - 1) {
        ret = lv_cli_fail(LV_CLI_RC_CLIENT,
                          "An error occurred (%s) when calling the %s "
                          "operation (reached max retries: %d): %s", code,
                          opname, attempts - 1, msg);
    } else {
        ret = lv_cli_fail(LV_CLI_RC_CLIENT,
                          "An error occurred (%s) when calling the %s "
                          "operation: %s", code, opname, msg);
    }
out:
    json_decref(doc);
    free(code);
    free(url);
    free(host);
    free(payload);
    lv_buf_release(&body);
    return ret;
}

int lv_cli_call(struct lv_cli *c, const char *opname, const json_t *params,
                json_t **resp)
{
    return call(c, opname, params, resp, NULL);
}

int lv_cli_call_stream(struct lv_cli *c, const char *opname,
                       const json_t *params, lv_cli_event_fn fn, void *arg,
                       const volatile sig_atomic_t *stop)
{
    struct sink sk;
    json_t *resp = NULL;
    int ret;

    memset(&sk, 0, sizeof(sk));
    lv_buf_init(&sk.pend, LV_EVSTREAM_MAX_MESSAGE);
    sk.fn = fn;
    sk.arg = arg;
    sk.stop = stop;
    ret = call(c, opname, params, &resp, &sk);
    json_decref(resp);
    lv_buf_release(&sk.pend);
    return ret;
}
