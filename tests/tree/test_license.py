# SPDX-License-Identifier: MIT
"""Every source file says its license (SPDX), and the license is in LICENSE and in the
package's debian/copyright alike."""
import os
import subprocess

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE_ENDINGS = (".c", ".h", ".py", ".map", ".5", ".8", ".sh")
SOURCE_NAMES = {"Makefile", "rules", "run", "install-deps", "pam_aws_iam.conf"}


def sources():
	out = subprocess.run(["git", "ls-files"], cwd=TOP, capture_output=True, text=True)
	if out.returncode != 0:
		out = subprocess.run(["find", ".", "-type", "f", "-not", "-path", "./build*",
		                      "-not", "-path", "./.git/*"], cwd=TOP, capture_output=True,
		                     text=True)
	for f in out.stdout.split():
		f = os.path.normpath(f)
		base = os.path.basename(f)
		if "/corpus/" in f or f.startswith("debian/build"):
			continue
		if f.endswith(SOURCE_ENDINGS) or base in SOURCE_NAMES or \
				(f.startswith("debian/libpam-aws-iam.") and
				 base.rsplit(".", 1)[-1] in ("postinst", "postrm", "prerm")):
			yield f


def test_every_source_names_its_license():
	missing = []
	for f in sources():
		with open(os.path.join(TOP, f), errors="replace") as fh:
			head = fh.read(400)
		if "SPDX-License-Identifier: MIT" not in head:
			missing.append(f)
	assert not missing, "no SPDX line: %s" % missing


def test_the_license_file_and_the_package_agree():
	with open(os.path.join(TOP, "LICENSE")) as f:
		lic = f.read()
	with open(os.path.join(TOP, "debian/copyright")) as f:
		cr = f.read()
	assert lic.startswith("MIT License") and "License: MIT" in cr
	words = lambda s: [w for w in s.replace(".", " ").split() if w.isalpha()]
	body = lic.split("Permission is hereby granted", 1)[1]
	assert words(body)[:40] == words(cr.split("Permission is hereby granted", 1)[1])[:40]
