# SPDX-License-Identifier: MIT
"""System test: the built .deb installed, a real sshd on a loopback port with its own PAM
service, real logins of throwaway accounts, then a purge that leaves nothing behind.

Root only (CI); skipped with the reason elsewhere."""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = "/usr/bin/python3"
SERVICE = "sshd-paitest"
CONF = "/etc/security/pam_aws_iam.conf"
CREDS = "/etc/security/pam_aws_iam.credentials"
DROPINS = "/etc/security/pam_aws_iam.conf.d"
DROPIN = DROPINS + "/50-paitest.conf"
HELPER = "/usr/bin/aws-iam-provision"

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="system test needs root (runs in CI)"),
    pytest.mark.skipif(not os.path.exists("/usr/sbin/sshd") or not shutil.which("ssh"),
                       reason="system test needs openssh-server and openssh-client"),
]


def run(cmd, check=True, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    p = subprocess.run(cmd, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd} -> {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Endpoint:
    def __init__(self, tmp):
        self.creds = os.path.join(tmp, "admin.credentials")
        self.proc = subprocess.Popen(
            [PY, os.path.join(TOP, "tests/endpoint/iam_endpoint.py"), "--port", "0",
             "--admin-credentials-file", self.creds],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.url

    def calls(self):
        import json
        import urllib.request
        with urllib.request.urlopen(self.url + "/_control/calls", timeout=5) as r:
            return [c for c in json.load(r)["calls"] if c["service"] != "imds"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Sshd:
    def __init__(self, tmp):
        self.port = free_port()
        self.dir = tmp
        hostkey = os.path.join(tmp, "hostkey")
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostkey])
        cfg = os.path.join(tmp, "sshd_config")
        with open(cfg, "w") as f:
            f.write(f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {hostkey}\n"
                    f"PidFile {tmp}/sshd.pid\nUsePAM yes\nPubkeyAuthentication yes\n"
                    "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                    "AuthorizedKeysFile .ssh/authorized_keys\nPrintMotd no\nPrintLastLog no\n"
                    "StrictModes yes\n")
        os.makedirs("/run/sshd", exist_ok=True)
        # sshd's PAM service is its program name: a renamed symlink gets its own pam.d file.
        self.binary = os.path.join(tmp, SERVICE)
        os.symlink("/usr/sbin/sshd", self.binary)
        self.proc = subprocess.Popen([self.binary, "-D", "-e", "-f", cfg],
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "sshd.log"), "w"))
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise AssertionError("sshd did not start: " + open(os.path.join(tmp, "sshd.log")).read())

    def login(self, user, key, commands, timeout=60):
        """An interactive login (ssh -tt, no remote command) that runs commands in the shell."""
        t0 = time.monotonic()
        p = subprocess.run(
            ["ssh", "-tt", "-i", key, "-p", str(self.port), "-o", "StrictHostKeyChecking=no",
             "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
             "-o", "BatchMode=yes", f"{user}@127.0.0.1"],
            input=commands + "\nexit\n", capture_output=True, text=True, timeout=timeout)
        return p.stdout + p.stderr, time.monotonic() - t0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def make_account(name, tmp):
    run(["useradd", "-m", "-s", "/bin/bash", name])
    pw = pwd.getpwnam(name)
    key = os.path.join(tmp, name + ".key")
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key])
    ssh = os.path.join(pw.pw_dir, ".ssh")
    os.makedirs(ssh, mode=0o700, exist_ok=True)
    shutil.copy(key + ".pub", os.path.join(ssh, "authorized_keys"))
    for path in (ssh, os.path.join(ssh, "authorized_keys")):
        os.chown(path, pw.pw_uid, pw.pw_gid)
    os.chmod(os.path.join(ssh, "authorized_keys"), 0o600)
    # a locked password ('!') makes sshd refuse even a key login; '*' is "no password"
    run(["usermod", "-p", "*", name])
    return key


def as_user(name, cmd):
    return run(["setpriv", "--reuid", name, "--regid", name, "--init-groups", "--reset-env", *cmd],
               check=False)


