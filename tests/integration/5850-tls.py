"""HTTPS (issue 11 section 6): `serve --tls-cert --tls-key` with a CA and a
server certificate for 127.0.0.1/localhost made here. boto3 (verify=CA)
drives KMS and Logs over https; the AWS CLI with --ca-bundle and
logvault's CLI with --ca-bundle / AWS_CA_BUNDLE work, and fail without the
CA; aws:SecureTransport is true over TLS (a Deny on "false" allows, a Deny
on "true" denies) and false on a plain-HTTP server; TLS 1.1 and a TLS 1.2
CBC cipher are refused; plain HTTP to the TLS port is closed at once; a
TCP connection that never starts the handshake, and a TLS one that never
sends a request, are closed after --header-timeout; bad TLS options are
clear startup errors; the key never reaches the log."""
import datetime
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

import boto3  # noqa: E402
import botocore.config  # noqa: E402
import botocore.exceptions  # noqa: E402

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
except ImportError:
    print("python3-cryptography is not installed")
    sys.exit(77)

t = T()
HEADER_TIMEOUT = 2
tmp = tempfile.mkdtemp(prefix="lv-5850.")


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def write(path, data, mode):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, mode)
    return path


def make_pki():
    """A CA, and a server certificate it signs for 127.0.0.1 and
    localhost: paths (ca, cert, key), plus a second unrelated key."""
    now = datetime.datetime.utcnow()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("logvault test CA"))
          .issuer_name(name("logvault test CA"))
          .public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0),
                         critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False,
                                       True, True, False, False),
                         critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName([
        x509.DNSName("localhost"),
        x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))])
    cert = (x509.CertificateBuilder().subject_name(name("localhost"))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(san, critical=False)
            .add_extension(x509.ExtendedKeyUsage(
                [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    return (write(os.path.join(tmp, "ca.pem"), ca.public_bytes(pem), 0o644),
            write(os.path.join(tmp, "cert.pem"), cert.public_bytes(pem),
                  0o644),
            write(os.path.join(tmp, "key.pem"), pem_key(key), 0o600),
            write(os.path.join(tmp, "other.pem"),
                  pem_key(ec.generate_private_key(ec.SECP256R1())), 0o600))


CA, CERT, KEY, OTHER_KEY = make_pki()
with open(KEY, "rb") as f:
    # A line of the key's base64 body: must never appear in a log.
    KEY_LINE = f.read().splitlines()[1].decode()
CLIENT_ENV = dict(os.environ, AWS_ACCESS_KEY_ID="test",
                  AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="eu-west-2",
                  AWS_CONFIG_FILE="/dev/null",
                  AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                  AWS_MAX_ATTEMPTS="1", AWS_PAGER="")
CLIENT_ENV.pop("AWS_CA_BUNDLE", None)


def client(endpoint, service, verify):
    return boto3.session.Session().client(
        service, region_name="eu-west-2", endpoint_url=endpoint,
        aws_access_key_id="test", aws_secret_access_key="test",
        verify=verify,
        config=botocore.config.Config(retries={"max_attempts": 0},
                                      connect_timeout=10, read_timeout=10))


def run(cmd, env=None):
    p = subprocess.run(cmd, env=env or CLIENT_ENV, capture_output=True,
                       text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def closed_within(s, limit):
    """Seconds until the server closed s (EOF or reset; anything it sent
    first is read and dropped), or None if not within `limit`."""
    start = time.monotonic()
    s.settimeout(limit)
    try:
        while s.recv(4096):
            if time.monotonic() - start > limit:
                return None
    except (ConnectionResetError, ssl.SSLError):
        pass
    except socket.timeout:
        return None
    return time.monotonic() - start


def policy(effect_on):
    """Root may do everything; Encrypt is denied when aws:SecureTransport
    is `effect_on`."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "root", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "transport", "Effect": "Deny", "Principal": "*",
         "Action": "kms:Encrypt", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": effect_on}}}]})


def startup_error(args, want):
    """`serve` with these TLS options must exit non-zero at once, saying
    `want` on stderr."""
    d = os.path.join(tmp, "data-bad")
    try:
        p = subprocess.run([os.environ["LOGVAULT_BIN"], "serve", "--listen",
                            "127.0.0.1:0", "--data-dir", d] + args,
                           capture_output=True, text=True, timeout=60)
        t.ok("startup error: %s" % want, p.returncode != 0 and
             want in p.stderr and KEY_LINE not in p.stderr,
             "rc=%d stderr=%r" % (p.returncode, p.stderr[-500:]))
    finally:
        shutil.rmtree(d, ignore_errors=True)


try:
    with Server("--tls-cert", CERT, "--tls-key", KEY, "--header-timeout",
                str(HEADER_TIMEOUT)) as srv:
        https = "https://127.0.0.1:%d" % srv.port

        # boto3 with verify=<CA>: KMS and Logs.
        kms = client(https, "kms", CA)
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        blob = kms.encrypt(KeyId=key_id, Plaintext=b"over tls")
        t.eq("kms decrypt over https", b"over tls",
             kms.decrypt(CiphertextBlob=blob["CiphertextBlob"])["Plaintext"])
        logs = client("https://localhost:%d" % srv.port, "logs", CA)
        logs.create_log_group(logGroupName="tls")
        logs.create_log_stream(logGroupName="tls", logStreamName="s")
        now_ms = int(time.time() * 1000)
        logs.put_log_events(logGroupName="tls", logStreamName="s",
                            logEvents=[{"timestamp": now_ms,
                                        "message": "hello over tls"}])
        ev = logs.get_log_events(logGroupName="tls", logStreamName="s",
                                 startFromHead=True)["events"]
        t.eq("logs events over https (localhost)", ["hello over tls"],
             [e["message"] for e in ev])
        # A body and an answer of about 1 MB: many TLS records each way.
        logs.create_log_stream(logGroupName="tls", logStreamName="big")
        big = [{"timestamp": now_ms, "message": "%04d" % i + "x" * 996}
               for i in range(1000)]
        logs.put_log_events(logGroupName="tls", logStreamName="big",
                            logEvents=big)
        got = logs.get_log_events(logGroupName="tls", logStreamName="big",
                                  startFromHead=True)["events"]
        t.eq("1 MB in and out over https", [e["message"] for e in big],
             [e["message"] for e in got])

        # Without the CA the certificate is not trusted: it is really TLS,
        # and really checked.
        try:
            client(https, "kms", True).list_keys()
            t.ok("boto3 without the CA refuses the certificate", False,
                 "it succeeded")
        except botocore.exceptions.SSLError:
            t.ok("boto3 without the CA refuses the certificate", True)

        # aws:SecureTransport over TLS: a Deny on "false" allows, a Deny on
        # "true" denies.
        k_false = kms.create_key(Policy=policy("false"))["KeyMetadata"]
        k_true = kms.create_key(Policy=policy("true"))["KeyMetadata"]
        t.ok("Deny on SecureTransport=false allows over TLS",
             kms.encrypt(KeyId=k_false["KeyId"], Plaintext=b"x")
             ["CiphertextBlob"] != b"")
        t.error("Deny on SecureTransport=true denies over TLS",
                "AccessDeniedException", kms.encrypt,
                KeyId=k_true["KeyId"], Plaintext=b"x",
                msg="with an explicit deny")

        # The AWS CLI with --ca-bundle, and without it.
        rc, out, err = run(["aws", "--endpoint-url", https, "--ca-bundle", CA,
                            "kms", "describe-key", "--key-id", key_id,
                            "--query", "KeyMetadata.KeyId", "--output",
                            "text"])
        t.ok("aws --ca-bundle", rc == 0 and out.strip() == key_id,
             "rc=%d out=%r err=%r" % (rc, out, err[-400:]))
        rc, out, err = run(["aws", "--endpoint-url", https, "logs",
                            "describe-log-groups"])
        t.ok("aws without the CA fails on the certificate",
             rc != 0 and "SSL validation failed" in err,
             "rc=%d err=%r" % (rc, err[-400:]))

        # logvault's CLI: --ca-bundle, AWS_CA_BUNDLE, ca_bundle in the
        # config file, and nothing (fails).
        lv = os.environ["LOGVAULT_BIN"]
        rc, out, err = run([lv, "kms", "--endpoint-url", https, "--ca-bundle",
                            CA, "describe-key", "--key-id", key_id,
                            "--query", "KeyMetadata.KeyId", "--output",
                            "text"])
        t.ok("logvault --ca-bundle", rc == 0 and out.strip() == key_id,
             "rc=%d out=%r err=%r" % (rc, out, err[-400:]))
        rc, out, err = run([lv, "logs", "get-log-events", "--endpoint-url",
                            https, "--log-group-name", "tls",
                            "--log-stream-name", "s", "--start-from-head",
                            "--query", "events[0].message", "--output",
                            "text"], env=dict(CLIENT_ENV, AWS_CA_BUNDLE=CA))
        t.ok("logvault with AWS_CA_BUNDLE",
             rc == 0 and out.strip() == "hello over tls",
             "rc=%d out=%r err=%r" % (rc, out, err[-400:]))
        conf = write(os.path.join(tmp, "aws-config"),
                     ("[default]\nca_bundle = %s\n" % CA).encode(), 0o644)
        rc, out, err = run([lv, "kms", "--endpoint-url", https, "list-keys",
                            "--query", "length(Keys)"],
                           env=dict(CLIENT_ENV, AWS_CONFIG_FILE=conf))
        t.ok("logvault with ca_bundle in the config file",
             rc == 0 and out.strip() == "3",
             "rc=%d out=%r err=%r" % (rc, out, err[-400:]))
        rc, out, err = run([lv, "kms", "--endpoint-url", https,
                            "list-keys"])
        t.ok("logvault without the CA fails on the certificate",
             rc == 255 and "SSL validation failed" in err,
             "rc=%d err=%r" % (rc, err[-400:]))

        # Protocol versions and ciphers.
        def handshake(ctx):
            """None if the handshake succeeded, else the error text."""
            with socket.create_connection(("127.0.0.1", srv.port),
                                          timeout=10) as raw:
                try:
                    with ctx.wrap_socket(raw,
                                         server_hostname="localhost") as s:
                        s.version()
                        return None
                except (ssl.SSLError, ConnectionError) as e:
                    return str(e)

        def ctx_for(lo, hi, ciphers=None):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.load_verify_locations(CA)
            ctx.minimum_version, ctx.maximum_version = lo, hi
            if ciphers:
                ctx.set_ciphers(ciphers)
            return ctx

        TV = ssl.TLSVersion
        t.eq("TLS 1.2 with AES-GCM accepted", None,
             handshake(ctx_for(TV.TLSv1_2, TV.TLSv1_2)))
        t.eq("TLS 1.3 accepted", None,
             handshake(ctx_for(TV.TLSv1_3, TV.TLSv1_3)))
        t.ok("TLS 1.2 with a CBC cipher refused",
             handshake(ctx_for(TV.TLSv1_2, TV.TLSv1_2,
                               "ECDHE-ECDSA-AES128-SHA256")) is not None)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                old = ctx_for(TV.TLSv1, TV.TLSv1_1, "DEFAULT:@SECLEVEL=0")
            res = handshake(old)
        except (ValueError, ssl.SSLError) as e:
            res = "local: %s" % e
        if res is not None and ("NO_PROTOCOLS_AVAILABLE" in res.upper() or
                                res.startswith("local:")):
            print("note: the local OpenSSL will not offer TLS 1.1 (%s); "
                  "TLS 1.1 check skipped" % res)
        else:
            print("note: TLS 1.1 handshake: %s" % res)
            t.ok("TLS 1.1 refused", res is not None, "handshake succeeded")

        # Plain HTTP to the TLS port: closed at once, never a hang.
        with socket.create_connection(("127.0.0.1", srv.port),
                                      timeout=10) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            took = closed_within(s, HEADER_TIMEOUT + 8)
            t.ok("plain HTTP to the TLS port is closed",
                 took is not None, "still open after %ds" %
                 (HEADER_TIMEOUT + 8))
            t.ok("... before the header timeout",
                 took is not None and took < HEADER_TIMEOUT,
                 "took %r s" % took)

        # A TCP connection that never starts the handshake, and a TLS
        # connection that never sends a request: closed by the header
        # timeout (generous bound: a loaded sanitizer build).
        with socket.create_connection(("127.0.0.1", srv.port),
                                      timeout=10) as s:
            took = closed_within(s, HEADER_TIMEOUT + 10)
            t.ok("no handshake: closed after the header timeout",
                 took is not None and took >= HEADER_TIMEOUT - 0.5,
                 "took %r s" % took)
        raw = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        with ctx_for(TV.TLSv1_2, TV.TLSv1_3).wrap_socket(
                raw, server_hostname="localhost") as s:
            took = closed_within(s, HEADER_TIMEOUT + 10)
            t.ok("handshake, no request: closed after the header timeout",
                 took is not None and took >= HEADER_TIMEOUT - 0.5,
                 "took %r s" % took)

        # Still serving after all that.
        t.eq("still serving", 3, len(kms.list_keys()["Keys"]))
        log = srv.read_log()
        t.ok("the key never reaches the log", KEY_LINE not in log)

    # The same policies over plain HTTP: SecureTransport is false.
    with Server() as plain:
        kms = client(plain.endpoint, "kms", True)
        k_false = kms.create_key(Policy=policy("false"))["KeyMetadata"]
        k_true = kms.create_key(Policy=policy("true"))["KeyMetadata"]
        t.error("Deny on SecureTransport=false denies over HTTP",
                "AccessDeniedException", kms.encrypt,
                KeyId=k_false["KeyId"], Plaintext=b"x",
                msg="with an explicit deny")
        t.ok("Deny on SecureTransport=true allows over HTTP",
             kms.encrypt(KeyId=k_true["KeyId"], Plaintext=b"x")
             ["CiphertextBlob"] != b"")

    # Clear startup errors.
    startup_error(["--tls-cert", CERT], "--tls-cert and --tls-key go "
                  "together")
    startup_error(["--tls-key", KEY], "--tls-cert and --tls-key go "
                  "together")
    startup_error(["--tls-cert", CERT, "--tls-key", OTHER_KEY],
                  "is not the key of the certificate")
    startup_error(["--tls-cert", KEY, "--tls-key", KEY],
                  "holds no PEM certificate")
    with open(CERT, "rb") as f:
        cert_as_key = write(os.path.join(tmp, "cert-as-key.pem"), f.read(),
                            0o600)
    startup_error(["--tls-cert", CERT, "--tls-key", cert_as_key],
                  "holds no unencrypted PEM private key")
    startup_error(["--tls-cert", CERT, "--tls-key",
                   os.path.join(tmp, "missing.pem")], "cannot read")
    os.chmod(KEY, 0o644)
    startup_error(["--tls-cert", CERT, "--tls-key", KEY],
                  "permissions 0644")
    os.chmod(KEY, 0o600)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
t.done()
