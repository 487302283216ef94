/*
 * fuzz_audit_eid: libFuzzer target for store/audit_eid's reader of a
 * caller's EventId (LookupEvents passes what it was sent): any text, read
 * back as the derived id of a place of a chain, must be exactly the id
 * that place gives (lv_audit_eid_make), and every place must read back.
 * The first byte picks the account's last digit and the region, the next
 * eight a place to round-trip; the rest is the text.
 *
 *   make fuzz && build/fuzz/fuzz_audit_eid
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/audit_eid.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const regions[] = { "us-east-1", "eu-west-2" };
    static const uint8_t salt[16] = { 7, 7, 7, 7, 7, 7, 7, 7,
                                      7, 7, 7, 7, 7, 7, 7, 7 };
    struct lv_audit_eid p;
    char account[13] = "11112222333";
    char id[37];
    char *text;
    uint64_t place = 0;
    int64_t seq;

    if (size < 9) {
        return 0;
    }
    account[11] = (char)('0' + data[0] % 10);
    account[12] = '\0';
    lv_audit_eid_init(&p, salt, sizeof(salt), regions[(data[0] >> 4) & 1]);
    for (int i = 1; i <= 8; i++) {
        place = place << 8 | data[i];
    }
    place &= INT64_MAX;
    if (place > 0) {
        if (lv_audit_eid_make(&p, account, (int64_t)place, id) != 0 ||
            lv_audit_eid_seq(&p, account, id, &seq) != 1 ||
            (uint64_t)seq != place) {
            abort();
        }
    }
    text = lv_xstrndup((const char *)data + 9, size - 9);
    if (lv_audit_eid_seq(&p, account, text, &seq) == 1) {
        if (seq < 1 || lv_audit_eid_make(&p, account, seq, id) != 0 ||
            strcmp(id, text) != 0) {
            abort();
        }
    }
    free(text);
    return 0;
}
