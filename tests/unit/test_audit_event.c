/*
 * test_audit_event: the CloudTrail record of a request (audit/event.h).
 *
 * - every_operation: for each operation logvault implements (the rows of
 *   model/gen/ops.def, so a newly implemented operation without a row
 *   fails here), a record built from a representative request, checked
 *   field by field against the operation's documented example (the AWS
 *   KMS Developer Guide's ct-<operation> pages; "Logging Amazon
 *   CloudWatch Logs API calls in AWS CloudTrail"): requestParameters,
 *   responseElements, additionalEventData, readOnly, resources, and the
 *   fields every record shares (userIdentity, eventTime, eventSource …,
 *   in CloudTrail's order);
 * - no_secret_ever: for every implemented operation, a request and a
 *   response with every member of the model's input and output shapes set
 *   to a marker value; no marker of a member holding a secret (a blob or
 *   sensitive shape: Plaintext, CiphertextBlob, Message, Signature, Mac…;
 *   grant tokens; log event text) is anywhere in the record;
 * - the identities (IAM user, root, the Logs service's own call to KMS, a
 *   call invoked by a service with the caller's identity), a refused
 *   request, data events, an operation the tables do not know, and the
 *   classification functions.
 *
 * JSON in the tables is written with ' for " to keep them readable.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "audit/event.h"
#include "model/model.h"
#include "store/audit_store.h"
#include "svc/req.h"
#include "util/err.h"
#include "util/mem.h"

#include "helpers.h"

#define ACCT "111122223333"
#define REGION "us-west-2"
#define KID "1234abcd-12ab-34cd-56ef-1234567890ab"
#define KARN "arn:aws:kms:us-west-2:111122223333:key/" KID
#define KID2 "0987dcba-09fe-87dc-65ba-ab0987654321"
#define KARN2 "arn:aws:kms:us-west-2:111122223333:key/" KID2
#define GARN "arn:aws:logs:us-west-2:111122223333:log-group:my-group"
#define ALICE "arn:aws:iam::111122223333:user/Alice"
#define AKID "AKIAIOSFODNN7EXAMPLE"
#define REQID "f3423043-63bc-11e4-bc2b-4198b6150d5c"
/* 2022-08-10T22:38:27Z, ct-createkey's eventTime, and 123 ms. */
#define NOW_MS 1660171107123LL

/* A string member, or "" (never NULL: for strcmp). */
static const char *str_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL ? s : "";
}

/* ' → " (the tables' JSON). */
/* The compact form of the last record build_json() or service_json()
 * built (secrets must be absent from it as from the JSON). */
static char *last_compact;

/* r's JSON in place of its compact form (audit/event.h): what
 * LookupEvents answers. The compact form is kept in last_compact. */
static int to_json(struct lv_audit_record *r, struct lv_err *err)
{
    char *json = NULL;

    if (lv_audit_event_render(r, &json, err) < 0) {
        return -1;
    }
    free(last_compact);
    last_compact = r->event;
    r->event = json;
    return 0;
}

/* lv_audit_event_build, then the record rendered (to_json). */
static int build_json(const struct lv_audit_input *in,
                      struct lv_audit_record *r, struct lv_err *err)
{
    if (lv_audit_event_build(in, r, err) < 0) {
        return -1;
    }
    if (r->event[0] == '{' || to_json(r, err) < 0) {
        /* the builder's event must be a compact record that renders */
        free(r->event);
        r->event = NULL;
        return -1;
    }
    return 0;
}

static int service_json(const struct lv_audit_service_event *se,
                        struct lv_audit_record *r, struct lv_err *err)
{
    if (lv_audit_service_event_build(se, r, err) < 0) {
        return -1;
    }
    if (r->event[0] == '{' || to_json(r, err) < 0) {
        free(r->event);
        r->event = NULL;
        return -1;
    }
    return 0;
}

static json_t *parse(const char *s)
{
    char *t;
    json_t *v;
    json_error_t je;
    size_t i;

    if (s == NULL) {
        return NULL;
    }
    t = strdup(s);
    assert_non_null(t);
    for (i = 0; t[i] != '\0'; i++) {
        if (t[i] == '\'') {
            t[i] = '"';
        }
    }
    v = json_loads(t, JSON_DECODE_ANY, &je);
    if (v == NULL) {
        fail_msg("bad test JSON (%s): %s", je.text, t);
    }
    free(t);
    return v;
}

static const struct lv_service *service(const char *svc)
{
    if (strcmp(svc, "cloudtrail") == 0) {
        return &lv_model_cloudtrail;
    }
    return strcmp(svc, "kms") == 0 ? &lv_model_kms : &lv_model_logs;
}

/* A request of Alice's (or, with user "", the root's). */
static void make_req(struct lv_req *rq, const char *svc, const char *op,
                     const json_t *in, const char *user)
{
    memset(rq, 0, sizeof(*rq));
    snprintf(rq->id, sizeof(rq->id), "%s", REQID);
    rq->now_ms = NOW_MS;
    rq->now = (time_t)(NOW_MS / 1000);
    snprintf(rq->region, sizeof(rq->region), "%s", REGION);
    snprintf(rq->who.access_key, sizeof(rq->who.access_key), "%s", AKID);
    snprintf(rq->who.account, sizeof(rq->who.account), "%s", ACCT);
    snprintf(rq->who.user, sizeof(rq->who.user), "%s", user);
    if (user[0] != '\0') {
        snprintf(rq->who.arn, sizeof(rq->who.arn),
                 "arn:aws:iam::%s:user/%s", ACCT, user);
    } else {
        snprintf(rq->who.arn, sizeof(rq->who.arn), "arn:aws:iam::%s:root",
                 ACCT);
    }
    rq->svc = service(svc);
    rq->op = lv_model_find_op(rq->svc, op, strlen(op));
    if (rq->op == NULL) {
        fail_msg("no operation %s %s in the model", svc, op);
    }
    snprintf(rq->source_ip, sizeof(rq->source_ip), "192.0.2.0");
    rq->user_agent = "aws-cli/2.15.0 Python/3.11.6";
    rq->in = in;
}

static int json_eq_or_absent(const char *name, const char *field,
                             const json_t *got, const char *want_text)
{
    json_t *want = parse(want_text);
    int ok;
    char *g, *w;

    if (want == NULL) {
        ok = got == NULL;
    } else {
        ok = got != NULL && json_equal(got, want);
    }
    if (!ok) {
        g = got ? json_dumps(got, JSON_SORT_KEYS) : NULL;
        w = want ? json_dumps(want, JSON_SORT_KEYS) : NULL;
        print_message("%s: %s is %s, want %s\n", name, field,
                      g ? g : "(absent)", w ? w : "(absent)");
        free(g);
        free(w);
    }
    json_decref(want);
    return ok;
}

/* ---- every operation, field by field ---------------------------------- */

struct op_row {
    const char *name;           /* "kms Encrypt" */
    const char *in;             /* the request (NULL: a raw-body handler) */
    const char *resp;           /* the handler's response */
    const char *key_arn;
    const char *group_arn;
    const char *want_req;       /* requestParameters ("null" for null) */
    const char *want_resp;      /* responseElements */
    const char *want_extra;     /* additionalEventData, NULL: absent */
    int read_only;
    int key_use;
    int data;
    const char *want_res;       /* resources: a JSON array of ARNs */
};

#define CTX "{'Department':'Engineering','Project':'Alpha'}"
#define MAT "123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0"

