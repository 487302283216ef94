/*
 * explain: logvault's key-policy explainer, an extension operation of KMS
 * on its own X-Amz-Target prefix (LV_KMS_EXPLAIN_TARGET, SigV4 service
 * "kms"), not an AWS API: no AWS model describes it, so its service table
 * is written here, and its one operation takes any JSON object and checks
 * its members itself.
 *
 * LogvaultKmsExplain_20261201.Explain, input:
 *   KeyId              required: key id, key ARN, alias name or alias ARN
 *   and either the question "would PRINCIPAL be allowed ACTION on the key
 *   with this encryption context?":
 *   Principal          an account id, an IAM ARN (arn:aws:iam::ACCOUNT:root,
 *                      …:user/NAME, …:role/NAME) or a service principal
 *                      ("logs.eu-west-2.amazonaws.com"; it acts for the
 *                      caller's account, as CloudWatch Logs does)
 *   Action             "kms:GenerateDataKey" or "GenerateDataKey"
 *   EncryptionContext  optional, a map of strings
 *   or the question "why was request ID refused?":
 *   RequestId          the refused request's ID (the trace kept with its
 *                      audit record, from the caller's account's trail)
 * Output: Decision ("ALLOW" / "DENY"), Reason, Trace (the object
 * lv_kms_authorize_trace returns: the key policy statement by statement,
 * the grants, the verdict), and for a use by CloudWatch Logs that the key
 * policy refuses: Proposal {Statement (the statement of the CloudWatch
 * Logs encryption guide for the region, narrowed by
 * kms:EncryptionContext:aws:logs:arn to the group), Policy (the key policy
 * with it added, as text), Allows (the explainer's decision under that
 * policy)}.
 *
 * Authorized like GetKeyPolicy on the key: whoever may read the policy may
 * read what it decides; anyone else gets GetKeyPolicy's refusal.
 * Read-only: it changes nothing, records of refusals stay as they are.
 */
#ifndef LV_KMS_EXPLAIN_H
#define LV_KMS_EXPLAIN_H

#include "svc/req.h"

#define LV_KMS_EXPLAIN_TARGET "LogvaultKmsExplain_20261201"

/* The extension's service table (one operation, "Explain", no input or
 * output shape) and its handler, for the front's router and the CLI. */
extern const struct lv_service lv_kms_explain_service;
lv_handler_fn lv_kms_op_explain;

#endif
