/*
 * event.c: the CloudTrail record of one request (event.h).
 *
 * The record's shape is CloudTrail's record contents
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/
 * cloudtrail-event-reference-record-contents.html), in the order and with
 * the eventVersion of AWS KMS's current examples (1.11, with
 * managementEvent and eventCategory): eventVersion, userIdentity,
 * eventTime, eventSource, eventName, awsRegion, sourceIPAddress, userAgent,
 * errorCode, errorMessage, requestParameters, responseElements,
 * additionalEventData, requestID, eventID, readOnly, resources, eventType,
 * managementEvent, recipientAccountId, sharedEventID (a request recorded
 * in two accounts' trails: CloudTrail record contents, "sharedEventID"),
 * eventCategory.
 *
 * userIdentity follows "CloudTrail userIdentity element"
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/
 * cloudtrail-event-reference-user-identity.html): IAMUser (principalId,
 * arn, accountId, accessKeyId, userName), Root (principalId = the account
 * id, no userName), AWSService (invokedBy only). logvault has no IAM
 * unique ids, so an IAM user's principalId is made the way AWS shapes
 * them — "AIDA" and 17 characters of [A-Z2-7] — from a SHA-256 of the
 * user's ARN: stable for a user, different between users.
 *
 * The per-operation tables below say which request members CloudTrail
 * records and how it names them (the request member with its first letter
 * lowered: KeyId → keyId), and which response members it records (null for
 * the cryptographic and the read-only operations). Everything a table does
 * not name is left out; that is what keeps plaintext, ciphertext, data
 * keys, signatures, MACs, grant tokens and log event text out of every
 * record.
 */
#include "audit/event.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "audit/compact.h"
#include "crypto/crypto.h"
#include "model/model.h"
#include "store/audit_eid.h"
#include "store/audit_store.h"
#include "svc/req.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

/* CloudTrail's record format version of AWS KMS's current examples. */
#define EVENT_VERSION "1.11"

/* How a recorded member's value is written. */
enum kind {
    K_COPY,         /* verbatim (strings, numbers, lists of strings, and
                     * maps such as an encryption context, whose keys are
                     * the caller's and never renamed) */
    K_RENAME1,      /* an object, or a list of objects, whose own keys are
                     * renamed (Tags: TagKey → tagKey; Constraints:
                     * EncryptionContextSubset → encryptionContextSubset),
                     * their values verbatim */
    K_DEEP,         /* every key renamed at every depth, and a number under
                     * a key ending in "Date" written as AWS writes dates
                     * in records ("Aug 10, 2022, 10:38:27 PM"): KMS's
                     * KeyMetadata */
    K_DATE,         /* epoch seconds → "Aug 10, 2022, 10:38:27 PM" */
};

struct rule {
    const char *member;     /* the member in the request or response ("":
                             * none, only the key default below) */
    const char *ct;         /* its name in the record */
    enum kind kind;
    const char *dflt;       /* written when the member is absent, or NULL */
    int key_dflt;           /* 1: when absent, the key the request resolved
                             * to (Decrypt without KeyId) */
};

#define END { NULL, NULL, K_COPY, NULL, 0 }
#define C(m, ct) { m, ct, K_COPY, NULL, 0 }

/* Operation flags. */
#define F_RO 1u             /* readOnly */
#define F_DATA 2u           /* a data event */
#define F_KEY 4u            /* a cryptographic operation on a KMS key */
#define F_RES 8u            /* its response names keys (resources) */

struct op_rule {
    const char *op;
    unsigned flags;
    const struct rule *req;         /* NULL: requestParameters null */
    const struct rule *resp;        /* NULL: responseElements null */
    const struct rule *extra_in;    /* additionalEventData, from the
                                     * request */
    const struct rule *extra_out;   /* additionalEventData, from the
                                     * response */
};

/* ---- AWS KMS ---------------------------------------------------------
 *
 * Each row follows the operation's example in the AWS KMS Developer
 * Guide, "Examples of AWS KMS log entries"
 * (https://docs.aws.amazon.com/kms/latest/developerguide/
 * understanding-kms-entries.html), page ct-<operation>.html, e.g.
 * ct-encrypt.html. Those pages show: the ciphertext in the request and the
 * plaintext in the response are omitted (ct-decrypt); Decrypt and Encrypt
 * always record encryptionAlgorithm, defaulted when the request had none
 * (ct-decrypt); GenerateRandom and RetireGrant record requestParameters
 * null, RetireGrant the grantId in additionalEventData (ct-retire-grant);
 * CreateKey records keyMetadata (ct-createkey), CreateGrant the grantId
 * and not the token (ct-creategrant), ScheduleKeyDeletion and
 * CancelKeyDeletion their response (ct-schedule-key-deletion,
 * ct-cancel-key-deletion), RotateKeyOnDemand its response
 * (ct-rotatekeyondemand), EnableKeyRotation the key's ARN
 * (ct-enablekeyrotation); every other response is null; the cryptographic
 * operations record keyMaterialId in additionalEventData (ct-encrypt,
 * ct-generatedatakey, 2025 examples). Operations without a page
 * (GetKeyRotationStatus, GetPublicKey, ListKeyPolicies, ListKeyRotations,
 * ListKeys, ListResourceTags, ListRetirableGrants)
 * follow the same rule: every non-secret request member, response null.
 * Grant tokens are never recorded (no example shows them; they are bearer
 * credentials).
 */
static const struct rule kms_key_only[] = { C("KeyId", "keyId"), END };
static const struct rule kms_key_resp[] = { C("KeyId", "keyId"), END };
static const struct rule kms_alias[] = {
    C("AliasName", "aliasName"), C("TargetKeyId", "targetKeyId"), END,
};
static const struct rule kms_delete_alias[] = {
    C("AliasName", "aliasName"), END,
};
static const struct rule kms_create_grant[] = {
    C("KeyId", "keyId"),
    { "Constraints", "constraints", K_RENAME1, NULL, 0 },
    C("Operations", "operations"),
    C("GranteePrincipal", "granteePrincipal"),
    C("RetiringPrincipal", "retiringPrincipal"),
    C("Name", "name"),
    C("DryRun", "dryRun"),
    END,
};
/* Custom key stores: the request's members but KeyStorePassword (the
 * token's PIN is never recorded). */
static const struct rule kms_cks_id[] = {
    C("CustomKeyStoreId", "customKeyStoreId"), END,
};
static const struct rule kms_cks_create[] = {
    C("CustomKeyStoreName", "customKeyStoreName"),
    C("CustomKeyStoreType", "customKeyStoreType"),
    C("CloudHsmClusterId", "cloudHsmClusterId"),
    C("TrustAnchorCertificate", "trustAnchorCertificate"), END,
};
static const struct rule kms_cks_describe[] = {
    C("CustomKeyStoreId", "customKeyStoreId"),
    C("CustomKeyStoreName", "customKeyStoreName"), C("Limit", "limit"),
    C("Marker", "marker"), END,
};
static const struct rule kms_cks_update[] = {
    C("CustomKeyStoreId", "customKeyStoreId"),
    C("NewCustomKeyStoreName", "newCustomKeyStoreName"),
    C("CloudHsmClusterId", "cloudHsmClusterId"), END,
};
static const struct rule kms_create_grant_resp[] = {
    C("GrantId", "grantId"), END,
};
static const struct rule kms_create_key[] = {
    C("Policy", "policy"),
    C("Description", "description"),
    C("KeyUsage", "keyUsage"),
    C("CustomerMasterKeySpec", "customerMasterKeySpec"),
    C("KeySpec", "keySpec"),
    C("Origin", "origin"),
    C("CustomKeyStoreId", "customKeyStoreId"),
    C("BypassPolicyLockoutSafetyCheck", "bypassPolicyLockoutSafetyCheck"),
    { "Tags", "tags", K_RENAME1, NULL, 0 },
    C("MultiRegion", "multiRegion"),
    C("XksKeyId", "xksKeyId"),
    END,
};
static const struct rule kms_create_key_resp[] = {
    { "KeyMetadata", "keyMetadata", K_DEEP, NULL, 0 }, END,
};
static const struct rule kms_decrypt[] = {
    { "EncryptionAlgorithm", "encryptionAlgorithm", K_COPY,
      "SYMMETRIC_DEFAULT", 0 },
    { "KeyId", "keyId", K_COPY, NULL, 1 },
    C("EncryptionContext", "encryptionContext"),
    C("DryRun", "dryRun"),
    END,
};
static const struct rule kms_encrypt[] = {
    C("EncryptionContext", "encryptionContext"),
    C("KeyId", "keyId"),
    { "EncryptionAlgorithm", "encryptionAlgorithm", K_COPY,
      "SYMMETRIC_DEFAULT", 0 },
    C("DryRun", "dryRun"),
    END,
};
static const struct rule kms_gdk[] = {
    C("KeyId", "keyId"),
    C("NumberOfBytes", "numberOfBytes"),
    C("KeySpec", "keySpec"),
    C("EncryptionContext", "encryptionContext"),
    C("DryRun", "dryRun"),
    END,
};
static const struct rule kms_gdk_pair[] = {
    C("KeyPairSpec", "keyPairSpec"),
    C("EncryptionContext", "encryptionContext"),
    C("KeyId", "keyId"),
    C("DryRun", "dryRun"),
    END,
};
static const struct rule kms_mac[] = {
    C("MacAlgorithm", "macAlgorithm"), C("KeyId", "keyId"),
    C("DryRun", "dryRun"), END,
};
/* No CloudTrail example of DeriveSharedSecret is published: recorded as
 * Sign is, its members named alike; the PublicKey blob is left out as
 * Sign's Message is. */
static const struct rule kms_derive[] = {
    C("KeyId", "keyId"),
    C("KeyAgreementAlgorithm", "keyAgreementAlgorithm"),
    C("DryRun", "dryRun"), END,
};
/* ct-importkeymaterial */
static const struct rule kms_import[] = {
    C("KeyId", "keyId"),
    { "ValidTo", "validTo", K_DATE, NULL, 0 },
    C("ExpirationModel", "expirationModel"),
    C("ImportType", "importType"),
    C("KeyMaterialDescription", "keyMaterialDescription"),
    END,
};
static const struct rule kms_delete_material[] = {
    C("KeyId", "keyId"), C("KeyMaterialId", "keyMaterialId"), END,
};
static const struct rule kms_material_resp[] = {
    C("KeyId", "keyId"), C("KeyMaterialId", "keyMaterialId"), END,
};
/* ct-getparametersforimport: the request's members, no response (the
 * wrapping key and token are not recorded) */
static const struct rule kms_params_import[] = {
    C("KeyId", "keyId"), C("WrappingAlgorithm", "wrappingAlgorithm"),
    C("WrappingKeySpec", "wrappingKeySpec"), END,
};
static const struct rule kms_sign[] = {
    C("MessageType", "messageType"), C("KeyId", "keyId"),
    C("SigningAlgorithm", "signingAlgorithm"), C("DryRun", "dryRun"), END,
};
static const struct rule kms_get_key_policy[] = {
    C("KeyId", "keyId"), C("PolicyName", "policyName"), END,
};
static const struct rule kms_list_by_key[] = {
    C("KeyId", "keyId"), C("Limit", "limit"), C("Marker", "marker"), END,
};
static const struct rule kms_list_grants[] = {
    C("KeyId", "keyId"), C("GrantId", "grantId"),
    C("GranteePrincipal", "granteePrincipal"), C("Limit", "limit"),
    C("Marker", "marker"), END,
};
static const struct rule kms_list_key_rotations[] = {
    C("KeyId", "keyId"), C("IncludeKeyMaterial", "includeKeyMaterial"),
    C("Limit", "limit"), C("Marker", "marker"), END,
};
static const struct rule kms_list_keys[] = {
    C("Limit", "limit"), C("Marker", "marker"), END,
};
static const struct rule kms_list_retirable[] = {
    C("RetiringPrincipal", "retiringPrincipal"), C("Limit", "limit"),
    C("Marker", "marker"), END,
};
static const struct rule kms_put_key_policy[] = {
    C("KeyId", "keyId"), C("PolicyName", "policyName"),
    C("Policy", "policy"),
    C("BypassPolicyLockoutSafetyCheck", "bypassPolicyLockoutSafetyCheck"),
    END,
};
static const struct rule kms_reencrypt[] = {
    { "SourceEncryptionAlgorithm", "sourceEncryptionAlgorithm", K_COPY,
      "SYMMETRIC_DEFAULT", 0 },
    C("SourceEncryptionContext", "sourceEncryptionContext"),
    C("SourceKeyId", "sourceKeyId"),
    C("DestinationKeyId", "destinationKeyId"),
    { "DestinationEncryptionAlgorithm", "destinationEncryptionAlgorithm",
      K_COPY, "SYMMETRIC_DEFAULT", 0 },
    C("DestinationEncryptionContext", "destinationEncryptionContext"),
    C("DryRun", "dryRun"),
    END,
};
static const struct rule kms_reencrypt_extra[] = {
    C("SourceKeyMaterialId", "sourceKeyMaterialId"),
    C("DestinationKeyMaterialId", "destinationKeyMaterialId"),
    END,
};
static const struct rule kms_material_extra[] = {
    C("KeyMaterialId", "keyMaterialId"), END,
};
static const struct rule kms_retire_extra[] = {
    C("GrantId", "grantId"), END,
};
static const struct rule kms_revoke[] = {
    C("KeyId", "keyId"), C("GrantId", "grantId"), C("DryRun", "dryRun"),
    END,
};
static const struct rule kms_schedule[] = {
    C("PendingWindowInDays", "pendingWindowInDays"), C("KeyId", "keyId"),
    END,
};
static const struct rule kms_schedule_resp[] = {
    C("KeyId", "keyId"), C("KeyState", "keyState"),
    { "DeletionDate", "deletionDate", K_DATE, NULL, 0 },
    C("PendingWindowInDays", "pendingWindowInDays"),
    END,
};
/* ct-enablekeyrotation: "log entries recorded on or after December 2022
 * include the key ARN of the affected KMS key in the responseElements.keyId
 * value, even though this operation does not return the key ARN" */
static const struct rule kms_resolved_key_resp[] = {
    { "", "keyId", K_COPY, NULL, 1 }, END,
};
static const struct rule kms_enable_rotation[] = {
    C("KeyId", "keyId"), C("RotationPeriodInDays", "rotationPeriodInDays"),
    END,
};
static const struct rule kms_tag[] = {
    C("KeyId", "keyId"), { "Tags", "tags", K_RENAME1, NULL, 0 }, END,
};
static const struct rule kms_untag[] = {
    C("KeyId", "keyId"), C("TagKeys", "tagKeys"), END,
};
/* ct-replicate-key: the request's members but the policy text, and the
 * replica's metadata (the replica's own CreateKey is recorded in its
 * region by kms/multiregion.c). */
