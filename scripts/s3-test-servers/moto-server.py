#!/usr/bin/env python3
"""moto's S3 server on a free loopback port with request signatures checked.

moto serves without authentication until INITIAL_NO_AUTH_ACTION_COUNT actions have run. This launcher
starts the server with that count unbounded, creates an IAM user with an S3 policy and an access key
over moto's own IAM API, then switches authentication on for every later request (POST
/moto-api/reset-auth with 0). From then on moto recomputes each request's Signature V4 with the secret
of the key it names and refuses a mismatch (SignatureDoesNotMatch) or an unknown key.

Writes the shell exports (endpoint, key, secret) to ENV_FILE when ready, then serves until SIGTERM.
Usage: moto-server.py ENV_FILE
"""
import json
import os
import signal
import sys
import threading
import urllib.request
from urllib.parse import quote

os.environ.pop("INITIAL_NO_AUTH_ACTION_COUNT", None)
os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")

import boto3  # noqa: E402  (moto depends on boto3)
from moto.iam import access_control  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

# moto 5.2.1 recomputes the signature over the query string as it received it once decoded ("prefix=a/"),
# while clients sign it percent-encoded ("prefix=a%2F"), so every request with a '/' in a query value is
# refused (moto issue 5948, open); a '+' in a key's path is decoded the same way. Re-encode the path and
# the query values before moto signs; '%' stays as it is.
_create_aws_request = access_control.IAMRequestBase._create_aws_request


def _create_aws_request_encoded(self):  # type: ignore[no-untyped-def]
    path, sep, query = self._path.partition("?")
    path = quote(path, safe="/-_.~%")
    self._path = path + sep + query
    if sep:
        items = []
        for item in query.split("&"):
            name, eq, value = item.partition("=")
            items.append(quote(name, safe="-_.~%") + eq + quote(value, safe="-_.~%"))
        self._path = path + "?" + "&".join(items)
    return _create_aws_request(self)


access_control.IAMRequestBase._create_aws_request = _create_aws_request_encoded


def main() -> int:
    env_file = sys.argv[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"

    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="setup", aws_secret_access_key="setup")
    iam.create_user(UserName="pgproof-test")
    iam.put_user_policy(UserName="pgproof-test", PolicyName="s3-all", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }))
    key = iam.create_access_key(UserName="pgproof-test")["AccessKey"]

    # Authentication on from the next request on.
    # (text/plain: a form content type would leave the body to werkzeug's form parser, and moto sees none)
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset-auth", data=b"0", method="POST",
                                                  headers={"Content-Type": "text/plain"})).read()

    tmp = env_file + ".tmp"
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(f"PGPROOF_S3_ENDPOINT={endpoint}\n")
        f.write(f"PGPROOF_S3_ACCESS_KEY_ID={key['AccessKeyId']}\n")
        f.write(f"PGPROOF_S3_SECRET_ACCESS_KEY={key['SecretAccessKey']}\n")
    os.rename(tmp, env_file)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
