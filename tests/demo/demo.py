#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make demo: a demo person logs in through the real PAM stack (pam_wrapper + nss_wrapper)
against the local IAM endpoint. Nothing on the host changes: no account is created and
nothing in /etc is touched; everything lives in a temporary directory removed at the end."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("PAI_BUILD_DIR", os.path.join(TOP, "build"))
PERSON = "alice"


def find_lib(name):
    for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    m = re.search(r"\s" + re.escape(name) + r"\S* .*=> (\S+)", out)
    if not m:
        sys.exit(f"demo: {name} not found (Debian packages libpam-wrapper, libnss-wrapper)")
    return m.group(1)


def say(title):
    print(f"\n=== {title}")


def mask(text):
    return re.sub(r"(aws_secret_access_key\s*=\s*)(\S{4})\S+", r"\1\2…(masked)", text)


def main():
    tmp = tempfile.mkdtemp(prefix="pai-demo-")
    os.chmod(tmp, 0o755)
    endpoint = None
    try:
        uid = 4242 if os.geteuid() == 0 else os.getuid()
        gid = 4242 if os.geteuid() == 0 else os.getgid()
        home = os.path.join(tmp, "home", PERSON)
        state = os.path.join(tmp, "state")
        os.makedirs(home)
        os.makedirs(state, mode=0o700)
        admin = os.path.join(tmp, "admin.credentials")

        endpoint = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(TOP, "tests/endpoint/iam_endpoint.py"), "--port", "0",
             "--alias", "demo-corp", "--admin-credentials-file", admin],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        url = endpoint.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            sys.exit("demo: the local IAM endpoint did not start")

        with open(os.path.join(tmp, "passwd"), "w") as f:
            f.write(f"{PERSON}:x:{uid}:{gid}:Alice Demo:{home}:/bin/sh\n")
        with open(os.path.join(tmp, "group"), "w") as f:
            f.write(f"{PERSON}:x:{gid}:\n")
        conf = os.path.join(tmp, "pam_aws_iam.conf")
        with open(conf, "w") as f:
            f.write(f"""[aws]
endpoint = {url}
sts_endpoint = {url}
credentials = {admin}
deadline = 5
[scope]
min_uid = 0
exclude = nobody
[user]
path = /demo/
groups = developers
policies = arn:aws:iam::aws:policy/ReadOnlyAccess
tags = team=demo, host=%h
[state]
dir = {state}
""")
        if os.geteuid() == 0:
            for p in (home, state, admin, os.path.dirname(home)):
                os.chown(p, uid, gid)
        # The demo person runs the helper: it may not reach the build dir (a clone in /root
        # is 0700), so the module, the helper and its network half run from a copy in tmp.
        bindir = os.path.join(tmp, "bin")
        os.makedirs(bindir)
        os.chmod(bindir, 0o755)
        for name in ("aws-iam-provision", "pai-network.so", "pam_aws_iam.so"):
            shutil.copy2(os.path.join(BUILD, name), bindir)

        # The helper resolves its account through nss_wrapper too, so the demo person exists
        # only in the temporary passwd file. This wrapper is demo scaffolding, not the product.
        nss = find_lib("libnss_wrapper.so")
        wrapper = os.path.join(tmp, "helper")
        with open(wrapper, "w") as f:
            f.write(f"#!/bin/sh\nexec env LD_PRELOAD={nss} NSS_WRAPPER_PASSWD={tmp}/passwd "
                    f"NSS_WRAPPER_GROUP={tmp}/group {bindir}/aws-iam-provision \"$@\"\n")
        os.chmod(wrapper, 0o755)
        pamd = os.path.join(tmp, "pam.d")
        os.makedirs(pamd)
        with open(os.path.join(pamd, "pai-demo"), "w") as f:
            f.write(f"session required {bindir}/pam_aws_iam.so helper={wrapper} config={conf}\n")
        env = dict(os.environ, LD_PRELOAD=f"{find_lib('libpam_wrapper.so')} {nss}",
                   PAM_WRAPPER="1", PAM_WRAPPER_SERVICE_DIR=pamd,
                   NSS_WRAPPER_PASSWD=os.path.join(tmp, "passwd"),
                   NSS_WRAPPER_GROUP=os.path.join(tmp, "group"))

        def login(title):
            say(title)
            print(f"$ pamtester pai-demo {PERSON} open_session close_session")
            t0 = time.monotonic()
            p = subprocess.run(["pamtester", "-v", "pai-demo", PERSON, "open_session", "close_session"],
                               env=env, capture_output=True, text=True, timeout=60)
            took = (time.monotonic() - t0) * 1000
            for line in (p.stderr + p.stdout).splitlines():
                if not line.startswith("PWRAP_"):  # pam_wrapper's own chatter
                    print(line)
            print(f"(session open took {took:.0f} ms)")
            if p.returncode != 0:
                raise SystemExit("demo: login failed")

        def calls():
            with urllib.request.urlopen(url + "/_control/calls", timeout=5) as r:
                return [c["action"] for c in json.load(r)["calls"] if c["service"] != "imds"]

        login(f"first login of '{PERSON}': IAM user and key are created")
        print("API calls made:", ", ".join(calls()))

        say(f"{home}/.aws/credentials (secret masked)")
        cred = os.path.join(home, ".aws", "credentials")
        st = os.stat(cred)
        print(f"mode {oct(st.st_mode & 0o777)}, owner uid {st.st_uid}")
        print(mask(open(cred).read()).rstrip())

        say("the Debian aws CLI with that key")
        print(f"$ aws sts get-caller-identity --endpoint-url {url}")
        p = subprocess.run(["/usr/bin/aws", "sts", "get-caller-identity", "--endpoint-url", url,
                            "--region", "us-east-1", "--output", "json"],
                           env={"PATH": "/usr/bin:/bin", "HOME": home, "AWS_SHARED_CREDENTIALS_FILE": cred,
                                "AWS_CONFIG_FILE": os.path.join(tmp, "no-config"),
                                "AWS_EC2_METADATA_DISABLED": "true"},
                           capture_output=True, text=True, timeout=60)
        print((p.stdout + p.stderr).rstrip())

        before = len(calls())
        login("second login: the fast path")
        print(f"API calls made: {len(calls()) - before}")
    finally:
        if endpoint:
            endpoint.terminate()
            try:
                endpoint.wait(10)
            except subprocess.TimeoutExpired:
                endpoint.kill()
                endpoint.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
