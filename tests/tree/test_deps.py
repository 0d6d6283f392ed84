# SPDX-License-Identifier: MIT
"""tests/install-deps names every Debian package the tests and make targets use.

A new Debian machine has only the packages debootstrap's minbase installs (Essential and
Priority: required); `make check` and `make demo` install the rest through tests/install-deps.
A command or Python module that happens to be on this machine but comes from a package not in
that list (nor pulled in by one) works here and fails on a newcomer's machine: these tests find
every command the tests, scripts and Makefile run, and every module the tests import, and say
which package to add.
"""
import ast
import functools
import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INSTALL_DEPS = os.path.join(TOP, "tests", "install-deps")

# Programs the project builds or writes itself, and shell words that are not programs.
NOT_PROGRAMS = {"sh", "set", "exec", "exit", "echo", "printf", "cd", "export", "test", "[",
                "true", "false", "for", "do", "done", "if", "then", "else", "fi", "while",
                "case", "esac", "return", "local", "read", "trap", "wait", "kill", "shift",
                "command", "umask", "ulimit", ":", "."}


def listed_packages():
	out = subprocess.run([INSTALL_DEPS, "--list"], capture_output=True, text=True, check=True)
	return set(out.stdout.split())


@functools.lru_cache(maxsize=None)
def package_field(pkg, field):
	p = subprocess.run(["dpkg-query", "-W", "-f", "${%s}" % field, pkg], capture_output=True,
	                   text=True)
	return p.stdout.strip() if p.returncode == 0 else ""


def minbase(pkg):
	"""True for what debootstrap --variant=minbase installs: Essential or Priority required."""
	return package_field(pkg, "Essential") == "yes" or package_field(pkg, "Priority") == "required"


@functools.lru_cache(maxsize=None)
def installed_closure():
	"""Every package apt installs for install-deps' list: the list and its dependencies
	(no recommends), as the installed system resolves them."""
	pkgs = sorted(listed_packages())
	p = subprocess.run(["apt-cache", "depends", "--recurse", "--installed", "--no-recommends",
	                    "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces",
	                    "--no-enhances", *pkgs], capture_output=True, text=True, timeout=120)
	closure = set(pkgs)
	for line in p.stdout.splitlines():
		if not line.startswith(" "):
			closure.add(line.strip().split(":")[0])
		else:
			m = re.match(r"\s*\|?(?:Pre)?Depends: ([^<>\s]+)", line)
			if m:
				closure.add(m.group(1).split(":")[0])
	return closure


def owner(path):
	"""The Debian package that ships path (following symlinks and /usr merges), or None."""
	cands = [path, os.path.realpath(path)]
	for c in list(cands):
		if c.startswith("/usr/"):
			cands.append(c[4:])
		elif c.startswith(("/bin/", "/sbin/", "/lib/")):
			cands.append("/usr" + c)
	for c in cands:
		p = subprocess.run(["dpkg-query", "-S", c], capture_output=True, text=True)
		for line in p.stdout.splitlines() if p.returncode == 0 else ():
			if not line.startswith("diversion by"):
				return line.split(":")[0].split(",")[0].strip()
	return None


def python_sources():
	for f in glob.glob(os.path.join(TOP, "tests", "**", "*.py"), recursive=True):
		yield f


def shell_sources():
	"""Scripts and make recipes: their commands are the first word of each command."""
	files = [os.path.join(TOP, "Makefile"), os.path.join(TOP, "debian", "rules"),
	         os.path.join(TOP, ".ci", "run")]
	for f in glob.glob(os.path.join(TOP, "tests", "**", "*"), recursive=True):
		if os.path.isfile(f) and not f.endswith(".py"):
			with open(f, "rb") as fh:
				if fh.read(2) == b"#!":
					files.append(f)
	files += glob.glob(os.path.join(TOP, "debian", "*.postinst"))
	files += glob.glob(os.path.join(TOP, "debian", "*.postrm"))
	files += glob.glob(os.path.join(TOP, "debian", "*.prerm"))
	return [f for f in files if os.path.exists(f)]


def commands_in_python(path):
	"""Program names in command position: the first item of a list or tuple of strings, the
	argument of shutil.which, and any absolute /bin or /sbin path."""
	with open(path) as f:
		tree = ast.parse(f.read(), path)
	found = set()
	for node in ast.walk(tree):
		if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
			first = node.elts[0]
			if isinstance(first, ast.Constant) and isinstance(first.value, str):
				found.add(first.value)
		elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "which":
			if node.args and isinstance(node.args[0], ast.Constant):
				found.add(node.args[0].value)
		elif isinstance(node, ast.Constant) and isinstance(node.value, str):
			if re.fullmatch(r"/(usr/)?s?bin/[\w.+-]+", node.value):
				found.add(node.value)
	return found