static const struct rule kms_replicate[] = {
    C("KeyId", "keyId"), C("ReplicaRegion", "replicaRegion"),
    C("BypassPolicyLockoutSafetyCheck", "bypassPolicyLockoutSafetyCheck"),
    C("Description", "description"),
    { "Tags", "tags", K_RENAME1, NULL, 0 }, END,
};
static const struct rule kms_replicate_resp[] = {
    { "ReplicaKeyMetadata", "replicaKeyMetadata", K_DEEP, NULL, 0 }, END,
};
/* ct-update-primary-region */
static const struct rule kms_update_primary[] = {
    C("KeyId", "keyId"), C("PrimaryRegion", "primaryRegion"), END,
};
static const struct rule kms_update_description[] = {
    C("KeyId", "keyId"), C("Description", "description"), END,
};

/* Sorted by op (bsearch). */
static const struct op_rule kms_ops[] = {
    { "CancelKeyDeletion", 0, kms_key_only, kms_key_resp, NULL, NULL },
    { "ConnectCustomKeyStore", 0, kms_cks_id, NULL, NULL, NULL },
    { "CreateAlias", 0, kms_alias, NULL, NULL, NULL },
    { "CreateCustomKeyStore", 0, kms_cks_create, kms_cks_id, NULL, NULL },
    { "CreateGrant", 0, kms_create_grant, kms_create_grant_resp, NULL,
      NULL },
    { "CreateKey", F_RES, kms_create_key, kms_create_key_resp, NULL, NULL },
    { "Decrypt", F_RO | F_KEY, kms_decrypt, NULL, NULL,
      kms_material_extra },
    { "DeleteAlias", 0, kms_delete_alias, NULL, NULL, NULL },
    { "DeleteCustomKeyStore", 0, kms_cks_id, NULL, NULL, NULL },
    /* ct-deleteimportedkeymaterial */
    { "DeleteImportedKeyMaterial", 0, kms_delete_material, kms_material_resp,
      NULL, NULL },
    { "DeriveSharedSecret", F_RO | F_KEY, kms_derive, NULL, NULL, NULL },
    { "DescribeCustomKeyStores", F_RO, kms_cks_describe, NULL, NULL, NULL },
    { "DescribeKey", F_RO, kms_key_only, NULL, NULL, NULL },
    { "DisableKey", 0, kms_key_only, NULL, NULL, NULL },
    { "DisableKeyRotation", 0, kms_key_only, NULL, NULL, NULL },
    { "DisconnectCustomKeyStore", 0, kms_cks_id, NULL, NULL, NULL },
    { "EnableKey", 0, kms_key_only, NULL, NULL, NULL },
    { "EnableKeyRotation", 0, kms_enable_rotation, kms_resolved_key_resp,
      NULL, NULL },
    /* (Encrypt's response has no KeyMaterialId in our model) */
    { "Encrypt", F_RO | F_KEY, kms_encrypt, NULL, NULL, NULL },
    /* logvault's extension (LogvaultKmsExplain_20261201.Explain, signed
     * for kms): who asked for an explanation is recorded, read-only */
    { "Explain", F_RO, NULL, NULL, NULL, NULL },
    { "GenerateDataKey", F_RO | F_KEY, kms_gdk, NULL, NULL,
      kms_material_extra },
    { "GenerateDataKeyPair", F_RO | F_KEY, kms_gdk_pair, NULL, NULL,
      kms_material_extra },
    { "GenerateDataKeyPairWithoutPlaintext", F_RO | F_KEY, kms_gdk_pair,
      NULL, NULL, kms_material_extra },
    { "GenerateDataKeyWithoutPlaintext", F_RO | F_KEY, kms_gdk, NULL, NULL,
      kms_material_extra },
    { "GenerateMac", F_RO | F_KEY, kms_mac, NULL, NULL, NULL },
    { "GenerateRandom", F_RO, NULL, NULL, NULL, NULL },
    { "GetKeyLastUsage", F_RO, kms_key_only, NULL, NULL, NULL },
    { "GetKeyPolicy", F_RO, kms_get_key_policy, NULL, NULL, NULL },
    { "GetKeyRotationStatus", F_RO, kms_key_only, NULL, NULL, NULL },
    { "GetParametersForImport", F_RO, kms_params_import, NULL, NULL, NULL },
    { "GetPublicKey", F_RO, kms_key_only, NULL, NULL, NULL },
    { "ImportKeyMaterial", 0, kms_import, kms_material_resp, NULL, NULL },
    { "ListAliases", F_RO, kms_list_by_key, NULL, NULL, NULL },
    { "ListGrants", F_RO, kms_list_grants, NULL, NULL, NULL },
    { "ListKeyPolicies", F_RO, kms_list_by_key, NULL, NULL, NULL },
    { "ListKeyRotations", F_RO, kms_list_key_rotations, NULL, NULL, NULL },
    { "ListKeys", F_RO, kms_list_keys, NULL, NULL, NULL },
    { "ListResourceTags", F_RO, kms_list_by_key, NULL, NULL, NULL },
    { "ListRetirableGrants", F_RO, kms_list_retirable, NULL, NULL, NULL },
    { "PutKeyPolicy", 0, kms_put_key_policy, NULL, NULL, NULL },
    { "ReEncrypt", F_RO | F_KEY | F_RES, kms_reencrypt, NULL, NULL,
      kms_reencrypt_extra },
    { "ReplicateKey", 0, kms_replicate, kms_replicate_resp, NULL, NULL },
    { "RetireGrant", 0, NULL, NULL, kms_retire_extra, NULL },
    { "RevokeGrant", 0, kms_revoke, NULL, NULL, NULL },
    /* ct-rotatekeyondemand: its response */
    { "RotateKeyOnDemand", 0, kms_key_only, kms_key_resp, NULL, NULL },
    { "ScheduleKeyDeletion", 0, kms_schedule, kms_schedule_resp, NULL,
      NULL },
    { "Sign", F_RO | F_KEY, kms_sign, NULL, NULL, NULL },
    { "TagResource", 0, kms_tag, NULL, NULL, NULL },
    { "UntagResource", 0, kms_untag, NULL, NULL, NULL },
    { "UpdateAlias", 0, kms_alias, NULL, NULL, NULL },
    { "UpdateCustomKeyStore", 0, kms_cks_update, NULL, NULL, NULL },
    { "UpdateKeyDescription", 0, kms_update_description, NULL, NULL, NULL },
    { "UpdatePrimaryRegion", 0, kms_update_primary, NULL, NULL, NULL },
    { "Verify", F_RO | F_KEY, kms_sign, NULL, NULL, NULL },
    { "VerifyMac", F_RO | F_KEY, kms_mac, NULL, NULL, NULL },
};

/* ---- Amazon CloudWatch Logs -----------------------------------------
 *
 * "Logging Amazon CloudWatch Logs API calls in AWS CloudTrail"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * logging_cw_api_calls_cwl.html): the Logs API's members are camelCase
 * already and are recorded under their own names (its example:
 * CreateExportTask's logGroupName, from, to …); for the Describe*
 * operations "only request elements are logged", and the other operations
 * logvault implements answer nothing, so every responseElements is null.
 * GetLogEvents, FilterLogEvents and PutLogEvents are data events (CloudTrail
 * "Logging data events": off unless a trail selects them). Never recorded:
 * PutLogEvents' logEvents and TestMetricFilter's logEventMessages (event
 * text), PutLogEvents' entity.
 */
static const struct rule logs_group[] = {
    C("logGroupName", "logGroupName"), END,
};
static const struct rule logs_associate[] = {
    C("logGroupName", "logGroupName"), C("kmsKeyId", "kmsKeyId"),
    C("resourceIdentifier", "resourceIdentifier"), END,
};
static const struct rule logs_disassociate[] = {
    C("logGroupName", "logGroupName"),
    C("resourceIdentifier", "resourceIdentifier"), END,
};
static const struct rule logs_create_group[] = {
    C("logGroupName", "logGroupName"), C("kmsKeyId", "kmsKeyId"),
    C("tags", "tags"), C("logGroupClass", "logGroupClass"),
    C("deletionProtectionEnabled", "deletionProtectionEnabled"), END,
};
static const struct rule logs_stream[] = {
    C("logGroupName", "logGroupName"), C("logStreamName", "logStreamName"),
    END,
};
static const struct rule logs_filter_name[] = {
    C("logGroupName", "logGroupName"), C("filterName", "filterName"), END,
};
static const struct rule logs_describe_groups[] = {
    C("accountIdentifiers", "accountIdentifiers"),
    C("logGroupNamePrefix", "logGroupNamePrefix"),
    C("logGroupNamePattern", "logGroupNamePattern"),
    C("nextToken", "nextToken"), C("limit", "limit"),
    C("includeLinkedAccounts", "includeLinkedAccounts"),
    C("logGroupClass", "logGroupClass"),
    C("logGroupIdentifiers", "logGroupIdentifiers"),
    END,
};
static const struct rule logs_describe_streams[] = {
    C("logGroupName", "logGroupName"),
    C("logGroupIdentifier", "logGroupIdentifier"),
    C("logStreamNamePrefix", "logStreamNamePrefix"),
    C("orderBy", "orderBy"), C("descending", "descending"),
    C("nextToken", "nextToken"), C("limit", "limit"),
    END,
};
static const struct rule logs_describe_filters[] = {
    C("logGroupName", "logGroupName"),
    C("filterNamePrefix", "filterNamePrefix"),
    C("nextToken", "nextToken"), C("limit", "limit"),
    C("metricName", "metricName"), C("metricNamespace", "metricNamespace"),
    END,
};
static const struct rule logs_filter_events[] = {
    C("logGroupName", "logGroupName"),
    C("logGroupIdentifier", "logGroupIdentifier"),
    C("logStreamNames", "logStreamNames"),
    C("logStreamNamePrefix", "logStreamNamePrefix"),
    C("startTime", "startTime"), C("endTime", "endTime"),
    C("filterPattern", "filterPattern"), C("nextToken", "nextToken"),
    C("limit", "limit"), C("interleaved", "interleaved"),
    C("unmask", "unmask"),
    END,
};
static const struct rule logs_get_events[] = {
    C("logGroupName", "logGroupName"),
    C("logGroupIdentifier", "logGroupIdentifier"),
    C("logStreamName", "logStreamName"),
    C("startTime", "startTime"), C("endTime", "endTime"),
    C("nextToken", "nextToken"), C("limit", "limit"),
    C("startFromHead", "startFromHead"), C("unmask", "unmask"),
    END,
};
static const struct rule logs_list_groups[] = {
    C("logGroupNamePattern", "logGroupNamePattern"),
    C("logGroupClass", "logGroupClass"),
    C("includeLinkedAccounts", "includeLinkedAccounts"),
    C("accountIdentifiers", "accountIdentifiers"),
    C("nextToken", "nextToken"), C("limit", "limit"),
    C("dataSources", "dataSources"), C("fieldIndexNames", "fieldIndexNames"),
    C("logGroupTags", "logGroupTags"),
    END,
};
static const struct rule logs_resource[] = {
    C("resourceArn", "resourceArn"), END,
};
static const struct rule logs_put_events[] = {
    C("logGroupName", "logGroupName"), C("logStreamName", "logStreamName"),
    C("sequenceToken", "sequenceToken"), END,
};
static const struct rule logs_deletion_protection[] = {
    C("logGroupIdentifier", "logGroupIdentifier"),
    C("deletionProtectionEnabled", "deletionProtectionEnabled"), END,
};
static const struct rule logs_put_filter[] = {
    C("logGroupName", "logGroupName"), C("filterName", "filterName"),
    C("filterPattern", "filterPattern"),
    C("metricTransformations", "metricTransformations"),
    C("applyOnTransformedLogs", "applyOnTransformedLogs"),
    C("fieldSelectionCriteria", "fieldSelectionCriteria"),
    C("emitSystemFieldDimensions", "emitSystemFieldDimensions"),
    END,
};
static const struct rule logs_retention[] = {
    C("logGroupName", "logGroupName"), C("retentionInDays", "retentionInDays"),
    END,
};
static const struct rule logs_tag_group[] = {
    C("logGroupName", "logGroupName"), C("tags", "tags"), END,
};
static const struct rule logs_tag_resource[] = {
    C("resourceArn", "resourceArn"), C("tags", "tags"), END,
};
static const struct rule logs_untag_resource[] = {
    C("resourceArn", "resourceArn"), C("tagKeys", "tagKeys"), END,
};
static const struct rule logs_test_filter[] = {
    C("filterPattern", "filterPattern"), END,
};
/* Logs Insights. GetQueryResults and GetLogRecord answer event text, as
 * GetLogEvents does: data events like it. The others are management
 * events. */
static const struct rule logs_start_query[] = {
    C("queryLanguage", "queryLanguage"), C("logGroupName", "logGroupName"),
    C("logGroupNames", "logGroupNames"),
    C("logGroupIdentifiers", "logGroupIdentifiers"),
    C("startTime", "startTime"), C("endTime", "endTime"),
    C("queryString", "queryString"), C("limit", "limit"),
    END,
};
static const struct rule logs_start_live_tail[] = {
    C("logGroupIdentifiers", "logGroupIdentifiers"),
    C("logStreamNames", "logStreamNames"),
    C("logStreamNamePrefixes", "logStreamNamePrefixes"),
    C("logEventFilterPattern", "logEventFilterPattern"), END,
};
static const struct rule logs_query_id[] = {
    C("queryId", "queryId"), END,
};
static const struct rule logs_query_results[] = {
    C("queryId", "queryId"), C("nextToken", "nextToken"),
    C("maxItems", "maxItems"), END,
};
static const struct rule logs_describe_queries[] = {
    C("logGroupName", "logGroupName"), C("status", "status"),
    C("maxResults", "maxResults"), C("nextToken", "nextToken"),
    C("queryLanguage", "queryLanguage"), END,
};
static const struct rule logs_put_query_def[] = {
    C("queryLanguage", "queryLanguage"), C("name", "name"),
    C("queryDefinitionId", "queryDefinitionId"),
    C("logGroupNames", "logGroupNames"), C("queryString", "queryString"),
    C("clientToken", "clientToken"), C("parameters", "parameters"),
    END,
};
static const struct rule logs_describe_query_defs[] = {
    C("queryLanguage", "queryLanguage"),
    C("queryDefinitionNamePrefix", "queryDefinitionNamePrefix"),
    C("maxResults", "maxResults"), C("nextToken", "nextToken"), END,
};
static const struct rule logs_query_def_id[] = {
    C("queryDefinitionId", "queryDefinitionId"), END,
};
/* Resource policies: the document is a policy, not event text. */
static const struct rule logs_put_respol[] = {
    C("policyName", "policyName"), C("policyDocument", "policyDocument"),
    C("resourceArn", "resourceArn"),
    C("expectedRevisionId", "expectedRevisionId"), END,
};
static const struct rule logs_delete_respol[] = {
    C("policyName", "policyName"), C("resourceArn", "resourceArn"),
    C("expectedRevisionId", "expectedRevisionId"), END,
};
static const struct rule logs_describe_respols[] = {
    C("resourceArn", "resourceArn"), C("policyScope", "policyScope"),
    C("limit", "limit"), C("nextToken", "nextToken"), END,
};
static const struct rule logs_get_record[] = {
    C("logRecordPointer", "logRecordPointer"), C("unmask", "unmask"), END,
};
static const struct rule logs_group_fields[] = {
    C("logGroupName", "logGroupName"), C("time", "time"),
    C("logGroupIdentifier", "logGroupIdentifier"), END,
};
/* A log group's policy (data protection, dp_ops.c; field index,
 * index.c): policy documents are configuration, recorded as given. */
