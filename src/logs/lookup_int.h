/*
 * lookup_int: lookup tables as the rest of the Logs service sees them —
 * the ARN of a table, and loading one's content (for Insights' lookup
 * command, run by logs/query_run.c).
 *
 * A table's CSV is stored sealed (AES-256-GCM, "lvlookup1" format:
 * 0x01 | nonce (12) | tag (16) | ciphertext; AAD "lvlookup1" | account |
 * region | name, each NUL-terminated) under a random data key of its own.
 * The data key is stored wrapped: under the table's KMS key (a KMS
 * GenerateDataKey ciphertext blob, made as the principal
 * logs.<region>.amazonaws.com with the encryption context
 * {"aws:logs:arn": <table ARN>}) or, without one, under the Logs service
 * key derived from the root key (HKDF info "logvault logs service key v1",
 * context "lookup tables v1" + account + region; the same 0x01 | nonce |
 * tag | ciphertext form, AAD "lvlookupkey1" | account | region | name).
 *
 * AWS does not document the encryption context CloudWatch Logs uses for
 * lookup tables; logvault uses aws:logs:arn = the table's ARN, as for log
 * groups, so the same key-policy statement narrowed by
 * kms:EncryptionContext:aws:logs:arn works for both.
 */
#ifndef LV_LOGS_LOOKUP_INT_H
#define LV_LOGS_LOOKUP_INT_H

#include <stddef.h>

#include "svc/req.h"

struct lv_csv;
struct lv_err;

/* "arn:aws:logs:REGION:ACCOUNT:lookup-table:NAME" (the form logvault
 * gives; AWS's API reference shows no example). */
#define LV_LOOKUP_ARN_MAX 400
void lv_logs_lookup_arn(const char *region, const char *account,
                        const char *name, char out[LV_LOOKUP_ARN_MAX]);

/*
 * The content of table `name` of rq's account and region, decrypted as
 * the Logs service (through the table's KMS key if it has one) and read
 * into *out. 1 found, 0 no such table (*out untouched), -1 with *err:
 * AccessDeniedException when the KMS key can no longer be used,
 * ServiceUnavailableException on a store fault or content that does not
 * open.
 */
int lv_logs_lookup_load(struct lv_req *rq, const char *name,
                        struct lv_csv *out, struct lv_err *err);

#endif