def commands_in_shell(path):
	found = set()
	with open(path, errors="replace") as f:
		for line in f:
			line = line.split("#", 1)[0] if not line.lstrip().startswith("#!") else ""
			for part in re.split(r"&&|\|\||;|\||\$\(|`|\bthen\b|\bdo\b|\belse\b", line):
				words = part.strip().lstrip("@-").split()
				while words and ("=" in words[0] or words[0] in ("env", "exec", "sudo",
				                                                     "nice", "timeout")):
					words = words[1:]
					while words and words[0].startswith("-"):
						# env -u NAME: the option's argument
						words = words[2:] if words[0] == "-u" else words[1:]
					if words and re.fullmatch(r"\d+[smh]?", words[0]):
						words = words[1:]
				if words and re.fullmatch(r"[\w./+-]+", words[0]):
					found.add(words[0])
	return found


def resolve(word):
	"""The absolute path of a program name the tests run, or None when it is no program."""
	if word in NOT_PROGRAMS or word.startswith(("$", "./", "../", "build/", "tests/")):
		return None
	if word.startswith("/"):
		return word if os.path.isfile(word) and os.access(word, os.X_OK) else None
	if "/" in word or not re.fullmatch(r"[a-z0-9][\w.+-]*", word):
		return None
	return shutil.which(word, path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")


def all_commands():
	uses = {}
	for f in python_sources():
		for w in commands_in_python(f):
			uses.setdefault(w, set()).add(os.path.relpath(f, TOP))
	for f in shell_sources():
		for w in commands_in_shell(f):
			uses.setdefault(w, set()).add(os.path.relpath(f, TOP))
	out = {}
	for w, files in uses.items():
		p = resolve(w)
		if p:
			out.setdefault(p, set()).update(files)
	return out


def uncovered(pkg):
	return pkg not in installed_closure() and not minbase(pkg)


def test_the_list_names_real_packages():
	for pkg in sorted(listed_packages()):
		assert package_field(pkg, "Package") == pkg, \
			f"tests/install-deps lists {pkg}, which is not an installed Debian package"


def test_every_program_the_tests_run_comes_from_a_listed_package():
	cmds = all_commands()
	# the scan finds what it must: these are known users of the three kinds of places
	for must in ("curl", "clang-format", "hardening-check", "setpriv", "dpkg-buildpackage"):
		assert any(os.path.basename(p) == must for p in cmds), f"scan missed {must}"
	bad = []
	for path, files in sorted(cmds.items()):
		pkg = owner(path)
		if pkg is None:
			if path.startswith("/usr/local/") or not path.startswith(("/usr/", "/bin", "/sbin")):
				bad.append(f"{path} (used by {', '.join(sorted(files))}) is not from a "
				           "Debian package: use Debian's")
			continue
		if uncovered(pkg):
			bad.append(f"{path} (used by {', '.join(sorted(files))}) comes from package "
			           f"{pkg}: add it to tests/install-deps")
	assert not bad, "\n".join(bad)


def imported_modules():
	mods = {}
	local = {os.path.splitext(os.path.basename(f))[0] for f in python_sources()}
	for f in python_sources():
		with open(f) as fh:
			tree = ast.parse(fh.read(), f)
		for node in ast.walk(tree):
			names = []
			if isinstance(node, ast.Import):
				names = [a.name for a in node.names]
			elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
				names = [node.module]
			for n in names:
				top = n.split(".")[0]
				if top not in local and top not in sys.stdlib_module_names:
					mods.setdefault(top, set()).add(os.path.relpath(f, TOP))
	return mods


def test_every_python_module_the_tests_import_comes_from_a_listed_package():
	mods = imported_modules()
	assert "botocore" in mods and "pytest" in mods
	bad = []
	for mod, files in sorted(mods.items()):
		spec = importlib.util.find_spec(mod)
		where = spec.origin if spec and spec.origin not in (None, "namespace") else \
			(list(spec.submodule_search_locations)[0] if spec and spec.submodule_search_locations else None)
		if where and os.path.realpath(where).startswith(TOP + os.sep):
			continue  # the tests' own helpers
		if where is None:
			bad.append(f"module {mod} (imported by {', '.join(sorted(files))}) is not installed")
			continue
		pkg = owner(where)
		if pkg is None:
			bad.append(f"module {mod} ({where}) is not from a Debian package")
		elif uncovered(pkg):
			bad.append(f"module {mod} comes from package {pkg}: add it to tests/install-deps")
	assert not bad, "\n".join(bad)
