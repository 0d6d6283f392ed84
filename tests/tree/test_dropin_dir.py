# SPDX-License-Identifier: MIT
"""The drop-in directory has one name everywhere: the package installs it (debian/rules runs
`make install`), the man pages and the shipped config name it, and the helper reads FILE.d
after FILE, as its --help and --check-config say."""
import os
import re
import shlex
import subprocess

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.abspath(os.environ.get("PAI_BUILD_DIR") or os.path.join(TOP, "build"))
HELPER = os.path.join(BUILD, "aws-iam-provision")
CONFIG = "/etc/security/pam_aws_iam.conf"
DROPINS = CONFIG + ".d"


def read(rel):
	"""A file's text; a man page's font-alternating macros (.BI a b: "ab") joined up."""
	with open(os.path.join(TOP, rel)) as f:
		text = f.read().replace("\\-", "-").replace("\\fR", "").replace("\\fI", "")
	out = []
	for line in text.splitlines():
		m = re.match(r"\.(BI|IB|BR|RB|IR|RI|B|I) (.*)$", line)
		out.append("".join(shlex.split(m.group(2))) if m else line)
	return "\n".join(out)


def test_the_package_installs_the_directory():
	p = subprocess.run(["make", "-n", "-C", TOP, "install", "DESTDIR=/pkgroot", "PREFIX=/usr"],
	                   capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
	assert p.returncode == 0, p.stderr
	assert re.search(r"^install -d -m 0755 /pkgroot%s$" % re.escape(DROPINS), p.stdout, re.M), \
		p.stdout
	rules = read("debian/rules")
	assert "install" in rules and "PREFIX=/usr" in rules


def test_the_man_pages_and_the_shipped_config_name_it():
	for page in ("man/pam_aws_iam.conf.5", "man/aws-iam-provision.8"):
		text = read(page)
		files = text[text.index(".SH FILES"):]
		assert DROPINS + "/" in files, page
	assert DROPINS + "/NAME.conf" in read("man/pam_aws_iam.conf.5")
	assert DROPINS + "/NAME.conf" in read("conf/pam_aws_iam.conf")
	assert DROPINS + "/" in read("README.md")


def test_the_helper_reads_FILE_d_after_FILE(tmp_path):
	out = subprocess.run([HELPER, "--help"], capture_output=True, text=True).stdout
	default = re.search(r"\(default (\S+)\), then its\s+drop-ins FILE\.d/\*\.conf", out)
	assert default and default.group(1) == CONFIG, out
	conf = tmp_path / "pam_aws_iam.conf"
	conf.write_text("[scope]\nmin_uid = 0\nexclude =\n")
	(tmp_path / "pam_aws_iam.conf.d").mkdir()
	(tmp_path / "pam_aws_iam.conf.d" / "10-a.conf").write_text("[user]\ngeneration = 9\n")
	p = subprocess.run([HELPER, "--config", str(conf), "--check-config"], capture_output=True,
	                   text=True, stdin=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin"})
	assert p.returncode == 0, p.stderr
	assert "# drop-ins: %s.d/*.conf\n" % conf in p.stdout
	assert "# read: %s.d/10-a.conf\n" % conf in p.stdout
	assert re.search(r"^generation = 9 +# %s\.d/10-a\.conf:2$" % re.escape(str(conf)), p.stdout,
	                 re.M)
