/*
 * policy: IAM policy documents as KMS uses them for key policies — parse,
 * validate, evaluate. A key policy here means what it means on AWS
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html,
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html).
 *
 * What it does:
 * - lv_policy_parse() checks a document against the grammar AWS accepts for
 *   key policies (Version, Id, Statement; Sid, Effect, Principal /
 *   NotPrincipal, Action / NotAction, Resource / NotResource, Condition) and
 *   compiles it into an immutable struct lv_policy that any number of threads
 *   may evaluate at once.
 * - lv_policy_eval() decides one request: explicit Deny anywhere wins, else
 *   any matching Allow allows, else default deny. It never allocates.
 * - lv_policy_default_key_policy() writes the policy KMS gives a key created
 *   without one, byte for byte as GetKeyPolicy returns it.
 * - lv_policy_lockout_check() is KMS's policy lockout safety check.
 *
 * What it deliberately does not do:
 * - IAM identity policies, grants, SCPs, permission boundaries, sessions:
 *   a statement naming the principal's account reports the allow through
 *   *via_account and leaves the identity-policy step to the caller.
 * - Policy variables (${aws:username} …) are not substituted: they are
 *   compared as the literal text written in the policy, never crash.
 * - An sts assumed-role ARN is not mapped back to its role ARN: principals
 *   here are account roots, IAM users/roles named directly, and services.
 * - The request's condition context is what the caller passes (kms/
 *   condkeys.c builds it for KMS); nothing is looked up elsewhere, apart
 *   from the few keys derived from the request itself (see struct
 *   lv_policy_request). Condition key names of any length compare in
 *   full.
 *
 * Choices where AWS documents no single answer (each pinned by a test):
 * - Principal "*" and {"AWS": "*"} are the same (AWS documents them as
 *   equivalent): every principal, service principals included.
 * - Service principal names compare case-insensitively (they are DNS names)
 *   and exactly otherwise: logs.us-east-1.amazonaws.com does not match
 *   logs.eu-west-2.amazonaws.com.
 * - Condition key names compare case-insensitively in full, including the
 *   part after kms:EncryptionContext: — AWS documents condition key names as
 *   case-insensitive and tells users to add kms:EncryptionContextKeys when
 *   they need a case-sensitive context key. Values are case-sensitive except
 *   under the *IgnoreCase operators and Bool.
 * - A key missing from the context (or present with no values): the
 *   condition is false, except: …IfExists → true; negated operators
 *   (StringNotEquals, StringNotLike, ArnNotEquals, ArnNotLike,
 *   NumericNotEquals, DateNotEquals, NotIpAddress) → true, as the IAM
 *   condition-operator page documents; ForAllValues: → true;
 *   ForAnyValue: → false; Null → its own test (true means "absent").
 * - Several values of one key in the policy OR together; under a negated
 *   operator they NOR ("equal to none of them"). A multi-valued request key
 *   without a set prefix behaves like ForAnyValue for positive operators and
 *   as "no request value matches any policy value" for negated ones.
 * - Policy values that cannot be read as their operator's type (a Numeric
 *   value that is not a number, a Date that is not ISO 8601 or epoch
 *   seconds, an IpAddress that is not an address or CIDR) are accepted by
 *   the parser and never match.
 * - IpAddress / NotIpAddress compare against aws:SourceIp when the caller
 *   supplies it; without it the key is missing (IpAddress false,
 *   NotIpAddress true).
 * - ArnEquals behaves as ArnLike (AWS documents both the same way): each of
 *   the six colon-separated components is matched on its own, with * and ?,
 *   case-sensitively. A pattern with fewer than six components is matched
 *   as a plain wildcard string. Resource / NotResource use the same rule;
 *   "*" means this key.
 * - Action names compare case-insensitively, with * and ?.
 * - NotPrincipal (only with "Effect": "Deny"; the parser refuses it with
 *   Allow, which the IAM reference says is not supported) leaves out an
 *   IAM user only when it names both the user and the user's account, as
 *   the IAM reference on NotPrincipal says: naming only the account (an
 *   account id or arn:…:root) leaves out just the account root, not the
 *   account's users, and naming only the user leaves out no one. A service
 *   principal is left out when named; "*" leaves out everyone.
 */
#ifndef LV_POLICY_POLICY_H
#define LV_POLICY_POLICY_H

#include <stddef.h>

struct json_t;
struct lv_err;

/* The longest key policy KMS accepts, in bytes.
 * https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html */
#define LV_POLICY_MAX_BYTES 32768

/* A parsed, validated policy. Immutable once made: share it across threads
 * freely, free it once. */
struct lv_policy;

/* One condition-context key and its values (kms:EncryptionContextKeys has
 * several). The strings are the caller's, read only during the call. */
struct lv_policy_ctx_value {
    const char *key;                /* "kms:EncryptionContext:aws:logs:arn" */
    const char *const *values;
    size_t n;                       /* 0 counts as "key missing" */
};

/* One request to decide. All strings are the caller's and are only read
 * during lv_policy_eval(). A NULL string is "not known". */