static const struct rule logs_group_policy[] = {
    C("logGroupIdentifier", "logGroupIdentifier"),
    C("policyDocument", "policyDocument"), END,
};
static const struct rule logs_account_policy[] = {
    C("policyName", "policyName"), C("policyDocument", "policyDocument"),
    C("policyType", "policyType"), C("scope", "scope"),
    C("selectionCriteria", "selectionCriteria"),
    C("accountIdentifiers", "accountIdentifiers"), END,
};
static const struct rule logs_group_identifiers[] = {
    C("logGroupIdentifiers", "logGroupIdentifiers"),
    C("nextToken", "nextToken"), END,
};
static const struct rule logs_groups_for_query[] = {
    C("queryId", "queryId"), C("nextToken", "nextToken"),
    C("maxResults", "maxResults"), END,
};

/* Lookup tables: never tableBody (the table's content). */
static const struct rule logs_create_lookup[] = {
    C("lookupTableName", "lookupTableName"),
    C("description", "description"), C("kmsKeyId", "kmsKeyId"),
    C("tags", "tags"), END,
};
static const struct rule logs_lookup_arn[] = {
    C("lookupTableArn", "lookupTableArn"), END,
};
static const struct rule logs_update_lookup[] = {
    C("lookupTableArn", "lookupTableArn"), C("description", "description"),
    C("kmsKeyId", "kmsKeyId"), END,
};
static const struct rule logs_describe_lookups[] = {
    C("lookupTableNamePrefix", "lookupTableNamePrefix"),
    C("maxResults", "maxResults"), C("nextToken", "nextToken"), END,
};

/* Subscription filters, destinations, export and import tasks
 * (logs/subscription.c, destinations.c, export.c, import.c): management
 * events; each is recorded with its request members, whether it succeeds
 * or fails (most fail: their destination is absent). */
static const struct rule logs_put_subscription[] = {
    C("logGroupName", "logGroupName"), C("filterName", "filterName"),
    C("filterPattern", "filterPattern"),
    C("destinationArn", "destinationArn"), C("roleArn", "roleArn"),
    C("distribution", "distribution"),
    C("applyOnTransformedLogs", "applyOnTransformedLogs"),
    C("fieldSelectionCriteria", "fieldSelectionCriteria"),
    C("emitSystemFields", "emitSystemFields"),
    END,
};
static const struct rule logs_describe_subscriptions[] = {
    C("logGroupName", "logGroupName"),
    C("filterNamePrefix", "filterNamePrefix"),
    C("nextToken", "nextToken"), C("limit", "limit"), END,
};
static const struct rule logs_put_destination[] = {
    C("destinationName", "destinationName"), C("targetArn", "targetArn"),
    C("roleArn", "roleArn"), C("tags", "tags"), END,
};
static const struct rule logs_put_destination_policy[] = {
    C("destinationName", "destinationName"),
    C("accessPolicy", "accessPolicy"), C("forceUpdate", "forceUpdate"),
    END,
};
static const struct rule logs_destination_name[] = {
    C("destinationName", "destinationName"), END,
};
static const struct rule logs_describe_destinations[] = {
    C("DestinationNamePrefix", "DestinationNamePrefix"),
    C("nextToken", "nextToken"), C("limit", "limit"), END,
};
static const struct rule logs_create_export[] = {
    C("taskName", "taskName"), C("logGroupName", "logGroupName"),
    C("logStreamNamePrefix", "logStreamNamePrefix"), C("from", "from"),
    C("to", "to"), C("destination", "destination"),
    C("destinationPrefix", "destinationPrefix"), END,
};
static const struct rule logs_describe_exports[] = {
    C("taskId", "taskId"), C("statusCode", "statusCode"),
    C("nextToken", "nextToken"), C("limit", "limit"), END,
};
static const struct rule logs_task_id[] = {
    C("taskId", "taskId"), END,
};
static const struct rule logs_create_import[] = {
    C("importSourceArn", "importSourceArn"),
    C("importRoleArn", "importRoleArn"), C("importFilter", "importFilter"),
    END,
};
static const struct rule logs_describe_imports[] = {
    C("importId", "importId"), C("importStatus", "importStatus"),
    C("importSourceArn", "importSourceArn"), C("limit", "limit"),
    C("nextToken", "nextToken"), END,
};
static const struct rule logs_describe_import_batches[] = {
    C("importId", "importId"), C("batchImportStatus", "batchImportStatus"),
    C("limit", "limit"), C("nextToken", "nextToken"), END,
};
static const struct rule logs_import_id[] = {
    C("importId", "importId"), END,
};
/* Deliveries, integrations and log objects (logs/delivery_absent.c,
 * integrations.c, log_object.c): their request members as given. */
static const struct rule logs_put_delivery_source[] = {
    C("name", "name"), C("resourceArn", "resourceArn"),
    C("logType", "logType"), C("tags", "tags"),
    C("deliverySourceConfiguration", "deliverySourceConfiguration"), END,
};
static const struct rule logs_name[] = {
    C("name", "name"), END,
};
static const struct rule logs_delivery_id[] = {
    C("id", "id"), END,
};
static const struct rule logs_create_delivery[] = {
    C("deliverySourceName", "deliverySourceName"),
    C("deliveryDestinationArn", "deliveryDestinationArn"),
    C("recordFields", "recordFields"), C("fieldDelimiter", "fieldDelimiter"),
    C("s3DeliveryConfiguration", "s3DeliveryConfiguration"),
    C("tags", "tags"), END,
};
static const struct rule logs_update_delivery[] = {
    C("id", "id"), C("recordFields", "recordFields"),
    C("fieldDelimiter", "fieldDelimiter"),
    C("s3DeliveryConfiguration", "s3DeliveryConfiguration"), END,
};
static const struct rule logs_describe_page[] = {
    C("nextToken", "nextToken"), C("limit", "limit"), END,
};
static const struct rule logs_describe_templates[] = {
    C("service", "service"), C("logTypes", "logTypes"),
    C("resourceTypes", "resourceTypes"),
    C("deliveryDestinationTypes", "deliveryDestinationTypes"),
    C("nextToken", "nextToken"), C("limit", "limit"), END,
};
static const struct rule logs_put_integration[] = {
    C("integrationName", "integrationName"),
    C("resourceConfig", "resourceConfig"),
    C("integrationType", "integrationType"), END,
};
static const struct rule logs_integration_name[] = {
    C("integrationName", "integrationName"), C("force", "force"), END,
};
static const struct rule logs_list_integrations[] = {
    C("integrationNamePrefix", "integrationNamePrefix"),
    C("integrationType", "integrationType"),
    C("integrationStatus", "integrationStatus"), END,
};
static const struct rule logs_associate_s3t[] = {
    C("integrationArn", "integrationArn"), C("dataSource", "dataSource"),
    END,
};
/* An `identifier` alone (an S3 table integration's source, a scheduled
 * query). */
static const struct rule logs_identifier[] = {
    C("identifier", "identifier"), END,
};
static const struct rule logs_list_s3t_sources[] = {
    C("integrationArn", "integrationArn"), C("maxResults", "maxResults"),
    C("nextToken", "nextToken"), END,
};
static const struct rule logs_get_object[] = {
    C("logObjectPointer", "logObjectPointer"), C("unmask", "unmask"), END,
};

static const struct rule logs_put_dest[] = {
    C("name", "name"), C("outputFormat", "outputFormat"),
    C("deliveryDestinationConfiguration", "deliveryDestinationConfiguration"),
    C("deliveryDestinationType", "deliveryDestinationType"),
    C("tags", "tags"), END,
};
static const struct rule logs_dest_name[] = {
    C("deliveryDestinationName", "deliveryDestinationName"), END,
};
static const struct rule logs_put_dest_policy[] = {
    C("deliveryDestinationName", "deliveryDestinationName"),
    C("deliveryDestinationPolicy", "deliveryDestinationPolicy"), END,
};

static const struct rule logs_bearer[] = {
    C("logGroupIdentifier", "logGroupIdentifier"),
    C("bearerTokenAuthenticationEnabled", "bearerTokenAuthenticationEnabled"),
    END,
};
static const struct rule logs_aggregate_summaries[] = {
    C("accountIdentifiers", "accountIdentifiers"),
    C("includeLinkedAccounts", "includeLinkedAccounts"),
    C("logGroupClass", "logGroupClass"),
    C("logGroupNamePattern", "logGroupNamePattern"),
    C("dataSources", "dataSources"), C("groupBy", "groupBy"),
    C("nextToken", "nextToken"), C("limit", "limit"), END,
};
static const struct rule logs_log_fields[] = {
    C("dataSourceName", "dataSourceName"),
    C("dataSourceType", "dataSourceType"), END,
};
/* Transformers: never logEventMessages (event text). */
static const struct rule logs_transformer_id[] = {
    C("logGroupIdentifier", "logGroupIdentifier"), END,
};
static const struct rule logs_put_transformer[] = {
    C("logGroupIdentifier", "logGroupIdentifier"),
    C("transformerConfig", "transformerConfig"), END,
};
static const struct rule logs_test_transformer[] = {
    C("transformerConfig", "transformerConfig"), END,
};

/* Scheduled queries: the definition as given (the query text as
 * StartQuery's rule records it; no event data). */
static const struct rule logs_sched_def[] = {
    C("name", "name"), C("identifier", "identifier"),
    C("description", "description"), C("queryLanguage", "queryLanguage"),
    C("queryString", "queryString"),
    C("logGroupIdentifiers", "logGroupIdentifiers"),
    C("scheduleExpression", "scheduleExpression"),
    C("timezone", "timezone"), C("startTimeOffset", "startTimeOffset"),
    C("destinationConfiguration", "destinationConfiguration"),
    C("scheduleStartTime", "scheduleStartTime"),
    C("scheduleEndTime", "scheduleEndTime"),
    C("executionRoleArn", "executionRoleArn"), C("state", "state"),
    C("tags", "tags"), END,
};
static const struct rule logs_sched_list[] = {
    C("maxResults", "maxResults"), C("nextToken", "nextToken"),
    C("state", "state"), END,
};
static const struct rule logs_sched_history[] = {
    C("identifier", "identifier"), C("startTime", "startTime"),
    C("endTime", "endTime"), C("executionStatuses", "executionStatuses"),
    C("maxResults", "maxResults"), C("nextToken", "nextToken"), END,
};

/* Anomaly detectors. */
static const struct rule logs_anomaly_det[] = {
    C("anomalyDetectorArn", "anomalyDetectorArn"),
    C("logGroupArnList", "logGroupArnList"),
    C("detectorName", "detectorName"),
    C("evaluationFrequency", "evaluationFrequency"),
    C("filterPattern", "filterPattern"), C("kmsKeyId", "kmsKeyId"),
    C("anomalyVisibilityTime", "anomalyVisibilityTime"),
    C("enabled", "enabled"), C("tags", "tags"), END,
};
static const struct rule logs_anomaly_list[] = {
    C("anomalyDetectorArn", "anomalyDetectorArn"),
    C("filterLogGroupArn", "filterLogGroupArn"),
    C("suppressionState", "suppressionState"), C("limit", "limit"),
    C("nextToken", "nextToken"), END,
};
static const struct rule logs_anomaly_update[] = {
    C("anomalyDetectorArn", "anomalyDetectorArn"),
    C("anomalyId", "anomalyId"), C("patternId", "patternId"),
    C("suppressionType", "suppressionType"),
    C("suppressionPeriod", "suppressionPeriod"), C("baseline", "baseline"),
    END,
};

