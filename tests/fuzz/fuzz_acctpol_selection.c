/*
 * fuzz_acctpol_selection: arbitrary bytes as the selectionCriteria of an
 * account FIELD_INDEX_POLICY (lv_acctpol_check_doc with a valid
 * document), the parser of logs/acctpol_int.h's forms. It answers 0, or
 * -1 with InvalidParameterException and a message; a selection it
 * accepts is blank or a LogGroupNamePrefix IN list.
 * Build: clang -fsanitize=fuzzer,address,undefined with the library.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/acctpol_int.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char doc[] = "{\"Fields\": [\"requestId\"]}";
    struct lv_err err = LV_ERR_INIT;
    char *sel = malloc(size + 1);
    const char *p;
    int rc;

    if (!sel) {
        return 0;
    }
    memcpy(sel, data, size);
    sel[size] = '\0';
    rc = lv_acctpol_check_doc(LV_ACCTPOL_FIELD_INDEX, doc, sel, &err);
    if (rc < 0 && (err.code != LV_E_INVALID_PARAMETER || !err.msg[0])) {
        abort();
    }
    if (rc == 0) {
        p = sel + strspn(sel, " \t\r\n");
        if (*p && strncmp(p, "LogGroupNamePrefix", 18) != 0) {
            abort();
        }
    }
    free(sel);
    return 0;
}
