"""Multi-Region keys through boto3: CreateKey MultiRegion (symmetric and
asymmetric), DescribeKey's MultiRegionConfiguration, ReplicateKey to
another region of the same server, ciphertexts of one region decrypted in
the other, signatures of one verified in the other, UpdatePrimaryRegion
swapping the roles, a replica's own policy, description, tags and state,
and the errors AWS documents (same region, a region with a replica, a
single-Region key, a replica as the source, a disabled primary, a key
pending deletion)."""
import json
import os
import re
import sys

import boto3
import botocore.config
import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()


def raw_call(srv, op, region, **kw):
    """A KMS call botocore does not know (RotateKeyOnDemand), signed for
    `region`; raises ClientError as boto3 would."""
    st, _, data = srv.raw(json.dumps(kw), target="TrentService." + op,
                          region=region)
    out = json.loads(data or b"{}")
    if st != 200:
        raise botocore.exceptions.ClientError({"Error": {
            "Code": out.get("__type", "").split("#")[-1],
            "Message": out.get("message", "")}}, op)
    return out

R1, R2, R3 = "eu-west-2", "us-east-1", "ap-southeast-2"
MRK = re.compile(r"^mrk-[0-9a-f]{32}$")

with Server("--audit-trail") as srv:
    k1 = srv.client("kms", region=R1)
    k2 = srv.client("kms", region=R2)
    k3 = srv.client("kms", region=R3)

    # -- CreateKey MultiRegion ---------------------------------------------
    md = k1.create_key(MultiRegion=True,
                       Description="primary")["KeyMetadata"]
    kid = md["KeyId"]
    t.ok("multi-Region KeyId is mrk- and 32 hex digits",
         MRK.match(kid) is not None, kid)
    t.eq("MultiRegion", True, md["MultiRegion"])
    t.eq("ARN in the primary's region", R1, md["Arn"].split(":")[3])
    t.ok("ARN ends with the KeyId", md["Arn"].endswith(":key/" + kid))
    cfg = md.get("MultiRegionConfiguration", {})
    t.eq("new key is PRIMARY", "PRIMARY", cfg.get("MultiRegionKeyType"))
    t.eq("PrimaryKey is itself", {"Arn": md["Arn"], "Region": R1},
         cfg.get("PrimaryKey"))
    t.eq("no replicas yet", [], cfg.get("ReplicaKeys"))
    single = k1.create_key()["KeyMetadata"]
    t.eq("a single-Region key says MultiRegion false", False,
         single["MultiRegion"])
    t.ok("a single-Region key has no MultiRegionConfiguration",
         "MultiRegionConfiguration" not in single)
    t.error("the KeyId does not name a key in another region",
            "NotFoundException", k2.describe_key, KeyId=kid)

    # -- ReplicateKey ----------------------------------------------------------
    rep = k1.replicate_key(KeyId=kid, ReplicaRegion=R2,
                           Description="replica",
                           Tags=[{"TagKey": "site", "TagValue": "b"}])
    rmd = rep["ReplicaKeyMetadata"]
    t.eq("replica has the same KeyId", kid, rmd["KeyId"])
    t.eq("replica ARN in its region",
         md["Arn"].replace(":%s:" % R1, ":%s:" % R2), rmd["Arn"])
    t.eq("replica state", "Enabled", rmd["KeyState"])
    t.eq("replica description is its own", "replica", rmd["Description"])
    t.eq("replica MultiRegionKeyType", "REPLICA",
         rmd["MultiRegionConfiguration"]["MultiRegionKeyType"])
    t.eq("replica names the primary", {"Arn": md["Arn"], "Region": R1},
         rmd["MultiRegionConfiguration"]["PrimaryKey"])
    t.eq("ReplicaTags", [{"TagKey": "site", "TagValue": "b"}],
         rep["ReplicaTags"])
    t.ok("ReplicaPolicy is the default key policy",
         '"kms:*"' in rep["ReplicaPolicy"], rep["ReplicaPolicy"])
    d1 = k1.describe_key(KeyId=kid)["KeyMetadata"]
    t.eq("primary lists the replica", [{"Arn": rmd["Arn"], "Region": R2}],
         d1["MultiRegionConfiguration"]["ReplicaKeys"])
    t.eq("primary keeps its description", "primary", d1["Description"])
    d2 = k2.describe_key(KeyId=kid)["KeyMetadata"]
    t.eq("describe in the replica's region", rmd["Arn"], d2["Arn"])
    t.eq("replica tags", [{"TagKey": "site", "TagValue": "b"}],
         k2.list_resource_tags(KeyId=kid)["Tags"])
    t.eq("primary has no tags", [], k1.list_resource_tags(KeyId=kid)["Tags"])
    t.ok("ListKeys in the replica's region shows the KeyId",
         kid in [k["KeyId"] for k in k2.list_keys()["Keys"]])
    k2.create_alias(AliasName="alias/mr-replica", TargetKeyId=kid)
    t.eq("alias of a replica targets the KeyId", kid,
         [a for a in k2.list_aliases()["Aliases"]
          if a["AliasName"] == "alias/mr-replica"][0]["TargetKeyId"])

    # -- interoperable: encrypt in one region, decrypt in the other ------------
    ct = k1.encrypt(KeyId=kid, Plaintext=b"over the sea",
                    EncryptionContext={"a": "b"})["CiphertextBlob"]
    out = k2.decrypt(CiphertextBlob=ct, EncryptionContext={"a": "b"})
    t.eq("primary's ciphertext decrypts in the replica's region",
         b"over the sea", out["Plaintext"])
    t.eq("Decrypt answers the replica's ARN", rmd["Arn"], out["KeyId"])
    t.error("the context still binds across regions",
            "InvalidCiphertextException", k2.decrypt, CiphertextBlob=ct,
            EncryptionContext={"a": "c"})
    ct2 = k2.encrypt(KeyId="alias/mr-replica",
                     Plaintext=b"and back")["CiphertextBlob"]
    t.eq("replica's ciphertext decrypts in the primary's region",
         b"and back", k1.decrypt(CiphertextBlob=ct2)["Plaintext"])
    t.eq("with the KeyId given", b"and back",
         k1.decrypt(CiphertextBlob=ct2, KeyId=kid)["Plaintext"])
    t.error("a region without a replica cannot decrypt",
            "InvalidCiphertextException", k3.decrypt, CiphertextBlob=ct)
    dk = k1.generate_data_key(KeyId=kid, KeySpec="AES_256")
    t.eq("data key decrypts in the other region", dk["Plaintext"],
         k2.decrypt(CiphertextBlob=dk["CiphertextBlob"])["Plaintext"])

    # -- every material version goes with the replica, and rotations of
    # the primary reach its replicas -----------------------------------------
    rot = k1.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    v1 = k1.encrypt(KeyId=rot, Plaintext=b"v1")["CiphertextBlob"]
    raw_call(srv, "RotateKeyOnDemand", R1, KeyId=rot)
    v2 = k1.encrypt(KeyId=rot, Plaintext=b"v2")["CiphertextBlob"]
    k1.replicate_key(KeyId=rot, ReplicaRegion=R2)
    t.eq("a version before the rotation decrypts in the replica's region",
         b"v1", k2.decrypt(CiphertextBlob=v1)["Plaintext"])
    t.eq("the current version too", b"v2",
         k2.decrypt(CiphertextBlob=v2)["Plaintext"])
    raw_call(srv, "RotateKeyOnDemand", R1, KeyId=rot)
    v3 = k1.encrypt(KeyId=rot, Plaintext=b"v3")["CiphertextBlob"]
    t.eq("a rotation of the primary reaches the replica", b"v3",
         k2.decrypt(CiphertextBlob=v3)["Plaintext"])
    v3r = k2.encrypt(KeyId=rot, Plaintext=b"v3r")["CiphertextBlob"]
    t.eq("the replica encrypts under the new version", b"v3r",
         k1.decrypt(CiphertextBlob=v3r)["Plaintext"])
    ids = [[r["KeyMaterialId"] for r in raw_call(
        srv, "ListKeyRotations", reg, KeyId=rot)["Rotations"]]
        for reg in (R1, R2)]
    t.ok("both regions list the same material ids",
         ids[0] == ids[1] and len(ids[0]) == 2, ids)
    t.eq("a replica shows its primary's rotation status", False,
         k2.get_key_rotation_status(KeyId=rot)["KeyRotationEnabled"])
    k1.enable_key_rotation(KeyId=rot)
    t.eq("the primary's rotation is the replica's", (True, True),
         (k1.get_key_rotation_status(KeyId=rot)["KeyRotationEnabled"],
          k2.get_key_rotation_status(KeyId=rot)["KeyRotationEnabled"]))
    t.error("a replica is not rotated on its own",
            "UnsupportedOperationException", raw_call, srv,
            "RotateKeyOnDemand", R2, KeyId=rot)
    t.error("nor has rotation enabled on its own",
            "UnsupportedOperationException", k2.enable_key_rotation,
            KeyId=rot)

    # -- an asymmetric multi-Region key ------------------------------------------
    amd = k1.create_key(MultiRegion=True, KeySpec="ECC_NIST_P256",
                        KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    aid = amd["KeyId"]
    t.ok("asymmetric multi-Region KeyId", MRK.match(aid) is not None, aid)
    k1.replicate_key(KeyId=aid, ReplicaRegion=R3)
    t.eq("same public key in both regions",
         k1.get_public_key(KeyId=aid)["PublicKey"],
         k3.get_public_key(KeyId=aid)["PublicKey"])
    sig = k1.sign(KeyId=aid, Message=b"msg", MessageType="RAW",
                  SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    t.eq("signature of the primary verifies with the replica", True,
         k3.verify(KeyId=aid, Message=b"msg", MessageType="RAW",
                   SigningAlgorithm="ECDSA_SHA_256",
                   Signature=sig)["SignatureValid"])
    t.eq("replica's key spec", "ECC_NIST_P256",
         k3.describe_key(KeyId=aid)["KeyMetadata"]["KeySpec"])

    # -- errors of ReplicateKey ----------------------------------------------------
    t.error("replicating to its own region", "ValidationException",
            k1.replicate_key, KeyId=kid, ReplicaRegion=R1)
    t.error("replicating to a region with a replica", "AlreadyExistsException",
            k1.replicate_key, KeyId=kid, ReplicaRegion=R2)
    t.error("replicating a single-Region key",
            "UnsupportedOperationException", k1.replicate_key,
            KeyId=single["KeyId"], ReplicaRegion=R2,
            msg="is not a multi-Region key")
    t.error("replicating from a replica", "UnsupportedOperationException",
            k2.replicate_key, KeyId=kid, ReplicaRegion=R3,
            msg="is not a multi-Region primary key")
    t.error("a region that is not one", "ValidationException",
            k1.replicate_key, KeyId=kid, ReplicaRegion="mars")
    t.error("a key that does not exist", "NotFoundException",
            k1.replicate_key, KeyId="mrk-" + "0" * 32, ReplicaRegion=R3)
    dis = k1.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    k1.disable_key(KeyId=dis)
    t.error("replicating a disabled primary", "DisabledException",
            k1.replicate_key, KeyId=dis, ReplicaRegion=R2)
    pend = k1.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    k1.schedule_key_deletion(KeyId=pend, PendingWindowInDays=7)
    t.error("replicating a key pending deletion", "KMSInvalidStateException",
            k1.replicate_key, KeyId=pend, ReplicaRegion=R2)
    t.error("multi-Region keys of imported material are not made",
            "UnsupportedOperationException", k1.create_key,
            MultiRegion=True, Origin="EXTERNAL")

    # -- UpdatePrimaryRegion -----------------------------------------------------
    t.error("moving the primary from a replica",
            "UnsupportedOperationException", k2.update_primary_region,
            KeyId=kid, PrimaryRegion=R1)
    t.error("moving the primary to a region without a replica",
            "NotFoundException", k1.update_primary_region, KeyId=kid,
            PrimaryRegion=R3)
    t.error("moving the primary to its own region", "ValidationException",
            k1.update_primary_region, KeyId=kid, PrimaryRegion=R1)
    t.error("UpdatePrimaryRegion of a single-Region key",
            "UnsupportedOperationException", k1.update_primary_region,
            KeyId=single["KeyId"], PrimaryRegion=R2)
    k1.update_primary_region(KeyId=kid, PrimaryRegion=R2)
    n1 = k1.describe_key(KeyId=kid)["KeyMetadata"]
    n2 = k2.describe_key(KeyId=kid)["KeyMetadata"]
    t.eq("old primary is now a replica", "REPLICA",
         n1["MultiRegionConfiguration"]["MultiRegionKeyType"])
    t.eq("old replica is now the primary", "PRIMARY",
         n2["MultiRegionConfiguration"]["MultiRegionKeyType"])
    t.eq("both name the new primary", ({"Arn": rmd["Arn"], "Region": R2},) * 2,
         (n1["MultiRegionConfiguration"]["PrimaryKey"],
          n2["MultiRegionConfiguration"]["PrimaryKey"]))
    t.eq("the new primary lists the old one as replica",
         [{"Arn": md["Arn"], "Region": R1}],
         n2["MultiRegionConfiguration"]["ReplicaKeys"])
    t.error("the old primary can no longer replicate",
            "UnsupportedOperationException", k1.replicate_key, KeyId=kid,
            ReplicaRegion=R3)
    k2.replicate_key(KeyId=kid, ReplicaRegion=R3)
    t.eq("the new primary replicates; old ciphertexts open there",
         b"over the sea", k3.decrypt(CiphertextBlob=ct,
                                     EncryptionContext={"a": "b"})
         ["Plaintext"])
    t.eq("three records", 2, len(k2.describe_key(KeyId=kid)["KeyMetadata"]
                                 ["MultiRegionConfiguration"]["ReplicaKeys"]))
    # Each record's state is its own.
    k3.disable_key(KeyId=kid)
    t.error("a disabled replica refuses", "DisabledException", k3.encrypt,
            KeyId=kid, Plaintext=b"x")
    t.eq("its peers still work", b"over the sea",
         k1.decrypt(CiphertextBlob=ct, EncryptionContext={"a": "b"})
         ["Plaintext"])

    # -- deletion: a primary waits for its replicas --------------------------
    dk = k1.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    k1.replicate_key(KeyId=dk, ReplicaRegion=R2)
    r = k1.schedule_key_deletion(KeyId=dk, PendingWindowInDays=7)
    t.eq("primary with replicas: PendingReplicaDeletion, no date",
         ("PendingReplicaDeletion", None, 7),
         (r["KeyState"], r.get("DeletionDate"), r["PendingWindowInDays"]))
    t.eq("DescribeKey shows it", "PendingReplicaDeletion",
         k1.describe_key(KeyId=dk)["KeyMetadata"]["KeyState"])
    t.error("a primary pending replica deletion does not encrypt",
            "KMSInvalidStateException", k1.encrypt, KeyId=dk,
            Plaintext=b"x", msg="PendingReplicaDeletion")
    t.eq("its replica still works", "Enabled",
         k2.describe_key(KeyId=dk)["KeyMetadata"]["KeyState"])
    k1.cancel_key_deletion(KeyId=dk)
    t.eq("cancelled: Disabled", "Disabled",
         k1.describe_key(KeyId=dk)["KeyMetadata"]["KeyState"])
    r = k2.schedule_key_deletion(KeyId=dk, PendingWindowInDays=7)
    t.ok("a replica is simply PendingDeletion, with a date",
         r["KeyState"] == "PendingDeletion" and "DeletionDate" in r, r)
    t.eq("a single-Region key too", "PendingDeletion",
         k1.schedule_key_deletion(KeyId=single["KeyId"],
                                  PendingWindowInDays=7)["KeyState"])

    # -- the audit trail ---------------------------------------------------
    # ct-replicate-key: the caller's ReplicateKey in the primary's region,
    # and the replica's CreateKey in the replica's region.
    def events(region, name):
        trail = boto3.session.Session().client(
            "cloudtrail", region_name=region, endpoint_url=srv.endpoint,
            aws_access_key_id="test", aws_secret_access_key="test",
            config=botocore.config.Config(
                retries={"max_attempts": 20, "mode": "standard"}))
        out = []
        for page in trail.get_paginator("lookup_events").paginate(
                LookupAttributes=[{"AttributeKey": "EventName",
                                   "AttributeValue": name}]):
            out += [json.loads(e["CloudTrailEvent"]) for e in page["Events"]]
        return out

    reps = [e for e in events(R1, "ReplicateKey")
            if not e.get("errorCode") and
            e["requestParameters"].get("keyId") == kid and
            e["requestParameters"].get("replicaRegion") == R2]
    t.eq("ReplicateKey recorded in the primary's region", 1, len(reps))
    if reps:
        t.eq("with the replica's metadata", rmd["Arn"],
             reps[0]["responseElements"]["replicaKeyMetadata"]["arn"])
        t.ok("and no policy text",
             "policy" not in reps[0]["requestParameters"])
    made = [e for e in events(R2, "CreateKey")
            if e.get("eventType") == "AwsServiceEvent" and
            e["resources"][0]["ARN"] == rmd["Arn"]]
    t.eq("the replica's CreateKey recorded in its region", 1, len(made))
    ups = [e for e in events(R1, "UpdatePrimaryRegion")
           if not e.get("errorCode")]
    t.eq("UpdatePrimaryRegion recorded", [{"keyId": kid,
                                           "primaryRegion": R2}],
         [e["requestParameters"] for e in ups])

t.done()
