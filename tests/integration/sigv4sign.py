"""A small, independent SigV4 signer for raw-HTTP tests: it signs any set
of headers at any time, which botocore's signer (always "now", its own
header choice) cannot. Written from AWS's four tasks, not from logvault."""
import datetime
import hashlib
import hmac


def _h(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sign(body, headers, key="test", secret="test", region="eu-west-2",
         service="kms", when=None, signed=None):
    """Returns a new dict of headers with X-Amz-Date and Authorization.
    `headers` must include Host; `signed` names the headers to sign
    (lowercase), default all of them."""
    when = when or datetime.datetime.now(datetime.timezone.utc)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    hdrs = dict(headers)
    hdrs["X-Amz-Date"] = amz_date
    low = {k.lower(): " ".join(str(v).split()) for k, v in hdrs.items()}
    names = sorted(signed or low.keys())
    canonical = "\n".join([
        "POST", "/", "",
        "".join("%s:%s\n" % (n, low[n]) for n in names),
        ";".join(names),
        hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/%s/aws4_request" % (day, region, service)
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                     hashlib.sha256(canonical.encode()).hexdigest()])
    k = _h(("AWS4" + secret).encode(), day)
    k = _h(k, region)
    k = _h(k, service)
    k = _h(k, "aws4_request")
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    hdrs["Authorization"] = (
        "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s"
        % (key, scope, ";".join(names), sig))
    return hdrs