struct lv_policy_request {
    const char *action;             /* "kms:Encrypt" */
    const char *resource;           /* the key ARN */
    const char *resource_account;   /* the key's account */
    /* The principal: an IAM identity (principal_arn, principal_account) or
     * a service principal (principal_service, the two others NULL). */
    const char *principal_arn;      /* "arn:aws:iam::111122223333:user/alice"
                                     * or "arn:aws:iam::111122223333:root" */
    const char *principal_account;  /* "111122223333" */
    const char *principal_service;  /* "logs.eu-west-2.amazonaws.com" */
    /* The condition context. When a key is absent here, these are derived
     * from the fields above: aws:PrincipalArn, aws:PrincipalAccount and
     * kms:CallerAccount (principal_account), aws:PrincipalServiceName,
     * aws:ResourceAccount. */
    const struct lv_policy_ctx_value *ctx;
    size_t n_ctx;
};

enum lv_policy_decision {
    LV_POLICY_DEFAULT_DENY = 0,     /* no statement allowed it */
    LV_POLICY_ALLOW,
    LV_POLICY_EXPLICIT_DENY,        /* a Deny statement matched */
};

/* Parses and validates `len` bytes of `doc` (need not be NUL-terminated).
 * Returns a new policy (lv_policy_free() it), or NULL with err set to
 * LV_E_MALFORMED_POLICY_DOCUMENT and a message saying what is wrong: not
 * JSON, not an object, over LV_POLICY_MAX_BYTES, no Statement, a bad or
 * missing Effect, both or neither of Action / NotAction (likewise
 * Principal, Resource), an invalid principal ("Policy contains a statement
 * with one or more invalid principals."), an unknown condition operator, a
 * value of the wrong JSON type, an element AWS does not know, a key given
 * twice in one JSON object (ambiguous, so refused). JSON numbers
 * and booleans are accepted where AWS takes strings in condition values
 * and read as their text. */
struct lv_policy *lv_policy_parse(const char *doc, size_t len,
                                  struct lv_err *err);

/* Frees p; NULL is a no-op. */
void lv_policy_free(struct lv_policy *p);

/* Decides rq under p. Never allocates, never fails. When via_account is not
 * NULL it is set to 1 if the result is LV_POLICY_ALLOW and every allowing
 * statement matched the principal only through its account (an account id
 * or arn:…:root), which on AWS delegates to the identity's IAM policies —
 * the caller decides what that means; else 0. */
enum lv_policy_decision lv_policy_eval(const struct lv_policy *p,
                                       const struct lv_policy_request *rq,
                                       int *via_account);

/*
 * The explainer: decides rq under p exactly as lv_policy_eval() does
 * (same decision, same *via_account) and returns, as a new JSON object
 * the caller json_decref()s, why:
 *   {"decision": "ALLOW" | "EXPLICIT_DENY" | "DEFAULT_DENY",
 *    "reason": one sentence,
 *    "deciding": [indexes of the statements that decided: the Deny
 *                 statements that matched, else the Allow statements that
 *                 matched, else none],
 *    "request": {"action", "resource", "principal", "principalType"
 *                ("AWS" | "Service")},
 *    "statements": [{"index", "sid" (null when none), "effect",
 *        "applies": bool (every element below matched),
 *        "principal": {"element": "Principal" | "NotPrincipal",
 *                      "values": [as written in the policy],
 *                      "request": …,
 *                      "matched": bool, "viaAccount": bool},
 *        "action": {"element", "values", "request", "matched"},
 *        "resource": {"element", "values", "request", "matched"},
 *        "conditions": [{"operator", "key", "values": [policy values],
 *                        "requestValues": [what the request had; [] when
 *                        the key is missing], "matched": bool}]}]}
 * Every element is evaluated (no short cut), so a statement that did not
 * apply shows each reason it did not. The request's values are what the
 * caller passed (its condition context: encryption context pairs, never
 * a plaintext). Allocates; lv_policy_eval() stays the untraced path.
 */
struct json_t *lv_policy_trace(const struct lv_policy *p,
                               const struct lv_policy_request *rq,
                               enum lv_policy_decision *decision,
                               int *via_account);

/* 1 if a Condition of p names a key that begins with `prefix`
 * (case-insensitively, as condition key names compare), e.g.
 * "aws:ResourceTag/": lets a caller skip reading what no condition asks
 * for. Else 0. Never allocates. */
int lv_policy_mentions(const struct lv_policy *p, const char *prefix);

/* The default key policy KMS gives a key created without one, for
 * `account`, exactly as GetKeyPolicy returns it (2-space indent, " : "
 * separators, "[ {" … "} ]", no trailing newline). Returns a fresh string
 * the caller frees. */
char *lv_policy_default_key_policy(const char *account);

/* KMS's policy lockout safety check for PutKeyPolicy / CreateKey: would
 * policy p let principal_arn (of principal_account, the caller) call
 * kms:PutKeyPolicy on key_arn later? Allowed directly or through account
 * delegation both pass. The request carries the implicit context keys
 * derived from the principal and the key's account (taken from key_arn);
 * other condition keys are missing. Returns 0 if it would, else -1 with
 * LV_E_MALFORMED_POLICY_DOCUMENT "The new key policy will not allow you to
 * update the key policy in the future." */
int lv_policy_lockout_check(const struct lv_policy *p,
                            const char *principal_arn,
                            const char *principal_account,
                            const char *key_arn, struct lv_err *err);

/* The text of a decision: "ALLOW", "EXPLICIT_DENY", "DEFAULT_DENY". */
const char *lv_policy_decision_name(enum lv_policy_decision d);

#endif