static const struct op_rule logs_ops[] = {
    { "AssociateKmsKey", 0, logs_associate, NULL, NULL, NULL },
    { "AssociateSourceToS3TableIntegration", 0, logs_associate_s3t, NULL,
      NULL, NULL },
    { "CancelExportTask", 0, logs_task_id, NULL, NULL, NULL },
    { "CancelImportTask", 0, logs_import_id, NULL, NULL, NULL },
    { "CreateDelivery", 0, logs_create_delivery, NULL, NULL, NULL },
    { "CreateExportTask", 0, logs_create_export, NULL, NULL, NULL },
    { "CreateImportTask", 0, logs_create_import, NULL, NULL, NULL },
    { "CreateLogAnomalyDetector", 0, logs_anomaly_det, NULL, NULL, NULL },
    { "CreateLogGroup", 0, logs_create_group, NULL, NULL, NULL },
    { "CreateLogStream", 0, logs_stream, NULL, NULL, NULL },
    { "CreateLookupTable", 0, logs_create_lookup, NULL, NULL, NULL },
    { "CreateScheduledQuery", 0, logs_sched_def, NULL, NULL, NULL },
    { "DeleteAccountPolicy", 0, logs_account_policy, NULL, NULL, NULL },
    { "DeleteDataProtectionPolicy", 0, logs_group_policy, NULL, NULL, NULL },
    { "DeleteDelivery", 0, logs_delivery_id, NULL, NULL, NULL },
    { "DeleteDeliveryDestination", 0, logs_name, NULL, NULL, NULL },
    { "DeleteDeliveryDestinationPolicy", 0, logs_dest_name, NULL, NULL, NULL },
    { "DeleteDeliverySource", 0, logs_name, NULL, NULL, NULL },
    { "DeleteDestination", 0, logs_destination_name, NULL, NULL, NULL },
    { "DeleteIndexPolicy", 0, logs_group_policy, NULL, NULL, NULL },
    { "DeleteIntegration", 0, logs_integration_name, NULL, NULL, NULL },
    { "DeleteLogAnomalyDetector", 0, logs_anomaly_det, NULL, NULL, NULL },
    { "DeleteLogGroup", 0, logs_group, NULL, NULL, NULL },
    { "DeleteLogStream", 0, logs_stream, NULL, NULL, NULL },
    { "DeleteLookupTable", 0, logs_lookup_arn, NULL, NULL, NULL },
    { "DeleteMetricFilter", 0, logs_filter_name, NULL, NULL, NULL },
    { "DeleteQueryDefinition", 0, logs_query_def_id, NULL, NULL, NULL },
    { "DeleteResourcePolicy", 0, logs_delete_respol, NULL, NULL, NULL },
    { "DeleteRetentionPolicy", 0, logs_group, NULL, NULL, NULL },
    { "DeleteScheduledQuery", 0, logs_identifier, NULL, NULL, NULL },
    { "DeleteSubscriptionFilter", 0, logs_filter_name, NULL, NULL, NULL },
    { "DeleteTransformer", 0, logs_transformer_id, NULL, NULL, NULL },
    { "DescribeAccountPolicies", F_RO, logs_account_policy, NULL, NULL,
      NULL },
    { "DescribeConfigurationTemplates", F_RO, logs_describe_templates, NULL,
      NULL, NULL },
    { "DescribeDeliveries", F_RO, logs_describe_page, NULL, NULL, NULL },
    { "DescribeDeliveryDestinations", F_RO, logs_describe_page, NULL,
      NULL, NULL },
    { "DescribeDeliverySources", F_RO, logs_describe_page, NULL, NULL, NULL },
    { "DescribeDestinations", F_RO, logs_describe_destinations, NULL, NULL,
      NULL },
    { "DescribeExportTasks", F_RO, logs_describe_exports, NULL, NULL,
      NULL },
    { "DescribeFieldIndexes", F_RO, logs_group_identifiers, NULL, NULL,
      NULL },
    { "DescribeImportTaskBatches", F_RO, logs_describe_import_batches,
      NULL, NULL, NULL },
    { "DescribeImportTasks", F_RO, logs_describe_imports, NULL, NULL,
      NULL },
    { "DescribeIndexPolicies", F_RO, logs_group_identifiers, NULL, NULL,
      NULL },
    { "DescribeLogGroups", F_RO, logs_describe_groups, NULL, NULL, NULL },
    { "DescribeLogStreams", F_RO, logs_describe_streams, NULL, NULL, NULL },
    { "DescribeLookupTables", F_RO, logs_describe_lookups, NULL, NULL,
      NULL },
    { "DescribeMetricFilters", F_RO, logs_describe_filters, NULL, NULL,
      NULL },
    { "DescribeQueries", F_RO, logs_describe_queries, NULL, NULL, NULL },
    { "DescribeQueryDefinitions", F_RO, logs_describe_query_defs, NULL,
      NULL, NULL },
    { "DescribeResourcePolicies", F_RO, logs_describe_respols, NULL, NULL,
      NULL },
    { "DescribeSubscriptionFilters", F_RO, logs_describe_subscriptions,
      NULL, NULL, NULL },
    { "DisassociateKmsKey", 0, logs_disassociate, NULL, NULL, NULL },
    { "DisassociateSourceFromS3TableIntegration", 0, logs_identifier, NULL,
      NULL, NULL },
    { "FilterLogEvents", F_RO | F_DATA, logs_filter_events, NULL, NULL,
      NULL },
    { "GetDataProtectionPolicy", F_RO, logs_group_policy, NULL, NULL, NULL },
    { "GetDelivery", F_RO, logs_delivery_id, NULL, NULL, NULL },
    { "GetDeliveryDestination", F_RO, logs_name, NULL, NULL, NULL },
    { "GetDeliveryDestinationPolicy", F_RO, logs_dest_name, NULL, NULL, NULL },
    { "GetDeliverySource", F_RO, logs_name, NULL, NULL, NULL },
    { "GetIntegration", F_RO, logs_integration_name, NULL, NULL, NULL },
    { "GetLogAnomalyDetector", F_RO, logs_anomaly_det, NULL, NULL, NULL },
    { "GetLogEvents", F_RO | F_DATA, logs_get_events, NULL, NULL, NULL },
    { "GetLogFields", F_RO, logs_log_fields, NULL, NULL, NULL },
    { "GetLogGroupFields", F_RO, logs_group_fields, NULL, NULL, NULL },
    { "GetLogObject", F_RO | F_DATA, logs_get_object, NULL, NULL, NULL },
    { "GetLogRecord", F_RO | F_DATA, logs_get_record, NULL, NULL, NULL },
    { "GetLookupTable", F_RO, logs_lookup_arn, NULL, NULL, NULL },
    { "GetQueryResults", F_RO | F_DATA, logs_query_results, NULL, NULL,
      NULL },
    { "GetScheduledQuery", F_RO, logs_identifier, NULL, NULL, NULL },
    { "GetScheduledQueryHistory", F_RO, logs_sched_history, NULL, NULL,
      NULL },
    { "GetTransformer", F_RO, logs_transformer_id, NULL, NULL, NULL },
    { "ListAggregateLogGroupSummaries", F_RO, logs_aggregate_summaries,
      NULL, NULL, NULL },
    { "ListAnomalies", F_RO, logs_anomaly_list, NULL, NULL, NULL },
    { "ListIntegrations", F_RO, logs_list_integrations, NULL, NULL, NULL },
    { "ListLogAnomalyDetectors", F_RO, logs_anomaly_list, NULL, NULL,
      NULL },
    { "ListLogGroups", F_RO, logs_list_groups, NULL, NULL, NULL },
    { "ListLogGroupsForQuery", F_RO, logs_groups_for_query, NULL, NULL,
      NULL },
    { "ListScheduledQueries", F_RO, logs_sched_list, NULL, NULL, NULL },
    { "ListSourcesForS3TableIntegration", F_RO, logs_list_s3t_sources, NULL,
      NULL, NULL },
    { "ListTagsForResource", F_RO, logs_resource, NULL, NULL, NULL },
    { "ListTagsLogGroup", F_RO, logs_group, NULL, NULL, NULL },
    { "PutAccountPolicy", 0, logs_account_policy, NULL, NULL, NULL },
    { "PutBearerTokenAuthentication", 0, logs_bearer, NULL, NULL, NULL },
    { "PutDataProtectionPolicy", 0, logs_group_policy, NULL, NULL, NULL },
    { "PutDeliveryDestination", 0, logs_put_dest, NULL, NULL, NULL },
    { "PutDeliveryDestinationPolicy", 0, logs_put_dest_policy, NULL,
      NULL, NULL },
    { "PutDeliverySource", 0, logs_put_delivery_source, NULL, NULL, NULL },
    { "PutDestination", 0, logs_put_destination, NULL, NULL, NULL },
    { "PutDestinationPolicy", 0, logs_put_destination_policy, NULL, NULL,
      NULL },
    { "PutIndexPolicy", 0, logs_group_policy, NULL, NULL, NULL },
    { "PutIntegration", 0, logs_put_integration, NULL, NULL, NULL },
    { "PutLogEvents", F_DATA, logs_put_events, NULL, NULL, NULL },
    { "PutLogGroupDeletionProtection", 0, logs_deletion_protection, NULL,
      NULL, NULL },
    { "PutMetricFilter", 0, logs_put_filter, NULL, NULL, NULL },
    { "PutQueryDefinition", 0, logs_put_query_def, NULL, NULL, NULL },
    { "PutResourcePolicy", 0, logs_put_respol, NULL, NULL, NULL },
    { "PutRetentionPolicy", 0, logs_retention, NULL, NULL, NULL },
    { "PutSubscriptionFilter", 0, logs_put_subscription, NULL, NULL,
      NULL },
    { "PutTransformer", 0, logs_put_transformer, NULL, NULL, NULL },
    /* the session's events are never recorded (its answer is a stream) */
    { "StartLiveTail", F_RO, logs_start_live_tail, NULL, NULL, NULL },
    { "StartQuery", 0, logs_start_query, NULL, NULL, NULL },
    { "StopQuery", 0, logs_query_id, NULL, NULL, NULL },
    { "TagLogGroup", 0, logs_tag_group, NULL, NULL, NULL },
    { "TagResource", 0, logs_tag_resource, NULL, NULL, NULL },
    { "TestMetricFilter", F_RO, logs_test_filter, NULL, NULL, NULL },
    { "TestTransformer", F_RO, logs_test_transformer, NULL, NULL, NULL },
    { "UntagLogGroup", 0, logs_tag_group, NULL, NULL, NULL },
    { "UntagResource", 0, logs_untag_resource, NULL, NULL, NULL },
    { "UpdateAnomaly", 0, logs_anomaly_update, NULL, NULL, NULL },
    { "UpdateDeliveryConfiguration", 0, logs_update_delivery, NULL,
      NULL, NULL },
    { "UpdateLogAnomalyDetector", 0, logs_anomaly_det, NULL, NULL, NULL },
    { "UpdateLookupTable", 0, logs_update_lookup, NULL, NULL, NULL },
    { "UpdateScheduledQuery", 0, logs_sched_def, NULL, NULL, NULL },
};

/* ---- AWS CloudTrail --------------------------------------------------
 *
 * LookupEvents is itself a read-only management event of CloudTrail
 * (eventSource cloudtrail.amazonaws.com); its request members are
 * recorded, its response (other records) is not.
 */
static const struct rule ct_lookup[] = {
    { "LookupAttributes", "lookupAttributes", K_RENAME1, NULL, 0 },
    C("StartTime", "startTime"), C("EndTime", "endTime"),
    C("EventCategory", "eventCategory"), C("MaxResults", "maxResults"),
    C("NextToken", "nextToken"),
    END,
};

static const struct op_rule cloudtrail_ops[] = {
    { "LookupEvents", F_RO, ct_lookup, NULL, NULL, NULL },
};

/* ---- the tables ------------------------------------------------------ */

static int op_rule_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct op_rule *)elem)->op);
}

static const struct op_rule *find_rule_in(const char *svc, const char *op)
{
    const struct op_rule *t;
    size_t n;

    if (strcmp(svc, "kms") == 0) {
        t = kms_ops;
        n = sizeof(kms_ops) / sizeof(kms_ops[0]);
    } else if (strcmp(svc, "logs") == 0) {
        t = logs_ops;
        n = sizeof(logs_ops) / sizeof(logs_ops[0]);
    } else if (strcmp(svc, "cloudtrail") == 0) {
        t = cloudtrail_ops;
        n = sizeof(cloudtrail_ops) / sizeof(cloudtrail_ops[0]);
    } else {
        return NULL;
    }
    return bsearch(op, t, n, sizeof(*t), op_rule_cmp);
}

/* find_rule_in, with the last answer of this thread kept: a request asks
 * for its operation's rule four times (lv_audit_req_begin, the response,
 * the record), and a busy path asks for one operation's over and over. */
static const struct op_rule *find_rule(const char *svc, const char *op)
{
    static _Thread_local char last_svc[16];
    static _Thread_local char last_op[64];
    static _Thread_local const struct op_rule *last;
    size_t ns;
    size_t no;

    if (svc == NULL || op == NULL) {
        return NULL;
    }
    if (last_svc[0] && strcmp(op, last_op) == 0 &&
        strcmp(svc, last_svc) == 0) {
        return last;
    }
    last = find_rule_in(svc, op);
    ns = strlen(svc);
    no = strlen(op);
    if (ns < sizeof(last_svc) && no < sizeof(last_op)) {
        memcpy(last_svc, svc, ns + 1);
        memcpy(last_op, op, no + 1);
    } else {
        last_svc[0] = '\0';        /* not kept */
    }
    return last;
}

static int has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

int lv_audit_is_data_event(const char *svc, const char *op)
{
    const struct op_rule *r = find_rule(svc, op);

    return r != NULL && (r->flags & F_DATA) != 0;
}

int lv_audit_read_only(const char *svc, const char *op)
{
    const struct op_rule *r = find_rule(svc, op);

    if (r != NULL) {
        return (r->flags & F_RO) != 0;
    }
    if (op == NULL) {
        return 0;
    }
    return has_prefix(op, "Describe") || has_prefix(op, "Get") ||
           has_prefix(op, "List") || has_prefix(op, "Lookup");
}

int lv_audit_uses_response(const char *svc, const char *op)
{
    const struct op_rule *r = find_rule(svc, op);

    return r != NULL && (r->resp != NULL || r->extra_out != NULL ||
                         (r->flags & F_RES) != 0);
}

/* Whether rules names member (n bytes). */
static int names_member(const struct rule *rules, const char *member,
                        size_t n)
{
    for (const struct rule *r = rules; r != NULL && r->member != NULL; r++) {
        if (strlen(r->member) == n && memcmp(r->member, member, n) == 0) {
            return 1;
        }
    }
    return 0;
}

int lv_audit_response_member(const char *svc, const char *op,
                             const char *member, size_t n)
{
    /* The members collect_resources() reads of a response. */
    static const struct rule res_members[] = {
        C("SourceKeyId", ""), C("KeyId", ""), C("KeyMetadata", ""), END,
    };
    const struct op_rule *r = find_rule(svc, op);

    return r != NULL && n > 0 &&
           (names_member(r->resp, member, n) ||
            names_member(r->extra_out, member, n) ||
            ((r->flags & F_RES) != 0 &&
             names_member(res_members, member, n)));
}

int lv_audit_response_may_name(const char *svc, const char *op,
                               const char *text, size_t len)
{
    const struct op_rule *r = find_rule(svc, op);
    const struct rule *sets[2];
    char quoted[72];

    if (r == NULL) {
        return 0;
    }
    if ((r->flags & F_RES) != 0) {
        return 1;
    }
    sets[0] = r->resp;
    sets[1] = r->extra_out;
    for (int k = 0; k < 2; k++) {
        for (const struct rule *x = sets[k]; x != NULL && x->member != NULL;
             x++) {
            size_t n = strlen(x->member);

            if (n == 0) {
                continue;
            }
            if (n + 2 > sizeof(quoted)) {
                return 1;       /* no table names one so long: parse */
            }
            quoted[0] = '"';
            memcpy(quoted + 1, x->member, n);
            quoted[n + 1] = '"';
            if (memmem(text, len, quoted, n + 2) != NULL) {
                return 1;
            }
        }
    }
    return 0;
}

int lv_audit_key_use(const char *svc, const char *op)
{
    const struct op_rule *r = find_rule(svc, op);

    return r != NULL && (r->flags & F_KEY) != 0;
}

/* ---- what a record says ------------------------------------------------
 *
 * The facts the CloudTrail JSON of a request is written from: the compact
 * record's content (event.h) with the record's columns. On the request's
 * thread they are taken from the request (lv_audit_event_build) and kept;
 * when the record is read they come back (lv_audit_event_render) and the
 * JSON is written from them.
 */
