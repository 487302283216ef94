/*
 * fuzz_audit_body: libFuzzer target for the audit batch body's decoder
 * (src/store/audit_store.c, lv_audit_batch_decode: formats 1 to 4).
 * A batch comes back from the store, where its body may have been changed
 * underneath: whatever the bytes, decoding must not crash, leak or read
 * out of bounds; each record it hands over must hash (chain.h, each
 * record by its own format) and render or fail cleanly, as `audit verify`
 * and LookupEvents treat it.
 *
 * Input: byte 0 gives the batch's number of records (1 … 64); the rest is
 * the body's bytes before compression ("lvab4" …: the corpus has one
 * batch of each format, tests/fuzz/corpus/fuzz_audit_body/).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "audit/chain.h"
#include "audit/event.h"
#include "store/audit_store.h"
#include "util/err.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int each(void *arg, const struct lv_audit_record *r)
{
    struct lv_err err = LV_ERR_INIT;
    uint8_t h[LV_AUDIT_HASH_BYTES];
    char *json = NULL;
    int *n = arg;

    lv_audit_record_hash(r, h);
    if (lv_audit_event_render(r, &json, &err) == 0) {
        free(json);
    }
    (*n)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lv_audit_batch b;
    size_t bound;
    int n = 0;

    if (size < 1) {
        return 0;
    }
    lv_log_level = LV_LOG_ERROR;    /* a malformed body is logged: noise */
    memset(&b, 0, sizeof(b));
    b.id = 1;
    snprintf(b.account, sizeof(b.account), "111122223333");
    snprintf(b.region, sizeof(b.region), "us-west-2");
    b.seq_first = 10;
    b.seq_last = 10 + (data[0] & 63);
    bound = ZSTD_compressBound(size - 1);
    b.body = malloc(bound);
    if (b.body == NULL) {
        return 0;
    }
    b.body_len = ZSTD_compress(b.body, bound, data + 1, size - 1, 1);
    if (ZSTD_isError(b.body_len)) {
        abort();
    }
    lv_audit_batch_decode(&b, each, &n);
    if (n > b.seq_last - b.seq_first + 1) {
        abort();            /* more records than the batch holds */
    }
    free(b.body);
    return 0;
}
