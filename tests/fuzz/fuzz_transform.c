/*
 * fuzz_transform: libFuzzer target for log transformers
 * (src/logs/transform.c): the config checker and compiler
 * (lv_transformer_new) over arbitrary JSON, and every processor of a
 * config it accepts over arbitrary event messages. Whatever the bytes:
 * no crash, leak or out-of-bounds read; a config is either accepted or
 * refused with InvalidParameterException; a transformed event is one
 * well-formed JSON object within the bound it was given.
 *
 * Input: the config's JSON text, then a NUL byte, then event messages
 * separated by NUL bytes. With no NUL, the whole input is one message run
 * through a fixed config that uses every configurable processor, then
 * through each parser for AWS vended logs alone (corpus:
 * tests/fuzz/corpus/fuzz_transform/, with each vended parser's example
 * from AWS's page).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "logs/transform.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OUT 4096

static const char every[] =
    "[{\"parseKeyValue\":{\"fieldDelimiter\":\" \",\"destination\":\"kv\"}},"
    "{\"parseJSON\":{\"source\":\"kv.j\",\"destination\":\"j\"}},"
    "{\"csv\":{\"source\":\"kv.c\",\"destination\":\"c\","
    "\"delimiter\":\";\"}},"
    "{\"grok\":{\"source\":\"kv.g\",\"match\":"
    "\"%{WORD:gw} (%{INT:gi}|%{IP:ip.v})? %{GREEDYDATA:rest}\"}},"
    "{\"dateTimeConverter\":{\"source\":\"kv.t\",\"target\":\"tt\","
    "\"matchPatterns\":[\"yyyy-MM-dd'T'HH:mm:ss.SSSXXX\","
    "\"EEE, d MMM yy h:m:s a Z\"],\"targetTimezone\":\"-03:30\","
    "\"targetFormat\":\"EEEE MMMM dd yyyy hh:mm:ss.SSSSSS a X\"}},"
    "{\"addKeys\":{\"entries\":[{\"key\":\"a.b.c\",\"value\":\"v\"}]}},"
    "{\"copyValue\":{\"entries\":[{\"source\":\"kv\",\"target\":\"k2\"},"
    "{\"source\":\"@logGroupName\",\"target\":\"g\"}]}},"
    "{\"moveKeys\":{\"entries\":[{\"source\":\"k2.x\",\"target\":\"x\"}]}},"
    "{\"renameKeys\":{\"entries\":[{\"key\":\"kv.y\",\"renameTo\":\"z\"}]}},"
    "{\"deleteKeys\":{\"withKeys\":[\"k2.q\"]}},"
    "{\"lowerCaseString\":{\"withKeys\":[\"kv.a\"]}},"
    "{\"upperCaseString\":{\"withKeys\":[\"kv.b\"]}},"
    "{\"trimString\":{\"withKeys\":[\"kv.t\"]}},"
    "{\"splitString\":{\"entries\":[{\"source\":\"kv.s\","
    "\"delimiter\":\",\"}]}},"
    "{\"substituteString\":{\"entries\":[{\"source\":\"kv.r\","
    "\"from\":\"(a+)+b\",\"to\":\"<$1>\"}]}},"
    "{\"listToMap\":{\"source\":\"j.l\",\"key\":\"k\",\"flatten\":true,"
    "\"flattenedElement\":\"last\"}},"
    "{\"typeConverter\":{\"entries\":[{\"key\":\"kv.n\","
    "\"type\":\"integer\"},{\"key\":\"kv.d\",\"type\":\"double\"}]}}]";

static const char *const vended[] = {
    "[{\"parseCloudfront\":{}}]", "[{\"parseRoute53\":{}}]",
    "[{\"parsePostgres\":{}}]", "[{\"parseVPC\":{}}]",
    "[{\"parseWAF\":{}}]",
};

static void run(const struct lv_transformer *t, const char *msg, size_t n)
{
    struct lv_transform_meta meta = { "/g", "s", "123456789012",
                                      "us-east-1" };
    char *out = NULL;
    size_t len = 0;
    json_t *back;

    if (lv_transformer_apply(t, &meta, msg, n, MAX_OUT, &out, &len) < 0) {
        return;
    }
    if (len > MAX_OUT || strlen(out) != len) {
        abort();
    }
    back = json_loadb(out, len, 0, NULL);
    if (!json_is_object(back)) {
        abort();
    }
    json_decref(back);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nul = memchr(p, '\0', size);
    struct lv_err err = LV_ERR_INIT;
    struct lv_transformer *t;
    json_t *config;

    if (!nul) {
        for (size_t i = 0; i <= sizeof(vended) / sizeof(vended[0]); i++) {
            config = json_loads(i ? vended[i - 1] : every, 0, NULL);
            t = lv_transformer_new(config, &err);
            if (!t) {
                abort();
            }
            run(t, p, size);
            lv_transformer_free(t);
            json_decref(config);
        }
        return 0;
    }
    config = json_loadb(p, (size_t)(nul - p), 0, NULL);
    if (!config) {
        return 0;
    }
    t = lv_transformer_new(config, &err);
    if (!t) {
        if (err.code != LV_E_INVALID_PARAMETER) {
            abort();
        }
        json_decref(config);
        return 0;
    }
    for (const char *m = nul + 1; m < p + size;) {
        const char *end = memchr(m, '\0', (size_t)(p + size - m));
        size_t n = end ? (size_t)(end - m) : (size_t)(p + size - m);

        run(t, m, n);
        m += n + 1;
    }
    lv_transformer_free(t);
    json_decref(config);
    return 0;
}