struct facts {
    const char *svc;                /* signing name: "kms" */
    const struct lv_principal *who;
    const char *invoked_by;         /* as given: NULL, or the service that
                                     * made the call for a caller */
    const char *source_ip;          /* "" when none */
    const char *user_agent;         /* NULL when none */
    const char *error_code;         /* NULL on success */
    const char *error_message;
    const json_t *req;              /* the recorded request members; NULL:
                                     * no parsed input (raw body) */
    const json_t *resp;             /* the recorded response members; NULL:
                                     * none */
    const char *key_arn;
    const char *group_arn;
    const char *shared_event_id;
};

/* ---- writing values ---------------------------------------------------- */

/* AWS's date in responseElements, Java's medium US format:
 * "Aug 10, 2022, 10:38:27 PM" (ct-createkey, ct-schedule-key-deletion). */
static void write_date(struct lv_jw *w, double epoch)
{
    static const char *const mon[12] = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun",
        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    };
    char s[64];
    struct tm tm;
    time_t t = (time_t)epoch;
    int h;

    if (gmtime_r(&t, &tm) == NULL) {
        lv_jw_null(w);
        return;
    }
    h = tm.tm_hour % 12;
    snprintf(s, sizeof(s), "%s %d, %d, %d:%02d:%02d %s", mon[tm.tm_mon],
             tm.tm_mday, tm.tm_year + 1900, h == 0 ? 12 : h, tm.tm_min,
             tm.tm_sec, tm.tm_hour < 12 ? "AM" : "PM");
    lv_jw_str(w, s);
}

/* A member name as CloudTrail writes it: its first letter lowered
 * (KeyId → keyId, AWSAccountId → aWSAccountId, as ct-createkey shows). */