static const struct op_row op_rows[] = {
    /* ct-cancel-key-deletion */
    { "kms CancelKeyDeletion", "{'KeyId':'" KID "'}",
      "{'KeyId':'" KARN "'}", KARN, NULL,
      "{'keyId':'" KID "'}", "{'keyId':'" KARN "'}", NULL, 0, 0, 0,
      "['" KARN "']" },
    /* Custom key stores: the request but KeyStorePassword (the PIN is
     * never recorded); no key resource. */
    { "kms ConnectCustomKeyStore",
      "{'CustomKeyStoreId':'cks-1234567890abcdef0'}", "{}", NULL, NULL,
      "{'customKeyStoreId':'cks-1234567890abcdef0'}", "null", NULL, 0, 0,
      0, "[]" },
    { "kms CreateCustomKeyStore",
      "{'CustomKeyStoreName':'ExampleKeyStore',"
      "'CustomKeyStoreType':'AWS_CLOUDHSM','CloudHsmClusterId':'token-1',"
      "'TrustAnchorCertificate':'PEM','KeyStorePassword':'kmsPswd1'}",
      "{'CustomKeyStoreId':'cks-1234567890abcdef0'}", NULL, NULL,
      "{'customKeyStoreName':'ExampleKeyStore',"
      "'customKeyStoreType':'AWS_CLOUDHSM','cloudHsmClusterId':'token-1',"
      "'trustAnchorCertificate':'PEM'}",
      "{'customKeyStoreId':'cks-1234567890abcdef0'}", NULL, 0, 0, 0, "[]" },
    { "kms DeleteCustomKeyStore",
      "{'CustomKeyStoreId':'cks-1234567890abcdef0'}", "{}", NULL, NULL,
      "{'customKeyStoreId':'cks-1234567890abcdef0'}", "null", NULL, 0, 0,
      0, "[]" },
    { "kms DescribeCustomKeyStores",
      "{'CustomKeyStoreName':'ExampleKeyStore'}",
      "{'CustomKeyStores':[],'Truncated':false}", NULL, NULL,
      "{'customKeyStoreName':'ExampleKeyStore'}", "null", NULL, 1, 0, 0,
      "[]" },
    { "kms DisconnectCustomKeyStore",
      "{'CustomKeyStoreId':'cks-1234567890abcdef0'}", "{}", NULL, NULL,
      "{'customKeyStoreId':'cks-1234567890abcdef0'}", "null", NULL, 0, 0, 0,
      "[]" },
    { "kms UpdateCustomKeyStore",
      "{'CustomKeyStoreId':'cks-1234567890abcdef0',"
      "'NewCustomKeyStoreName':'Other','KeyStorePassword':'kmsPswd2'}",
      "{}", NULL, NULL, "{'customKeyStoreId':'cks-1234567890abcdef0',"
      "'newCustomKeyStoreName':'Other'}", "null", NULL, 0, 0, 0, "[]" },
    /* ct-createalias: the key and the alias, both AWS::KMS::Key */
    { "kms CreateAlias",
      "{'AliasName':'alias/ExampleAlias','TargetKeyId':'" KID "'}", "{}",
      KARN, NULL,
      "{'aliasName':'alias/ExampleAlias','targetKeyId':'" KID "'}", "null",
      NULL, 0, 0, 0,
      "['" KARN "','arn:aws:kms:us-west-2:111122223333:alias/ExampleAlias']"
    },
    /* ct-creategrant: grantId, never the token */
    { "kms CreateGrant",
      "{'KeyId':'" KARN "','Constraints':{'EncryptionContextSubset':"
      "{'ContextKey1':'Value1'}},'Operations':['Encrypt','RetireGrant'],"
      "'GranteePrincipal':'EX_PRINCIPAL_ID','GrantTokens':['tok-1']}",
      "{'GrantToken':'AQpAM2RhZTk1MGMyNTk2ZmZmMzEyYWVhOWViN2I1MWM4Mzc',"
      "'GrantId':'f020fe75197b93991dc8491d6f19dd3ceb'}", KARN, NULL,
      "{'keyId':'" KARN "','constraints':{'encryptionContextSubset':"
      "{'ContextKey1':'Value1'}},'operations':['Encrypt','RetireGrant'],"
      "'granteePrincipal':'EX_PRINCIPAL_ID'}",
      "{'grantId':'f020fe75197b93991dc8491d6f19dd3ceb'}", NULL, 0, 0, 0,
      "['" KARN "']" },
    /* ct-createkey: keyMetadata, dates as AWS writes them */
    { "kms CreateKey",
      "{'Description':'','KeySpec':'SYMMETRIC_DEFAULT',"
      "'KeyUsage':'ENCRYPT_DECRYPT','BypassPolicyLockoutSafetyCheck':false,"
      "'Tags':[{'TagKey':'Dept','TagValue':'IT'}]}",
      "{'KeyMetadata':{'AWSAccountId':'" ACCT "','KeyId':'" KID "',"
      "'Arn':'" KARN "','CreationDate':1660171107.0,'Enabled':true,"
      "'Description':'','KeyUsage':'ENCRYPT_DECRYPT','KeyState':'Enabled',"
      "'Origin':'AWS_KMS','KeyManager':'CUSTOMER',"
      "'KeySpec':'SYMMETRIC_DEFAULT',"
      "'EncryptionAlgorithms':['SYMMETRIC_DEFAULT'],'MultiRegion':false}}",
      NULL, NULL,
      "{'description':'','keySpec':'SYMMETRIC_DEFAULT',"
      "'keyUsage':'ENCRYPT_DECRYPT','bypassPolicyLockoutSafetyCheck':false,"
      "'tags':[{'tagKey':'Dept','tagValue':'IT'}]}",
      "{'keyMetadata':{'aWSAccountId':'" ACCT "','keyId':'" KID "',"
      "'arn':'" KARN "','creationDate':'Aug 10, 2022, 10:38:27 PM',"
      "'enabled':true,'description':'','keyUsage':'ENCRYPT_DECRYPT',"
      "'keyState':'Enabled','origin':'AWS_KMS','keyManager':'CUSTOMER',"
      "'keySpec':'SYMMETRIC_DEFAULT',"
      "'encryptionAlgorithms':['SYMMETRIC_DEFAULT'],'multiRegion':false}}",
      NULL, 0, 0, 0, "['" KARN "']" },
    /* ct-decrypt: encryptionAlgorithm always, keyId the resolved ARN, no
     * ciphertext, no plaintext */
    { "kms Decrypt",
      "{'CiphertextBlob':'AQIDBAUGBwg=','EncryptionContext':" CTX "}",
      "{'KeyId':'" KARN "','Plaintext':'c2VjcmV0',"
      "'EncryptionAlgorithm':'SYMMETRIC_DEFAULT','KeyMaterialId':'" MAT "'}",
      KARN, NULL,
      "{'encryptionAlgorithm':'SYMMETRIC_DEFAULT','keyId':'" KARN "',"
      "'encryptionContext':" CTX "}", "null", "{'keyMaterialId':'" MAT "'}",
      1, 1, 0, "['" KARN "']" },
    /* ct-deletealias: the alias and its key */
    { "kms DeleteAlias", "{'AliasName':'alias/my_alias'}", "{}", KARN, NULL,
      "{'aliasName':'alias/my_alias'}", "null", NULL, 0, 0, 0,
      "['" KARN "','arn:aws:kms:us-west-2:111122223333:alias/my_alias']" },
    /* ct-deleteimportedkeymaterial */
    { "kms DeleteImportedKeyMaterial",
      "{'KeyId':'" KID "','KeyMaterialId':'" MAT "'}",
      "{'KeyId':'" KARN "','KeyMaterialId':'" MAT "'}", KARN, NULL,
      "{'keyId':'" KID "','keyMaterialId':'" MAT "'}",
      "{'keyId':'" KARN "','keyMaterialId':'" MAT "'}", NULL, 0, 0, 0,
      "['" KARN "']" },
    /* ct-getparametersforimport: no wrapping key, no token */
    { "kms GetParametersForImport",
      "{'KeyId':'" KID "','WrappingAlgorithm':'RSAES_OAEP_SHA_256',"
      "'WrappingKeySpec':'RSA_4096'}",
      "{'KeyId':'" KARN "','ImportToken':'AQID','PublicKey':'AQID',"
      "'ParametersValidTo':1747806465}", KARN, NULL,
      "{'keyId':'" KID "','wrappingAlgorithm':'RSAES_OAEP_SHA_256',"
      "'wrappingKeySpec':'RSA_4096'}", "null", NULL, 1, 0, 0,
      "['" KARN "']" },
    /* ct-importkeymaterial: no token, no material */
    { "kms ImportKeyMaterial",
      "{'KeyId':'" KID "','ImportToken':'AQID',"
      "'EncryptedKeyMaterial':'AQID','ValidTo':1747806465,"
      "'ExpirationModel':'KEY_MATERIAL_EXPIRES',"
      "'ImportType':'NEW_KEY_MATERIAL',"
      "'KeyMaterialDescription':'ExampleKeyMaterialA'}",
      "{'KeyId':'" KARN "','KeyMaterialId':'" MAT "'}", KARN, NULL,
      "{'keyId':'" KID "','validTo':'May 21, 2025, 5:47:45 AM',"
      "'expirationModel':'KEY_MATERIAL_EXPIRES',"
      "'importType':'NEW_KEY_MATERIAL',"
      "'keyMaterialDescription':'ExampleKeyMaterialA'}",
      "{'keyId':'" KARN "','keyMaterialId':'" MAT "'}", NULL, 0, 0, 0,
      "['" KARN "']" },
    /* no ct- example: as Sign, no public key, no shared secret */
    { "kms DeriveSharedSecret",
      "{'KeyId':'" KID "','KeyAgreementAlgorithm':'ECDH',"
      "'PublicKey':'AQID'}",
      "{'KeyId':'" KARN "','SharedSecret':'c2VjcmV0',"
      "'KeyAgreementAlgorithm':'ECDH','KeyOrigin':'AWS_KMS'}", KARN, NULL,
      "{'keyId':'" KID "','keyAgreementAlgorithm':'ECDH'}", "null", NULL,
      1, 1, 0, "['" KARN "']" },
    /* ct-describekey: only request elements */
    { "kms DescribeKey", "{'KeyId':'" KID "'}",
      "{'KeyMetadata':{'KeyId':'" KID "','Arn':'" KARN "'}}", KARN, NULL,
      "{'keyId':'" KID "'}", "null", NULL, 1, 0, 0, "['" KARN "']" },
    /* ct-getkeylastusage: the key asked about, no response elements */
    { "kms GetKeyLastUsage", "{'KeyId':'" KID "'}",
      "{'KeyId':'" KID "','TrackingStartDate':1.7e9}", KARN, NULL,
      "{'keyId':'" KID "'}", "null", NULL, 1, 0, 0, "['" KARN "']" },
    /* ct-disablekey */
    { "kms DisableKey", "{'KeyId':'" KID "'}", "{}", KARN, NULL,
      "{'keyId':'" KID "'}", "null", NULL, 0, 0, 0, "['" KARN "']" },
    /* ct-disable-key-rotation */
    { "kms DisableKeyRotation", "{'KeyId':'" KARN "'}", "{}", KARN, NULL,
      "{'keyId':'" KARN "'}", "null", NULL, 0, 0, 0, "['" KARN "']" },
    /* ct-enablekey */
    { "kms EnableKey", "{'KeyId':'" KID "'}", "{}", KARN, NULL,
      "{'keyId':'" KID "'}", "null", NULL, 0, 0, 0, "['" KARN "']" },
    /* ct-enablekeyrotation */
    /* ct-enablekeyrotation: the key's ARN in responseElements */
    { "kms EnableKeyRotation",
      "{'KeyId':'" KID "','RotationPeriodInDays':180}", "{}", KARN, NULL,
      "{'keyId':'" KID "','rotationPeriodInDays':180}",
      "{'keyId':'" KARN "'}", NULL, 0, 0, 0, "['" KARN "']" },
    /* ct-encrypt: encryptionAlgorithm defaulted, plaintext and ciphertext
     * never */
    { "kms Encrypt",
      "{'KeyId':'" KARN "','Plaintext':'c2VjcmV0',"
      "'EncryptionContext':{'Department':'Engineering'}}",
      "{'CiphertextBlob':'AQIDBAUGBwg=','KeyId':'" KARN "',"
      "'EncryptionAlgorithm':'SYMMETRIC_DEFAULT'}", KARN, NULL,
      "{'encryptionContext':{'Department':'Engineering'},'keyId':'" KARN "',"
      "'encryptionAlgorithm':'SYMMETRIC_DEFAULT'}", "null", NULL, 1, 1, 0,
      "['" KARN "']" },
    /* ct-generatedatakey */
    { "kms GenerateDataKey",
      "{'KeyId':'" KID "','KeySpec':'AES_256','EncryptionContext':" CTX "}",
      "{'CiphertextBlob':'AQIDBAUGBwg=','Plaintext':'c2VjcmV0',"
      "'KeyId':'" KARN "','KeyMaterialId':'" MAT "'}", KARN, NULL,
      "{'keyId':'" KID "','keySpec':'AES_256','encryptionContext':" CTX "}",
      "null", "{'keyMaterialId':'" MAT "'}", 1, 1, 0, "['" KARN "']" },
    /* ct-generatedatakeypair */
    { "kms GenerateDataKeyPair",
      "{'KeyPairSpec':'RSA_3072','EncryptionContext':{'Project':'Alpha'},"
      "'KeyId':'" KID "'}",
      "{'PrivateKeyCiphertextBlob':'AQID','PrivateKeyPlaintext':'c2Vj',"
      "'PublicKey':'MIIB','KeyId':'" KARN "','KeyPairSpec':'RSA_3072'}",
      KARN, NULL,
      "{'keyPairSpec':'RSA_3072','encryptionContext':{'Project':'Alpha'},"
      "'keyId':'" KID "'}", "null", NULL, 1, 1, 0, "['" KARN "']" },
    /* ct-generatedatakeypairwithoutplaintext */
    { "kms GenerateDataKeyPairWithoutPlaintext",
      "{'KeyPairSpec':'RSA_4096','EncryptionContext':{'Index':'5'},"
      "'KeyId':'" KID "'}",
      "{'PrivateKeyCiphertextBlob':'AQID','PublicKey':'MIIB',"
      "'KeyId':'" KARN "','KeyPairSpec':'RSA_4096'}", KARN, NULL,
      "{'keyPairSpec':'RSA_4096','encryptionContext':{'Index':'5'},"
      "'keyId':'" KID "'}", "null", NULL, 1, 1, 0, "['" KARN "']" },
    /* ct-generatedatakeyplaintext (GenerateDataKeyWithoutPlaintext) */
    { "kms GenerateDataKeyWithoutPlaintext",
      "{'KeyId':'" KID "','KeySpec':'AES_256',"
      "'EncryptionContext':{'Project':'Alpha'}}",
      "{'CiphertextBlob':'AQID','KeyId':'" KARN "',"
      "'KeyMaterialId':'" MAT "'}", KARN, NULL,
      "{'keyId':'" KID "','keySpec':'AES_256',"
      "'encryptionContext':{'Project':'Alpha'}}", "null",
      "{'keyMaterialId':'" MAT "'}", 1, 1, 0, "['" KARN "']" },
    /* ct-generatemac: no message, no MAC */
    { "kms GenerateMac",
      "{'Message':'aGVsbG8=','MacAlgorithm':'HMAC_SHA_512','KeyId':'" KID
      "'}", "{'Mac':'AQID','MacAlgorithm':'HMAC_SHA_512','KeyId':'" KARN
      "'}", KARN, NULL,
      "{'macAlgorithm':'HMAC_SHA_512','keyId':'" KID "'}", "null", NULL,
      1, 1, 0, "['" KARN "']" },
    /* ct-generaterandom: requestParameters null, no resource */
    { "kms GenerateRandom", "{'NumberOfBytes':32}",
      "{'Plaintext':'c2VjcmV0c2VjcmV0'}", NULL, NULL, "null", "null", NULL,
      1, 0, 0, "[]" },
    /* ct-getkeypolicy */
    { "kms GetKeyPolicy", "{'KeyId':'" KID "','PolicyName':'default'}",
      "{'Policy':'{}','PolicyName':'default'}", KARN, NULL,
      "{'keyId':'" KID "','policyName':'default'}", "null", NULL, 1, 0, 0,
      "['" KARN "']" },
    /* no page: the read-only rule (request members, response null) */
    { "kms GetKeyRotationStatus", "{'KeyId':'" KID "'}",
      "{'KeyRotationEnabled':true,'KeyId':'" KARN "'}", KARN, NULL,
      "{'keyId':'" KID "'}", "null", NULL, 1, 0, 0, "['" KARN "']" },
    { "kms GetPublicKey", "{'KeyId':'" KID "'}",
      "{'KeyId':'" KARN "','PublicKey':'MIIB'}", KARN, NULL,
      "{'keyId':'" KID "'}", "null", NULL, 1, 0, 0, "['" KARN "']" },
    /* ct-listaliases */
    { "kms ListAliases", "{'Limit':5,'Marker':'eyJiIjoiYWxpYXMvZTU0Y'}",
      "{'Aliases':[],'Truncated':false}", NULL, NULL,
      "{'limit':5,'marker':'eyJiIjoiYWxpYXMvZTU0Y'}", "null", NULL, 1, 0, 0,
      "[]" },
    /* ct-listgrants */
    { "kms ListGrants", "{'KeyId':'" KID "','Limit':10}",
      "{'Grants':[],'Truncated':false}", KARN, NULL,
      "{'keyId':'" KID "','limit':10}", "null", NULL, 1, 0, 0,
      "['" KARN "']" },
    { "kms ListKeyPolicies", "{'KeyId':'" KID "'}",
      "{'PolicyNames':['default'],'Truncated':false}", KARN, NULL,
      "{'keyId':'" KID "'}", "null", NULL, 1, 0, 0, "['" KARN "']" },
    { "kms ListKeyRotations", "{'KeyId':'" KID "','Limit':2}",
      "{'Rotations':[],'Truncated':false}", KARN, NULL,
      "{'keyId':'" KID "','limit':2}", "null", NULL, 1, 0, 0,
      "['" KARN "']" },
    { "kms ListKeys", "{}", "{'Keys':[],'Truncated':false}", NULL, NULL,
      "null", "null", NULL, 1, 0, 0, "[]" },
    /* CloudTrail's own LookupEvents: its request, never the records it
     * answers with. */
    { "cloudtrail LookupEvents",
      "{'LookupAttributes':[{'AttributeKey':'EventName',"
      "'AttributeValue':'Encrypt'}],'MaxResults':5}",
      "{'Events':[{'CloudTrailEvent':'{}'}]}", NULL, NULL,
      "{'lookupAttributes':[{'attributeKey':'EventName',"
      "'attributeValue':'Encrypt'}],'maxResults':5}", "null", NULL, 1, 0, 0,
      "[]" },
    { "kms ListResourceTags", "{'KeyId':'" KID "'}",
      "{'Tags':[],'Truncated':false}", KARN, NULL, "{'keyId':'" KID "'}",
      "null", NULL, 1, 0, 0, "['" KARN "']" },
    { "kms ListRetirableGrants", "{'RetiringPrincipal':'" ALICE "'}",
      "{'Grants':[],'Truncated':false}", NULL, NULL,
      "{'retiringPrincipal':'" ALICE "'}", "null", NULL, 1, 0, 0, "[]" },
    /* ct-put-key-policy: the policy is recorded */
    { "kms PutKeyPolicy",
      "{'KeyId':'" KID "','PolicyName':'default','Policy':'{}',"
      "'BypassPolicyLockoutSafetyCheck':false}", "{}", KARN, NULL,
      "{'keyId':'" KID "','policyName':'default','policy':'{}',"
      "'bypassPolicyLockoutSafetyCheck':false}", "null", NULL, 0, 0, 0,
      "['" KARN "']" },
    /* ct-reencrypt: both keys; no ciphertext in or out */
    { "kms ReEncrypt",
      "{'CiphertextBlob':'AQID','SourceEncryptionContext':" CTX ","
      "'DestinationKeyId':'" KID2 "',"
      "'DestinationEncryptionContext':{'Level':'3A'}}",
      "{'CiphertextBlob':'BAUG','SourceKeyId':'" KARN "','KeyId':'" KARN2
      "','SourceEncryptionAlgorithm':'SYMMETRIC_DEFAULT',"
      "'DestinationEncryptionAlgorithm':'SYMMETRIC_DEFAULT'}", KARN2, NULL,
      "{'sourceEncryptionAlgorithm':'SYMMETRIC_DEFAULT',"
      "'sourceEncryptionContext':" CTX ",'destinationKeyId':'" KID2 "',"
      "'destinationEncryptionAlgorithm':'SYMMETRIC_DEFAULT',"
      "'destinationEncryptionContext':{'Level':'3A'}}", "null", NULL,
      1, 1, 0, "['" KARN2 "','" KARN "']" },
    /* ct-replicate-key: the request but the policy; the replica's
     * metadata */
    { "kms ReplicateKey",
      "{'KeyId':'" KID "','ReplicaRegion':'us-west-2',"
      "'Policy':'{}','BypassPolicyLockoutSafetyCheck':false,"
      "'Description':''}",
      "{'ReplicaKeyMetadata':{'KeyId':'" KID "'},'ReplicaPolicy':'{}'}",
      KARN, NULL,
      "{'keyId':'" KID "','replicaRegion':'us-west-2',"
      "'bypassPolicyLockoutSafetyCheck':false,'description':''}",
      "{'replicaKeyMetadata':{'keyId':'" KID "'}}",
      NULL, 0, 0, 0, "['" KARN "']" },
    /* ct-retire-grant: requestParameters null, grantId aside; the token
     * never */
    { "kms RetireGrant",
      "{'KeyId':'" KARN "','GrantId':'abcde1237f76e4ba7987489ac329fbfb'}",
      "{}", KARN, NULL, "null", "null",
      "{'grantId':'abcde1237f76e4ba7987489ac329fbfb'}", 0, 0, 0,
      "['" KARN "']" },
    /* ct-revoke-grant */
    { "kms RevokeGrant",
      "{'KeyId':'" KID "','GrantId':'abcde1237f76e4ba7987489ac329fbfb'}",
      "{}", KARN, NULL,
      "{'keyId':'" KID "','grantId':'abcde1237f76e4ba7987489ac329fbfb'}",
      "null", NULL, 0, 0, 0, "['" KARN "']" },
    /* ct-rotatekeyondemand: its response */
    { "kms RotateKeyOnDemand", "{'KeyId':'" KID "'}", "{'KeyId':'" KID "'}",
      KARN, NULL, "{'keyId':'" KID "'}", "{'keyId':'" KID "'}", NULL,
      0, 0, 0, "['" KARN "']" },
    /* ct-schedule-key-deletion: its response, the date as AWS writes it */
    { "kms ScheduleKeyDeletion",
      "{'PendingWindowInDays':20,'KeyId':'" KID "'}",
      "{'KeyId':'" KARN "','DeletionDate':1618253910,"
      "'KeyState':'PendingDeletion','PendingWindowInDays':20}", KARN, NULL,
      "{'pendingWindowInDays':20,'keyId':'" KID "'}",
      "{'keyId':'" KARN "','keyState':'PendingDeletion',"
      "'deletionDate':'Apr 12, 2021, 6:58:30 PM','pendingWindowInDays':20}",
      NULL, 0, 0, 0, "['" KARN "']" },
    /* ct-sign: no message, no signature */
    { "kms Sign",
      "{'Message':'aGVsbG8=','MessageType':'RAW','KeyId':'" KID2 "',"
      "'SigningAlgorithm':'RSASSA_PKCS1_V1_5_SHA_256'}",
      "{'KeyId':'" KARN2 "','Signature':'AQID',"
      "'SigningAlgorithm':'RSASSA_PKCS1_V1_5_SHA_256'}", KARN2, NULL,
      "{'messageType':'RAW','keyId':'" KID2 "',"
      "'signingAlgorithm':'RSASSA_PKCS1_V1_5_SHA_256'}", "null", NULL,
      1, 1, 0, "['" KARN2 "']" },
    /* ct-tagresource */
    { "kms TagResource",
      "{'KeyId':'" KARN "','Tags':[{'TagKey':'Department','TagValue':'IT'}]}",
      "{}", KARN, NULL,
      "{'keyId':'" KARN "','tags':[{'tagKey':'Department','tagValue':'IT'}]}",
      "null", NULL, 0, 0, 0, "['" KARN "']" },
    /* ct-untagresource */
    { "kms UntagResource", "{'KeyId':'" KARN "','TagKeys':['Dept']}", "{}",
      KARN, NULL, "{'keyId':'" KARN "','tagKeys':['Dept']}", "null", NULL,
      0, 0, 0, "['" KARN "']" },
    /* ct-updatealias */
    { "kms UpdateAlias",
      "{'AliasName':'alias/my_alias','TargetKeyId':'" KID "'}", "{}", KARN,
      NULL, "{'aliasName':'alias/my_alias','targetKeyId':'" KID "'}", "null",
      NULL, 0, 0, 0,
      "['" KARN "','arn:aws:kms:us-west-2:111122223333:alias/my_alias']" },
    /* ct-update-key-description */
    { "kms UpdateKeyDescription",
      "{'KeyId':'" KID "','Description':'New key description'}", "{}", KARN,
      NULL, "{'keyId':'" KID "','description':'New key description'}",
      "null", NULL, 0, 0, 0, "['" KARN "']" },
    /* ct-update-primary-region */
    { "kms UpdatePrimaryRegion",
      "{'KeyId':'" KID "','PrimaryRegion':'us-west-2'}", "{}", KARN, NULL,
      "{'keyId':'" KID "','primaryRegion':'us-west-2'}", "null", NULL,
      0, 0, 0, "['" KARN "']" },
    /* ct-verify: no message, no signature */
    { "kms Verify",
      "{'KeyId':'" KID2 "','Message':'aGVsbG8=','MessageType':'RAW',"
      "'Signature':'AQID','SigningAlgorithm':'RSASSA_PKCS1_V1_5_SHA_256'}",
      "{'KeyId':'" KARN2 "','SignatureValid':true,"
      "'SigningAlgorithm':'RSASSA_PKCS1_V1_5_SHA_256'}", KARN2, NULL,
      "{'messageType':'RAW','keyId':'" KID2 "',"
      "'signingAlgorithm':'RSASSA_PKCS1_V1_5_SHA_256'}", "null", NULL,
      1, 1, 0, "['" KARN2 "']" },
    /* ct-verifymac: no message, no MAC */
    { "kms VerifyMac",
      "{'Message':'aGVsbG8=','MacAlgorithm':'HMAC_SHA_384','Mac':'AQID',"
      "'KeyId':'" KARN "'}",
      "{'KeyId':'" KARN "','MacValid':true,'MacAlgorithm':'HMAC_SHA_384'}",
      KARN, NULL, "{'macAlgorithm':'HMAC_SHA_384','keyId':'" KARN "'}",
      "null", NULL, 1, 1, 0, "['" KARN "']" },

    /* CloudWatch Logs: members under their own names, responses null */
    { "logs AssociateKmsKey",
      "{'logGroupName':'my-group','kmsKeyId':'" KARN "'}", "{}", KARN, GARN,
      "{'logGroupName':'my-group','kmsKeyId':'" KARN "'}", "null", NULL,
      0, 0, 0, "['" KARN "','" GARN "']" },
    { "logs CreateLogAnomalyDetector",
      "{'logGroupArnList':['" GARN "'],'evaluationFrequency':'ONE_MIN'}",
      "{'anomalyDetectorArn':'DA'}", NULL, NULL,
      "{'logGroupArnList':['" GARN "'],'evaluationFrequency':'ONE_MIN'}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs CreateLogGroup",
      "{'logGroupName':'my-group','tags':{'Team':'ops'}}", "{}", NULL, GARN,
      "{'logGroupName':'my-group','tags':{'Team':'ops'}}", "null", NULL,
      0, 0, 0, "['" GARN "']" },
    { "logs CreateLogStream",
      "{'logGroupName':'my-group','logStreamName':'s1'}", "{}", NULL, GARN,
      "{'logGroupName':'my-group','logStreamName':'s1'}", "null", NULL,
      0, 0, 0, "['" GARN "']" },
    /* Lookup tables: the table's content (tableBody) is never recorded. */
    { "logs CreateLookupTable",
      "{'lookupTableName':'users','tableBody':'id,name\\n1,secret',"
      "'kmsKeyId':'KARN'}", "{'lookupTableArn':'LA','createdAt':1}", NULL,
      NULL, "{'lookupTableName':'users','kmsKeyId':'KARN'}", "null", NULL,
      0, 0, 0, "[]" },
    { "logs CreateScheduledQuery",
      "{'name':'sq','queryLanguage':'CWLI','queryString':'fields @message',"
      "'scheduleExpression':'rate(5 minutes)','executionRoleArn':'R'}",
      "{'scheduledQueryArn':'SA','state':'ENABLED'}", NULL, NULL,
      "{'name':'sq','queryLanguage':'CWLI','queryString':'fields @message',"
      "'scheduleExpression':'rate(5 minutes)','executionRoleArn':'R'}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs DeleteLogAnomalyDetector", "{'anomalyDetectorArn':'DA'}", "{}",
      NULL, NULL, "{'anomalyDetectorArn':'DA'}", "null", NULL, 0, 0, 0,
      "[]" },
    { "logs DeleteLogGroup", "{'logGroupName':'my-group'}", "{}", NULL, GARN,
      "{'logGroupName':'my-group'}", "null", NULL, 0, 0, 0,
      "['" GARN "']" },
    { "logs DeleteLogStream",
      "{'logGroupName':'my-group','logStreamName':'s1'}", "{}", NULL, GARN,
      "{'logGroupName':'my-group','logStreamName':'s1'}", "null", NULL,
      0, 0, 0, "['" GARN "']" },
    { "logs DeleteLookupTable", "{'lookupTableArn':'LA'}", "{}", NULL, NULL,
      "{'lookupTableArn':'LA'}", "null", NULL, 0, 0, 0, "[]" },
    { "logs DeleteMetricFilter",
      "{'logGroupName':'my-group','filterName':'f'}", "{}", NULL, GARN,
      "{'logGroupName':'my-group','filterName':'f'}", "null", NULL,
      0, 0, 0, "['" GARN "']" },
    { "logs DeleteQueryDefinition", "{'queryDefinitionId':'QD'}",
      "{'success':true}", NULL, NULL, "{'queryDefinitionId':'QD'}", "null",
      NULL, 0, 0, 0, "[]" },
    /* A resource policy's request is recorded whole: the document is a
     * policy, not event text. */
    { "logs DeleteResourcePolicy",
      "{'policyName':'p','resourceArn':'RA','expectedRevisionId':'R1'}",
      "{}", NULL, NULL,
      "{'policyName':'p','resourceArn':'RA','expectedRevisionId':'R1'}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs DeleteRetentionPolicy", "{'logGroupName':'my-group'}", "{}",
      NULL, GARN, "{'logGroupName':'my-group'}", "null", NULL, 0, 0, 0,
      "['" GARN "']" },
    /* data protection: the policy document is configuration */
    { "logs PutDataProtectionPolicy",
      "{'logGroupIdentifier':'my-group','policyDocument':'{}'}",
      "{'logGroupIdentifier':'my-group','policyDocument':'{}',"
      "'lastUpdatedTime':1}", NULL, GARN,
      "{'logGroupIdentifier':'my-group','policyDocument':'{}'}", "null",
      NULL, 0, 0, 0, "['" GARN "']" },
    { "logs GetDataProtectionPolicy", "{'logGroupIdentifier':'my-group'}",
      "{'logGroupIdentifier':'my-group','policyDocument':'{}'}", NULL, GARN,
      "{'logGroupIdentifier':'my-group'}", "null", NULL, 1, 0, 0,
      "['" GARN "']" },
    { "logs DeleteDataProtectionPolicy",
      "{'logGroupIdentifier':'my-group'}", "{}", NULL, GARN,
      "{'logGroupIdentifier':'my-group'}", "null", NULL, 0, 0, 0,
      "['" GARN "']" },
    { "logs PutAccountPolicy",
      "{'policyName':'p','policyDocument':'{}',"
      "'policyType':'DATA_PROTECTION_POLICY','scope':'ALL'}",
      "{'accountPolicy':{'policyName':'p'}}", NULL, NULL,
      "{'policyName':'p','policyDocument':'{}',"
      "'policyType':'DATA_PROTECTION_POLICY','scope':'ALL'}", "null", NULL,
      0, 0, 0, "[]" },
    { "logs DescribeAccountPolicies",
      "{'policyType':'DATA_PROTECTION_POLICY'}", "{'accountPolicies':[]}",
      NULL, NULL, "{'policyType':'DATA_PROTECTION_POLICY'}", "null", NULL,
      1, 0, 0, "[]" },
    { "logs DeleteAccountPolicy",
      "{'policyName':'p','policyType':'DATA_PROTECTION_POLICY'}", "{}", NULL,
      NULL, "{'policyName':'p','policyType':'DATA_PROTECTION_POLICY'}",
      "null", NULL, 0, 0, 0, "[]" },
    /* "Only request elements are logged" for Describe* */
    { "logs DeleteScheduledQuery", "{'identifier':'sq'}", "{}", NULL, NULL,
      "{'identifier':'sq'}", "null", NULL, 0, 0, 0, "[]" },
    { "logs DescribeLogGroups", "{'logGroupNamePrefix':'my','limit':5}",
      "{'logGroups':[{'logGroupName':'my-group'}]}", NULL, NULL,
      "{'logGroupNamePrefix':'my','limit':5}", "null", NULL, 1, 0, 0, "[]" },
    { "logs DescribeLogStreams",
      "{'logGroupName':'my-group','orderBy':'LastEventTime',"
      "'descending':true}", "{'logStreams':[]}", NULL, GARN,
      "{'logGroupName':'my-group','orderBy':'LastEventTime',"
      "'descending':true}", "null", NULL, 1, 0, 0, "['" GARN "']" },
    { "logs DescribeLookupTables",
      "{'lookupTableNamePrefix':'u','maxResults':5}", "{'lookupTables':[]}",
      NULL, NULL, "{'lookupTableNamePrefix':'u','maxResults':5}", "null",
      NULL, 1, 0, 0, "[]" },
    { "logs DescribeMetricFilters", "{'logGroupName':'my-group'}",
      "{'metricFilters':[]}", NULL, GARN, "{'logGroupName':'my-group'}",
      "null", NULL, 1, 0, 0, "['" GARN "']" },
    { "logs DescribeQueries",
      "{'logGroupName':'my-group','status':'Running','maxResults':5}",
      "{'queries':[]}", NULL, GARN,
      "{'logGroupName':'my-group','status':'Running','maxResults':5}",
      "null", NULL, 1, 0, 0, "['" GARN "']" },
    { "logs DescribeQueryDefinitions",
      "{'queryDefinitionNamePrefix':'ops','maxResults':5}",
      "{'queryDefinitions':[]}", NULL, NULL,
      "{'queryDefinitionNamePrefix':'ops','maxResults':5}", "null", NULL,
      1, 0, 0, "[]" },
    { "logs DescribeResourcePolicies",
      "{'policyScope':'RESOURCE','limit':5}", "{'resourcePolicies':[]}",
      NULL, NULL, "{'policyScope':'RESOURCE','limit':5}", "null", NULL,
      1, 0, 0, "[]" },
    { "logs DisassociateKmsKey", "{'logGroupName':'my-group'}", "{}", NULL,
      GARN, "{'logGroupName':'my-group'}", "null", NULL, 0, 0, 0,
      "['" GARN "']" },
    /* data events: never the events read */
    { "logs FilterLogEvents",
      "{'logGroupName':'my-group','filterPattern':'ERROR','startTime':1}",
      "{'events':[{'message':'ERROR secret line'}],'searchedLogStreams':[]}",
      NULL, GARN,
      "{'logGroupName':'my-group','filterPattern':'ERROR','startTime':1}",
      "null", NULL, 1, 0, 1, "['" GARN "']" },
    { "logs GetLogAnomalyDetector", "{'anomalyDetectorArn':'DA'}",
      "{'detectorName':'d'}", NULL, NULL, "{'anomalyDetectorArn':'DA'}",
      "null", NULL, 1, 0, 0, "[]" },
    { "logs GetLogEvents",
      "{'logGroupName':'my-group','logStreamName':'s1','startFromHead':true}",
      "{'events':[{'message':'a secret line'}],'nextForwardToken':'f/1'}",
      NULL, GARN,
      "{'logGroupName':'my-group','logStreamName':'s1','startFromHead':true}",
      "null", NULL, 1, 0, 1, "['" GARN "']" },
    { "logs GetLogGroupFields",
      "{'logGroupName':'my-group','time':1700000000}",
      "{'logGroupFields':[{'name':'@message','percent':100}]}", NULL, GARN,
      "{'logGroupName':'my-group','time':1700000000}", "null", NULL,
      1, 0, 0, "['" GARN "']" },
    /* never the record's fields */
    { "logs GetLogRecord", "{'logRecordPointer':'MTIzNDU2Nzg5'}",
      "{'logRecord':{'@message':'ERROR secret'}}", NULL, NULL,
      "{'logRecordPointer':'MTIzNDU2Nzg5'}", "null", NULL, 1, 0, 1, "[]" },
    { "logs GetLookupTable", "{'lookupTableArn':'LA'}",
      "{'lookupTableArn':'LA','tableBody':'id,name\\n1,secret'}", NULL, NULL,
      "{'lookupTableArn':'LA'}", "null", NULL, 1, 0, 0, "[]" },
    /* never the results */
    { "logs GetQueryResults", "{'queryId':'QID'}",
      "{'results':[[{'field':'@message','value':'ERROR secret'}]],"
      "'status':'Complete'}", NULL, NULL, "{'queryId':'QID'}", "null", NULL,
      1, 0, 1, "[]" },
    { "logs GetScheduledQuery", "{'identifier':'sq'}", "{'name':'sq'}", NULL,
      NULL, "{'identifier':'sq'}", "null", NULL, 1, 0, 0, "[]" },
    { "logs GetScheduledQueryHistory",
      "{'identifier':'sq','startTime':1,'endTime':2}",
      "{'triggerHistory':[]}", NULL, NULL,
      "{'identifier':'sq','startTime':1,'endTime':2}", "null", NULL, 1, 0,
      0, "[]" },
    { "logs ListAnomalies", "{'anomalyDetectorArn':'DA','limit':5}",
      "{'anomalies':[]}", NULL, NULL,
      "{'anomalyDetectorArn':'DA','limit':5}", "null", NULL, 1, 0, 0,
      "[]" },
    { "logs ListLogAnomalyDetectors", "{'limit':5}",
      "{'anomalyDetectors':[]}", NULL, NULL, "{'limit':5}", "null", NULL,
      1, 0, 0, "[]" },
    { "logs ListLogGroups", "{'logGroupNamePattern':'my'}",
      "{'logGroups':[]}", NULL, NULL, "{'logGroupNamePattern':'my'}", "null",
      NULL, 1, 0, 0, "[]" },
    { "logs ListLogGroupsForQuery", "{'queryId':'QID','maxResults':50}",
      "{'logGroupIdentifiers':['" GARN "']}", NULL, NULL,
      "{'queryId':'QID','maxResults':50}", "null", NULL, 1, 0, 0, "[]" },
    { "logs ListScheduledQueries", "{'state':'ENABLED'}",
      "{'scheduledQueries':[]}", NULL, NULL, "{'state':'ENABLED'}", "null",
      NULL, 1, 0, 0, "[]" },
    { "logs ListTagsForResource", "{'resourceArn':'" GARN "'}",
      "{'tags':{'Team':'ops'}}", NULL, GARN, "{'resourceArn':'" GARN "'}",
      "null", NULL, 1, 0, 0, "['" GARN "']" },
    { "logs ListTagsLogGroup", "{'logGroupName':'my-group'}",
      "{'tags':{'Team':'ops'}}", NULL, GARN, "{'logGroupName':'my-group'}",
      "null", NULL, 1, 0, 0, "['" GARN "']" },
    /* a raw-body handler: no parsed input; the group from its ARN */
    { "logs PutTransformer",
      "{'logGroupIdentifier':'my-group','transformerConfig':"
      "[{'parseJSON':{}}]}", "{}", NULL, GARN,
      "{'logGroupIdentifier':'my-group','transformerConfig':"
      "[{'parseJSON':{}}]}", "null", NULL, 0, 0, 0, "['" GARN "']" },
    { "logs GetTransformer", "{'logGroupIdentifier':'my-group'}",
      "{'logGroupIdentifier':'" GARN "','transformerConfig':"
      "[{'parseJSON':{}}]}", NULL, GARN,
      "{'logGroupIdentifier':'my-group'}", "null", NULL, 1, 0, 0,
      "['" GARN "']" },
    { "logs DeleteTransformer", "{'logGroupIdentifier':'my-group'}", "{}",
      NULL, GARN, "{'logGroupIdentifier':'my-group'}", "null", NULL, 0, 0,
      0, "['" GARN "']" },
    /* never the event messages tested, nor what they became */
    { "logs TestTransformer",
      "{'transformerConfig':[{'parseJSON':{}}],'logEventMessages':"
      "['secret a=1']}",
      "{'transformedLogs':[{'eventNumber':1,'eventMessage':'x',"
      "'transformedEventMessage':'y'}]}", NULL, NULL,
      "{'transformerConfig':[{'parseJSON':{}}]}", "null", NULL, 1, 0, 0,
      "[]" },
    { "logs PutLogEvents", NULL, "{'nextSequenceToken':'49'}", NULL, GARN,
      "{'logGroupName':'my-group'}", "null", NULL, 0, 0, 1,
      "['" GARN "']" },
    { "logs PutIndexPolicy",
      "{'logGroupIdentifier':'my-group','policyDocument':'{}'}",
      "{'indexPolicy':{'source':'LOG_GROUP'}}", NULL, GARN,
      "{'logGroupIdentifier':'my-group','policyDocument':'{}'}",
      "null", NULL, 0, 0, 0, "['" GARN "']" },
    { "logs DeleteIndexPolicy", "{'logGroupIdentifier':'my-group'}", "{}",
      NULL, GARN, "{'logGroupIdentifier':'my-group'}", "null", NULL,
      0, 0, 0, "['" GARN "']" },
    { "logs DescribeIndexPolicies", "{'logGroupIdentifiers':['my-group']}",
      "{'indexPolicies':[]}", NULL, NULL,
      "{'logGroupIdentifiers':['my-group']}", "null", NULL, 1, 0, 0, "[]" },
    { "logs DescribeFieldIndexes", "{'logGroupIdentifiers':['my-group']}",
      "{'fieldIndexes':[]}", NULL, NULL,
      "{'logGroupIdentifiers':['my-group']}", "null", NULL, 1, 0, 0, "[]" },
    { "logs PutLogGroupDeletionProtection",
      "{'logGroupIdentifier':'my-group','deletionProtectionEnabled':true}",
      "{}", NULL, GARN,
      "{'logGroupIdentifier':'my-group','deletionProtectionEnabled':true}",
      "null", NULL, 0, 0, 0, "['" GARN "']" },
    { "logs PutMetricFilter",
      "{'logGroupName':'my-group','filterName':'f','filterPattern':'ERROR',"
      "'metricTransformations':[{'metricName':'m','metricNamespace':'n',"
      "'metricValue':'1'}]}", "{}", NULL, GARN,
      "{'logGroupName':'my-group','filterName':'f','filterPattern':'ERROR',"
      "'metricTransformations':[{'metricName':'m','metricNamespace':'n',"
      "'metricValue':'1'}]}", "null", NULL, 0, 0, 0, "['" GARN "']" },
    { "logs PutQueryDefinition",
      "{'name':'ops/errors','queryString':'fields @message',"
      "'logGroupNames':['my-group']}", "{'queryDefinitionId':'QD'}", NULL,
      NULL, "{'name':'ops/errors','queryString':'fields @message',"
      "'logGroupNames':['my-group']}", "null", NULL, 0, 0, 0, "[]" },
    { "logs PutResourcePolicy",
      "{'policyName':'p','policyDocument':'{}'}",
      "{'resourcePolicy':{'policyName':'p','policyDocument':'{}'}}", NULL,
      NULL, "{'policyName':'p','policyDocument':'{}'}", "null", NULL,
      0, 0, 0, "[]" },
    { "logs PutRetentionPolicy",
      "{'logGroupName':'my-group','retentionInDays':30}", "{}", NULL, GARN,
      "{'logGroupName':'my-group','retentionInDays':30}", "null", NULL,
      0, 0, 0, "['" GARN "']" },
    { "logs StartLiveTail",
      "{'logGroupIdentifiers':['" GARN "'],'logStreamNamePrefixes':['w'],"
      "'logEventFilterPattern':'ERROR'}", "{}", NULL, NULL,
      "{'logGroupIdentifiers':['" GARN "'],'logStreamNamePrefixes':['w'],"
      "'logEventFilterPattern':'ERROR'}", "null", NULL, 1, 0, 0, "[]" },
    { "logs StartQuery",
      "{'logGroupName':'my-group','startTime':1700000000,"
      "'endTime':1700003600,'queryString':'fields @message','limit':10}",
      "{'queryId':'QID'}", NULL, GARN,
      "{'logGroupName':'my-group','startTime':1700000000,"
      "'endTime':1700003600,'queryString':'fields @message','limit':10}",
      "null", NULL, 0, 0, 0, "['" GARN "']" },
    { "logs StopQuery", "{'queryId':'QID'}", "{'success':true}", NULL,
      NULL, "{'queryId':'QID'}", "null", NULL, 0, 0, 0, "[]" },
    { "logs TagLogGroup", "{'logGroupName':'my-group','tags':{'a':'b'}}",
      "{}", NULL, GARN, "{'logGroupName':'my-group','tags':{'a':'b'}}",
      "null", NULL, 0, 0, 0, "['" GARN "']" },
    { "logs TagResource", "{'resourceArn':'" GARN "','tags':{'a':'b'}}",
      "{}", NULL, GARN, "{'resourceArn':'" GARN "','tags':{'a':'b'}}",
      "null", NULL, 0, 0, 0, "['" GARN "']" },
    /* never the event messages tested, nor the matches */
    { "logs TestMetricFilter",
      "{'filterPattern':'ERROR','logEventMessages':['ERROR secret']}",
      "{'matches':[{'eventNumber':1,'eventMessage':'ERROR secret'}]}", NULL,
      NULL, "{'filterPattern':'ERROR'}", "null", NULL, 1, 0, 0, "[]" },
    { "logs UntagLogGroup", "{'logGroupName':'my-group','tags':['a']}",
      "{}", NULL, GARN, "{'logGroupName':'my-group','tags':['a']}", "null",
      NULL, 0, 0, 0, "['" GARN "']" },
    { "logs UntagResource", "{'resourceArn':'" GARN "','tagKeys':['a']}",
      "{}", NULL, GARN, "{'resourceArn':'" GARN "','tagKeys':['a']}",
      "null", NULL, 0, 0, 0, "['" GARN "']" },
    { "logs UpdateAnomaly",
      "{'anomalyDetectorArn':'DA','patternId':'P','baseline':true}", "{}",
      NULL, NULL,
      "{'anomalyDetectorArn':'DA','patternId':'P','baseline':true}", "null",
      NULL, 0, 0, 0, "[]" },
    { "logs UpdateLogAnomalyDetector",
      "{'anomalyDetectorArn':'DA','enabled':false}", "{}", NULL, NULL,
      "{'anomalyDetectorArn':'DA','enabled':false}", "null", NULL, 0, 0, 0,
      "[]" },
    { "logs UpdateLookupTable",
      "{'lookupTableArn':'LA','tableBody':'id\\n2','description':'d'}",
      "{'lookupTableArn':'LA','lastUpdatedTime':1}", NULL, NULL,
      "{'lookupTableArn':'LA','description':'d'}", "null", NULL, 0, 0, 0,
      "[]" },
    /* Subscription filters, destinations, export and import tasks (they
     * answer as for an absent destination; recorded all the same). */
    { "logs CancelExportTask", "{'taskId':'T1'}", "{}", NULL, NULL,
      "{'taskId':'T1'}", "null", NULL, 0, 0, 0, "[]" },
    { "logs CancelImportTask", "{'importId':'I1'}", "{}", NULL, NULL,
      "{'importId':'I1'}", "null", NULL, 0, 0, 0, "[]" },
    { "logs CreateExportTask",
      "{'logGroupName':'my-group','from':1,'to':2,'destination':'b',"
      "'destinationPrefix':'p'}", "{}", NULL, GARN,
      "{'logGroupName':'my-group','from':1,'to':2,'destination':'b',"
      "'destinationPrefix':'p'}", "null", NULL, 0, 0, 0, "['" GARN "']" },
    { "logs CreateImportTask",
      "{'importSourceArn':'EDS','importRoleArn':'ROLE',"
      "'importFilter':{'startEventTime':1}}", "{}", NULL, NULL,
      "{'importSourceArn':'EDS','importRoleArn':'ROLE',"
      "'importFilter':{'startEventTime':1}}", "null", NULL, 0, 0, 0, "[]" },
    { "logs DeleteDestination", "{'destinationName':'d'}", "{}", NULL, NULL,
      "{'destinationName':'d'}", "null", NULL, 0, 0, 0, "[]" },
    { "logs DeleteSubscriptionFilter",
      "{'logGroupName':'my-group','filterName':'f'}", "{}", NULL, GARN,
      "{'logGroupName':'my-group','filterName':'f'}", "null", NULL,
      0, 0, 0, "['" GARN "']" },
    { "logs DescribeDestinations", "{'DestinationNamePrefix':'d','limit':5}",
      "{'destinations':[]}", NULL, NULL,
      "{'DestinationNamePrefix':'d','limit':5}", "null", NULL, 1, 0, 0,
      "[]" },
    { "logs DescribeExportTasks", "{'statusCode':'RUNNING','limit':5}",
      "{'exportTasks':[]}", NULL, NULL,
      "{'statusCode':'RUNNING','limit':5}", "null", NULL, 1, 0, 0, "[]" },
    { "logs DescribeImportTaskBatches", "{'importId':'I1','limit':5}",
      "{}", NULL, NULL, "{'importId':'I1','limit':5}", "null", NULL,
      1, 0, 0, "[]" },
    { "logs DescribeImportTasks", "{'importStatus':'COMPLETED'}",
      "{'imports':[]}", NULL, NULL, "{'importStatus':'COMPLETED'}", "null",
      NULL, 1, 0, 0, "[]" },
    { "logs DescribeSubscriptionFilters", "{'logGroupName':'my-group'}",
      "{'subscriptionFilters':[]}", NULL, GARN,
      "{'logGroupName':'my-group'}", "null", NULL, 1, 0, 0,
      "['" GARN "']" },
    { "logs PutDestination",
      "{'destinationName':'d','targetArn':'K','roleArn':'R',"
      "'tags':{'a':'b'}}", "{}", NULL, NULL,
      "{'destinationName':'d','targetArn':'K','roleArn':'R',"
      "'tags':{'a':'b'}}", "null", NULL, 0, 0, 0, "[]" },
    { "logs PutDestinationPolicy",
      "{'destinationName':'d','accessPolicy':'{}','forceUpdate':true}", "{}",
      NULL, NULL,
      "{'destinationName':'d','accessPolicy':'{}','forceUpdate':true}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs PutSubscriptionFilter",
      "{'logGroupName':'my-group','filterName':'f','filterPattern':'ERROR',"
      "'destinationArn':'K','roleArn':'R','distribution':'Random'}", "{}",
      NULL, GARN,
      "{'logGroupName':'my-group','filterName':'f','filterPattern':'ERROR',"
      "'destinationArn':'K','roleArn':'R','distribution':'Random'}", "null",
      NULL, 0, 0, 0, "['" GARN "']" },
    /* deliveries, integrations, log objects: the request as given */
    { "logs ListAggregateLogGroupSummaries",
      "{'groupBy':'DATA_SOURCE_NAME_AND_TYPE','logGroupClass':'STANDARD'}",
      "{'aggregateLogGroupSummaries':[]}", NULL, NULL,
      "{'groupBy':'DATA_SOURCE_NAME_AND_TYPE','logGroupClass':'STANDARD'}",
      "null", NULL, 1, 0, 0, "[]" },
    { "logs GetLogFields",
      "{'dataSourceName':'amazon_vpc','dataSourceType':'flow'}", "{}",
      NULL, NULL, "{'dataSourceName':'amazon_vpc','dataSourceType':'flow'}",
      "null", NULL, 1, 0, 0, "[]" },
    { "logs PutBearerTokenAuthentication",
      "{'logGroupIdentifier':'my-group',"
      "'bearerTokenAuthenticationEnabled':false}", "{}", NULL, NULL,
      "{'logGroupIdentifier':'my-group',"
      "'bearerTokenAuthenticationEnabled':false}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs PutDeliveryDestination",
      "{'name':'d','outputFormat':'json','deliveryDestinationConfig"
      "uration':{'destinationResourceArn':'arn:aws:logs:us-west-2:1"
      "11122223333:log-group:g'}}",
      "{}", NULL, NULL,
      "{'name':'d','outputFormat':'json','deliveryDestinationConfig"
      "uration':{'destinationResourceArn':'arn:aws:logs:us-west-2:1"
      "11122223333:log-group:g'}}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs GetDeliveryDestination",
      "{'name':'d'}",
      "{}", NULL, NULL,
      "{'name':'d'}",
      "null", NULL, 1, 0, 0, "[]" },
    { "logs DescribeDeliveryDestinations",
      "{'limit':5}",
      "{}", NULL, NULL,
      "{'limit':5}",
      "null", NULL, 1, 0, 0, "[]" },
    { "logs DeleteDeliveryDestination",
      "{'name':'d'}",
      "{}", NULL, NULL,
      "{'name':'d'}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs PutDeliveryDestinationPolicy",
      "{'deliveryDestinationName':'d','deliveryDestinationPolicy':'"
      "{}'}",
      "{}", NULL, NULL,
      "{'deliveryDestinationName':'d','deliveryDestinationPolicy':'"
      "{}'}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs GetDeliveryDestinationPolicy",
      "{'deliveryDestinationName':'d'}",
      "{}", NULL, NULL,
      "{'deliveryDestinationName':'d'}",
      "null", NULL, 1, 0, 0, "[]" },
    { "logs DeleteDeliveryDestinationPolicy",
      "{'deliveryDestinationName':'d'}",
      "{}", NULL, NULL,
      "{'deliveryDestinationName':'d'}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs AssociateSourceToS3TableIntegration",
      "{'integrationArn':'IA','dataSource':{'name':'n','type':'t'}}",
      "{}", NULL, NULL,
      "{'integrationArn':'IA','dataSource':{'name':'n','type':'t'}}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs CreateDelivery",
      "{'deliverySourceName':'src','deliveryDestinationArn':'DA'}",
      "{}", NULL, NULL,
      "{'deliverySourceName':'src','deliveryDestinationArn':'DA'}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs DeleteDelivery",
      "{'id':'abc'}",
      "{}", NULL, NULL,
      "{'id':'abc'}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs DeleteDeliverySource",
      "{'name':'src'}",
      "{}", NULL, NULL,
      "{'name':'src'}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs DeleteIntegration",
      "{'integrationName':'i','force':true}",
      "{}", NULL, NULL,
      "{'integrationName':'i','force':true}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs DescribeConfigurationTemplates",
      "{'service':'cloudfront','limit':5}",
      "{}", NULL, NULL,
      "{'service':'cloudfront','limit':5}",
      "null", NULL, 1, 0, 0, "[]" },
    { "logs DescribeDeliveries",
      "{'limit':5}",
      "{}", NULL, NULL,
      "{'limit':5}",
      "null", NULL, 1, 0, 0, "[]" },
    { "logs DescribeDeliverySources",
      "{'limit':5}",
      "{}", NULL, NULL,
      "{'limit':5}",
      "null", NULL, 1, 0, 0, "[]" },
    { "logs DisassociateSourceFromS3TableIntegration",
      "{'identifier':'ID'}",
      "{}", NULL, NULL,
      "{'identifier':'ID'}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs GetDelivery",
      "{'id':'abc'}",
      "{}", NULL, NULL,
      "{'id':'abc'}",
      "null", NULL, 1, 0, 0, "[]" },
    { "logs GetDeliverySource",
      "{'name':'src'}",
      "{}", NULL, NULL,
      "{'name':'src'}",
      "null", NULL, 1, 0, 0, "[]" },
    { "logs GetIntegration",
      "{'integrationName':'i'}",
      "{}", NULL, NULL,
      "{'integrationName':'i'}",
      "null", NULL, 1, 0, 0, "[]" },
    { "logs GetLogObject",
      "{'logObjectPointer':'P','unmask':true}",
      "{}", NULL, NULL,
      "{'logObjectPointer':'P','unmask':true}",
      "null", NULL, 1, 0, 1, "[]" },
    { "logs ListIntegrations",
      "{'integrationNamePrefix':'i'}",
      "{}", NULL, NULL,
      "{'integrationNamePrefix':'i'}",
      "null", NULL, 1, 0, 0, "[]" },
    { "logs ListSourcesForS3TableIntegration",
      "{'integrationArn':'IA','maxResults':5}",
      "{}", NULL, NULL,
      "{'integrationArn':'IA','maxResults':5}",
      "null", NULL, 1, 0, 0, "[]" },
    { "logs PutDeliverySource",
      "{'name':'src','resourceArn':'RA','logType':'ACCESS_LOGS'}",
      "{}", NULL, NULL,
      "{'name':'src','resourceArn':'RA','logType':'ACCESS_LOGS'}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs PutIntegration",
      "{'integrationName':'i','integrationType':'OPENSEARCH','resou"
      "rceConfig':{'openSearchResourceConfig':{'dataSourceRoleArn':"
      "'R','dashboardViewerPrincipals':['P'],'retentionDays':30}}}",
      "{}", NULL, NULL,
      "{'integrationName':'i','integrationType':'OPENSEARCH','resou"
      "rceConfig':{'openSearchResourceConfig':{'dataSourceRoleArn':"
      "'R','dashboardViewerPrincipals':['P'],'retentionDays':30}}}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs UpdateDeliveryConfiguration",
      "{'id':'abc','fieldDelimiter':','}",
      "{}", NULL, NULL,
      "{'id':'abc','fieldDelimiter':','}",
      "null", NULL, 0, 0, 0, "[]" },
    { "logs UpdateScheduledQuery",
      "{'identifier':'sq','queryLanguage':'CWLI','queryString':'fields x',"
      "'scheduleExpression':'rate(1 hour)','executionRoleArn':'R',"
      "'state':'DISABLED'}", "{'name':'sq'}", NULL, NULL,
      "{'identifier':'sq','queryLanguage':'CWLI','queryString':'fields x',"
      "'scheduleExpression':'rate(1 hour)','executionRoleArn':'R',"
      "'state':'DISABLED'}", "null", NULL, 0, 0, 0, "[]" },
};

