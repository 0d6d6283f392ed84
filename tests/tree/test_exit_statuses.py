# SPDX-License-Identifier: MIT
"""The helper's exit statuses are the same everywhere they are listed.

The PAI_EXIT_* defines in helper/**/exit_status.h are the contract (design.md: "a distinct
exit status" for each kind of bad input); an administrator reads them in the helper's --help,
the README's troubleshooting table and the EXIT STATUS section of aws-iam-provision(8), and
the PAM module turns each failing one into the line a person sees (describe_exit() in
pam_module/pam_aws_iam.c). Every status number must appear in each of those places, and no
other number may. The module maps 0, 3 (not in scope: PAM_IGNORE, nothing to say) and 8 (the
key is in place: the session opens) itself, so describe_exit() needs a case for every other
status, and may have one for 8; it may also name 127, the status of a child that could not
execute the helper.

Only numbers are compared: the wording is each place's own.
"""
import glob
import os
import re
import subprocess

import pytest

from pai_testlib import HELPER, REPO_ROOT

README = os.path.join(REPO_ROOT, "README.md")
MAN_PAGE = os.path.join(REPO_ROOT, "man", "aws-iam-provision.8")
# Statuses the module handles before describe_exit() is asked: ok, not in scope, warning.
MAPPED_BY_THE_MODULE = {0, 3, 8}
# Not a helper status: pam_module/spawn.c's child exits so when it cannot start the helper.
MODULE_ONLY = {127}


def rel(path):
	return os.path.relpath(path, REPO_ROOT)


def exit_status_header():
	"""The one exit_status.h under helper/, wherever the helper's sources are arranged."""
	found = sorted(glob.glob(os.path.join(REPO_ROOT, "helper", "**", "exit_status.h"),
	                         recursive=True))
	assert len(found) == 1, "expected one helper/**/exit_status.h, found %s" % (
		[rel(f) for f in found] or "none")
	return found[0]


def defined_statuses():
	"""{number: name} of the PAI_EXIT_* defines."""
	path = exit_status_header()
	with open(path) as f:
		defines = re.findall(r"^\s*#\s*define\s+(PAI_EXIT_\w+)\s+(\d+)\b", f.read(), re.M)
	assert defines, "%s: no PAI_EXIT_* defines" % rel(path)
	statuses = {}
	for name, value in defines:
		n = int(value)
		assert n not in statuses, "%s: %s and %s are both %d" % (rel(path), statuses[n], name, n)
		statuses[n] = name
	return statuses


def names_to_numbers():
	return {name: n for n, name in defined_statuses().items()}


def disagreement(where, listed, expected):
	"""One message naming what is missing from where and what it lists that is no status."""
	missing = sorted(set(expected) - set(listed))
	extra = sorted(set(listed) - set(expected))
	dups = sorted({n for n in listed if listed.count(n) > 1})
	parts = []
	if missing:
		parts.append("missing %s" % ", ".join(map(str, missing)))
	if extra:
		parts.append("lists %s, which %s not in %s" % (
			", ".join(map(str, extra)), "is" if len(extra) == 1 else "are",
			rel(exit_status_header())))
	if dups:
		parts.append("lists %s more than once" % ", ".join(map(str, dups)))
	if not parts:
		return None
	return "%s disagrees with %s (statuses %s): %s" % (
		where, rel(exit_status_header()), ", ".join(map(str, sorted(expected))),
		"; ".join(parts))


def test_exit_statuses_are_defined_once_each():
	statuses = defined_statuses()
	assert 0 in statuses and statuses[0] == "PAI_EXIT_OK", statuses
	assert not MODULE_ONLY & set(statuses), "a helper status clashes with 127 (exec failed)"