static void write_key_lowered(struct lv_jw *w, const char *k)
{
    char s[256];
    size_t n = strlen(k);

    if (n == 0 || n >= sizeof(s)) {
        lv_jw_key(w, k);
        return;
    }
    memcpy(s, k, n + 1);
    if (s[0] >= 'A' && s[0] <= 'Z') {
        s[0] = (char)(s[0] - 'A' + 'a');
    }
    lv_jw_key(w, s);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static void write_value(struct lv_jw *w, const json_t *v, enum kind kind,
                        int depth);

/* An object's members with their keys lowered: values verbatim (RENAME1)
 * or renamed again (DEEP). */
static void write_renamed_obj(struct lv_jw *w, const json_t *o,
                              enum kind kind, int depth)
{
    const char *k;
    json_t *v;

    lv_jw_obj_open(w);
    json_object_foreach((json_t *)o, k, v) {
        write_key_lowered(w, k);
        if (kind == K_DEEP && json_is_number(v) && ends_with(k, "Date")) {
            write_date(w, json_number_value(v));
        } else if (kind == K_DEEP) {
            write_value(w, v, K_DEEP, depth + 1);
        } else {
            lv_jw_json(w, v);
        }
    }
    lv_jw_obj_close(w);
}

static void write_value(struct lv_jw *w, const json_t *v, enum kind kind,
                        int depth)
{
    size_t i;
    json_t *e;

    if (depth > LV_JW_MAX_DEPTH / 2) {
        lv_jw_null(w);      /* deeper than any model shape */
        return;
    }
    switch (kind) {
    case K_DATE:
        if (json_is_number(v)) {
            write_date(w, json_number_value(v));
        } else {
            lv_jw_json(w, v);
        }
        return;
    case K_RENAME1:
    case K_DEEP:
        if (json_is_object(v)) {
            write_renamed_obj(w, v, kind, depth);
            return;
        }
        if (json_is_array(v)) {
            lv_jw_arr_open(w);
            json_array_foreach(v, i, e) {
                if (json_is_object(e)) {
                    write_renamed_obj(w, e, kind, depth + 1);
                } else {
                    lv_jw_json(w, e);
                }
            }
            lv_jw_arr_close(w);
            return;
        }
        lv_jw_json(w, v);
        return;
    case K_COPY:
        break;
    }
    lv_jw_json(w, v);
}

/* How many of `rules` would write something for object `o` (NULL: none
 * present, only defaults). */
static int count_rules(const struct rule *rules, const json_t *o,
                       const char *key_arn)
{
    int n = 0;

    for (; rules != NULL && rules->member != NULL; rules++) {
        if ((o != NULL && rules->member[0] != '\0' &&
             json_object_get(o, rules->member) != NULL) ||
            rules->dflt != NULL || (rules->key_dflt && key_arn != NULL)) {
            n++;
        }
    }
    return n;
}

static void write_rules(struct lv_jw *w, const struct rule *rules,
                        const json_t *o, const char *key_arn)
{
    const json_t *v;

    lv_jw_obj_open(w);
    for (; rules->member != NULL; rules++) {
        v = o != NULL && rules->member[0] != '\0'
                ? json_object_get(o, rules->member)
                : NULL;
        if (v != NULL) {
            lv_jw_key(w, rules->ct);
            write_value(w, v, rules->kind, 0);
        } else if (rules->key_dflt && key_arn != NULL) {
            lv_jw_kstr(w, rules->ct, key_arn);
        } else if (rules->dflt != NULL) {
            lv_jw_kstr(w, rules->ct, rules->dflt);
        }
    }
    lv_jw_obj_close(w);
}

/* "requestParameters": … — null when the table records nothing or the
 * request had none of the members it records. A raw-body handler's request
 * (PutLogEvents: its input is NULL, its body holds event text and is never
 * read here) is recorded with the group's name from group_arn only. */
static void write_request(struct lv_jw *w, const struct op_rule *r,
                          const struct facts *f)
{
    const json_t *o = f->req;
    const char *name;

    lv_jw_key(w, "requestParameters");
    if (r != NULL && r->req != NULL && o == NULL && f->group_arn != NULL &&
        (name = strstr(f->group_arn, ":log-group:")) != NULL) {
        size_t n;

        name += strlen(":log-group:");
        n = strcspn(name, ":");
        lv_jw_obj_open(w);
        lv_jw_key(w, "logGroupName");
        lv_jw_strn(w, name, n);
        lv_jw_obj_close(w);
        return;
    }
    if (r == NULL || r->req == NULL ||
        count_rules(r->req, o, f->key_arn) == 0) {
        lv_jw_null(w);
        return;
    }
    write_rules(w, r->req, o, f->key_arn);
}

static void write_response(struct lv_jw *w, const struct op_rule *r,
                           const struct facts *f)
{
    lv_jw_key(w, "responseElements");
    if (r == NULL || r->resp == NULL || f->error_code != NULL ||
        count_rules(r->resp, f->resp, f->key_arn) == 0) {
        lv_jw_null(w);
        return;
    }
    write_rules(w, r->resp, f->resp, f->key_arn);
}

/* "additionalEventData": {…}, only when there is something to say. */
static void write_extra(struct lv_jw *w, const struct op_rule *r,
                        const struct facts *f)
{
    const json_t *req = f->req;
    const json_t *resp = f->error_code == NULL ? f->resp : NULL;
    const struct rule *x;
    const json_t *v;
    int n;

    if (r == NULL) {
        return;
    }
    n = count_rules(r->extra_in, req, NULL) +
        count_rules(r->extra_out, resp, NULL);
    if (n == 0) {
        return;
    }
    lv_jw_key(w, "additionalEventData");
    lv_jw_obj_open(w);
    for (x = r->extra_in; x != NULL && x->member != NULL; x++) {
        if (req != NULL && (v = json_object_get(req, x->member)) != NULL) {
            lv_jw_key(w, x->ct);
            write_value(w, v, x->kind, 0);
        }
    }
    for (x = r->extra_out; x != NULL && x->member != NULL; x++) {
        if (resp != NULL && (v = json_object_get(resp, x->member)) != NULL) {
            lv_jw_key(w, x->ct);
            write_value(w, v, x->kind, 0);
        }
    }
    lv_jw_obj_close(w);
}

/* ---- identity ------------------------------------------------------- */

/* "logs.eu-west-2.amazonaws.com" → "logs.amazonaws.com": the name
 * CloudTrail gives a service in invokedBy, sourceIPAddress, userAgent. */
static void service_name(const char *principal, char *out, size_t cap)
{
    size_t n = strcspn(principal, ".");

    snprintf(out, cap, "%.*s.amazonaws.com", (int)n, principal);
}

/* An IAM user's principalId, shaped as AWS's ("AIDA" + 17 of [A-Z2-7]),
 * from a SHA-256 of its ARN (see the file comment). */
static void user_principal_id(const char *arn, char out[22])
{
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    int i;

    memset(md, 0, sizeof(md));
    if (!EVP_Digest(arn, strlen(arn), md, &len, EVP_sha256(), NULL)) {
        LV_BUG("audit: SHA-256 failed");
    }
    memcpy(out, "AIDA", 4);
    for (i = 0; i < 17; i++) {
        out[4 + i] = b32[md[i] & 31];
    }
    out[21] = '\0';
}

enum identity { ID_ROOT, ID_USER, ID_SERVICE, ID_OTHER_ACCOUNT };

static enum identity identity_of(const struct lv_principal *p)
{
    if (p->service[0] != '\0') {
        return ID_SERVICE;
    }
    return p->user[0] != '\0' ? ID_USER : ID_ROOT;
}

static void write_identity(struct lv_jw *w, const struct lv_principal *p,
                           enum identity id, const char *invoked_by)
{
    char pid[22];

    lv_jw_key(w, "userIdentity");
    lv_jw_obj_open(w);
    switch (id) {
    case ID_SERVICE:
        lv_jw_kstr(w, "type", "AWSService");
        lv_jw_kstr(w, "invokedBy", invoked_by);
        break;
    case ID_USER:
        user_principal_id(p->arn, pid);
        lv_jw_kstr(w, "type", "IAMUser");
        lv_jw_kstr(w, "principalId", pid);
        lv_jw_kstr(w, "arn", p->arn);
        lv_jw_kstr(w, "accountId", p->account);
        lv_jw_kstr(w, "accessKeyId", p->access_key);
        lv_jw_kstr(w, "userName", p->user);
        if (invoked_by != NULL) {
            lv_jw_kstr(w, "invokedBy", invoked_by);
        }
        break;
    case ID_OTHER_ACCOUNT:
        /* The caller as the key owner's record shows another account's
         * principal ("AWSAccount – The request came from another AWS
         * account", CloudTrail userIdentity element). */
        lv_jw_kstr(w, "type", "AWSAccount");
        if (p->user[0] != '\0') {
            user_principal_id(p->arn, pid);
            lv_jw_kstr(w, "principalId", pid);
        } else {
            lv_jw_kstr(w, "principalId", p->account);
        }
        lv_jw_kstr(w, "accountId", p->account);
        break;
    case ID_ROOT:
        lv_jw_kstr(w, "type", "Root");
        lv_jw_kstr(w, "principalId", p->account);
        lv_jw_kstr(w, "arn", p->arn);
        lv_jw_kstr(w, "accountId", p->account);
        lv_jw_kstr(w, "accessKeyId", p->access_key);
        if (invoked_by != NULL) {
            lv_jw_kstr(w, "invokedBy", invoked_by);
        }
        break;
    }
    lv_jw_obj_close(w);
}

/* ---- resources ------------------------------------------------------ */

/* The resources of a record while it is built: loans of the input's
 * strings (and of the alias ARN below), copied into the record at the
 * end. */
struct res_list {
    int n;
    const char *type[LV_AUDIT_MAX_RESOURCES];
    const char *name[LV_AUDIT_MAX_RESOURCES];
    char alias_arn[LV_MAX_ARN];
};

static void add_resource(struct res_list *rl, const char *type,
                         const char *arn)
{
    int i;

    if (arn == NULL || strncmp(arn, "arn:", 4) != 0 ||
        rl->n >= LV_AUDIT_MAX_RESOURCES ||
        strlen(arn) >= sizeof(((struct lv_audit_resource *)0)->name)) {
        return;
    }
    for (i = 0; i < rl->n; i++) {
        if (strcmp(rl->name[i], arn) == 0) {
            return;
        }
    }
    rl->type[rl->n] = type;
    rl->name[rl->n] = arn;
    rl->n++;
}

/*
 * The resources a record names: the KMS key the request resolved to, the
 * keys its response names (CreateKey's new key, ReEncrypt's source and
 * destination keys: ct-reencrypt lists both), an alias operation's alias
 * (type AWS::KMS::Key, as ct-createalias and ct-deletealias show), and the
 * log group.
 */
static void collect_resources(struct res_list *rl,
                              const struct op_rule *rule,
                              const struct lv_audit_input *in)
{
    const json_t *resp = in->error_code == NULL && rule != NULL &&
                                 (rule->flags & F_RES) != 0
                             ? in->response
                             : NULL;
    const json_t *req = in->rq->in;
    const char *op = in->rq->op->name;
    const char *alias;

    add_resource(rl, "AWS::KMS::Key", in->key_arn);
    if (resp != NULL) {
        add_resource(rl, "AWS::KMS::Key", lv_json_str(resp, "SourceKeyId"));
        add_resource(rl, "AWS::KMS::Key", lv_json_str(resp, "KeyId"));
        add_resource(rl, "AWS::KMS::Key",
                     lv_json_str(lv_json_obj(resp, "KeyMetadata"), "Arn"));
    }
    if (strcmp(in->rq->svc->signing_name, "kms") == 0 && req != NULL &&
        (strcmp(op, "CreateAlias") == 0 || strcmp(op, "UpdateAlias") == 0 ||
         strcmp(op, "DeleteAlias") == 0) &&
        (alias = lv_json_str(req, "AliasName")) != NULL) {
        snprintf(rl->alias_arn, sizeof(rl->alias_arn), "arn:aws:kms:%s:%s:%s",
                 in->rq->region, in->rq->who.account, alias);
        add_resource(rl, "AWS::KMS::Key", rl->alias_arn);
    }
    add_resource(rl, "AWS::Logs::LogGroup", in->group_arn);
}

/* Whether the account field of arn (arn:partition:service:region:
 * ACCOUNT:…) is `account`. */
static int arn_account_is(const char *arn, const char *account)
{
    const char *p = arn;
    size_t n;
    int i;

    for (i = 0; i < 4 && p != NULL; i++) {
        p = strchr(p, ':');
        if (p != NULL) {
            p++;
        }
    }
    if (p == NULL) {
        return 0;
    }
    n = strcspn(p, ":");
    return strlen(account) == n && strncmp(p, account, n) == 0;
}

/* The account field of an ARN (arn:partition:service:region:ACCOUNT:…). */
static void write_arn_account(struct lv_jw *w, const char *arn)
{
    const char *p = arn;
    int i;

    for (i = 0; i < 4 && p != NULL; i++) {
        p = strchr(p, ':');
        if (p != NULL) {
            p++;
        }
    }
    if (p == NULL) {
        lv_jw_str(w, "");
        return;
    }
    lv_jw_strn(w, p, strcspn(p, ":"));
}

static void write_resources(struct lv_jw *w, const struct lv_audit_record *r)
{
    int i;

    lv_jw_key(w, "resources");
    lv_jw_arr_open(w);
    for (i = 0; i < r->n_resources && i < LV_AUDIT_MAX_RESOURCES; i++) {
        lv_jw_obj_open(w);
        lv_jw_key(w, "accountId");
        write_arn_account(w, r->resources[i].name);
        lv_jw_kstr(w, "type", r->resources[i].type);
        lv_jw_kstr(w, "ARN", r->resources[i].name);
        lv_jw_obj_close(w);
    }
    lv_jw_arr_close(w);
}

/* ---- the record ------------------------------------------------------ */

/* Copies s into dst (cap bytes), cut to fit. */
static void copy_str(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);

    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* The last eventTime CloudTrail's format can write: 9999-12-31T23:59:59Z. */
#define MAX_EVENT_MS 253402300799999LL

/* "2022-08-10T22:38:27Z" */
static int format_time(int64_t ms, char out[80])
{
    struct tm tm;
    time_t secs = (time_t)(ms / 1000);

    if (ms < 0 || ms > MAX_EVENT_MS || gmtime_r(&secs, &tm) == NULL) {
        return -1;
    }
    snprintf(out, 80, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return 0;
}

/* Zeroes *r but for its resources (four of 2 KB names), which are set
 * below as far as n_resources: nothing reads past it. */
static void clear_record(struct lv_audit_record *r)
{
    size_t res = offsetof(struct lv_audit_record, resources);
    size_t tail = offsetof(struct lv_audit_record, event);

    memset(r, 0, res);
    memset((char *)r + tail, 0, sizeof(*r) - tail);
}

/* "<svc>.amazonaws.com" into out (cap bytes): 0, or -1 when it does not
 * fit. (Not snprintf: this runs for every request recorded.) */
static int event_source(const char *svc, char *out, size_t cap)
{
    static const char suffix[] = ".amazonaws.com";
    size_t n = strlen(svc);

    if (n + sizeof(suffix) > cap) {
        return -1;
    }
    memcpy(out, svc, n);
    memcpy(out + n, suffix, sizeof(suffix));
    return 0;
}

/* The compact form's first bytes (event.h), then its kind: an API call or
 * a service event. A JSON record (written before the compact form) starts
 * with '{'. */
#define COMPACT_V1 "~1"
#define KIND_CALL 'A'
#define KIND_SERVICE 'S'

/* The identity a record shows for its principal, and the name CloudTrail
 * gives the service (invokedBy, sourceIPAddress, userAgent) in svcname:
 * the same on the request's thread (username) and when rendering. */
static enum identity record_identity(const struct lv_principal *who,
                                     const char *recipient,
                                     const char **invoked_by, char *svcname,
                                     size_t cap)
{
    enum identity id = identity_of(who);

    if (id != ID_SERVICE && strcmp(recipient, who->account) != 0) {
        id = ID_OTHER_ACCOUNT;
    }
    if (id == ID_SERVICE && *invoked_by == NULL) {
        service_name(who->service, svcname, cap);
        *invoked_by = svcname;
    }
    return id;
}

/* The members of `rules` (and of `more`) that o has, as an ojson of the
 * compact form: what the renderer's write_rules can read, and nothing
 * else. */
static int put_members(struct lv_buf *b, const json_t *o,
                       const struct rule *rules, const struct rule *more)
{
    const struct rule *sets[2] = { rules, more };
    const json_t *found[32];
    const char *names[32];
    size_t n = 0;
    char tmp[LV_BUF_INT64_MAX + 2];
    char *e;

    if (o == NULL) {
        return lv_buf_addc(b, '-');
    }
    for (int k = 0; k < 2; k++) {
        for (const struct rule *r = sets[k]; r != NULL && r->member != NULL;
             r++) {
            const json_t *v;

            if (r->member[0] == '\0' ||
                (v = json_object_get(o, r->member)) == NULL) {
                continue;
            }
            if (n == sizeof(found) / sizeof(found[0])) {
                return -1;      /* no table names so many */
            }
            names[n] = r->member;
            found[n++] = v;
        }
    }
    tmp[0] = 'o';
    e = lv_buf_put_int64(tmp + 1, (int64_t)n);
    *e++ = ':';
    if (lv_buf_add(b, tmp, (size_t)(e - tmp)) < 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (lv_audit_cw_cstr(b, names[i]) < 0 ||
            lv_audit_cw_json(b, found[i]) < 0) {
            return -1;
        }
    }
    return 0;
}

/* A record while it is built (build_core): its columns, as loans of the
 * input's strings and of *c's own. */
struct built {
    const char *recipient;
    const char *username;
    const char *access_key_id;
    int read_only;
    int key_use;
    char source[64];
    char event_id[37];
    char svcname[160];
    struct res_list rl;
};

/* The columns of in's record into *c and its compact form into b: 0, or
 * -1 with *err. */
static int build_core(const struct lv_audit_input *in, struct built *c,
                      struct lv_buf *b, struct lv_err *err)
{
    const struct lv_req *rq = in->rq;
    const struct lv_principal *who;
    const struct op_rule *rule;
    enum identity id;
    const char *invoked_by = in->invoked_by;
    const char *svc;
    const json_t *resp;

    if (rq == NULL || rq->svc == NULL || rq->op == NULL) {
        return lv_err_set(err, LV_E_INTERNAL_FAILURE,
                          "audit: a record needs a request's service and "
                          "operation");
    }
    if (rq->now_ms < 0 || rq->now_ms > MAX_EVENT_MS) {
        return lv_err_set(err, LV_E_INTERNAL_FAILURE,
                          "audit: request time out of range");
    }
    who = &rq->who;
    c->recipient = in->recipient != NULL ? in->recipient : who->account;
    svc = rq->svc->signing_name;
    rule = find_rule(svc, rq->op->name);
    id = record_identity(who, c->recipient, &invoked_by, c->svcname,
                         sizeof(c->svcname));
    c->read_only = rule != NULL ? (rule->flags & F_RO) != 0
                                : lv_audit_read_only(svc, rq->op->name);
    if (event_source(svc, c->source, sizeof(c->source)) < 0) {
        return lv_err_set(err, LV_E_INTERNAL_FAILURE,
                          "audit: a service name past its field");
    }
    c->username = id == ID_SERVICE         ? invoked_by
                  : id == ID_USER          ? who->user
                  : id == ID_OTHER_ACCOUNT ? ""
                                           : "root";
    c->access_key_id = id == ID_SERVICE || id == ID_OTHER_ACCOUNT
                           ? ""
                           : who->access_key;
    /* A use of another account's key counts as the key's use in its
     * owner's record only (that record is the one GetKeyLastUsage names
     * to the owner, whose trail holds it). */
    c->key_use = rule != NULL && (rule->flags & F_KEY) != 0 &&
                 (in->key_arn == NULL ||
                  arn_account_is(in->key_arn, c->recipient));
    lv_uuid4(c->event_id);
    c->rl.n = 0;
    collect_resources(&c->rl, rule, in);

    /* The compact form: the facts, no JSON (event.h). */
    resp = in->error_code == NULL ? in->response : NULL;
    if (lv_buf_grow(b, 512) < 0) {
        LV_BUG("audit: the record's limit is below 512 bytes");
    }
    if (lv_buf_add(b, COMPACT_V1, 2) < 0 || lv_buf_addc(b, KIND_CALL) < 0 ||
        lv_audit_cw_cstr(b, svc) < 0 ||
        lv_audit_cw_cstr(b, who->account) < 0 ||
        lv_audit_cw_cstr(b, who->arn) < 0 ||
        lv_audit_cw_cstr(b, who->user) < 0 ||
        lv_audit_cw_cstr(b, who->service) < 0 ||
        lv_audit_cw_cstr(b, who->access_key) < 0 ||
        lv_audit_cw_opt(b, in->invoked_by) < 0 ||
        lv_audit_cw_cstr(b, rq->source_ip) < 0 ||
        lv_audit_cw_opt(b, rq->user_agent) < 0 ||
        lv_audit_cw_opt(b, in->error_code ? in->error_message : NULL) < 0 ||
        lv_audit_cw_opt(b, in->key_arn) < 0 ||
        lv_audit_cw_opt(b, in->group_arn) < 0 ||
        lv_audit_cw_opt(b, in->shared_event_id) < 0 ||
        put_members(b, rq->in, rule ? rule->req : NULL,
                    rule ? rule->extra_in : NULL) < 0 ||
        put_members(b, resp, rule ? rule->resp : NULL,
                    rule ? rule->extra_out : NULL) < 0) {
        return lv_err_set(err, LV_E_INTERNAL_FAILURE,
                          "audit: the record of request %s is past %d bytes",
                          rq->id, LV_AUDIT_MAX_EVENT_BYTES);
    }
    return 0;
}

int lv_audit_event_build(const struct lv_audit_input *in,
                         struct lv_audit_record *out, struct lv_err *err)
{
    const struct lv_req *rq = in->rq;
    struct lv_buf b = LV_BUF_INIT(LV_AUDIT_MAX_EVENT_BYTES);
    struct built c;
    int i;

    if (build_core(in, &c, &b, err) < 0) {
        lv_buf_release(&b);
        return -1;
    }
    /* Success: only now is *out written. */
    clear_record(out);
    copy_str(out->account, sizeof(out->account), c.recipient);
    copy_str(out->region, sizeof(out->region), rq->region);
    out->event_time_ms = rq->now_ms;
    memcpy(out->event_id, c.event_id, sizeof(out->event_id));
    copy_str(out->request_id, sizeof(out->request_id), rq->id);
    copy_str(out->event_source, sizeof(out->event_source), c.source);
    copy_str(out->event_name, sizeof(out->event_name), rq->op->name);
    out->read_only = c.read_only;
    out->key_use = c.key_use;
    copy_str(out->username, sizeof(out->username), c.username);
    copy_str(out->access_key_id, sizeof(out->access_key_id),
             c.access_key_id);
    copy_str(out->error_code, sizeof(out->error_code),
             in->error_code != NULL ? in->error_code : "");
    for (i = 0; i < c.rl.n; i++) {
        copy_str(out->resources[i].type, sizeof(out->resources[i].type),
                 c.rl.type[i]);
        copy_str(out->resources[i].name, sizeof(out->resources[i].name),
                 c.rl.name[i]);
    }
    out->n_resources = c.rl.n;
    out->event = lv_buf_detach(&b, NULL);
    lv_buf_release(&b);
    return 0;
}

/* s as a view, cut as copy_str() cuts it into a field of cap bytes. */
static struct lv_audit_text view(const char *s, size_t cap)
{
    struct lv_audit_text t = { s, strnlen(s, cap - 1) };

    return t;
}

#define FIELD_CAP(name) sizeof(((struct lv_audit_record *)0)->name)

int lv_audit_event_views(const struct lv_audit_input *in,
                         struct lv_audit_views *out, struct lv_err *err)
{
    const struct lv_req *rq = in->rq;
    struct lv_buf b = LV_BUF_INIT(LV_AUDIT_MAX_EVENT_BYTES);
    struct built built;
    struct built *c = &built;
    struct lv_audit_fields *f = &out->f;
    int ret = -1;

    out->event = NULL;
    if (build_core(in, c, &b, err) < 0) {
        goto out;
    }
    /* What the views lend from c, which ends here, moves to out. */
    memcpy(out->event_id, c->event_id, sizeof(out->event_id));
    memcpy(out->source, c->source, sizeof(out->source));
    if (c->username == c->svcname) {
        memcpy(out->svcname, c->svcname, sizeof(out->svcname));
    }
    for (int i = 0; i < c->rl.n; i++) {
        if (c->rl.name[i] == c->rl.alias_arn) {
            memcpy(out->alias_arn, c->rl.alias_arn, sizeof(out->alias_arn));
        }
    }
    out->account = view(c->recipient, FIELD_CAP(account));
    out->region = view(rq->region, FIELD_CAP(region));
    f->event_time_ms = rq->now_ms;
    f->read_only = c->read_only;
    f->key_use = c->key_use;
    f->event_id = view(out->event_id, FIELD_CAP(event_id));
    f->request_id = view(rq->id, FIELD_CAP(request_id));
    f->event_source = view(out->source, FIELD_CAP(event_source));
    f->event_name = view(rq->op->name, FIELD_CAP(event_name));
    /* The username may be the service's name, in c's svcname. */
    f->username = view(c->username == c->svcname ? out->svcname
                                                 : c->username,
                       FIELD_CAP(username));
    f->access_key_id = view(c->access_key_id, FIELD_CAP(access_key_id));
    f->error_code = view(in->error_code != NULL ? in->error_code : "",
                         FIELD_CAP(error_code));
    f->n_resources = c->rl.n;
    for (int i = 0; i < c->rl.n; i++) {
        f->res_type[i] = view(c->rl.type[i], FIELD_CAP(resources[0].type));
        f->res_name[i] = view(c->rl.name[i] == c->rl.alias_arn
                                  ? out->alias_arn
                                  : c->rl.name[i],
                              FIELD_CAP(resources[0].name));
    }
    out->event = lv_buf_detach(&b, &f->event.n);
    f->event.p = out->event;
    f->has_trace = 0;
    f->trace.p = "";
    f->trace.n = 0;
    ret = 0;
out:
    lv_buf_release(&b);
    return ret;
}

#undef FIELD_CAP

/* ---- the tail, remembered per thread (lv_audit_event_enc) --------------- */

/* No table names more members than this (put_members: 32 each). */
#define MEMO_MAX_VALS 128

/* What a thread remembers of the last tail it built that may be reused,
 * and its storage for one that may not. */
struct memo {
    int valid;
    const struct lv_service *svc;
    const struct lv_op *op;
    const struct op_rule *rule;
    struct lv_buf key;          /* the inputs' strings (memo_strings) */
    int has_req;                /* the request had an input object */
    int has_resp;               /* the tail read a response */
    size_t n_vals;
    json_t *vals[MEMO_MAX_VALS]; /* copies of the values of the members
                                 * the tables name, in their order
                                 * (req, extra_in, resp, extra_out);
                                 * NULL where absent */
    struct lv_audit_tail *tail; /* the tail remembered (one reference) */
    size_t credit;              /* and references to it taken ahead for
                                 * holders (lv_audit_tail_hold) */
    struct lv_buf scratch;      /* a tail that is not remembered */
};

/* References a thread takes ahead for the holders of its remembered tail,
 * in one atomic add. */
#define TAIL_CREDIT 1024

static pthread_key_t memo_key;
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;

void lv_audit_tail_hold(struct lv_audit_tail *t)
{
    struct memo *m;

    /* Only a memo's tail is shared: memo_key exists. */
    m = pthread_getspecific(memo_key);
    if (m != NULL && m->tail == t) {
        if (m->credit == 0) {
            atomic_fetch_add_explicit(&t->refs, TAIL_CREDIT,
                                      memory_order_relaxed);
            m->credit = TAIL_CREDIT;
        }
        m->credit--;
        return;
    }
    atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
}

void lv_audit_tail_drop_n(struct lv_audit_tail *t, size_t n)
{
    if (t != NULL && n > 0 &&
        atomic_fetch_sub_explicit(&t->refs, n, memory_order_acq_rel) == n) {
        free(t);
    }
}

void lv_audit_tail_drop(struct lv_audit_tail *t)
{
    lv_audit_tail_drop_n(t, 1);
}

/* The memo's reference to its tail and the credit it did not hand out,
 * given back. */
static void memo_drop_tail(struct memo *m)
{
    lv_audit_tail_drop_n(m->tail, 1 + m->credit);
    m->tail = NULL;
    m->credit = 0;
}

static void memo_forget(struct memo *m)
{
    m->valid = 0;
    for (size_t i = 0; i < m->n_vals; i++) {
        json_decref(m->vals[i]);
    }
    m->n_vals = 0;
}

static void memo_free(void *arg)
{
    struct memo *m = arg;

    memo_forget(m);
    lv_buf_release(&m->key);
    memo_drop_tail(m);
    lv_buf_release(&m->scratch);
    free(m);
}

static void memo_init(void)
{
    if (pthread_key_create(&memo_key, memo_free) != 0) {
        LV_BUG("audit: no thread key for the record memo");
    }
}

static struct memo *memo_of_thread(void)
{
    struct memo *m;

    pthread_once(&memo_once, memo_init);
    m = pthread_getspecific(memo_key);
    if (m == NULL) {
        m = lv_xcalloc(1, sizeof(*m));
        lv_buf_init(&m->key, SIZE_MAX);
        lv_buf_init(&m->scratch, SIZE_MAX);
        if (pthread_setspecific(memo_key, m) != 0) {
            LV_BUG("audit: cannot keep the record memo");
        }
    }
    return m;
}

/* The string inputs of a tail besides the members, in one order: the
 * principal, whose trail, the caller, the error, the key and group, the
 * region. NULL where absent. */
#define MEMO_STRINGS 15

static void memo_strings(const struct lv_audit_input *in,
                         const char *s[MEMO_STRINGS])
{
    const struct lv_req *rq = in->rq;
    int i = 0;

    s[i++] = rq->who.account;
    s[i++] = rq->who.arn;
    s[i++] = rq->who.user;
    s[i++] = rq->who.service;
    s[i++] = rq->who.access_key;
    s[i++] = in->invoked_by;
    s[i++] = in->recipient;
    s[i++] = in->shared_event_id;
    s[i++] = rq->source_ip;
    s[i++] = rq->user_agent;
    s[i++] = in->error_code;
    s[i++] = in->error_message;
    s[i++] = in->key_arn;
    s[i++] = in->group_arn;
    s[i++] = rq->region;
}

/* Whether a and b are the same JSON as the compact form writes it: type,
 * member order, bytes (a real's bits: 0.0 and -0.0 differ there). */
static int same_json(const json_t *a, const json_t *b, int depth)
{
    if (json_typeof(a) != json_typeof(b) ||
        depth > LV_AUDIT_COMPACT_MAX_DEPTH) {
        return 0;
    }
    switch (json_typeof(a)) {
    case JSON_STRING: {
        size_t n = json_string_length(a);

        return n == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), n) == 0;
    }
    case JSON_INTEGER:
        return json_integer_value(a) == json_integer_value(b);
    case JSON_REAL: {
        double x = json_real_value(a);
        double y = json_real_value(b);

        return memcmp(&x, &y, sizeof(x)) == 0;
    }
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b)) {
            return 0;
        }
        for (size_t i = 0; i < json_array_size(a); i++) {
            if (!same_json(json_array_get(a, i), json_array_get(b, i),
                           depth + 1)) {
                return 0;
            }
        }
        return 1;
    case JSON_OBJECT: {
        void *ia = json_object_iter((json_t *)a);
        void *ib = json_object_iter((json_t *)b);

        if (json_object_size(a) != json_object_size(b)) {
            return 0;
        }
        for (; ia && ib; ia = json_object_iter_next((json_t *)a, ia),
                         ib = json_object_iter_next((json_t *)b, ib)) {
            if (strcmp(json_object_iter_key(ia), json_object_iter_key(ib))
                    != 0 ||
                !same_json(json_object_iter_value(ia),
                           json_object_iter_value(ib), depth + 1)) {
                return 0;
            }
        }
        return ia == NULL && ib == NULL;
    }
    default:
        return 1;               /* true, false, null */
    }
}

