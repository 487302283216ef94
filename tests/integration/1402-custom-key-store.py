"""Custom key stores on a PKCS#11 token (SoftHSM2) through boto3:
CreateCustomKeyStore (AWS_CLOUDHSM: CloudHsmClusterId = the token's label,
KeyStorePassword = its user PIN), DescribeCustomKeyStores,
ConnectCustomKeyStore (a wrong PIN: FAILED with INVALID_CREDENTIALS),
DisconnectCustomKeyStore, UpdateCustomKeyStore, DeleteCustomKeyStore, and
the errors AWS documents (an unknown cluster, a name in use, a cluster in
use, a bad trust anchor, a short password, an external key store whose
proxy cannot be reached, states that refuse). Skips without softhsm2."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402
import botocore.exceptions  # noqa: E402

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
if not shutil.which("softhsm2-util") or not os.path.exists(MODULE):
    print("skipped: softhsm2 is not installed (softhsm2-util, %s)" % MODULE)
    sys.exit(77)
if not shutil.which("openssl"):
    print("skipped: openssl (to make a trust anchor certificate) is missing")
    sys.exit(77)

t = T()
scratch = tempfile.mkdtemp(prefix="lv-cks.")
tokens = os.path.join(scratch, "tokens")
os.mkdir(tokens)
conf = os.path.join(scratch, "softhsm2.conf")
with open(conf, "w") as f:
    f.write("directories.tokendir = %s\nobjectstore.backend = file\n"
            % tokens)
env = dict(os.environ, SOFTHSM2_CONF=conf)
PIN = "user-pin-1234"
for label in ("cluster-lvTokenAlpha", "cluster-lvTokenBravo"):
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label",
                    label, "--pin", PIN, "--so-pin", "so-pin-5678"],
                   env=env, check=True, stdout=subprocess.DEVNULL)
cert = subprocess.run(
    ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
     "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "/dev/null",
     "-subj", "/CN=logvault test trust anchor", "-days", "1"],
    check=True, capture_output=True, text=True).stdout
t.ok("a PEM trust anchor was made", cert.startswith("-----BEGIN CERTIFICATE"))


def raw_call(srv, op, **kw):
    """A call botocore would refuse before sending (a short password)."""
    st, _, data = srv.raw(json.dumps(kw), target="TrentService." + op)
    out = json.loads(data or b"{}")
    if st != 200:
        raise botocore.exceptions.ClientError({"Error": {
            "Code": out.get("__type", "").split("#")[-1],
            "Message": out.get("message", "")}}, op)
    return out


def state(kms, cks_id):
    s = kms.describe_custom_key_stores(CustomKeyStoreId=cks_id)
    return s["CustomKeyStores"][0]


# Without a module there is no cluster.
with Server() as srv:
    kms = srv.client("kms")
    t.error("no module: CloudHsmClusterNotFoundException",
            "CloudHsmClusterNotFoundException", kms.create_custom_key_store,
            CustomKeyStoreName="s0", CloudHsmClusterId="cluster-lvTokenAlpha",
            TrustAnchorCertificate=cert, KeyStorePassword=PIN)

with Server("--pkcs11-module", MODULE, env={"SOFTHSM2_CONF": conf}) as srv:
    kms = srv.client("kms")
    create = kms.create_custom_key_store

    # Errors of CreateCustomKeyStore.
    t.error("unknown token label: CloudHsmClusterNotFoundException",
            "CloudHsmClusterNotFoundException", create,
            CustomKeyStoreName="s0", CloudHsmClusterId="cluster-noSuchToken",
            TrustAnchorCertificate=cert, KeyStorePassword=PIN)
    t.error("not a PEM certificate: IncorrectTrustAnchorException",
            "IncorrectTrustAnchorException", create,
            CustomKeyStoreName="s0", CloudHsmClusterId="cluster-lvTokenAlpha",
            TrustAnchorCertificate="not a certificate",
            KeyStorePassword=PIN)
    t.error("a 6-character password: ValidationException",
            "ValidationException", raw_call, srv, "CreateCustomKeyStore",
            CustomKeyStoreName="s0",
            CloudHsmClusterId="cluster-lvTokenAlpha", TrustAnchorCertificate=cert,
            KeyStorePassword="123456")
    t.error("external key store: XksProxyUriUnreachableException",
            "XksProxyUriUnreachableException", create,
            CustomKeyStoreName="x0", CustomKeyStoreType="EXTERNAL_KEY_STORE",
            XksProxyUriEndpoint="https://xks.example.com",
            XksProxyUriPath="/kms/xks/v1",
            XksProxyConnectivity="PUBLIC_ENDPOINT",
            XksProxyAuthenticationCredential={
                "AccessKeyId": "ABCDEFGHIJKLMNOPQRST",
                "RawSecretAccessKey": "a" * 43 + "="})
    t.eq("no store was made by the refused calls", [],
         kms.describe_custom_key_stores()["CustomKeyStores"])

    # A store with the right PIN: DISCONNECTED, then CONNECTED.
    cks = create(CustomKeyStoreName="store-1", CloudHsmClusterId="cluster-lvTokenAlpha",
                 TrustAnchorCertificate=cert,
                 KeyStorePassword=PIN)["CustomKeyStoreId"]
    t.ok("the id is cks- and 17 hex digits",
         len(cks) == 21 and cks.startswith("cks-") and
         all(c in "0123456789abcdef" for c in cks[4:]), cks)
    s = state(kms, cks)
    t.eq("created DISCONNECTED", "DISCONNECTED", s["ConnectionState"])
    t.eq("type", "AWS_CLOUDHSM", s["CustomKeyStoreType"])
    t.eq("cluster id is the token label", "cluster-lvTokenAlpha", s["CloudHsmClusterId"])
    t.eq("trust anchor kept", cert, s["TrustAnchorCertificate"])
    t.eq("name", "store-1", s["CustomKeyStoreName"])
    t.ok("no password shown", "KeyStorePassword" not in s)
    t.error("a name in use: CustomKeyStoreNameInUseException",
            "CustomKeyStoreNameInUseException", create,
            CustomKeyStoreName="store-1", CloudHsmClusterId="cluster-lvTokenBravo",
            TrustAnchorCertificate=cert, KeyStorePassword=PIN)
    t.error("a cluster in use: CloudHsmClusterInUseException",
            "CloudHsmClusterInUseException", create,
            CustomKeyStoreName="store-9", CloudHsmClusterId="cluster-lvTokenAlpha",
            TrustAnchorCertificate=cert, KeyStorePassword=PIN)
    kms.connect_custom_key_store(CustomKeyStoreId=cks)
    s = state(kms, cks)
    t.eq("connected", "CONNECTED", s["ConnectionState"])
    t.ok("no error code when connected", "ConnectionErrorCode" not in s)
    t.error("delete while connected: CustomKeyStoreInvalidStateException",
            "CustomKeyStoreInvalidStateException",
            kms.delete_custom_key_store, CustomKeyStoreId=cks)
    t.error("a new password while connected: "
            "CustomKeyStoreInvalidStateException",
            "CustomKeyStoreInvalidStateException",
            kms.update_custom_key_store, CustomKeyStoreId=cks,
            KeyStorePassword="another-pin")
    kms.update_custom_key_store(CustomKeyStoreId=cks,
                                NewCustomKeyStoreName="store-1b")
    t.eq("renamed while connected", "store-1b",
         state(kms, cks)["CustomKeyStoreName"])
    kms.disconnect_custom_key_store(CustomKeyStoreId=cks)
    t.eq("disconnected", "DISCONNECTED", state(kms, cks)["ConnectionState"])
    kms.connect_custom_key_store(CustomKeyStoreId=cks)
    t.eq("reconnected", "CONNECTED", state(kms, cks)["ConnectionState"])
    kms.disconnect_custom_key_store(CustomKeyStoreId=cks)

    # A wrong PIN: the connect call succeeds, the store is FAILED.
    bad = create(CustomKeyStoreName="store-2", CloudHsmClusterId="cluster-lvTokenBravo",
                 TrustAnchorCertificate=cert,
                 KeyStorePassword="wrong-pin-000")["CustomKeyStoreId"]
    kms.connect_custom_key_store(CustomKeyStoreId=bad)
    s = state(kms, bad)
    t.eq("wrong PIN: FAILED", "FAILED", s["ConnectionState"])
    t.eq("wrong PIN: INVALID_CREDENTIALS", "INVALID_CREDENTIALS",
         s.get("ConnectionErrorCode"))
    t.error("connect while FAILED: CustomKeyStoreInvalidStateException",
            "CustomKeyStoreInvalidStateException",
            kms.connect_custom_key_store, CustomKeyStoreId=bad)
    kms.disconnect_custom_key_store(CustomKeyStoreId=bad)
    kms.update_custom_key_store(CustomKeyStoreId=bad, KeyStorePassword=PIN)
    kms.connect_custom_key_store(CustomKeyStoreId=bad)
    t.eq("the right PIN given by UpdateCustomKeyStore connects", "CONNECTED",
         state(kms, bad)["ConnectionState"])
    kms.disconnect_custom_key_store(CustomKeyStoreId=bad)

    by_name = kms.describe_custom_key_stores(CustomKeyStoreName="store-2")
    t.eq("describe by name", [bad],
         [c["CustomKeyStoreId"] for c in by_name["CustomKeyStores"]])
    t.eq("describe lists both", sorted([cks, bad]),
         sorted(c["CustomKeyStoreId"] for c in
                kms.describe_custom_key_stores()["CustomKeyStores"]))
    t.error("an unknown id: CustomKeyStoreNotFoundException",
            "CustomKeyStoreNotFoundException",
            kms.describe_custom_key_stores,
            CustomKeyStoreId="cks-0123456789abcdef0")
    t.error("another region's store is not found",
            "CustomKeyStoreNotFoundException",
            srv.client("kms", region="us-east-1").connect_custom_key_store,
            CustomKeyStoreId=cks)

    kms.delete_custom_key_store(CustomKeyStoreId=bad)
    t.error("deleted: CustomKeyStoreNotFoundException",
            "CustomKeyStoreNotFoundException",
            kms.describe_custom_key_stores, CustomKeyStoreId=bad)
    kms.delete_custom_key_store(CustomKeyStoreId=cks)
    t.eq("no store left", [],
         kms.describe_custom_key_stores()["CustomKeyStores"])
    log = srv.read_log()
    t.ok("the server's log names no PIN",
         PIN not in log and "wrong-pin-000" not in log)

shutil.rmtree(scratch, ignore_errors=True)
t.done()
