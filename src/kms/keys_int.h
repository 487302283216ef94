/*
 * keys_int: what the key-management handlers (keys.c, aliases.c,
 * policies.c, tags.c; and rotation and grants, admin.c and grants.c)
 * share — the small helpers they have in common: loading the key an
 * operation names, opaque paging markers, tag-list validation, the
 * management key-state rule. Their handlers are declared in kms.h.
 * Private to src/kms/.
 */
#ifndef LV_KMS_KEYS_INT_H
#define LV_KMS_KEYS_INT_H

#include <stddef.h>

#include "svc/req.h"

struct json_t;
struct lv_err;
struct lv_jw;
struct lv_kms_key;

/* AWS limits. https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html */
#define LV_KMS_MAX_TAGS 50              /* tags per key */
#define LV_KMS_LIST_DEFAULT 100         /* Limit when a List* omits it */

/* policies.c */
/*
 * Parses and checks a key policy text for key_arn as CreateKey and
 * PutKeyPolicy do: MalformedPolicyDocumentException when it does not
 * parse, and the policy lockout safety check for rq's principal unless
 * `bypass`. 0 or -1 with *err.
 */
int lv_kms_policy_check(struct lv_req *rq, const char *policy,
                        const char *key_arn, int bypass, struct lv_err *err);

/* tags.c */
/*
 * Checks a Tags list ([{TagKey, TagValue}], lengths already validated by
 * the model): TagException for a key starting "aws:" (any case) and for a
 * key given twice. 0 or -1 with *err.
 */
int lv_kms_tags_check(const struct json_t *tags, struct lv_err *err);
/* Stores every tag of a checked list on key_id (within the caller's
 * transaction). */
int lv_kms_tags_store(struct lv_req *rq, const char *key_id,
                      const struct json_t *tags, struct lv_err *err);

/* ---- shared helpers (keys.c) --------------------------------------------- */

/*
 * The preamble of an operation on one key named by the KeyId member of
 * `in`: finds the key (lv_kms_resolve with `flags`: LV_KMS_ALIAS_OK,
 * LV_KMS_CROSS_ACCOUNT) and authorizes kms:<action> on it for rq's
 * principal, with no encryption context. Fills *k (init'd by the caller)
 * and returns 0, or -1 with the first of AWS's errors that applies. The
 * cryptographic operations, which also check state, usage and a context,
 * use lv_kms_use_key (ops_int.h).
 */
int lv_kms_load_key(struct lv_req *rq, const struct json_t *in,
                    unsigned flags, const char *action, struct lv_kms_key *k,
                    struct lv_err *err);

/*
 * Paging markers are opaque to clients: base64 of "<kind>:<last item>".
 * lv_kms_marker_write writes the NextMarker member for `last`;
 * lv_kms_marker_read reads the input Marker (absent: *after = "", 0) into
 * after (cap bytes), or answers InvalidMarkerException when it is not one
 * we made for `kind`.
 */
void lv_kms_marker_write(struct lv_jw *w, const char *kind, const char *last);
int lv_kms_marker_read(const struct json_t *in, const char *kind, char *after,
                       size_t cap, struct lv_err *err);

/* The Limit member (1–1000 checked by the model), or the default 100. */
int lv_kms_limit(const struct json_t *in);

/*
 * The rule of most management operations (UpdateKeyDescription, EnableKey,
 * TagResource, CreateAlias …): a key pending deletion cannot be changed —
 * KMSInvalidStateException "ARN is pending deletion."; Enabled, Disabled
 * and PendingImport (a key awaiting its imported material) pass; any
 * other state → KMSInvalidStateException "ARN is STATE.".
 */
int lv_kms_check_manageable(const struct lv_kms_key *k, struct lv_err *err);

#endif