/* CloudTrail's field order (AWS KMS's 1.11 examples); errorCode and
 * errorMessage and additionalEventData only when present. */
static const char *const field_order[] = {
    "eventVersion", "userIdentity", "eventTime", "eventSource", "eventName",
    "awsRegion", "sourceIPAddress", "userAgent", "errorCode", "errorMessage",
    "requestParameters", "responseElements", "additionalEventData",
    "requestID", "eventID", "readOnly", "resources", "eventType",
    "managementEvent", "recipientAccountId", "sharedEventID",
    "eventCategory",
};

/* The record's keys appear in field_order's order, and only those. */
static int order_ok(const char *name, const json_t *ev)
{
    const char *k;
    json_t *v;
    size_t pos = 0, j;

    json_object_foreach((json_t *)ev, k, v) {
        for (j = pos; j < N(field_order); j++) {
            if (strcmp(field_order[j], k) == 0) {
                break;
            }
        }
        if (j == N(field_order)) {
            print_message("%s: field %s out of order or unknown\n", name, k);
            return 0;
        }
        pos = j + 1;
    }
    return 1;
}

static int is_uuid(const char *s)
{
    size_t i;

    if (s == NULL || strlen(s) != 36) {
        return 0;
    }
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return 0;
            }
        } else if (strchr("0123456789abcdef", s[i]) == NULL) {
            return 0;
        }
    }
    return 1;
}

