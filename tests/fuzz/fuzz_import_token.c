/*
 * fuzz_import_token: libFuzzer target for the KMS import token decoder
 * (src/kms/import.c, import_int.h): the payload parser on arbitrary bytes
 * (what a token that opened would hold), the whole opener on arbitrary
 * tokens, and — every input — a genuine token made from the input's
 * fields, which must open to the same fields. No crash, no leak, no read
 * out of bounds; the parser accepts only what the format allows.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kms/import_int.h"
#include "util/buf.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fuzz_key[32] = { 7, 6, 5, 4, 3, 2, 1 };

static void check_parsed(const struct lv_kms_import_params *p)
{
    /* Fields that parsed are NUL-terminated within their arrays and the
     * key is as long as it says. */
    if (strlen(p->key_id) >= sizeof(p->key_id) ||
        strlen(p->account) >= sizeof(p->account) ||
        strlen(p->alg) >= sizeof(p->alg) ||
        strlen(p->spec) >= sizeof(p->spec) || !p->priv ||
        p->priv_len == 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lv_kms_import_params p;
    struct lv_kms_import_params q;
    struct lv_buf tok = LV_BUF_INIT(1 << 20);

    if (lv_kms_import_payload_parse(data, size, &p) == 0) {
        check_parsed(&p);
        /* A parsed payload seals and opens again to the same fields. */
        if (lv_kms_import_token_seal(fuzz_key, &p, &tok) != 0 ||
            lv_kms_import_token_open(fuzz_key, tok.data, tok.len, &q) != 0 ||
            q.valid_to_ms != p.valid_to_ms ||
            strcmp(q.key_id, p.key_id) != 0 ||
            strcmp(q.account, p.account) != 0 ||
            strcmp(q.alg, p.alg) != 0 || strcmp(q.spec, p.spec) != 0 ||
            q.priv_len != p.priv_len ||
            memcmp(q.priv, p.priv, p.priv_len) != 0) {
            abort();
        }
        lv_kms_import_params_release(&q);
        lv_kms_import_params_release(&p);
    }
    /* Arbitrary bytes as a token: they never open. */
    if (lv_kms_import_token_open(fuzz_key, data, size, &q) == 0) {
        check_parsed(&q);
        lv_kms_import_params_release(&q);
    }
    lv_buf_release(&tok);
    return 0;
}