/* The most member names one table pair names (put_members: 32). */
#define MEMO_MAX_NAMES 64

/* The member names of rules and more, in order, into names: how many, or
 * -1 past MEMO_MAX_NAMES (no table names so many). The memo keeps and
 * compares the members in this order. */
static int rule_names(const struct rule *rules, const struct rule *more,
                      const char *names[MEMO_MAX_NAMES])
{
    const struct rule *sets[2] = { rules, more };
    int n = 0;

    for (int k = 0; k < 2; k++) {
        for (const struct rule *r = sets[k]; r != NULL && r->member != NULL;
             r++) {
            if (r->member[0] == '\0') {
                continue;
            }
            if (n == MEMO_MAX_NAMES) {
                return -1;
            }
            names[n++] = r->member;
        }
    }
    return n;
}

/* Whether o's members named by rules and more are the values m kept
 * for them from m->vals[*i] on (keep_members, in the names' order), *i
 * moved past them. o is read once, each of its members looked up among
 * the names (a few), rather than each name looked up in o (a hash each):
 * a name o lacks must have been absent when kept, and a name listed twice
 * never matches (no memo, never a wrong one). */
static int same_members(const json_t *o, const struct rule *rules,
                        const struct rule *more, const struct memo *m,
                        size_t *i)
{
    const char *names[MEMO_MAX_NAMES];
    int n = rule_names(rules, more, names);
    size_t present = 0;
    size_t matched = 0;
    const char *key;
    json_t *v;

    if (n < 0 || *i + (size_t)n > m->n_vals) {
        return 0;
    }
    for (int j = 0; j < n; j++) {
        present += m->vals[*i + (size_t)j] != NULL;
    }
    if (o != NULL) {
        json_object_foreach((json_t *)o, key, v) {
            for (int j = 0; j < n; j++) {
                /* The first letter first: most names differ there. */
                if (key[0] == names[j][0] && strcmp(key, names[j]) == 0) {
                    if (m->vals[*i + (size_t)j] == NULL ||
                        !same_json(v, m->vals[*i + (size_t)j], 0)) {
                        return 0;
                    }
                    matched++;
                    break;
                }
            }
        }
    }
    *i += (size_t)n;
    return matched == present;
}

/* Appends to m->vals copies of o's members named by rules and more (NULL
 * where absent, or when o is): 0, or -1 past what a memo holds. */
static int keep_members(struct memo *m, const json_t *o,
                        const struct rule *rules, const struct rule *more)
{
    const char *names[MEMO_MAX_NAMES];
    int n = rule_names(rules, more, names);

    if (n < 0 || m->n_vals + (size_t)n > MEMO_MAX_VALS) {
        return -1;
    }
    for (int j = 0; j < n; j++) {
        const json_t *v = o != NULL ? json_object_get(o, names[j]) : NULL;

        m->vals[m->n_vals++] = v ? json_deep_copy((json_t *)v) : NULL;
    }
    return 0;
}

/* The response the tail reads: none on failure (build_core's rule). */
static const json_t *tail_response(const struct lv_audit_input *in)
{
    return in->error_code == NULL ? in->response : NULL;
}

/* Whether m holds the tail of in's record. */
static int memo_hit(const struct memo *m, const struct lv_audit_input *in,
                    const struct op_rule *rule)
{
    const char *s[MEMO_STRINGS];
    const char *k = m->key.data;
    const char *end = m->key.data + m->key.len;
    size_t i = 0;

    if (!m->valid || m->svc != in->rq->svc || m->op != in->rq->op ||
        m->rule != rule) {
        return 0;
    }
    memo_strings(in, s);
    for (int j = 0; j < MEMO_STRINGS; j++) {
        if (k >= end) {
            return 0;
        }
        if (s[j] == NULL) {
            if (*k++ != 0) {
                return 0;
            }
            continue;
        }
        if (*k++ != 1 || strcmp(k, s[j]) != 0) {
            return 0;
        }
        k += strlen(k) + 1;
    }
    if ((in->rq->in != NULL) != m->has_req ||
        (tail_response(in) != NULL) != m->has_resp) {
        return 0;
    }
    return same_members(in->rq->in, rule->req, rule->extra_in, m, &i) &&
           same_members(tail_response(in), rule->resp, rule->extra_out, m,
                        &i) &&
           i == m->n_vals;
}

static void memo_keep(struct memo *m, const struct lv_audit_input *in,
                      const struct op_rule *rule, const uint8_t *tail,
                      size_t n)
{
    const char *s[MEMO_STRINGS];

    memo_forget(m);
    m->key.len = 0;
    memo_strings(in, s);
    for (int i = 0; i < MEMO_STRINGS; i++) {
        if (s[i] == NULL) {
            lv_buf_addc(&m->key, 0);
        } else {
            lv_buf_addc(&m->key, 1);
            lv_buf_add(&m->key, s[i], strlen(s[i]) + 1);
        }
    }
    memo_drop_tail(m);
    m->tail = lv_xmalloc(sizeof(*m->tail) + n);
    atomic_init(&m->tail->refs, 1);
    m->tail->n = n;
    memcpy(m->tail->b, tail, n);
    if (keep_members(m, in->rq->in, rule->req, rule->extra_in) < 0 ||
        keep_members(m, tail_response(in), rule->resp, rule->extra_out) <
            0) {
        memo_forget(m);
        return;                 /* more than a memo holds: not kept */
    }
    m->has_req = in->rq->in != NULL;
    m->has_resp = tail_response(in) != NULL;
    m->svc = in->rq->svc;
    m->op = in->rq->op;
    m->rule = rule;
    m->valid = 1;
}

/* out's eventID: none for an account whose batched records take the one
 * their place gives them (store/audit_eid.h), else the one drawn already
 * (drawn) or a fresh one. */
static void eid_of(struct lv_audit_enc *out, int drawn)
{
    const struct lv_audit_text *a = &out->account;
    char account[13];

    if (a->n == 12) {
        memcpy(account, a->p, 12);
        account[12] = '\0';
        if (lv_audit_eid_account_ok(account)) {
            out->event_id[0] = '\0';
            return;
        }
    }
    if (!drawn) {
        lv_uuid4(out->event_id);
    }
}

/* Builds the record of in (lv_audit_event_views) and its enc2 into b
 * (emptied first): *out's fields, the tail pointing into b. */
static int build_enc(const struct lv_audit_input *in, const char *trace,
                     struct lv_buf *b, struct lv_audit_enc *out,
                     struct lv_err *err)
{
    struct lv_audit_views v;
    size_t head;
    size_t n;

    if (lv_audit_event_views(in, &v, err) < 0) {
        return -1;
    }
    if (trace != NULL) {
        v.f.has_trace = 1;
        v.f.trace.p = trace;
        v.f.trace.n = strlen(trace);
    }
    head = lv_audit_enc2_head_size(v.f.event_time_ms, &v.f.event_id,
                                   &v.f.request_id);
    n = lv_audit_enc2_size(&v.f);
    b->len = 0;
    if (lv_buf_grow(b, n) < 0) {
        LV_BUG("audit: no room for a record's bytes");
    }
    lv_audit_enc2_put((uint8_t *)b->data, &v.f, NULL);
    b->len = n;
    out->account = v.account;
    out->region = v.region;
    out->event_time_ms = v.f.event_time_ms;
    memcpy(out->event_id, v.event_id, sizeof(out->event_id));
    eid_of(out, 1);
    out->request_id = v.f.request_id;
    out->tail = (const uint8_t *)b->data + head;
    out->tail_len = n - head;
    free(v.event);
    return 0;
}

int lv_audit_event_enc(const struct lv_audit_input *in, const char *trace,
                       struct lv_audit_enc *out, struct lv_err *err)
{
    struct memo *m = memo_of_thread();
    const struct lv_req *rq = in->rq;
    const struct op_rule *rule;
    int memoable;

    out->shared = NULL;
    if (rq == NULL || rq->svc == NULL || rq->op == NULL) {
        return build_enc(in, trace, &m->scratch, out, err);
    }
    rule = find_rule(rq->svc->signing_name, rq->op->name);
    memoable = trace == NULL && rule != NULL && (rule->flags & F_RO) &&
               !(rule->flags & F_RES);
    if (!memoable || !memo_hit(m, in, rule)) {
        if (build_enc(in, trace, &m->scratch, out, err) < 0) {
            return -1;
        }
        if (memoable) {
            memo_keep(m, in, rule, out->tail, out->tail_len);
            if (m->valid) {     /* the run's first record shares it too */
                out->shared = m->tail;
                out->tail = m->tail->b;
            }
        }
        return 0;
    }
    if (rq->now_ms < 0 || rq->now_ms > MAX_EVENT_MS) {
        return lv_err_set(err, LV_E_INTERNAL_FAILURE,
                          "audit: request time out of range");
    }
#ifdef LV_AUDIT_MEMO_CHECK
    if (build_enc(in, trace, &m->scratch, out, err) < 0 ||
        out->tail_len != m->tail->n ||
        memcmp(out->tail, m->tail->b, m->tail->n) != 0) {
        LV_BUG("audit: a remembered record tail differs from the one "
               "built (req=%s)", rq->id);
    }
#endif
    out->account = view(in->recipient != NULL ? in->recipient
                                              : rq->who.account,
                        sizeof(((struct lv_audit_record *)0)->account));
    out->region = view(rq->region,
                       sizeof(((struct lv_audit_record *)0)->region));
    out->event_time_ms = rq->now_ms;
    eid_of(out, 0);
    out->request_id = view(rq->id,
                           sizeof(((struct lv_audit_record *)0)->request_id));
    out->tail = m->tail->b;
    out->tail_len = m->tail->n;
    out->shared = m->tail;
    return 0;
}