#define FAILIF(c, ...)                                                        \
    do {                                                                      \
        if (c) {                                                              \
            print_message(__VA_ARGS__);                                       \
            ok = 0;                                                           \
        }                                                                     \
    } while (0)

/* What every record of Alice's request shares, and the record's columns. */
static int common_ok(const char *name, const json_t *ev,
                     const struct lv_audit_record *r, const char *svc,
                     const char *op, int read_only, int data)
{
    const json_t *ui = json_object_get(ev, "userIdentity");
    char src[64];
    int ok = 1;

    snprintf(src, sizeof(src), "%s.amazonaws.com", svc);
    ok &= order_ok(name, ev);
    FAILIF(json_object_size(ui) != 6 ||
           strcmp(str_of(ui, "type"), "IAMUser") != 0 ||
           strlen(str_of(ui, "principalId")) != 21 ||
           strcmp(str_of(ui, "arn"), ALICE) != 0 ||
           strcmp(str_of(ui, "accountId"), ACCT) != 0 ||
           strcmp(str_of(ui, "accessKeyId"), AKID) != 0 ||
           strcmp(str_of(ui, "userName"), "Alice") != 0,
           "%s: userIdentity\n", name);
    FAILIF(strcmp(str_of(ev, "eventVersion"), "1.11") != 0,
           "%s: eventVersion\n", name);
    FAILIF(strcmp(str_of(ev, "eventTime"), "2022-08-10T22:38:27Z"),
           "%s: eventTime %s\n", name, str_of(ev, "eventTime"));
    FAILIF(strcmp(str_of(ev, "eventSource"), src) != 0,
           "%s: eventSource\n", name);
    FAILIF(strcmp(str_of(ev, "eventName"), op) != 0,
           "%s: eventName\n", name);
    FAILIF(strcmp(str_of(ev, "awsRegion"), REGION) != 0,
           "%s: awsRegion\n", name);
    FAILIF(strcmp(str_of(ev, "sourceIPAddress"), "192.0.2.0"),
           "%s: sourceIPAddress\n", name);
    FAILIF(strcmp(str_of(ev, "userAgent"),
                  "aws-cli/2.15.0 Python/3.11.6") != 0,
           "%s: userAgent\n", name);
    FAILIF(json_object_get(ev, "errorCode") != NULL, "%s: errorCode\n", name);
    FAILIF(strcmp(str_of(ev, "requestID"), REQID) != 0,
           "%s: requestID\n", name);
    FAILIF(!is_uuid(str_of(ev, "eventID")) ||
           strcmp(str_of(ev, "eventID"), r->event_id) != 0,
           "%s: eventID\n", name);
    FAILIF(!json_is_boolean(json_object_get(ev, "readOnly")) ||
           json_is_true(json_object_get(ev, "readOnly")) != read_only,
           "%s: readOnly\n", name);
    FAILIF(strcmp(str_of(ev, "eventType"), "AwsApiCall") != 0,
           "%s: eventType\n", name);
    FAILIF(!json_is_boolean(json_object_get(ev, "managementEvent")) ||
           json_is_true(json_object_get(ev, "managementEvent")) != !data,
           "%s: managementEvent\n", name);
    FAILIF(strcmp(str_of(ev, "recipientAccountId"), ACCT) != 0,
           "%s: recipientAccountId\n", name);
    FAILIF(strcmp(str_of(ev, "eventCategory"),
                  data ? "Data" : "Management") != 0,
           "%s: eventCategory\n", name);
    /* the columns */
    FAILIF(strcmp(r->account, ACCT) != 0 || strcmp(r->region, REGION) != 0,
           "%s: account/region columns\n", name);
    FAILIF(r->event_time_ms != NOW_MS, "%s: event_time_ms\n", name);
    FAILIF(strcmp(r->request_id, REQID) != 0, "%s: request_id\n", name);
    FAILIF(strcmp(r->event_source, src) != 0, "%s: event_source\n", name);
    FAILIF(strcmp(r->event_name, op) != 0, "%s: event_name\n", name);
    FAILIF(r->read_only != read_only, "%s: read_only column\n", name);
    FAILIF(strcmp(r->username, "Alice") != 0, "%s: username\n", name);
    FAILIF(strcmp(r->access_key_id, AKID) != 0, "%s: access_key_id\n", name);
    FAILIF(r->error_code[0] != '\0', "%s: error_code\n", name);
    FAILIF(r->id != 0 || r->seq != 0 || r->trace != NULL,
           "%s: id/seq/trace set\n", name);
    return ok;
}