@pytest.fixture
def installed(system_lock, tmp_path):
    tmp = str(tmp_path)
    os.chmod(tmp, 0o755)
    run(["make", "-C", TOP, "deb"], timeout=900)
    debs = sorted(f for f in os.listdir(os.path.join(TOP, "build"))
                  if f.startswith("libpam-aws-iam_") and f.endswith(".deb"))
    assert debs, "make deb left no package in build/"
    deb = os.path.join(TOP, "build", debs[-1])
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    had_account = run(["getent", "passwd", "_pam_aws_iam"], check=False).returncode == 0
    run(["dpkg", "--force-confnew", "-i", deb], env=env)
    accounts = []
    state = {"tmp": tmp, "accounts": accounts, "deb": deb}
    try:
        yield state
    finally:
        for obj in state.get("stop", []):
            obj.stop()
        for name in accounts:
            run(["pkill", "-KILL", "-u", name], check=False)
            run(["userdel", "-r", name], check=False)
        if os.path.exists(f"/etc/pam.d/{SERVICE}"):
            os.unlink(f"/etc/pam.d/{SERVICE}")
        if os.path.exists(DROPIN):
            os.unlink(DROPIN)
        run(["dpkg", "--purge", "libpam-aws-iam"], check=False, env=env)
        if os.path.exists(CREDS):
            os.unlink(CREDS)
        if not had_account:  # purge keeps it (locked); the test leaves the machine as found
            run(["userdel", "_pam_aws_iam"], check=False)
            run(["groupdel", "_pam_aws_iam"], check=False)