/* The CloudTrail JSON of an API call's record, from its facts and its
 * columns, into w. */
static void write_call(struct lv_jw *w, const struct lv_audit_record *r,
                       const struct facts *f, const char *when)
{
    const struct lv_principal *who = f->who;
    const struct op_rule *rule = find_rule(f->svc, r->event_name);
    const char *invoked_by = f->invoked_by;
    char svcname[160];
    enum identity id;
    int data;

    id = record_identity(who, r->account, &invoked_by, svcname,
                         sizeof(svcname));
    data = rule != NULL && (rule->flags & F_DATA) != 0;
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "eventVersion", EVENT_VERSION);
    write_identity(w, who, id, invoked_by);
    lv_jw_kstr(w, "eventTime", when);
    lv_jw_kstr(w, "eventSource", r->event_source);
    lv_jw_kstr(w, "eventName", r->event_name);
    lv_jw_kstr(w, "awsRegion", r->region);
    if (id == ID_SERVICE || (invoked_by != NULL && f->source_ip[0] == '\0')) {
        /* A service's own call, or one it made with the caller's
         * identity: AWS writes the service's name for both. */
        lv_jw_kstr(w, "sourceIPAddress", invoked_by);
        lv_jw_kstr(w, "userAgent", invoked_by);
    } else {
        lv_jw_kstr(w, "sourceIPAddress",
                   f->source_ip[0] != '\0' ? f->source_ip : "AWS Internal");
        if (f->user_agent != NULL) {
            lv_jw_kstr(w, "userAgent", f->user_agent);
        }
    }
    if (f->error_code != NULL) {
        lv_jw_kstr(w, "errorCode", f->error_code);
        if (f->error_message != NULL) {
            lv_jw_kstr(w, "errorMessage", f->error_message);
        }
    }
    write_request(w, rule, f);
    write_response(w, rule, f);
    write_extra(w, rule, f);
    lv_jw_kstr(w, "requestID", r->request_id);
    lv_jw_kstr(w, "eventID", r->event_id);
    lv_jw_kbool(w, "readOnly", r->read_only);
    write_resources(w, r);
    lv_jw_kstr(w, "eventType", "AwsApiCall");
    lv_jw_kbool(w, "managementEvent", !data);
    lv_jw_kstr(w, "recipientAccountId", r->account);
    if (f->shared_event_id != NULL) {
        lv_jw_kstr(w, "sharedEventID", f->shared_event_id);
    }
    lv_jw_kstr(w, "eventCategory", data ? "Data" : "Management");
    lv_jw_obj_close(w);
}

/* A compact API call's facts, read: the strings and members it owns. */
struct call_text {
    char *s[13];
    json_t *req;
    json_t *resp;
};

static void call_text_release(struct call_text *t)
{
    for (size_t i = 0; i < sizeof(t->s) / sizeof(t->s[0]); i++) {
        free(t->s[i]);
    }
    json_decref(t->req);
    json_decref(t->resp);
}

/* Reads an API call's facts (after its kind) into *f and *who, the
 * strings owned by *t (release it, read or not). */
static int read_call(struct lv_audit_cr *cr, const struct lv_audit_record *r,
                     struct call_text *t, struct facts *f,
                     struct lv_principal *who)
{
    char **s = t->s;

    memset(f, 0, sizeof(*f));
    memset(who, 0, sizeof(*who));
    if (lv_audit_cr_str(cr, &s[0]) < 0 ||       /* svc */
        lv_audit_cr_str(cr, &s[1]) < 0 ||       /* who */
        lv_audit_cr_str(cr, &s[2]) < 0 ||
        lv_audit_cr_str(cr, &s[3]) < 0 ||
        lv_audit_cr_str(cr, &s[4]) < 0 ||
        lv_audit_cr_str(cr, &s[5]) < 0 ||
        lv_audit_cr_opt(cr, &s[6]) < 0 ||       /* invoked_by */
        lv_audit_cr_str(cr, &s[7]) < 0 ||       /* source_ip */
        lv_audit_cr_opt(cr, &s[8]) < 0 ||       /* user_agent */
        lv_audit_cr_opt(cr, &s[9]) < 0 ||       /* error_message */
        lv_audit_cr_opt(cr, &s[10]) < 0 ||      /* key_arn */
        lv_audit_cr_opt(cr, &s[11]) < 0 ||      /* group_arn */
        lv_audit_cr_opt(cr, &s[12]) < 0 ||      /* shared_event_id */
        lv_audit_cr_ojson(cr, &t->req) < 0 ||
        lv_audit_cr_ojson(cr, &t->resp) < 0 || cr->p != cr->end ||
        (t->req != NULL && !json_is_object(t->req)) ||
        (t->resp != NULL && !json_is_object(t->resp))) {
        return -1;
    }
    copy_str(who->account, sizeof(who->account), s[1]);
    copy_str(who->arn, sizeof(who->arn), s[2]);
    copy_str(who->user, sizeof(who->user), s[3]);
    copy_str(who->service, sizeof(who->service), s[4]);
    copy_str(who->access_key, sizeof(who->access_key), s[5]);
    f->svc = s[0];
    f->who = who;
    f->invoked_by = s[6];
    f->source_ip = s[7];
    f->user_agent = s[8];
    f->error_code = r->error_code[0] != '\0' ? r->error_code : NULL;
    f->error_message = f->error_code != NULL ? s[9] : NULL;
    f->key_arn = s[10];
    f->group_arn = s[11];
    f->shared_event_id = s[12];
    f->req = t->req;
    f->resp = t->resp;
    return 0;
}

#define AWS_INTERNAL "AWS Internal"

/* The CloudTrail JSON of a service event's record (below), from its
 * columns and its serviceEventDetails and response flag, into w. */
static void write_service_event(struct lv_jw *w,
                                const struct lv_audit_record *r,
                                const json_t *details, int response_key,
                                const char *when)
{
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "eventVersion", EVENT_VERSION);
    lv_jw_key(w, "userIdentity");
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "accountId", r->account);
    lv_jw_kstr(w, "invokedBy", AWS_INTERNAL);
    lv_jw_obj_close(w);
    lv_jw_kstr(w, "eventTime", when);
    lv_jw_kstr(w, "eventSource", "kms.amazonaws.com");
    lv_jw_kstr(w, "eventName", r->event_name);
    lv_jw_kstr(w, "awsRegion", r->region);
    lv_jw_kstr(w, "sourceIPAddress", AWS_INTERNAL);
    lv_jw_kstr(w, "userAgent", AWS_INTERNAL);
    lv_jw_key(w, "requestParameters");
    lv_jw_null(w);
    lv_jw_key(w, "responseElements");
    if (response_key) {
        lv_jw_obj_open(w);
        lv_jw_kstr(w, "keyId", r->resources[0].name);
        lv_jw_obj_close(w);
    } else {
        lv_jw_null(w);
    }
    lv_jw_kstr(w, "eventID", r->event_id);
    lv_jw_kbool(w, "readOnly", 0);
    write_resources(w, r);
    lv_jw_kstr(w, "eventType", "AwsServiceEvent");
    lv_jw_kbool(w, "managementEvent", 1);
    lv_jw_kstr(w, "recipientAccountId", r->account);
    if (details != NULL) {
        lv_jw_key(w, "serviceEventDetails");
        lv_jw_json(w, details);
    }
    lv_jw_kstr(w, "eventCategory", "Management");
    lv_jw_obj_close(w);
}

int lv_audit_event_render(const struct lv_audit_record *r, char **json,
                          struct lv_err *err)
{
    struct lv_buf b = LV_BUF_INIT(LV_AUDIT_MAX_RENDERED_BYTES);
    struct lv_audit_cr cr;
    struct call_text t;
    struct facts f;
    struct lv_principal who;
    struct lv_jw w;
    json_t *details = NULL;
    char when[80];
    int response_key = 0;
    int ret = -1;

    memset(&t, 0, sizeof(t));
    if (r->event == NULL) {
        lv_err_set(err, LV_E_INTERNAL_FAILURE, "audit: a record without "
                   "content");
        goto out;
    }
    if (r->event[0] == '{') {
        /* A record written before the compact form: its JSON as kept. */
        *json = lv_xstrdup(r->event);
        ret = 0;
        goto out;
    }
    if (strncmp(r->event, COMPACT_V1, 2) != 0) {
        goto malformed;
    }
    cr.p = r->event + 2;
    cr.end = r->event + strlen(r->event);
    if (format_time(r->event_time_ms, when) < 0) {
        goto malformed;
    }
    if (lv_audit_cr_byte(&cr, KIND_CALL) == 0) {
        if (read_call(&cr, r, &t, &f, &who) < 0) {
            goto malformed;
        }
        if (lv_buf_grow(&b, 2048) < 0) {
            LV_BUG("audit: the rendered record's limit is below 2 KB");
        }
        lv_jw_init(&w, &b);
        write_call(&w, r, &f, when);
    } else if (lv_audit_cr_byte(&cr, KIND_SERVICE) == 0) {
        if (lv_audit_cr_ojson(&cr, &details) < 0 ||
            (details != NULL && !json_is_object(details))) {
            goto malformed;
        }
        if (lv_audit_cr_byte(&cr, 'k') == 0) {
            response_key = 1;
        } else if (lv_audit_cr_byte(&cr, '-') < 0) {
            goto malformed;
        }
        if (cr.p != cr.end || r->n_resources != 1) {
            goto malformed;
        }
        lv_jw_init(&w, &b);
        write_service_event(&w, r, details, response_key, when);
    } else {
        goto malformed;
    }
    if (lv_jw_finish(&w) < 0) {
        lv_err_set(err, LV_E_INTERNAL_FAILURE,
                   "audit: the record %s renders past %d bytes", r->event_id,
                   LV_AUDIT_MAX_RENDERED_BYTES);
        goto out;
    }
    *json = lv_buf_detach(&b, NULL);
    ret = 0;
    goto out;
malformed:
    lv_err_set(err, LV_E_INTERNAL_FAILURE, "audit: the record %s cannot be "
               "read", r->event_id);
out:
    call_text_release(&t);
    json_decref(details);
    lv_buf_release(&b);
    return ret;
}

/* ---- service events ---------------------------------------------------
 *
 * What KMS records of what it does on its own, as the developer guide's
 * examples show it (AWS KMS Developer Guide, "Examples of AWS KMS log
 * entries"): ct-rotatekey (automatic rotation: eventVersion 1.11,
 * userIdentity {accountId, invokedBy "AWS Internal"}, sourceIPAddress and
 * userAgent "AWS Internal", requestParameters and responseElements null,
 * no requestID, serviceEventDetails {rotationType, keyOrigin,
 * previousKeyMaterialId, currentKeyMaterialId, keyId} before
 * eventCategory) and ct-delete-key (the key deleted at the end of its
 * waiting period: the same shape, no serviceEventDetails; "log entries for
 * this operation recorded on or after December 2022 include the key ARN
 * of the affected KMS key in the responseElements.keyId value", which the
 * caller asks for with response_key). The record's fields are in the
 * order of ct-rotatekey's 2025 example.
 */

/* The region and account of a KMS key's ARN
 * (arn:aws:kms:REGION:ACCOUNT:key/ID): 0, or -1 when arn is not one. */
static int key_arn_parts(const char *arn, char *region, size_t region_cap,
                         char *account, size_t account_cap)
{
    const char *p;
    const char *q;
    size_t n;

    if (arn == NULL || strncmp(arn, "arn:", 4) != 0) {
        return -1;
    }
    p = strchr(arn + 4, ':');                   /* after the partition */
    if (p == NULL || strncmp(p + 1, "kms:", 4) != 0) {
        return -1;
    }
    p += 5;                                     /* the region */
    q = strchr(p, ':');
    if (q == NULL || q == p || (n = (size_t)(q - p)) >= region_cap) {
        return -1;
    }
    memcpy(region, p, n);
    region[n] = '\0';
    p = q + 1;                                  /* the account */
    q = strchr(p, ':');
    if (q == NULL || (n = (size_t)(q - p)) != 12 || n >= account_cap ||
        strncmp(q + 1, "key/", 4) != 0) {
        return -1;
    }
    memcpy(account, p, n);
    account[n] = '\0';
    return 0;
}

int lv_audit_service_event_build(const struct lv_audit_service_event *in,
                                 struct lv_audit_record *out,
                                 struct lv_err *err)
{
    struct lv_buf b = LV_BUF_INIT(LV_AUDIT_MAX_EVENT_BYTES);
    struct res_list rl;
    char region[64];
    char account[13];
    char event_id[37];
    int ret = -1;

    if (in->event_name == NULL ||
        key_arn_parts(in->key_arn, region, sizeof(region), account,
                      sizeof(account)) < 0) {
        lv_err_set(err, LV_E_INTERNAL_FAILURE,
                   "audit: a service event needs a name and a KMS key ARN");
        goto out;
    }
    if (in->time_ms < 0 || in->time_ms > MAX_EVENT_MS) {
        lv_err_set(err, LV_E_INTERNAL_FAILURE,
                   "audit: service event time out of range");
        goto out;
    }
    lv_uuid4(event_id);
    rl.n = 0;
    add_resource(&rl, "AWS::KMS::Key", in->key_arn);
    if (rl.n != 1) {
        lv_err_set(err, LV_E_INTERNAL_FAILURE,
                   "audit: a service event's key ARN is too long");
        goto out;
    }
    if (lv_buf_add(&b, COMPACT_V1, 2) < 0 ||
        lv_buf_addc(&b, KIND_SERVICE) < 0 ||
        lv_audit_cw_ojson(&b, json_is_object(in->details) ? in->details
                                                         : NULL) < 0 ||
        lv_buf_addc(&b, in->response_key ? 'k' : '-') < 0) {
        lv_err_set(err, LV_E_INTERNAL_FAILURE,
                   "audit: the %s record of %s is past %d bytes",
                   in->event_name, in->key_arn, LV_AUDIT_MAX_EVENT_BYTES);
        goto out;
    }

    clear_record(out);
    copy_str(out->account, sizeof(out->account), account);
    copy_str(out->region, sizeof(out->region), region);
    out->event_time_ms = in->time_ms;
    memcpy(out->event_id, event_id, sizeof(out->event_id));
    copy_str(out->event_source, sizeof(out->event_source),
             "kms.amazonaws.com");
    copy_str(out->event_name, sizeof(out->event_name), in->event_name);
    copy_str(out->resources[0].type, sizeof(out->resources[0].type),
             rl.type[0]);
    copy_str(out->resources[0].name, sizeof(out->resources[0].name),
             rl.name[0]);
    out->n_resources = rl.n;
    out->event = lv_buf_detach(&b, NULL);
    ret = 0;
out:
    lv_buf_release(&b);
    return ret;
}