/* resources[] against a JSON array of ARNs, and the record's columns. */
static int resources_ok(const char *name, const json_t *ev,
                        const struct lv_audit_record *r, const char *want)
{
    json_t *w = parse(want);
    const json_t *got = json_object_get(ev, "resources");
    size_t i;
    int ok = 1;

    FAILIF(!json_is_array(got) || json_array_size(got) != json_array_size(w)
           || (size_t)r->n_resources != json_array_size(w),
           "%s: %zu resources, want %zu\n", name, json_array_size(got),
           json_array_size(w));
    for (i = 0; ok && i < json_array_size(w); i++) {
        const char *arn = json_string_value(json_array_get(w, i));
        const json_t *g = json_array_get(got, i);
        const char *type = strstr(arn, ":logs:") ? "AWS::Logs::LogGroup"
                                                 : "AWS::KMS::Key";

        FAILIF(strcmp(str_of(g, "ARN"), arn) != 0 ||
               strcmp(str_of(g, "type"), type) != 0 ||
               strcmp(str_of(g, "accountId"), ACCT) != 0,
               "%s: resource %zu is %s\n", name, i,
               str_of(g, "ARN"));
        FAILIF(strcmp(r->resources[i].name, arn) != 0 ||
               strcmp(r->resources[i].type, type) != 0,
               "%s: resource column %zu\n", name, i);
    }
    json_decref(w);
    return ok;
}

static int run_op_row(const struct op_row *row)
{
    char svc[16], op[64];
    struct lv_req rq;
    struct lv_audit_record r;
    struct lv_audit_input in;
    struct lv_err err = LV_ERR_INIT;
    json_t *req = parse(row->in), *resp = parse(row->resp), *ev = NULL;
    int ok = 1;

    assert_int_equal(sscanf(row->name, "%15s %63s", svc, op), 2);
    make_req(&rq, svc, op, req, "Alice");
    memset(&in, 0, sizeof(in));
    in.rq = &rq;
    in.response = resp;
    in.key_arn = row->key_arn;
    in.group_arn = row->group_arn;
    memset(&r, 0, sizeof(r));
    if (build_json(&in, &r, &err) < 0) {
        print_message("%s: build failed: %s\n", row->name, err.msg);
        ok = 0;
        goto out;
    }
    ev = json_loads(r.event, 0, NULL);
    if (!json_is_object(ev)) {
        print_message("%s: the record is not a JSON object\n", row->name);
        ok = 0;
        goto out;
    }
    ok &= common_ok(row->name, ev, &r, svc, op, row->read_only, row->data);
    ok &= json_eq_or_absent(row->name, "requestParameters",
                            json_object_get(ev, "requestParameters"),
                            row->want_req);
    ok &= json_eq_or_absent(row->name, "responseElements",
                            json_object_get(ev, "responseElements"),
                            row->want_resp);
    ok &= json_eq_or_absent(row->name, "additionalEventData",
                            json_object_get(ev, "additionalEventData"),
                            row->want_extra);
    ok &= resources_ok(row->name, ev, &r, row->want_res);
    FAILIF(r.key_use != row->key_use, "%s: key_use\n", row->name);
    /* an operation whose record does not read its response: the same
     * record without it (but for eventID) */
    if (!lv_audit_uses_response(svc, op)) {
        struct lv_audit_record r2;
        json_t *ev2 = NULL;

        in.response = NULL;
        memset(&r2, 0, sizeof(r2));
        if (build_json(&in, &r2, &err) == 0 &&
            (ev2 = json_loads(r2.event, 0, NULL)) != NULL) {
            json_object_del(ev2, "eventID");
            json_object_set(ev2, "eventID", json_object_get(ev, "eventID"));
        }
        FAILIF(ev2 == NULL || !json_equal(ev, ev2) ||
               r2.n_resources != r.n_resources,
               "%s: the record differs without the response\n", row->name);
        json_decref(ev2);
        free(r2.event);
    }
    FAILIF(lv_audit_read_only(svc, op) != row->read_only ||
           lv_audit_is_data_event(svc, op) != row->data ||
           lv_audit_key_use(svc, op) != row->key_use,
           "%s: classification functions\n", row->name);
out:
    json_decref(ev);
    json_decref(req);
    json_decref(resp);
    free(r.event);
    return ok;
}

static void every_operation(void **state)
{
    (void)state;
    RUN_TABLE("every operation", op_rows, run_op_row);
}

/* Every operation logvault implements has a row above. */
struct impl_op {
    const char *svc;
    const char *op;
};

static const struct impl_op implemented[] = {
#define OP(svc, name, handler, flags) { #svc, #name },
#define OP_NOT_IMPLEMENTED(svc, name)
#include "model/gen/ops.def"
#undef OP
#undef OP_NOT_IMPLEMENTED
};

static void every_implemented_op_has_a_row(void **state)
{
    char name[96];
    size_t i, j;

    (void)state;
    for (i = 0; i < N(implemented); i++) {
        snprintf(name, sizeof(name), "%s %s", implemented[i].svc,
                 implemented[i].op);
        for (j = 0; j < N(op_rows); j++) {
            if (strcmp(op_rows[j].name, name) == 0) {
                break;
            }
        }
        CHECK(name, j < N(op_rows));
    }
}

/* ---- no secret ever --------------------------------------------------- */

/* A member that holds a secret or event text: a blob or a sensitive shape
 * (Plaintext, CiphertextBlob, Message, Signature, Mac, PublicKey,
 * PrivateKeyPlaintext …), a grant token, log events and their text. */
