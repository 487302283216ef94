/*
 * fuzz_jmespath: arbitrary bytes as a --query expression, evaluated over a
 * fixed DescribeLogGroups-like document (and over null), the result then
 * printed in the three output formats. Must compile, evaluate and print or
 * fail cleanly, within the nesting bound.
 * Build: clang -fsanitize=fuzzer,address,undefined with the library.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/jmespath.h"
#include "cli/output.h"
#include "util/buf.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char doc[] =
    "{\"logGroups\": [{\"logGroupName\": \"/app/web\", \"storedBytes\": 10,"
    " \"retentionInDays\": 7, \"tags\": [\"a\", \"b\"]}, {\"logGroupName\":"
    " \"/app/db\", \"storedBytes\": 300.5, \"x\": null, \"o\": {\"k\": "
    "[1, [2, 3], {\"z\": true}]}}, {\"logGroupName\": \"\\u65e5\", "
    "\"storedBytes\": -5, \"kmsKeyId\": \"arn:k\"}], \"nextToken\": \"t\"}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *d;
    static const char *const formats[] = { "json", "text", "table" };
    struct lv_err err = LV_ERR_INIT;
    struct lv_jmespath *q;
    char *expr;
    size_t i;

    if (size > 4096) {
        return 0;
    }
    if (!d) {
        d = json_loads(doc, 0, NULL);
    }
    expr = malloc(size + 1);
    memcpy(expr, data, size);
    expr[size] = '\0';
    q = lv_jmespath_compile(expr, &err);
    if (q) {
        json_t *r = lv_jmespath_eval(q, d, &err);

        for (i = 0; r && i < 3; i++) {
            struct lv_buf b = LV_BUF_INIT(1 << 20);
            lv_output_format(&b, r, formats[i], "Fuzz", 80);
            lv_buf_release(&b);
        }
        json_decref(r);
        json_decref(lv_jmespath_eval(q, NULL, &err));
        lv_jmespath_free(q);
    }
    free(expr);
    return 0;
}
