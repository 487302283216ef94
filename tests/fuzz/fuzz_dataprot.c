/*
 * fuzz_dataprot: arbitrary bytes as a data protection policy document →
 * lv_dp_policy_parse; the same bytes as an event message masked under a
 * fixed policy of every managed identifier and a custom one. Masking must
 * never grow a message nor fail. Build: clang -fsanitize=fuzzer,address,
 * undefined with the library.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/dataprot.h"
#include "util/buf.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define A LV_DP_ARN_PREFIX
#define IDS "\"" A "EmailAddress\",\"" A "CreditCardNumber\",\"" A           \
            "AwsSecretKey\",\"" A "IpAddress\",\"" A "Ssn-US\",\"" A         \
            "PhoneNumber-US\",\"C\""

static const char fixed[] =
    "{\"Name\":\"p\",\"Version\":\"2021-06-01\",\"Configuration\":"
    "{\"CustomDataIdentifier\":[{\"Name\":\"C\",\"Regex\":\"(a+)+b\"}]},"
    "\"Statement\":[{\"DataIdentifier\":[" IDS "],\"Operation\":{\"Audit\":"
    "{\"FindingsDestination\":{}}}},{\"DataIdentifier\":[" IDS "],"
    "\"Operation\":{\"Deidentify\":{\"MaskConfig\":{}}}}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct lv_dp_policy *all;
    struct lv_err err = LV_ERR_INIT;
    struct lv_buf out = LV_BUF_INIT(SIZE_MAX);

    if (!all) {
        all = lv_dp_policy_parse(fixed, strlen(fixed), &err);
        if (!all) {
            abort();
        }
    }
    lv_dp_policy_free(lv_dp_policy_parse((const char *)data, size, &err));
    if (lv_dp_policy_mask(all, (const char *)data, size, &out, NULL) &&
        out.len > size) {
        abort();
    }
    lv_buf_release(&out);
    return 0;
}