static int secret_member(const struct lv_service *svc,
                         const struct lv_member *m)
{
    static const char *const named[] = {
        "GrantTokens", "GrantToken", "logEvents", "logEventMessages",
        "events", "matches", "entity", "Recipient",
    };
    const struct lv_shape *sh = &svc->shapes[m->shape];
    size_t i;

    if (sh->type == LV_T_BLOB || sh->sensitive) {
        return 1;
    }
    for (i = 0; i < N(named); i++) {
        if (strcmp(m->name, named[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* {member: "MARK-<io>-<member>-Z", …} for every member of shape `idx`. */
static json_t *marked(const struct lv_service *svc, int idx, const char *io)
{
    const struct lv_shape *sh;
    json_t *o = json_object();
    char mark[160];
    int i;

    if (idx < 0) {
        return o;
    }
    sh = &svc->shapes[idx];
    for (i = 0; i < sh->n_members; i++) {
        snprintf(mark, sizeof(mark), "MARK-%s-%s-Z", io,
                 sh->members[i].name);
        json_object_set_new(o, sh->members[i].name, json_string(mark));
    }
    return o;
}

static int secrets_absent(const struct lv_service *svc, int idx,
                          const char *io, const char *event,
                          const char *name)
{
    const struct lv_shape *sh;
    char mark[160];
    int i, ok = 1;

    if (idx < 0) {
        return 1;
    }
    sh = &svc->shapes[idx];
    for (i = 0; i < sh->n_members; i++) {
        if (!secret_member(svc, &sh->members[i])) {
            continue;
        }
        snprintf(mark, sizeof(mark), "MARK-%s-%s-Z", io,
                 sh->members[i].name);
        if (strstr(event, mark) != NULL) {
            print_message("%s: %s member %s is in the record\n", name, io,
                          sh->members[i].name);
            ok = 0;
        }
    }
    return ok;
}

static void no_secret_ever(void **state)
{
    size_t i;
    int failed = 0, pass, seen_secret = 0;

    (void)state;
    for (i = 0; i < N(implemented); i++) {
        const struct lv_service *svc = service(implemented[i].svc);
        const struct lv_op *op = lv_model_find_op(svc, implemented[i].op,
                                                  strlen(implemented[i].op));
        /* both with a response (success) and without (refused) */
        for (pass = 0; pass < 2; pass++) {
            json_t *req = marked(svc, op->input, "in");
            json_t *resp = marked(svc, op->output, "out");
            struct lv_req rq;
            struct lv_audit_record r;
            struct lv_audit_input in;
            struct lv_err err = LV_ERR_INIT;
            int j;

            make_req(&rq, implemented[i].svc, implemented[i].op, req,
                     "Alice");
            memset(&in, 0, sizeof(in));
            in.rq = &rq;
            in.response = pass == 0 ? resp : NULL;
            in.error_code = pass == 0 ? NULL : "AccessDeniedException";
            in.error_message = pass == 0 ? NULL : "denied";
            in.key_arn = KARN;
            in.group_arn = GARN;
            assert_int_equal(build_json(&in, &r, &err), 0);
            if (!secrets_absent(svc, op->input, "in", r.event,
                                implemented[i].op) ||
                !secrets_absent(svc, op->output, "out", r.event,
                                implemented[i].op) ||
                !secrets_absent(svc, op->input, "in", last_compact,
                                implemented[i].op) ||
                !secrets_absent(svc, op->output, "out", last_compact,
                                implemented[i].op)) {
                failed++;
            }
            /* the test can fail: some member of this input is a secret */
            for (j = 0; op->input >= 0 &&
                        j < svc->shapes[op->input].n_members; j++) {
                seen_secret += secret_member(
                    svc, &svc->shapes[op->input].members[j]);
            }
            free(r.event);
            json_decref(req);
            json_decref(resp);
        }
    }
    assert_true(seen_secret > 20);
    assert_int_equal(failed, 0);
}

/* ---- identities, errors, classification -------------------------------- */

static json_t *build(struct lv_audit_input *in, struct lv_audit_record *r)
{
    struct lv_err err = LV_ERR_INIT;
    json_t *ev;

    memset(r, 0, sizeof(*r));
    assert_int_equal(build_json(in, r, &err), 0);
    ev = json_loads(r->event, 0, NULL);
    assert_non_null(ev);
    return ev;
}

/* Which responses the recorder parses (lv_audit_response_may_name): those
 * that name a member their record reads, any of a record that reads
 * resources from its response; and a Decrypt answered without
 * KeyMaterialId, left unparsed, is recorded as the parsed one is. */
static void response_parse_skipped(void **state)
{
    static const char with[] =
        "{\"KeyId\":\"" KARN "\",\"Plaintext\":\"aGVsbG8=\","
        "\"EncryptionAlgorithm\":\"SYMMETRIC_DEFAULT\","
        "\"KeyMaterialId\":\"" MAT "\"}";
    static const char without[] =
        "{\"KeyId\":\"" KARN "\",\"Plaintext\":\"S2V5TWF0ZXJpYWxJZA==\","
        "\"EncryptionAlgorithm\":\"SYMMETRIC_DEFAULT\","
        "\"Note\":\"\\\"KeyMaterialId\\\" in a value\"}";
    json_t *req = parse("{'CiphertextBlob':'AQID','EncryptionContext':"
                        CTX "}");
    json_t *parsed = parse("{'KeyId':'" KARN "'}");    /* picked: none */
    struct lv_audit_input in;
    struct lv_audit_record r1;
    struct lv_audit_record r2;
    struct lv_req rq;
    json_t *a;
    json_t *b;

    (void)state;
    assert_int_equal(lv_audit_response_may_name("kms", "Decrypt", with,
                                                sizeof(with) - 1), 1);
    assert_int_equal(lv_audit_response_may_name("kms", "Decrypt", without,
                                                sizeof(without) - 1), 0);
    assert_int_equal(lv_audit_response_may_name("kms", "GenerateDataKey",
                                                with, sizeof(with) - 1), 1);
    assert_int_equal(lv_audit_response_may_name("kms", "Encrypt", with,
                                                sizeof(with) - 1), 0);
    /* CreateKey's record names the key its response names. */
    assert_int_equal(lv_audit_response_may_name("kms", "CreateKey", "{}", 2),
                     1);
    make_req(&rq, "kms", "Decrypt", req, "alice");
    memset(&in, 0, sizeof(in));
    in.rq = &rq;
    in.key_arn = KARN;
    in.response = parsed;
    a = build(&in, &r1);
    in.response = NULL;
    b = build(&in, &r2);
    json_object_del(a, "eventID");
    json_object_del(b, "eventID");
    assert_true(json_equal(a, b));
    assert_null(json_object_get(a, "additionalEventData"));
    lv_audit_record_release(&r1);
    lv_audit_record_release(&r2);
    json_decref(a);
    json_decref(b);
    json_decref(parsed);
    json_decref(req);
}

/* The Logs service's own GenerateDataKey for a group, as AWS records the
 * calls a service makes with its service principal. */
static void logs_service_call(void **state)
{
    json_t *req = parse("{'KeyId':'" KARN "','KeySpec':'AES_256',"
                        "'EncryptionContext':{'aws:logs:arn':'" GARN "'}}");
    struct lv_req rq;
    struct lv_audit_record r;
    struct lv_audit_input in;
    json_t *ev;

    (void)state;
    make_req(&rq, "kms", "GenerateDataKey", req, "");
    snprintf(rq.who.service, sizeof(rq.who.service),
             "logs.us-west-2.amazonaws.com");
    rq.who.arn[0] = '\0';
    rq.who.access_key[0] = '\0';
    rq.source_ip[0] = '\0';
    rq.user_agent = NULL;
    memset(&in, 0, sizeof(in));
    in.rq = &rq;
    in.invoked_by = "logs.amazonaws.com";
    in.key_arn = KARN;
    in.group_arn = GARN;
    ev = build(&in, &r);
    assert_true(json_eq_or_absent("service", "userIdentity",
                                  json_object_get(ev, "userIdentity"),
                                  "{'type':'AWSService',"
                                  "'invokedBy':'logs.amazonaws.com'}"));
    assert_string_equal(str_of(ev, "sourceIPAddress"),
                        "logs.amazonaws.com");
    assert_string_equal(str_of(ev, "userAgent"),
                        "logs.amazonaws.com");
    assert_true(json_eq_or_absent(
        "service", "requestParameters",
        json_object_get(ev, "requestParameters"),
        "{'keyId':'" KARN "','keySpec':'AES_256',"
        "'encryptionContext':{'aws:logs:arn':'" GARN "'}}"));
    assert_string_equal(str_of(ev, "recipientAccountId"), ACCT);
    assert_string_equal(r.access_key_id, "");
    assert_string_equal(r.username, "logs.amazonaws.com");
    assert_int_equal(r.key_use, 1);
    assert_int_equal(r.n_resources, 2);     /* the key and the group */
    /* without invoked_by, the name comes from the principal */
    free(r.event);
    json_decref(ev);
    in.invoked_by = NULL;
    ev = build(&in, &r);
    assert_string_equal(str_of(json_object_get(ev, "userIdentity"),
                                         "invokedBy"),
                        "logs.amazonaws.com");
    free(r.event);
    json_decref(ev);
    json_decref(req);
}

static void root_and_invoked_by(void **state)
{
    json_t *req = parse("{'logGroupName':'my-group'}");
    struct lv_req rq;
    struct lv_audit_record r;
    struct lv_audit_input in;
    json_t *ev;

    (void)state;
    make_req(&rq, "logs", "CreateLogGroup", req, "");
    memset(&in, 0, sizeof(in));
    in.rq = &rq;
    in.group_arn = GARN;
    ev = build(&in, &r);
    assert_true(json_eq_or_absent(
        "root", "userIdentity", json_object_get(ev, "userIdentity"),
        "{'type':'Root','principalId':'" ACCT "',"
        "'arn':'arn:aws:iam::" ACCT ":root','accountId':'" ACCT "',"
        "'accessKeyId':'" AKID "'}"));
    assert_string_equal(r.username, "root");
    free(r.event);
    json_decref(ev);

    /* a call a service made with the caller's identity */
    make_req(&rq, "logs", "CreateLogGroup", req, "Alice");
    rq.source_ip[0] = '\0';
    in.invoked_by = "logs.amazonaws.com";
    ev = build(&in, &r);
    assert_string_equal(str_of(json_object_get(ev, "userIdentity"),
                                         "type"), "IAMUser");
    assert_string_equal(str_of(json_object_get(ev, "userIdentity"),
                                         "invokedBy"), "logs.amazonaws.com");
    assert_string_equal(str_of(ev, "sourceIPAddress"),
                        "logs.amazonaws.com");
    assert_string_equal(r.username, "Alice");
    assert_string_equal(r.access_key_id, AKID);
    free(r.event);
    json_decref(ev);
    json_decref(req);
}

/* Two users get two principalIds, shaped as AWS's; one user always one. */
static void principal_ids(void **state)
{
    struct lv_req rq;
    struct lv_audit_record r;
    struct lv_audit_input in;
    json_t *ev;
    char a[32], b[32];
    size_t i;

    (void)state;
    memset(&in, 0, sizeof(in));
    in.rq = &rq;
    make_req(&rq, "kms", "ListKeys", NULL, "Alice");
    ev = build(&in, &r);
    snprintf(a, sizeof(a), "%s", str_of(
        json_object_get(ev, "userIdentity"), "principalId"));
    free(r.event);
    json_decref(ev);
    make_req(&rq, "kms", "ListKeys", NULL, "Bob");
    ev = build(&in, &r);
    snprintf(b, sizeof(b), "%s", str_of(
        json_object_get(ev, "userIdentity"), "principalId"));
    free(r.event);
    json_decref(ev);
    assert_int_equal(strlen(a), 21);
    assert_memory_equal(a, "AIDA", 4);
    for (i = 4; i < 21; i++) {
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", a[i]));
    }
    assert_string_not_equal(a, b);
    make_req(&rq, "kms", "ListKeys", NULL, "Alice");
    ev = build(&in, &r);
    assert_string_equal(str_of(json_object_get(ev, "userIdentity"),
                                         "principalId"), a);
    free(r.event);
    json_decref(ev);
}

/* ct-decrypt's failure example: errorCode and errorMessage after
 * userAgent, responseElements null even if the handler wrote something. */
static void refused_request(void **state)
{
    json_t *req = parse("{'CiphertextBlob':'AQID','KeyId':'" KARN "'}");
    json_t *resp = parse("{'Plaintext':'c2VjcmV0','KeyId':'" KARN "'}");
    struct lv_req rq;
    struct lv_audit_record r;
    struct lv_audit_input in;
    json_t *ev;

    (void)state;
    make_req(&rq, "kms", "Decrypt", req, "Alice");
    memset(&in, 0, sizeof(in));
    in.rq = &rq;
    in.response = resp;
    in.error_code = "AccessDeniedException";
    in.error_message = "User: " ALICE " is not authorized to perform: "
                       "kms:Decrypt on this resource because the resource "
                       "does not exist in this Region, no resource-based "
                       "policies allow access, or a resource-based policy "
                       "explicitly denies access";
    in.key_arn = KARN;
    ev = build(&in, &r);
    assert_true(order_ok("refused", ev));
    assert_string_equal(str_of(ev, "errorCode"),
                        "AccessDeniedException");
    assert_string_equal(str_of(ev, "errorMessage"),
                        in.error_message);
    assert_true(json_is_null(json_object_get(ev, "responseElements")));
    assert_null(json_object_get(ev, "additionalEventData"));
    assert_null(strstr(r.event, "c2VjcmV0"));
    assert_null(strstr(last_compact, "c2VjcmV0"));
    assert_string_equal(r.error_code, "AccessDeniedException");
    assert_true(json_eq_or_absent(
        "refused", "requestParameters",
        json_object_get(ev, "requestParameters"),
        "{'encryptionAlgorithm':'SYMMETRIC_DEFAULT','keyId':'" KARN "'}"));
    free(r.event);
    json_decref(ev);
    json_decref(req);
    json_decref(resp);
}

/* An operation the tables do not know is still recorded, without its
 * members; the classification falls back on the name. */
static void unknown_operation(void **state)
{
    static const struct lv_op op = { "GetSecretThing", -1, -1, 0, NULL, NULL,
                                     NULL };
    json_t *req = parse("{'Secret':'hunter2'}");
    struct lv_req rq;
    struct lv_audit_record r;
    struct lv_audit_input in;
    json_t *ev;

    (void)state;
    make_req(&rq, "kms", "ListKeys", req, "Alice");
    rq.op = &op;
    memset(&in, 0, sizeof(in));
    in.rq = &rq;
    ev = build(&in, &r);
    assert_true(json_is_null(json_object_get(ev, "requestParameters")));
    assert_null(strstr(r.event, "hunter2"));
    assert_null(strstr(last_compact, "hunter2"));
    assert_int_equal(r.read_only, 1);
    assert_int_equal(lv_audit_read_only("kms", "PutSomething"), 0);
    assert_int_equal(lv_audit_read_only("cloudtrail", "LookupEvents"), 1);
    assert_int_equal(lv_audit_read_only("kms", "Explain"), 1);
    assert_int_equal(lv_audit_read_only("kms", "GetKeyLastUsage"), 1);
    assert_int_equal(lv_audit_key_use("kms", "GetKeyLastUsage"), 0);
    assert_int_equal(lv_audit_is_data_event("cloudtrail", "LookupEvents"), 0);
    assert_int_equal(lv_audit_key_use("kms", "GenerateRandom"), 0);
    assert_int_equal(lv_audit_read_only(NULL, NULL), 0);
    free(r.event);
    json_decref(ev);
    json_decref(req);
}

/* CloudTrail's own LookupEvents (part of the API logvault serves): its
 * request, not the records it answers with. */
static void lookup_events_record(void **state)
{
    static const struct lv_op op = { "LookupEvents", -1, -1, 0, NULL, NULL,
                                     NULL };
    static const struct lv_service ct = { .name = "cloudtrail",
                                          .signing_name = "cloudtrail" };
    json_t *req = parse("{'LookupAttributes':[{'AttributeKey':'EventName',"
                        "'AttributeValue':'Encrypt'}],'MaxResults':5}");
    json_t *resp = parse("{'Events':[{'CloudTrailEvent':'{}'}]}");
    struct lv_req rq;
    struct lv_audit_record r;
    struct lv_audit_input in;
    json_t *ev;

    (void)state;
    make_req(&rq, "kms", "ListKeys", req, "Alice");
    rq.svc = &ct;
    rq.op = &op;
    memset(&in, 0, sizeof(in));
    in.rq = &rq;
    in.response = resp;
    ev = build(&in, &r);
    assert_string_equal(str_of(ev, "eventSource"), "cloudtrail.amazonaws.com");
    assert_true(json_eq_or_absent(
        "lookup", "requestParameters", json_object_get(ev, "requestParameters"),
        "{'lookupAttributes':[{'attributeKey':'EventName',"
        "'attributeValue':'Encrypt'}],'maxResults':5}"));
    assert_true(json_is_null(json_object_get(ev, "responseElements")));
    assert_int_equal(r.read_only, 1);
    assert_int_equal(r.n_resources, 0);
    free(r.event);
    json_decref(ev);
    json_decref(req);
    json_decref(resp);
}

static void needs_an_operation(void **state)
{
    struct lv_req rq;
    struct lv_audit_record r;
    struct lv_audit_input in;
    struct lv_err err = LV_ERR_INIT;

    (void)state;
    make_req(&rq, "kms", "ListKeys", NULL, "Alice");
    rq.op = NULL;
    memset(&in, 0, sizeof(in));
    in.rq = &rq;
    memset(&r, 0x5a, sizeof(r));
    assert_int_equal(lv_audit_event_build(&in, &r, &err), -1);
    assert_int_equal(err.code, LV_E_INTERNAL_FAILURE);
    assert_int_equal(r.account[0], 0x5a);   /* *out untouched */
}

/* Dates in responseElements as AWS writes them: day and hour without a
 * leading zero, 12-hour clock, midnight as 12 AM. */
static void response_dates(void **state)
{
    static const struct {
        double t;
        const char *want;
    } rows[] = {
        { 1609462861.0, "Jan 1, 2021, 1:01:01 AM" },
        { 1609459200.0, "Jan 1, 2021, 12:00:00 AM" },
        { 1640995199.0, "Dec 31, 2021, 11:59:59 PM" },
        { 1656676800.0, "Jul 1, 2022, 12:00:00 PM" },
    };
    json_t *req = parse("{'KeyId':'" KID "'}");
    struct lv_req rq;
    struct lv_audit_record r;
    struct lv_audit_input in;
    json_t *resp, *ev;
    size_t i;

    (void)state;
    for (i = 0; i < N(rows); i++) {
        make_req(&rq, "kms", "ScheduleKeyDeletion", req, "Alice");
        resp = json_pack("{s:s, s:f}", "KeyId", KARN, "DeletionDate",
                         rows[i].t);
        memset(&in, 0, sizeof(in));
        in.rq = &rq;
        in.response = resp;
        ev = build(&in, &r);
        CHECK(rows[i].want,
              strcmp(str_of(json_object_get(ev, "responseElements"),
                            "deletionDate"), rows[i].want) == 0);
        free(r.event);
        json_decref(ev);
        json_decref(resp);
    }
    json_decref(req);
}

/* Each record gets its own eventID. */
static void fresh_event_ids(void **state)
{
    struct lv_req rq;
    struct lv_audit_record a, b;
    struct lv_audit_input in;
    struct lv_err err = LV_ERR_INIT;

    (void)state;
    make_req(&rq, "kms", "ListKeys", NULL, "Alice");
    memset(&in, 0, sizeof(in));
    in.rq = &rq;
    assert_int_equal(lv_audit_event_build(&in, &a, &err), 0);
    assert_int_equal(lv_audit_event_build(&in, &b, &err), 0);
    assert_true(is_uuid(a.event_id));
    assert_string_not_equal(a.event_id, b.event_id);
    free(a.event);
    free(b.event);
}


/* The tail of in's record as built from scratch: lv_audit_event_views,
 * then enc2 (trace NULL), malloc'd, its length in *n. */
static uint8_t *tail_built(const struct lv_audit_input *in, size_t *n)
{
    struct lv_audit_views v;
    struct lv_err err = LV_ERR_INIT;
    size_t head;
    size_t all;
    uint8_t *b;
    uint8_t *t;

    assert_int_equal(lv_audit_event_views(in, &v, &err), 0);
    head = lv_audit_enc2_head_size(v.f.event_time_ms, &v.f.event_id,
                                   &v.f.request_id);
    all = lv_audit_enc2_size(&v.f);
    b = lv_xmalloc(all);
    lv_audit_enc2_put(b, &v.f, NULL);
    t = lv_xmalloc(all - head);
    memcpy(t, b + head, all - head);
    *n = all - head;
    free(b);
    free(v.event);
    return t;
}

/* One step of remembered_tails: in's record through lv_audit_event_enc
 * has the tail built from scratch, no eventID (its batch's place gives
 * it) or a fresh one, and rq's requestID
 * and time; *same (when not NULL) says whether the tail is the last
 * step's, whose bytes *last holds (updated). */
static void enc_step(const char *name, const struct lv_audit_input *in,
                     uint8_t **last, size_t *last_n, int want_same)
{
    struct lv_audit_enc e;
    struct lv_err err = LV_ERR_INIT;
    size_t n;
    uint8_t *want = tail_built(in, &n);

    assert_int_equal(lv_audit_event_enc(in, NULL, &e, &err), 0);
    if (e.tail_len != n || memcmp(e.tail, want, n) != 0) {
        fail_msg("%s: the tail differs from the one built", name);
    }
    /* A 12-digit account's batched record takes the eventID its place
     * gives it (store/audit_eid.h): none is drawn. */
    if (e.account.n == 12 && strspn(e.account.p, "0123456789") >= 12) {
        assert_string_equal(e.event_id, "");
    } else {
        assert_true(is_uuid(e.event_id));
    }
    assert_int_equal(e.event_time_ms, in->rq->now_ms);
    assert_int_equal(e.request_id.n, strlen(in->rq->id));
    if (*last != NULL &&
        ((*last_n == n && memcmp(*last, want, n) == 0) != want_same)) {
        fail_msg("%s: the tail is %sthe step before's", name,
                 want_same ? "not " : "");
    }
    free(*last);
    *last = want;
    *last_n = n;
}

/* The references to a remembered tail (event.h): holders on the thread
 * that remembers it take them from its credit, past the credit too, and
 * when the thread forgets the tail (another record's inputs) it gives
 * back what it did not hand out, so that the count is the holders'
 * exactly; the last holder's drop frees it (ASan would see a leak or a
 * use after free). A thread that does not remember the tail takes one
 * reference each. */
static void *hold_elsewhere(void *arg)
{
    lv_audit_tail_hold(arg);
    return NULL;
}

static void tail_references(void **state)
{
    struct lv_req rq;
    struct lv_audit_input in;
    struct lv_audit_enc e;
    struct lv_audit_tail *t;
    struct lv_err err = LV_ERR_INIT;
    json_t *body = parse("{'KeyId': 'alias/x', 'Plaintext': 'c2VjcmV0'}");
    pthread_t th;
    const size_t holds = 2500;  /* past two credits */

    (void)state;
    make_req(&rq, "kms", "Encrypt", body, "Alice");
    memset(&in, 0, sizeof(in));
    in.rq = &rq;
    in.key_arn = KARN;
    assert_int_equal(lv_audit_event_enc(&in, NULL, &e, &err), 0);
    t = e.shared;
    assert_non_null(t);
    for (size_t i = 0; i < holds; i++) {
        assert_int_equal(lv_audit_event_enc(&in, NULL, &e, &err), 0);
        assert_ptr_equal(e.shared, t);
        lv_audit_tail_hold(e.shared);
        /* Never fewer than the holders and the memo's own. */
        assert_true(atomic_load(&t->refs) >= i + 2);
    }
    assert_int_equal(pthread_create(&th, NULL, hold_elsewhere, t), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    in.key_arn = KARN2;         /* the thread now remembers another tail */
    assert_int_equal(lv_audit_event_enc(&in, NULL, &e, &err), 0);
    assert_ptr_not_equal(e.shared, t);
    assert_int_equal(atomic_load(&t->refs), holds + 1);
    lv_audit_tail_drop_n(t, holds / 2);
    assert_int_equal(atomic_load(&t->refs), holds + 1 - holds / 2);
    lv_audit_tail_drop_n(t, 0);
    lv_audit_tail_drop_n(NULL, 3);
    lv_audit_tail_drop_n(t, holds - holds / 2);
    lv_audit_tail_drop(t);      /* the last: freed */
    json_decref(body);
}

/* lv_audit_event_enc remembers a tail per thread and reuses it for the
 * same inputs (event.h): every input that shapes a tail, changed alone,
 * gives the tail built from scratch (the test build also checks each
 * reuse, LV_AUDIT_MEMO_CHECK), and the same inputs again give the same
 * tail with a new eventID. */
static void remembered_tails(void **state)
{
    struct lv_req rq;
    struct lv_audit_input in;
    uint8_t *last = NULL;
    size_t last_n = 0;
    json_t *body = parse("{'KeyId': 'alias/x', 'Plaintext': 'c2VjcmV0',"
                         " 'EncryptionContext': {'a': '1', 'b': '2'}}");
    json_t *swapped = parse("{'KeyId': 'alias/x', 'Plaintext': 'c2VjcmV0',"
                            " 'EncryptionContext': {'b': '2', 'a': '1'}}");
    json_t *real = parse("{'KeyId': 'alias/x', 'Plaintext': 'c2VjcmV0',"
                         " 'EncryptionContext': {'a': '1', 'b': '2'},"
                         " 'DryRun': false}");
    json_t *other_pt = parse("{'KeyId': 'alias/x', 'Plaintext': 'b3RoZXI=',"
                             " 'EncryptionContext': {'a': '1', 'b': '2'}}");
    json_t *resp = parse("{'KeyMaterialId': 'm1'}");
    json_t *resp2 = parse("{'KeyMaterialId': 'm2'}");

    (void)state;
    make_req(&rq, "kms", "Encrypt", body, "Alice");
    memset(&in, 0, sizeof(in));
    in.rq = &rq;
    in.key_arn = KARN;
    enc_step("first", &in, &last, &last_n, 0);
    snprintf(rq.id, sizeof(rq.id), "another-request");
    rq.now_ms += 5;
    enc_step("again", &in, &last, &last_n, 1);
    rq.in = other_pt;           /* a member no record names */
    enc_step("another plaintext", &in, &last, &last_n, 1);
    rq.in = swapped;
    enc_step("context reordered", &in, &last, &last_n, 0);
    rq.in = body;
    enc_step("context back", &in, &last, &last_n, 0);
    rq.in = real;
    enc_step("one member more", &in, &last, &last_n, 0);
    rq.in = body;
    enc_step("back", &in, &last, &last_n, 0);
    rq.user_agent = "Boto3/1.34.0";
    enc_step("user agent", &in, &last, &last_n, 0);
    rq.user_agent = NULL;
    enc_step("no user agent", &in, &last, &last_n, 0);
    snprintf(rq.source_ip, sizeof(rq.source_ip), "192.0.2.9");
    enc_step("source address", &in, &last, &last_n, 0);
    in.key_arn = KARN2;
    enc_step("key", &in, &last, &last_n, 0);
    snprintf(rq.who.access_key, sizeof(rq.who.access_key), "AKIAOTHER");
    enc_step("access key", &in, &last, &last_n, 0);
    snprintf(rq.who.user, sizeof(rq.who.user), "Bob");
    snprintf(rq.who.arn, sizeof(rq.who.arn), "arn:aws:iam::%s:user/Bob",
             ACCT);
    enc_step("user", &in, &last, &last_n, 0);
    in.error_code = "AccessDeniedException";
    in.error_message = "no";
    enc_step("an error", &in, &last, &last_n, 0);
    in.error_message = "not that either";
    enc_step("another message", &in, &last, &last_n, 0);
    in.error_code = NULL;
    in.error_message = NULL;
    enc_step("no error", &in, &last, &last_n, 0);
    in.recipient = "444455556666";
    in.shared_event_id = "8d5ab5d4-5e4a-4e6e-9d3b-1f2a3b4c5d6e";
    enc_step("the key owner's trail", &in, &last, &last_n, 0);
    in.recipient = NULL;
    in.shared_event_id = NULL;
    enc_step("the caller's", &in, &last, &last_n, 0);
    snprintf(rq.region, sizeof(rq.region), "eu-west-2");
    enc_step("region", &in, &last, &last_n, 1);  /* no tail names it */

    /* A response member a record names (Decrypt's KeyMaterialId). */
    make_req(&rq, "kms", "Decrypt", body, "Alice");
    in.rq = &rq;
    in.response = resp;
    enc_step("decrypt", &in, &last, &last_n, 0);
    enc_step("decrypt again", &in, &last, &last_n, 1);
    in.response = resp2;
    enc_step("another key material", &in, &last, &last_n, 0);
    in.error_code = "IncorrectKeyException";
    in.error_message = "wrong key";
    enc_step("failed: no response read", &in, &last, &last_n, 0);
    in.response = resp;
    enc_step("failed, another response", &in, &last, &last_n, 1);
    in.error_code = NULL;
    in.error_message = NULL;

    /* Another operation with the same inputs. */
    make_req(&rq, "kms", "GenerateDataKey", body, "Alice");
    in.rq = &rq;
    enc_step("another operation", &in, &last, &last_n, 0);
    free(last);
    json_decref(body);
    json_decref(swapped);
    json_decref(real);
    json_decref(other_pt);
    json_decref(resp);
    json_decref(resp2);
}

/* A cross-account request's two records (the KMS guide: "Cross-account
 * operations on KMS keys are logged in both the caller account and the
 * KMS key owner account"; CloudTrail's sharedEventID): Alice of ACCT
 * encrypts under OWNER's key. The caller's record is as ever, with the
 * sharedEventID; the owner's has the owner as recipientAccountId, the
 * caller as another account's principal, the same sharedEventID, its
 * own eventID, and no access key or user name in its columns. A service
 * principal's call keeps its identity in the owner's record. */
#define OWNER "444455556666"
#define OARN "arn:aws:kms:us-west-2:" OWNER ":key/" KID
#define SHARED "8d5ab5d4-5e4a-4e6e-9d3b-1f2a3b4c5d6e"
static void cross_account(void **state)
{
    json_t *req = parse("{'KeyId':'" OARN "','EncryptionContext':"
                        "{'Department':'10-1'}}");
    struct lv_req rq;
    struct lv_audit_record r, o;
    struct lv_audit_input in;
    json_t *ev, *oev;
    char pid[64];
    char want[256];

    (void)state;
    make_req(&rq, "kms", "Encrypt", req, "Alice");
    memset(&in, 0, sizeof(in));
    in.rq = &rq;
    in.key_arn = OARN;
    in.shared_event_id = SHARED;
    ev = build(&in, &r);
    assert_true(order_ok("caller's", ev));
    assert_true(common_ok("caller's", ev, &r, "kms", "Encrypt", 1, 0));
    assert_string_equal(str_of(ev, "sharedEventID"), SHARED);
    /* the key's use is counted in its owner's record (GetKeyLastUsage) */
    assert_int_equal(r.key_use, 0);
    snprintf(pid, sizeof(pid), "%s",
             str_of(json_object_get(ev, "userIdentity"), "principalId"));

    in.recipient = OWNER;
    oev = build(&in, &o);
    assert_true(order_ok("owner's", oev));
    /* the caller's principalId, the caller's account */
    snprintf(want, sizeof(want), "{'type':'AWSAccount','principalId':'%s',"
             "'accountId':'" ACCT "'}", pid);
    assert_true(json_eq_or_absent("owner's", "userIdentity",
                                  json_object_get(oev, "userIdentity"),
                                  want));
    assert_string_equal(str_of(oev, "recipientAccountId"), OWNER);
    assert_string_equal(str_of(oev, "sharedEventID"), SHARED);
    assert_string_not_equal(str_of(oev, "eventID"), str_of(ev, "eventID"));
    assert_string_equal(str_of(oev, "requestID"), REQID);
    assert_true(json_equal(json_object_get(oev, "requestParameters"),
                           json_object_get(ev, "requestParameters")));
    assert_true(json_equal(json_object_get(oev, "resources"),
                           json_object_get(ev, "resources")));
    assert_string_equal(str_of(json_array_get(json_object_get(oev,
                                                              "resources"),
                                              0), "accountId"), OWNER);
    assert_string_equal(o.account, OWNER);
    assert_string_equal(o.region, REGION);
    assert_string_equal(o.access_key_id, "");
    assert_string_equal(o.username, "");
    assert_string_equal(o.event_name, "Encrypt");
    assert_int_equal(o.key_use, 1);
    assert_string_equal(o.resources[0].name, OARN);
    free(r.event);
    free(o.event);
    json_decref(ev);
    json_decref(oev);

    /* the root of the calling account: its principalId is the account */
    make_req(&rq, "kms", "Encrypt", req, "");
    oev = build(&in, &o);
    assert_true(json_eq_or_absent(
        "owner's of root", "userIdentity",
        json_object_get(oev, "userIdentity"),
        "{'type':'AWSAccount','principalId':'" ACCT "','accountId':'" ACCT
        "'}"));
    free(o.event);
    json_decref(oev);

    /* the Logs service's call for a group of ACCT on OWNER's key */
    make_req(&rq, "kms", "GenerateDataKey", req, "");
    snprintf(rq.who.service, sizeof(rq.who.service),
             "logs.us-west-2.amazonaws.com");
    rq.who.arn[0] = '\0';
    rq.who.access_key[0] = '\0';
    rq.source_ip[0] = '\0';
    rq.user_agent = NULL;
    in.invoked_by = "logs.amazonaws.com";
    oev = build(&in, &o);
    assert_true(json_eq_or_absent("owner's of a service call",
                                  "userIdentity",
                                  json_object_get(oev, "userIdentity"),
                                  "{'type':'AWSService',"
                                  "'invokedBy':'logs.amazonaws.com'}"));
    assert_string_equal(str_of(oev, "recipientAccountId"), OWNER);
    assert_string_equal(o.account, OWNER);
    assert_string_equal(o.username, "logs.amazonaws.com");
    assert_int_equal(o.key_use, 1);
    free(o.event);
    json_decref(oev);

    /* no shared id, no field; no recipient, the principal's account */
    in.shared_event_id = NULL;
    in.recipient = NULL;
    oev = build(&in, &o);
    assert_null(json_object_get(oev, "sharedEventID"));
    assert_string_equal(str_of(oev, "recipientAccountId"), ACCT);
    assert_int_equal(o.key_use, 0);     /* the key is OWNER's */
    free(o.event);
    json_decref(oev);
    json_decref(req);
}

/* ---- service events ------------------------------------------------------ */

/* The whole record of a service event, eventID aside (a fresh UUID),
 * against the developer guide's example with this key, time and details;
 * and its columns. */
static void service_event_ok(const struct lv_audit_service_event *se,
                             const char *want_text)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_record r;
    json_t *want = parse(want_text);
    json_t *ev;
    const char *k;
    json_t *v;
    size_t pos = 0;

    memset(&r, 0, sizeof(r));
    assert_int_equal(service_json(se, &r, &err), 0);
    ev = json_loads(r.event, 0, NULL);
    assert_non_null(ev);
    assert_true(is_uuid(str_of(ev, "eventID")));
    assert_string_equal(str_of(ev, "eventID"), r.event_id);
    /* the example's fields, in its order, and no other */
    json_object_foreach(want, k, v) {
        const char *got_k = NULL;
        size_t i = 0;
        const char *gk;
        json_t *gv;

        json_object_foreach(ev, gk, gv) {
            if (i++ == pos) {
                got_k = gk;
                break;
            }
        }
        if (got_k == NULL || strcmp(got_k, k) != 0) {
            fail_msg("%s: field %zu is %s, want %s", se->event_name, pos,
                     got_k ? got_k : "(none)", k);
        }
        if (strcmp(k, "eventID") != 0 &&
            !json_equal(json_object_get(ev, k), v)) {
            char *g = json_dumps(json_object_get(ev, k), JSON_ENCODE_ANY);

            fail_msg("%s: %s is %s", se->event_name, k, g);
        }
        pos++;
    }
    assert_int_equal(json_object_size(ev), json_object_size(want));
    /* the columns LookupEvents reads */
    assert_string_equal(r.account, ACCT);
    assert_string_equal(r.region, REGION);
    assert_true(r.event_time_ms == NOW_MS);
    assert_string_equal(r.request_id, "");
    assert_string_equal(r.event_source, "kms.amazonaws.com");
    assert_string_equal(r.event_name, se->event_name);
    assert_int_equal(r.read_only, 0);
    assert_int_equal(r.key_use, 0);
    assert_string_equal(r.username, "");
    assert_string_equal(r.access_key_id, "");
    assert_string_equal(r.error_code, "");
    assert_int_equal(r.n_resources, 1);
    assert_string_equal(r.resources[0].type, "AWS::KMS::Key");
    assert_string_equal(r.resources[0].name, KARN);
    assert_true(r.id == 0 && r.seq == 0 && r.trace == NULL);
    json_decref(ev);
    json_decref(want);
    free(r.event);
}

#define MAT1 "123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0"
#define MAT2 "96083e4fb6dbc41d77578a213a6b6669c044dd4c143e96755396d2bf11fd6068"

/* ct-rotatekey (automatic rotation, the 2025 example) and ct-delete-key
 * (a key with key material in KMS; responseElements.keyId the key's ARN,
 * as the page says of entries since December 2022). */
static void service_events(void **state)
{
    struct lv_audit_service_event se;
    struct lv_audit_record r;
    struct lv_err err = LV_ERR_INIT;
    json_t *details = parse("{'rotationType':'AUTOMATIC',"
                            "'keyOrigin':'AWS_KMS',"
                            "'previousKeyMaterialId':'" MAT1 "',"
                            "'currentKeyMaterialId':'" MAT2 "',"
                            "'keyId':'" KID "'}");
    static const char *const bad_arns[] = {
        NULL, "", "key/" KID, "arn:aws:logs:us-west-2:111122223333:key/x",
        "arn:aws:kms:us-west-2:1111:key/" KID,
        "arn:aws:kms::111122223333:key/" KID,
        "arn:aws:kms:us-west-2:111122223333:alias/x",
    };
    size_t i;

    (void)state;
    memset(&se, 0, sizeof(se));
    se.event_name = "RotateKey";
    se.key_arn = KARN;
    se.time_ms = NOW_MS;
    se.details = details;
    service_event_ok(&se,
        "{'eventVersion':'1.11',"
        "'userIdentity':{'accountId':'" ACCT "','invokedBy':'AWS Internal'},"
        "'eventTime':'2022-08-10T22:38:27Z',"
        "'eventSource':'kms.amazonaws.com','eventName':'RotateKey',"
        "'awsRegion':'" REGION "','sourceIPAddress':'AWS Internal',"
        "'userAgent':'AWS Internal','requestParameters':null,"
        "'responseElements':null,'eventID':'',"
        "'readOnly':false,'resources':[{'accountId':'" ACCT "',"
        "'type':'AWS::KMS::Key','ARN':'" KARN "'}],"
        "'eventType':'AwsServiceEvent','managementEvent':true,"
        "'recipientAccountId':'" ACCT "',"
        "'serviceEventDetails':{'rotationType':'AUTOMATIC',"
        "'keyOrigin':'AWS_KMS','previousKeyMaterialId':'" MAT1 "',"
        "'currentKeyMaterialId':'" MAT2 "','keyId':'" KID "'},"
        "'eventCategory':'Management'}");

    memset(&se, 0, sizeof(se));
    se.event_name = "DeleteKey";
    se.key_arn = KARN;
    se.time_ms = NOW_MS;
    se.response_key = 1;
    service_event_ok(&se,
        "{'eventVersion':'1.11',"
        "'userIdentity':{'accountId':'" ACCT "','invokedBy':'AWS Internal'},"
        "'eventTime':'2022-08-10T22:38:27Z',"
        "'eventSource':'kms.amazonaws.com','eventName':'DeleteKey',"
        "'awsRegion':'" REGION "','sourceIPAddress':'AWS Internal',"
        "'userAgent':'AWS Internal','requestParameters':null,"
        "'responseElements':{'keyId':'" KARN "'},'eventID':'',"
        "'readOnly':false,'resources':[{'accountId':'" ACCT "',"
        "'type':'AWS::KMS::Key','ARN':'" KARN "'}],"
        "'eventType':'AwsServiceEvent','managementEvent':true,"
        "'recipientAccountId':'" ACCT "','eventCategory':'Management'}");

    /* Not a KMS key's ARN, or no name: refused, *out untouched. */
    for (i = 0; i < N(bad_arns); i++) {
        memset(&r, 0, sizeof(r));
        se.key_arn = bad_arns[i];
        assert_int_equal(lv_audit_service_event_build(&se, &r, &err), -1);
        assert_int_equal(err.code, LV_E_INTERNAL_FAILURE);
        assert_null(r.event);
    }
    se.key_arn = KARN;
    se.event_name = NULL;
    assert_int_equal(lv_audit_service_event_build(&se, &r, &err), -1);
    se.event_name = "DeleteKey";
    se.time_ms = -1;
    assert_int_equal(lv_audit_service_event_build(&se, &r, &err), -1);
    assert_null(r.event);
    json_decref(details);
}

/* The compact form (event.h): a JSON record of before renders as it is;
 * text that is not UTF-8 renders as the JSON writer writes it; numbers,
 * nesting and member order come back; a record cut short or changed
 * underneath is refused, never misread. */
static void compact_records(void **state)
{
    json_t *req = parse("{'KeyId':'" KARN "','EncryptionContext':"
                        "{'z':'\\u00e9t\\u00e9','a':'\\ud83d\\ude00','m':'x'},"
                        "'Plaintext':'c2VjcmV0'}");
    json_t *resp;
    struct lv_req rq;
    struct lv_audit_record r;
    struct lv_audit_input in;
    struct lv_err err = LV_ERR_INIT;
    char *json = NULL;
    char *compact;
    json_t *ev, *ec;
    const char *k;
    json_t *v;
    size_t len, cut, pos = 0;
    const char *order[] = { "z", "a", "m" };
    char old_json[] = "{\"eventVersion\":\"1.08\",\"x\":1}";

    (void)state;
    /* an older record's JSON */
    memset(&r, 0, sizeof(r));
    r.event = old_json;
    assert_int_equal(lv_audit_event_render(&r, &json, &err), 0);
    assert_string_equal(json, r.event);
    free(json);
    json = NULL;
    r.event = NULL;
    assert_int_equal(lv_audit_event_render(&r, &json, &err), -1);
    assert_null(json);

    /* a user agent that is not UTF-8; a context in its own order */
    make_req(&rq, "kms", "Encrypt", req, "Alice");
    rq.user_agent = "agent\xff/1\xc3";
    memset(&in, 0, sizeof(in));
    in.rq = &rq;
    in.key_arn = KARN;
    memset(&r, 0, sizeof(r));
    assert_int_equal(build_json(&in, &r, &err), 0);
    assert_null(strstr(last_compact, "\xff"));
    assert_null(strstr(last_compact, "c2VjcmV0"));
    ev = json_loads(r.event, 0, NULL);
    assert_non_null(ev);
    assert_string_equal(str_of(ev, "userAgent"),
                        "agent\xef\xbf\xbd/1\xef\xbf\xbd");
    ec = json_object_get(json_object_get(ev, "requestParameters"),
                         "encryptionContext");
    assert_int_equal(json_object_size(ec), 3);
    json_object_foreach(ec, k, v) {
        assert_string_equal(k, order[pos]);
        pos++;
    }
    assert_string_equal(str_of(ec, "a"), "\xf0\x9f\x98\x80");
    json_decref(ev);
    free(r.event);

    /* numbers: integers and reals as they were (KeyMetadata's dates) */
    make_req(&rq, "kms", "CreateKey", NULL, "Alice");
    resp = json_pack("{s:{s:s,s:f,s:I,s:f,s:[i,{s:b}]}}", "KeyMetadata",
                     "Arn", KARN, "CreationDate", 1660171107.123,
                     "Big", (json_int_t)-9007199254740993LL, "Ratio",
                     0.1, "List", 7, "Inner", 1);
    memset(&in, 0, sizeof(in));
    in.rq = &rq;
    in.response = resp;
    memset(&r, 0, sizeof(r));
    assert_int_equal(build_json(&in, &r, &err), 0);
    ev = json_loads(r.event, 0, NULL);
    v = json_object_get(json_object_get(ev, "responseElements"),
                        "keyMetadata");
    assert_true(json_integer_value(json_object_get(v, "big")) ==
                -9007199254740993LL);
    assert_true(json_real_value(json_object_get(v, "ratio")) == 0.1);
    assert_string_equal(str_of(v, "creationDate"),
                        "Aug 10, 2022, 10:38:27 PM");
    assert_true(json_is_true(json_object_get(
        json_array_get(json_object_get(v, "list"), 1), "inner")));
    json_decref(ev);
    free(r.event);

    /* every cut of a compact record is refused; so is a changed kind or
     * a length past the end */
    compact = lv_xstrdup(last_compact);
    len = strlen(compact);
    r.event = compact;
    for (cut = 0; cut < len; cut++) {
        char saved = compact[cut];

        compact[cut] = '\0';
        json = NULL;
        if (lv_audit_event_render(&r, &json, &err) == 0) {
            fail_msg("a compact record cut at %zu renders", cut);
        }
        compact[cut] = saved;
    }
    compact[2] = 'Z';
    assert_int_equal(lv_audit_event_render(&r, &json, &err), -1);
    compact[2] = 'A';
    compact[3] = '9';
    assert_int_equal(lv_audit_event_render(&r, &json, &err), -1);
    free(compact);
    json_decref(resp);
    json_decref(req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_operation),
        cmocka_unit_test(remembered_tails),
        cmocka_unit_test(tail_references),
        cmocka_unit_test(every_implemented_op_has_a_row),
        cmocka_unit_test(no_secret_ever),
        cmocka_unit_test(logs_service_call),
        cmocka_unit_test(root_and_invoked_by),
        cmocka_unit_test(principal_ids),
        cmocka_unit_test(refused_request),
        cmocka_unit_test(unknown_operation),
        cmocka_unit_test(lookup_events_record),
        cmocka_unit_test(needs_an_operation),
        cmocka_unit_test(response_dates),
        cmocka_unit_test(fresh_event_ids),
        cmocka_unit_test(service_events),
        cmocka_unit_test(cross_account),
        cmocka_unit_test(compact_records),
        cmocka_unit_test(response_parse_skipped),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);

    free(last_compact);
    return failed;
}