def help_text():
	if not os.access(HELPER, os.X_OK):
		pytest.skip("helper not built: %s" % HELPER)
	p = subprocess.run([HELPER, "--help"], capture_output=True, text=True, timeout=30,
	                   stdin=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
	assert p.returncode == 0, p.stderr
	return p.stdout


def test_the_helpers_help_lists_every_exit_status():
	text = help_text()
	m = re.search(r"^Exit status:(.*?)(?:\n\s*\n|\Z)", text, re.M | re.S)
	assert m, "%s --help has no \"Exit status:\" paragraph:\n%s" % (HELPER, text)
	para = " ".join(m.group(1).split()).rstrip(".")
	listed = []
	for item in para.split(","):
		n = re.match(r"\s*(\d+)\s+\S", item)
		assert n, "%s --help: cannot read %r in its Exit status paragraph" % (HELPER, item)
		listed.append(int(n.group(1)))
	problem = disagreement("aws-iam-provision --help (\"Exit status:\")", listed,
	                       defined_statuses())
	assert problem is None, problem


def readme_statuses():
	with open(README) as f:
		text = f.read()
	m = re.search(r"^## Troubleshooting\n(.*?)(?=^## |\Z)", text, re.M | re.S)
	assert m, "README.md has no \"## Troubleshooting\" section"
	rows = [ln for ln in m.group(1).splitlines() if ln.startswith("|")]
	assert rows and re.match(r"\|\s*status\s*\|", rows[0]), \
		"README.md's Troubleshooting section has no table starting with a \"status\" column"
	listed = []
	for row in rows[1:]:
		first = row.split("|")[1].strip()
		if re.fullmatch(r":?-+:?", first):
			continue  # the header's separator
		assert re.fullmatch(r"\d+", first), \
			"README.md's exit status table: %r is not a status number" % row
		listed.append(int(first))
	return listed


def test_the_readme_troubleshooting_table_lists_every_exit_status():
	problem = disagreement("README.md's Troubleshooting table", readme_statuses(),
	                       defined_statuses())
	assert problem is None, problem


def man_page_statuses():
	with open(MAN_PAGE) as f:
		text = f.read()
	m = re.search(r'^\.SH\s+"?EXIT STATUS"?\s*\n(.*?)(?=^\.SH\b|\Z)', text, re.M | re.S)
	assert m, "%s has no EXIT STATUS section" % rel(MAN_PAGE)
	return [int(n) for n in re.findall(r"^\.TP\s*\n\.B\s+\\?(\d+)\s*$", m.group(1), re.M)]


def test_the_man_page_lists_every_exit_status():
	problem = disagreement("%s's EXIT STATUS section" % rel(MAN_PAGE), man_page_statuses(),
	                       defined_statuses())
	assert problem is None, problem


def describe_exit_cases():
	"""(file, [case labels]) of describe_exit() in the PAM module's sources."""
	pattern = re.compile(r"\bdescribe_exit\s*\(\s*int\s+\w+\s*\)\s*\{")
	for path in sorted(glob.glob(os.path.join(REPO_ROOT, "pam_module", "**", "*.c"),
	                             recursive=True)):
		with open(path) as f:
			text = f.read()
		m = pattern.search(text)
		if not m:
			continue
		depth, i = 1, m.end()
		while depth and i < len(text):
			depth += {"{": 1, "}": -1}.get(text[i], 0)
			i += 1
		body = text[m.end():i]
		return path, re.findall(r"\bcase\s+([A-Za-z_]\w*|\d+)\s*:", body)
	pytest.fail("no describe_exit(int) definition in pam_module/**/*.c")


def test_the_pam_module_describes_every_failing_exit_status():
	path, labels = describe_exit_cases()
	by_name = names_to_numbers()
	listed = []
	for label in labels:
		if label.isdigit():
			n = int(label)
			assert n in MODULE_ONLY or n in by_name.values(), \
				"%s: describe_exit() has case %d, which is no exit status of %s" % (
					rel(path), n, rel(exit_status_header()))
			if n in MODULE_ONLY:
				continue
			listed.append(n)
		else:
			assert label in by_name, "%s: describe_exit() has case %s, not defined in %s" % (
				rel(path), label, rel(exit_status_header()))
			listed.append(by_name[label])
	# a case for 8 is welcome (the warning's line falls back on it), not required
	missing = sorted(set(defined_statuses()) - MAPPED_BY_THE_MODULE - set(listed))
	assert not missing, "%s: describe_exit() has no case for exit status %s (%s)" % (
		rel(path), ", ".join(map(str, missing)),
		", ".join(defined_statuses()[n] for n in missing))
