/*
 * fuzz_condkeys: arbitrary bytes as the JSON input of a KMS request →
 * the condition-key table (lv_kms_condkeys_build) for every action it
 * knows, as an IAM user and as the Logs service principal, with the bytes
 * also as an encryption-context key; and as an X-Forwarded-For header
 * from a trusted proxy (lv_http_source_ip). The input has passed no model
 * validation here, so members of any JSON type reach the table.
 * Build: clang -fsanitize=fuzzer,address,undefined with the library.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/crypto.h"
#include "http/peer.h"
#include "kms/condkeys.h"
#include "store/kms_store.h"
#include "svc/req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const actions[] = {
    "Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKey",
    "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "Sign",
    "Verify", "GenerateMac", "VerifyMac", "DescribeKey", "GetPublicKey",
    "CreateGrant", "ListGrants", "RevokeGrant", "RetireGrant",
    "TagResource", "UntagResource", "PutKeyPolicy", "ScheduleKeyDeletion",
    "EnableKeyRotation", "CreateAlias",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    json_t *in;
    struct lv_req rq;
    struct lv_kms_key k;
    struct lv_kv pair;
    struct sockaddr_in peer;

    if (!text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    in = json_loadb(text, size, 0, NULL);
    lv_kms_key_init(&k);
    memcpy(k.id, "1234abcd-12ab-34cd-56ef-1234567890ab", 37);
    memcpy(k.account, "111122223333", 13);
    memcpy(k.key_spec, "SYMMETRIC_DEFAULT", 18);
    pair.key = text;
    pair.value = text;
    for (int service = 0; service < 2; service++) {
        memset(&rq, 0, sizeof(rq));
        rq.now = 1700000000;
        memcpy(rq.region, "eu-west-2", 10);
        memcpy(rq.who.account, "111122223333", 13);
        if (service) {
            memcpy(rq.who.service, "logs.eu-west-2.amazonaws.com", 29);
        } else {
            memcpy(rq.who.user, "alice", 6);
            memcpy(rq.who.arn, "arn:aws:iam::111122223333:user/alice", 37);
        }
        rq.in = in;
        for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
            struct lv_kms_condctx cc;
            struct lv_kms_condsrc s;

            memset(&s, 0, sizeof(s));
            s.rq = &rq;
            s.k = &k;
            s.action = actions[i];
            s.ctx = &pair;
            s.n_ctx = 1;
            s.same_key = -1;
            lv_kms_condctx_init(&cc);
            lv_kms_condkeys_build(&cc, &s);
            lv_kms_condctx_release(&cc);
        }
    }
    memset(&peer, 0, sizeof(peer));
    peer.sin_family = AF_INET;
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    lv_http_source_ip((const struct sockaddr *)&peer, text, "127.0.0.0/8",
                      rq.source_ip);
    (void)lv_http_proxy_list_check(text);
    lv_kms_key_release(&k);
    json_decref(in);
    free(text);
    return 0;
}