def test_deb_install_login_fast_path_outage_and_purge(installed):
    tmp = installed["tmp"]
    # the package's own work
    assert os.stat(HELPER).st_mode & 0o4000, "helper is not setuid"
    assert pwd.getpwuid(os.stat(HELPER).st_uid).pw_name == "_pam_aws_iam"
    st = os.stat("/var/lib/pam_aws_iam")
    assert oct(st.st_mode & 0o777) == "0o700" and pwd.getpwuid(st.st_uid).pw_name == "_pam_aws_iam"
    assert "_pam_aws_iam" in run(["dpkg-statoverride", "--list", HELPER]).stdout
    # the network half: root's 0644 at the helper's compiled-in path; the helper itself
    # links none of the network libraries (its fast path loads none)
    netlib = [line.strip() for line in run(["dpkg", "-L", "libpam-aws-iam"]).stdout.splitlines()
              if line.strip().endswith("/pam_aws_iam/pai-network.so")]
    assert len(netlib) == 1, "pai-network.so not in the package"
    st = os.stat(netlib[0])
    assert st.st_uid == 0 and oct(st.st_mode & 0o7777) == "0o644"
    assert not [lib for lib in ("libcurl", "libssl", "libxml2", "libjson-c")
                if lib in run(["ldd", HELPER]).stdout]
    # the drop-in directory: shipped by the package, root's, and what the helper reads
    assert DROPINS in run(["dpkg", "-L", "libpam-aws-iam"]).stdout.split()
    st = os.stat(DROPINS)
    assert st.st_uid == 0 and oct(st.st_mode & 0o7777) == "0o755"

    # lintian: no errors; hardening-check: everything bookworm can give (its glibc start
    # files carry no CET property, so no binary here, sshd included, has CFI)
    if shutil.which("lintian"):
        out = run(["lintian", installed["deb"]], check=False).stdout
        assert not [ln for ln in out.splitlines() if ln.startswith("E:")], out
    if shutil.which("hardening-check"):
        lib = [d for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu")
               if os.path.isdir(d + "/pam_aws_iam")]
        for b in [HELPER] + [f"{d}/security/pam_aws_iam.so" for d in lib] + \
                 [f"{d}/pam_aws_iam/pai-network.so" for d in lib]:
            p = run(["hardening-check", "--nocfprotection", b], check=False)
            assert p.returncode == 0, p.stdout

    ep = Endpoint(tmp)
    installed.setdefault("stop", []).append(ep)
    shutil.copy(ep.creds, CREDS)
    acct = pwd.getpwnam("_pam_aws_iam")
    os.chown(CREDS, acct.pw_uid, acct.pw_gid)
    os.chmod(CREDS, 0o600)
    with open(CONF, "w") as f:
        f.write(f"[aws]\nendpoint = {ep.url}\nsts_endpoint = {ep.url}\ndeadline = 4\n"
                f"connect_timeout = 1\n[scope]\nmin_uid = 1000\n[user]\npath = /\n")
    os.chmod(CONF, 0o644)
    with open(DROPIN, "w") as f:  # what a site package ships
        f.write("[user]\ngroups = developers\ngeneration = 1\n")
    os.chmod(DROPIN, 0o644)
    p = run([HELPER, "--check-config"])
    assert f"# drop-ins: {DROPINS}/*.conf\n" in p.stdout and f"# read: {DROPIN}\n" in p.stdout
    run(["pam-auth-update", "--enable", "aws-iam"])
    with open("/etc/pam.d/common-session") as f:
        assert "pam_aws_iam.so" in f.read()
    with open(f"/etc/pam.d/{SERVICE}", "w") as f:
        f.write("@include common-auth\n@include common-account\n@include common-session\n")

    sshd = Sshd(tmp)
    installed["stop"].append(sshd)
    name = "paisys%d" % (os.getpid() % 100000)
    installed["accounts"].append(name)
    key = make_account(name, tmp)
    home = pwd.getpwnam(name).pw_dir

    # first login: the person sees the sign-in URL and reaches the shell
    out, _ = sshd.login(name, key, "echo SHELL-REACHED; stat -c '%a %U' ~/.aws/credentials")
    assert "signin.aws.amazon.com/console" in out, out
    assert "SHELL-REACHED" in out, out
    assert f"600 {name}" in out, out
    assert "AddUserToGroup" in [c["action"] for c in ep.calls()]  # the drop-in's group
    st = os.stat(os.path.join(home, ".aws/credentials"))
    assert st.st_uid == pwd.getpwnam(name).pw_uid and st.st_mode & 0o777 == 0o600
    assert oct(os.stat(os.path.join(home, ".aws")).st_mode & 0o777) == "0o700"

    # the account cannot read the admin key, act for another account or choose the config
    p = as_user(name, ["cat", CREDS])
    assert p.returncode != 0
    secret = open(ep.creds).read().split("aws_secret_access_key")[1].split("=")[1].split()[0]
    p = as_user(name, [HELPER, "--user", "root"])
    assert p.returncode == 7 and secret not in p.stdout + p.stderr
    evil = os.path.join(tmp, "evil.conf")
    with open(evil, "w") as f:
        f.write(f"[aws]\ncredentials = {CREDS}\n")
    os.chmod(evil, 0o644)
    p = as_user(name, [HELPER, "--config", evil])
    assert p.returncode == 7 and secret not in p.stdout + p.stderr

    # second login: the fast path, no API call
    before = len(ep.calls())
    out, _ = sshd.login(name, key, "echo SHELL-REACHED")
    assert "SHELL-REACHED" in out and "signin.aws.amazon.com/console" in out, out
    assert len(ep.calls()) == before, "second login called AWS"

    # endpoint gone: a new person's login still reaches the shell, within the deadline
    ep.stop()
    name2 = name + "b"
    installed["accounts"].append(name2)
    key2 = make_account(name2, tmp)
    out, took = sshd.login(name2, key2, "echo SHELL-REACHED")
    assert "SHELL-REACHED" in out, out
    assert "AWS keys were not set up" in out, out
    assert took < 4 + 10, f"login took {took:.1f}s with the endpoint down"
    print(f"login with the endpoint down took {took:.2f}s (deadline 4s)")

    # purge leaves nothing behind (what the package shipped; a site's drop-in is the site's)
    sshd.stop()
    os.unlink(DROPIN)
    run(["dpkg", "--purge", "libpam-aws-iam"], env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    assert not os.path.exists(HELPER)
    assert not any(os.path.exists(f"{d}/pam_aws_iam.so") for d in
                   ("/usr/lib/x86_64-linux-gnu/security", "/lib/x86_64-linux-gnu/security"))
    assert not os.path.exists("/usr/share/pam-configs/aws-iam")
    assert not os.path.exists("/var/lib/pam_aws_iam")
    assert not os.path.exists(DROPINS)
    assert HELPER not in run(["dpkg-statoverride", "--list"], check=False).stdout
    for f in os.listdir("/etc/pam.d"):
        if f.startswith("common-"):
            assert "pam_aws_iam" not in open(os.path.join("/etc/pam.d", f)).read(), f
    # the account stays, locked and expired: its uid still owns the admin's credentials
    # file, and the next system account made must not get that uid and read the key
    kept = pwd.getpwnam("_pam_aws_iam")
    assert kept.pw_uid == acct.pw_uid and kept.pw_shell == "/usr/sbin/nologin"
    shadow = run(["getent", "shadow", "_pam_aws_iam"]).stdout.strip().split(":")
    assert shadow[1].startswith("!"), "password not locked: %r" % shadow[1]
    assert shadow[7] == "1", "account not expired: %r" % shadow[7]
    assert os.stat(CREDS).st_uid == acct.pw_uid
    nxt = "paisysnext"
    installed["accounts"].append(nxt)
    run(["adduser", "--system", "--group", "--quiet", "--no-create-home", nxt])
    assert pwd.getpwnam(nxt).pw_uid != acct.pw_uid
    p = as_user(nxt, ["cat", CREDS])
    assert p.returncode != 0 and "aws_secret_access_key" not in p.stdout

    # a reinstall takes the kept account up again
    run(["dpkg", "-i", installed["deb"]], env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    assert pwd.getpwuid(os.stat(HELPER).st_uid).pw_uid == acct.pw_uid
    shadow = run(["getent", "shadow", "_pam_aws_iam"]).stdout.strip().split(":")
    assert shadow[7] == "", "account still expired after reinstall: %r" % shadow[7]
