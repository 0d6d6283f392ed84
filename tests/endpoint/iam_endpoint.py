#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A local AWS IAM + STS + Secrets Manager + IMDSv2 endpoint for pam_aws_iam's tests.

One port serves:
  POST /            IAM (Version 2010-05-08) or STS (2011-06-15) Query API, picked by the
                    service in the SigV4 credential scope; Secrets Manager's JSON API
                    (X-Amz-Target: secretsmanager.ACTION) for --region. Every request's
                    signature is verified with botocore's signer against the secret this
                    server issued.
  /latest/...       IMDSv2 (token, role, temporary credentials acting as the admin).
  /_control/...     JSON control API for tests (unsigned, loopback only).

Usage: iam_endpoint.py [--port N] [--host 127.0.0.1] [--account ID] [--alias NAME]
                       [--partition aws|aws-cn|aws-us-gov] [--region REGION]
                       [--admin-credentials-file PATH] [--tls-self-signed] [--verbose]
The first line on stdout is the base URL. SIGTERM/SIGINT stop it cleanly.
This file is the command line only; tests/endpoint/README.md maps the modules beside it
and documents the control API.
"""
import argparse
import ipaddress
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile

from aws_common import PARTITION_IAM_REGION
from endpoint_state import State
from model_iam import ALIAS_RE
from server import Handler, make_server

REGION_RE = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")


def make_tls_context(tmpdir):
	key = os.path.join(tmpdir, "key.pem")
	cert = os.path.join(tmpdir, "cert.pem")
	subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
	                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
	                "-keyout", key, "-out", cert], check=True, stdin=subprocess.DEVNULL,
	               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
	ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
	ctx.load_cert_chain(cert, key)
	return ctx, cert


def write_credentials(path, key_id, secret):
	fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
	with os.fdopen(fd, "w") as f:
		os.fchmod(f.fileno(), 0o600)
		f.write("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
		        % (key_id, secret))


def main(argv=None):
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	ap.add_argument("--port", type=int, default=0)
	ap.add_argument("--host", default="127.0.0.1")
	ap.add_argument("--account", default="123456789012")
	ap.add_argument("--alias", default=None)
	ap.add_argument("--partition", default="aws", choices=sorted(PARTITION_IAM_REGION))
	ap.add_argument("--region", default=None,
	                help="region of the regional services (Secrets Manager); default: the "
	                "partition's IAM signing region (us-east-1 for aws)")
	ap.add_argument("--admin-credentials-file")
	ap.add_argument("--tls-self-signed", action="store_true")
	ap.add_argument("--verbose", action="store_true")
	a = ap.parse_args(argv)
	try:
		if not ipaddress.ip_address(a.host).is_loopback:
			raise ValueError
	except ValueError:
		ap.error("--host must be a loopback address (got %r)" % a.host)
	if not re.fullmatch(r"\d{12}", a.account):
		ap.error("--account must be 12 digits")
	if a.alias is not None and not ALIAS_RE.match(a.alias):
		ap.error("--alias is not a valid account alias")
	if a.region is not None and not REGION_RE.fullmatch(a.region):
		ap.error("--region is not a region name (like eu-west-1)")

	state = State(a.account, a.partition, a.alias, a.region or PARTITION_IAM_REGION[a.partition])
	tmpdir = None
	info = {}
	if a.admin_credentials_file:
		write_credentials(a.admin_credentials_file, *state.admin_key)
		info["admin_credentials_file"] = os.path.abspath(a.admin_credentials_file)
	family = socket.AF_INET6 if ":" in a.host else socket.AF_INET
	srv = make_server(state, a.host, a.port, family, a.verbose, info)
	scheme = "http"
	if a.tls_self_signed:
		tmpdir = tempfile.mkdtemp(prefix="pai-endpoint-tls-")
		ctx, cert = make_tls_context(tmpdir)
		srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
		                             do_handshake_on_connect=False)
		scheme = "https"
		info["cert_file"] = cert
	Handler.scheme = scheme
	port = srv.server_address[1]
	host = "[%s]" % a.host if family == socket.AF_INET6 else a.host
	url = "%s://%s:%d" % (scheme, host, port)
	info["url"] = url

	def stop(signum, frame):
		raise SystemExit(0)
	signal.signal(signal.SIGTERM, stop)
	signal.signal(signal.SIGINT, stop)
	sys.stdout.write(url + "\n")
	sys.stdout.flush()
	try:
		srv.serve_forever(poll_interval=0.2)
	except SystemExit:
		pass
	finally:
		srv.server_close()
		if tmpdir:
			shutil.rmtree(tmpdir, ignore_errors=True)
	return 0


if __name__ == "__main__":
	sys.exit(main())
