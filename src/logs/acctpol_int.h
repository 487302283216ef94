/*
 * acctpol_int: account-level policies of the types other than data
 * protection (PutAccountPolicy FIELD_INDEX_POLICY, TRANSFORMER_POLICY,
 * SUBSCRIPTION_FILTER_POLICY; dp_ops.c owns the operations and
 * DATA_PROTECTION_POLICY) — their selection criteria, the checks a put
 * makes, and the policy in force for a log group, for the code that
 * evaluates them where AWS does (index.c for field indexes, transformer.c
 * and ingest.c for transformers).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_PutAccountPolicy.html. A policy applies to the log groups of the
 * Standard class of its account and region ("All standard log groups")
 * whose name its selection criteria select:
 *   ""                                   every group;
 *   LogGroupNamePrefix IN ["a", "b"]     a name starting with a or b
 *                                        (FIELD_INDEX_POLICY,
 *                                        TRANSFORMER_POLICY);
 *   LogGroupName NOT IN ["a", "b"]       any name but those
 *                                        (SUBSCRIPTION_FILTER_POLICY).
 * The list is a JSON array of 1..50 strings (AWS's bound for the lists of
 * metric extraction policies, the one it documents), each a log group
 * name or prefix: 1..512 of [.\-_/#A-Za-z0-9]. The whole string is at
 * most 25 KB (AWS).
 */
#ifndef LV_LOGS_ACCTPOL_INT_H
#define LV_LOGS_ACCTPOL_INT_H

#include <stddef.h>

#include <jansson.h>

#include "store/logs_store.h"
#include "store/policies_store.h"
#include "svc/req.h"

struct lv_err;
struct lv_transformer;

#define LV_ACCTPOL_FIELD_INDEX "FIELD_INDEX_POLICY"
#define LV_ACCTPOL_TRANSFORMER "TRANSFORMER_POLICY"
#define LV_ACCTPOL_SUBSCRIPTION "SUBSCRIPTION_FILTER_POLICY"

/*
 * The checks of PutAccountPolicy for FIELD_INDEX_POLICY and
 * TRANSFORMER_POLICY that need no store: the document (field index:
 * lv_fidx_policy_parse; transformer: {"transformerConfig": [...]} compiled
 * by lv_transformer_new, as PutTransformer does) and the selection
 * criteria's form. 0, or -1 with *err (InvalidParameterException).
 */
int lv_acctpol_check_doc(const char *type, const char *doc,
                         const char *selection, struct lv_err *err);

/*
 * The checks against the policies in force, made inside the put's
 * transaction: rec is the policy about to be put (a policy of the same
 * name is the one it replaces). At most one policy selecting every group
 * and 20 with prefixes (LimitExceededException), no two prefixes equal or
 * one starting with the other (InvalidParameterException). 0 or -1.
 */
int lv_acctpol_check_store(struct lv_req *rq,
                           const struct lv_log_policy_rec *rec,
                           struct lv_err *err);

/*
 * The transformerConfig array of a TRANSFORMER_POLICY document (a JSON
 * object {"transformerConfig": [processors]}, PutTransformer's member), or
 * NULL with *err (InvalidParameterException). The result is borrowed from
 * *root, which the caller decrefs (also after NULL).
 */
const json_t *lv_acctpol_transformer_config(const char *doc, json_t **root,
                                            struct lv_err *err);

/*
 * SUBSCRIPTION_FILTER_POLICY: its document (DestinationArn, RoleArn,
 * FilterPattern, Distribution) is checked as PutSubscriptionFilter checks
 * its members, and the destination answered as PutSubscriptionFilter
 * answers it (absent_int.h): Kinesis, Firehose and Lambda are never
 * reachable and no CloudWatch Logs destination can exist. Always -1.
 */
int lv_acctpol_subscription(struct lv_req *rq, const char *doc,
                            const char *selection, struct lv_err *err);

/*
 * The account policy of `type` that applies to group g: a policy whose
 * prefixes select g's name, else the one that selects every group (a
 * prefix is the more specific choice; AWS documents no order), none for
 * a group not of the Standard class. 1 with *out (release it with
 * lv_log_policy_rec_release), 0 when none applies, -1 with *err.
 *
 * Cached in this process per (account, region, type) and generation: g
 * must have been read from the store (its policy_gen, policies_store.h
 * states the contract); while the generation g carries is the cached
 * one, no store read is made. A g with policy_gen 0 is served uncached.
 */
int lv_acctpol_for_group(struct lv_req *rq, const struct lv_log_group *g,
                         const char *type, struct lv_log_policy_rec *out,
                         struct lv_err *err);

/*
 * 1 when some account policy of `type` is in force in g's account and
 * region (whatever it selects), 0 when none, -1 with *err. Cached like
 * lv_acctpol_for_group.
 */
int lv_acctpol_any(struct lv_req *rq, const struct lv_log_group *g,
                   const char *type, struct lv_err *err);

/*
 * The transformer in force for group g, compiled: its own (PutTransformer)
 * when it has one — AWS: "the log group uses only the log-group level
 * transformer" — else the one of the account's TRANSFORMER_POLICY that
 * selects it. 1 with *out (a reference: lv_acctpol_xf_of gives the
 * transformer, lv_acctpol_xf_put drops it), 0 when none applies, -1 with
 * *err (ServiceUnavailableException for a stored config that no longer
 * compiles).
 *
 * Caches, in this process: compiled transformers by (group id,
 * lv_log_group.transformer_version) and by account policy row id (rows
 * are never changed in place); so a group read fresh from the store costs
 * no store read and no compile while neither changed. Applying a cached
 * transformer from several threads at once is safe: lv_transformer_apply
 * takes it const and keeps its scratch per call.
 */
struct lv_acctpol_xf;
int lv_acctpol_transformer_get(struct lv_req *rq,
                               const struct lv_log_group *g,
                               struct lv_acctpol_xf **out,
                               struct lv_err *err);
const struct lv_transformer *lv_acctpol_xf_of(const struct lv_acctpol_xf *x);
void lv_acctpol_xf_put(struct lv_acctpol_xf *x);

#endif
