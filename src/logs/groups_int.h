/*
 * groups_int: what the files of the groups area share (groups.c,
 * streams.c, tags.c, kmskey.c): the opaque paging tokens, the KMS key
 * rule for a log group, and tagging. Their handlers are declared in
 * logs.h.
 *
 * Not here: finding a group and its ARNs (logs_int.h), events
 * (events_int.h).
 */
#ifndef LV_LOGS_GROUPS_INT_H
#define LV_LOGS_GROUPS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "logs/logs_int.h"

struct json_t;
struct lv_err;
struct lv_jw;

/* ---- paging tokens (groups.c) ------------------------------------------- */

/*
 * nextToken values are opaque: base64 of a cursor followed by a 16-byte
 * HMAC-SHA256 tag under a key derived from the root key, over the token's
 * kind ("DescribeLogGroups", …), the caller's account and region, a
 * `scope` string (a group id, an order) and the cursor. A token is valid
 * only for the listing that issued it; anything else is refused.
 */
#define LV_LOGS_CURSOR_MAX 2100

/* Writes member "nextToken" carrying `cursor` (any bytes but NUL). */
void lv_logs_token_write(struct lv_req *rq, struct lv_jw *w, const char *kind,
                         const char *scope, const char *cursor);

/*
 * Reads in's "nextToken": 0 when absent (cursor ""), 1 with the cursor
 * (at most LV_LOGS_CURSOR_MAX - 1 bytes) in `cursor`, or -1 with
 * InvalidParameterException "The specified nextToken is invalid." for a
 * token this listing did not issue.
 */
int lv_logs_token_read(struct lv_req *rq, const struct json_t *in,
                       const char *kind, const char *scope,
                       char cursor[LV_LOGS_CURSOR_MAX], struct lv_err *err);

/* ---- editing a group (groups.c) ----------------------------------------- */

/*
 * In one store transaction: finds the group `name_or_arn` names (as
 * lv_logs_find_group_by) and lets fn change it through one of the store's
 * field-wise operations (lv_store_logs_group_set_*), which change only
 * that field of the row as it stands — never a copy of the group written
 * back. fn returns what the store operation returned: 1 changed, 0 the
 * group is gone (ResourceNotFoundException), or -1 with *err to leave the
 * group as it was. 0, or -1 with *err (ResourceNotFoundException, fn's
 * error, ServiceUnavailableException).
 */
typedef int (*lv_logs_group_edit_fn)(void *arg, struct lv_req *rq,
                                     const struct lv_log_group *g,
                                     struct lv_err *err);
int lv_logs_group_edit(struct lv_req *rq, const char *name_or_arn,
                       lv_logs_group_edit_fn fn, void *arg,
                       struct lv_err *err);

/* ---- the KMS key rule (kmskey.c) ---------------------------------------- */

/*
 * Checks that the Logs service may use `key_id` for the group named
 * `name` in rq's scope, as AWS does for CreateLogGroup and AssociateKmsKey:
 * key_id must be a key ARN (or an alias ARN, resolved to its key); acting
 * as logs.<region>.amazonaws.com with the encryption context
 * {"aws:logs:arn": "arn:aws:logs:R:A:log-group:NAME"}, the key policy (or
 * a grant) must allow GenerateDataKey and Decrypt, and the key must be
 * enabled, symmetric and ENCRYPT_DECRYPT. 0 with the key's ARN in key_arn,
 * or -1 with the Logs error (InvalidParameterException,
 * AccessDeniedException, ServiceUnavailableException).
 */
int lv_logs_check_kms_key(struct lv_req *rq, const char *name,
                          const char *key_id, char key_arn[256],
                          struct lv_err *err);

/* The same rule for another Logs resource (an anomaly detector): the
 * encryption context is {"aws:logs:arn": resource_arn}, which the errors
 * name too; `label` is what an ill-formed key_id's message quotes. */
int lv_logs_check_kms_key_for(struct lv_req *rq, const char *label,
                              const char *resource_arn, const char *key_id,
                              char key_arn[256], struct lv_err *err);

/* What KMS said to the Logs service about `key` (kerr) as Logs says it to
 * its caller for resource_arn, as the two checks above do: -1 with *err
 * (AccessDeniedException, InvalidParameterException for a disabled,
 * pending-deletion or unusable key, ServiceUnavailableException). */
int lv_logs_kms_key_error(const struct lv_err *kerr, const char *key,
                          const char *resource_arn, struct lv_err *err);

/* 1 when s has the form AWS takes for a Logs resource's KMS key: a key
 * ARN or an alias ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/ID or
 * …:alias/NAME); a bare key id or alias name is not one. */
int lv_logs_kms_ref_ok(const char *s);

/* ---- tags (tags.c) ------------------------------------------------------ */

/* Sets `tags` (an object of strings) on group_id inside the caller's
 * transaction, refusing (TooManyTagsException) more than 50 in all and
 * keys beginning with "aws:" (InvalidParameterException). */
int lv_logs_tags_apply(struct lv_req *rq, int64_t group_id,
                       const struct json_t *tags, struct lv_err *err);

#endif
