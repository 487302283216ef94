/*
 * respol: CloudWatch Logs resource policies (PutResourcePolicy,
 * DescribeResourcePolicies, DeleteResourcePolicy in respol.c) and where
 * the Logs service consults them.
 *
 * Where AWS consults them. PutResourcePolicy's reference says: "Supported
 * actions - Policy only supports logs:PutLogEvents and logs:CreateLogStream
 * actions"; "Supported principals - Policy only applies when operations
 * are invoked by Amazon Web Services service principals (not IAM users,
 * roles, or cross-account principals)"; "Resource policies with actions
 * invoked by non-Amazon Web Services service principals (such as IAM
 * users, roles, or other Amazon Web Services accounts) will not be
 * enforced." So:
 *   - CreateLogStream and PutLogEvents made by a service principal
 *     (rq->who.service set: route53.amazonaws.com, delivery.logs…) into
 *     this account's group call lv_logs_respol_authorize() before they
 *     touch the group;
 *   - an IAM identity of the group's own account is decided by its IAM
 *     policies (none configured here: allowed), never by these policies;
 *   - an identity of another account is never let in by them: the
 *     operations that take a group ARN (logGroupIdentifier) resolve it in
 *     the caller's own account only (lv_logs_find_group_by), so another
 *     account's group is ResourceNotFoundException whatever its resource
 *     policies say — and CreateLogStream / PutLogEvents take a name, not
 *     an ARN, so they cannot name another account's group at all.
 * No client can sign a request as a service principal (the credentials
 * table maps access keys to IAM identities only), so the service path is
 * reached from inside logvault or tests, not from the network.
 */
#ifndef LV_LOGS_RESPOL_H
#define LV_LOGS_RESPOL_H

struct lv_err;
struct lv_log_group;
struct lv_req;

/* The longest policy document, in characters: "CloudWatch Logs resource
 * policies are limited to 5120 characters"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html;
 * AWS::Logs::ResourcePolicy PolicyDocument Maximum: 5120). */
#define LV_RESPOL_MAX_DOC_CHARS 5120
/* "An account can have up to 10 resource policies per AWS Region"
 * (PutResourcePolicy), and one per log group ARN. */
#define LV_RESPOL_MAX_ACCOUNT 10
/* AWS::Logs::ResourcePolicy PolicyName: Maximum 255. */
#define LV_RESPOL_MAX_NAME 255

/*
 * Decides whether the service principal of rq (rq->who.service, acting
 * on group g of rq's account) may perform `action` ("logs:PutLogEvents",
 * "logs:CreateLogStream") on the log stream `stream` of g (its ARN,
 * arn:aws:logs:REGION:ACCOUNT:log-group:NAME:log-stream:STREAM, is the
 * request's resource) under the account-scoped resource policies of g's
 * account and Region and g's own. source_account and source_arn are the
 * aws:SourceAccount / aws:SourceArn the service call carries (NULL: not
 * known, the key missing). Explicit Deny in any policy wins, else an
 * Allow in any allows, else refused. Returns 0 when allowed, -1 with
 * AccessDeniedException in IAM's wording when not, or -1 with the store's
 * error. A principal that is not a service (rq->who.service "") is not
 * this function's to decide: 0 at once, nothing read.
 */
int lv_logs_respol_authorize(struct lv_req *rq, const struct lv_log_group *g,
                             const char *action, const char *stream,
                             const char *source_account,
                             const char *source_arn, struct lv_err *err);

/*
 * Deletes the resource policies scoped to group g (PutResourcePolicy with
 * its ARN as resourceArn), inside the caller's transaction: DeleteLogGroup
 * calls it so that a group created again under the same name does not
 * inherit its predecessor's policy. AWS does not document what becomes of
 * such a policy; one that outlived its group would grant access to a group
 * nobody granted it for, so the strictest answer is that it goes with the
 * group. 0, or -1 with the store's error.
 */
int lv_logs_respol_drop_group(struct lv_req *rq,
                              const struct lv_log_group *g,
                              struct lv_err *err);

#endif
