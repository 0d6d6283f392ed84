# SPDX-License-Identifier: MIT
"""Fleet configuration: drop-ins, and existing IAM users that follow the config.

aws-iam-provision against the local IAM endpoint, unprivileged, as test_provision.py runs
it. A login that verifies brings an existing managed user to the configured groups, managed
policies and tags; what the tool added and the config dropped is removed, and only that; a
host of an older [user] generation changes nothing. Each test asserts the exact calls, round
by round (calls of one round run concurrently, so their order within it is not fixed)."""
import hashlib
import os
import subprocess
import threading
import time

import pai_testlib
from pai_testlib import HOST, LOGIN, Helper, syslog_env

CONVERGED = "pam-aws-iam:converged"
ADDED = "pam-aws-iam:added"
ADDED_TAGS = "pam-aws-iam:added-tags"
MUTATING = pai_testlib.MUTATING
# one verify's reads when the record says the config changed: ListAccessKeys with the user's
# groups, policies and its record again, in one round trip
READS = sorted(["ListAccessKeys", "ListGroupsForUser", "ListAttachedUserPolicies", "GetUser"])
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def rec_id(kind, name):
	"""An id of the convergence record (helper/convrec.h), computed here on its own."""
	if kind != "p":
		name = name.lower()
	v = int.from_bytes(hashlib.sha256((kind + ":" + name).encode()).digest()[:5], "big") >> 4
	return "".join(B64[(v >> (30 - 6 * i)) & 63] for i in range(6))


def tags(ep, name=LOGIN):
	return {k: v for k, v in ep.user(name)["tags"]}


def groups(ep, name=LOGIN):
	return sorted(ep.user(name)["groups"])


def policies(ep, name=LOGIN):
	return sorted(ep.user(name)["policies"])


def recorded(ep, kind, name=LOGIN):
	"""The ids the record holds for kind ('g', 'p' or 't')."""
	t = tags(ep, name)
	words = (t.get(ADDED, "") + " " + t.get(ADDED_TAGS, "")).split()
	w = next((w for w in words if w.startswith(kind)), kind)[1:]
	return {w[i:i + 6] for i in range(0, len(w), 6)}


def generation(ep, name=LOGIN):
	return int(tags(ep, name)[CONVERGED].split()[0])


def policy(ep, name):
	return "arn:aws:iam::%s:policy/%s" % (ep.account, name) if name != "RO" else \
		"arn:aws:iam::aws:policy/ReadOnlyAccess"


def rounds(acts, *sizes):
	"""acts cut into rounds of the given sizes, each sorted (its calls ran concurrently); the
	rest, in order, last."""
	out, i = [], 0
	for n in sizes:
		out.append(sorted(acts[i:i + n]))
		i += n
	return out + [acts[i:]]


def created(helper, **user):
	"""A first login with this [user] config; the calls cleared afterwards."""
	helper.configure(user=user, keys={"verify_interval": "0"})
	p = helper.run()
	assert p.returncode == 0, p.stderr
	helper.ep.clear_calls()
	return p


# ---------------------------------------------------------------- what is recorded

def test_a_new_user_records_the_config_it_was_created_with(helper):
	ep = helper.ep
	created(helper, groups="developers", policies=policy(ep, "developer-access"),
	        tags="team=platform, login=%u", generation="3")
	t = tags(ep)
	gen, digest, hid, when, host = t[CONVERGED].split()
	assert (gen, host) == ("3", HOST) and len(digest) == 12 and len(hid) == 32
	assert recorded(ep, "g") == {rec_id("g", "developers")}
	assert recorded(ep, "p") == {rec_id("p", policy(ep, "developer-access"))}
	assert recorded(ep, "t") == {rec_id("t", "team"), rec_id("t", "login")}
	assert t["login"] == LOGIN
	# the next verify: the record says nothing differs, so no call beyond the two reads
	p = helper.run()
	assert p.returncode == 0, p.stderr
	assert ep.actions() == ["GetUser", "ListAccessKeys"]


# ---------------------------------------------------------------- convergence

def test_a_group_added_to_the_config_reaches_an_existing_user_at_the_next_verify(helper):
	ep = helper.ep
	created(helper, groups="developers")
	helper.configure(user={"groups": "developers, operators", "generation": "1"},
	                 keys={"verify_interval": "0"})
	p = helper.run()
	assert p.returncode == 0, p.stderr
	assert "config generation 1" in p.stdout
	first, reads, writes, rest = rounds(ep.actions(), 1, 4, 2)
	assert first == ["GetUser"] and reads == READS
	assert writes == ["AddUserToGroup", "TagUser"]
	assert rest == ["GetUser"]  # the record read back, with the key work's last round trip
	assert groups(ep) == ["developers", "operators"]
	assert generation(ep) == 1
	assert recorded(ep, "g") == {rec_id("g", "developers"), rec_id("g", "operators")}
	# nothing differs now: no call beyond the verify's two
	ep.clear_calls()
	assert helper.run().returncode == 0
	assert ep.actions() == ["GetUser", "ListAccessKeys"]
	# and the fast path stays at zero calls
	helper.configure(user={"groups": "developers, operators", "generation": "1"})
	ep.clear_calls()
	assert helper.run().returncode == 0
	assert ep.actions() == []


def test_a_removed_group_is_taken_away_only_when_the_tool_had_added_it(helper):
	ep = helper.ep
	created(helper, groups="developers, operators")
	ep.botocore_client().add_user_to_group(UserName=LOGIN, GroupName="readonly")  # by hand
	helper.configure(user={"groups": "developers", "generation": "2"},
	                 keys={"verify_interval": "0"})
	ep.clear_calls()
	p = helper.run()
	assert p.returncode == 0, p.stderr
	first, reads, writes, rest = rounds(ep.actions(), 1, 4, 2)
	assert writes == ["RemoveUserFromGroup", "TagUser"] and rest == ["GetUser"]
	assert [c["params"]["GroupName"] for c in ep.calls()
	        if c["action"] == "RemoveUserFromGroup"] == ["operators"]
	assert groups(ep) == ["developers", "readonly"]
	assert recorded(ep, "g") == {rec_id("g", "developers")}


def test_a_group_an_administrator_added_by_hand_stays_even_once_configured(helper):
	"""readonly was the user's before the config named it: the tool never records it as its
	own, so dropping it from the config later leaves it."""
	ep = helper.ep
	created(helper, groups="developers")
	ep.botocore_client().add_user_to_group(UserName=LOGIN, GroupName="readonly")
	helper.configure(user={"groups": "developers, readonly", "generation": "1"},
	                 keys={"verify_interval": "0"})
	ep.clear_calls()
	assert helper.run().returncode == 0
	first, reads, writes, rest = rounds(ep.actions(), 1, 4, 1)
	assert writes == ["TagUser"]  # nothing to add: only the record
	assert rest == []  # its ids did not change: no other host's could be lost, no read-back
	assert rec_id("g", "readonly") not in recorded(ep, "g")
	helper.configure(user={"groups": "developers", "generation": "2"},
	                 keys={"verify_interval": "0"})
	ep.clear_calls()
	assert helper.run().returncode == 0
	assert "RemoveUserFromGroup" not in ep.actions()
	assert groups(ep) == ["developers", "readonly"]


def test_policies_and_tags_follow_the_config_too(helper):
	ep = helper.ep
	created(helper, policies=policy(ep, "developer-access"), tags="team=platform, cost=1")
	c = ep.botocore_client()
	c.attach_user_policy(UserName=LOGIN, PolicyArn=policy(ep, "RO"))  # by hand
	c.tag_user(UserName=LOGIN, Tags=[{"Key": "owner", "Value": "alice"}])  # by hand
	helper.configure(user={"policies": policy(ep, "pai-boundary"),
	                       "tags": "team=infra, host=%h", "generation": "1"},
	                 keys={"verify_interval": "0"})
	ep.clear_calls()
	p = helper.run()
	assert p.returncode == 0, p.stderr
	first, reads, writes, rest = rounds(ep.actions(), 1, 4, 4)
	assert writes == sorted(["AttachUserPolicy", "DetachUserPolicy", "TagUser", "UntagUser"])
	assert policies(ep) == sorted([policy(ep, "pai-boundary"), policy(ep, "RO")])
	t = tags(ep)
	assert t["team"] == "infra" and t["host"] == HOST and t["owner"] == "alice"
	assert "cost" not in t
	assert recorded(ep, "t") == {rec_id("t", "team"), rec_id("t", "host")}


def test_a_new_generation_of_the_same_config_costs_one_tag_write(helper):
	ep = helper.ep
	created(helper, groups="developers", generation="1")
	helper.configure(user={"groups": "developers", "generation": "2"},
	                 keys={"verify_interval": "0"})
	p = helper.run("--status")
	assert "the next verify here records generation 2 (the config is the recorded one)" \
		in p.stdout, p.stdout
	ep.clear_calls()
	p = helper.run()
	assert p.returncode == 0, p.stderr
	assert ep.actions() == ["GetUser", "ListAccessKeys", "TagUser"]  # no read, no read-back
	assert generation(ep) == 2 and recorded(ep, "g") == {rec_id("g", "developers")}
	ep.clear_calls()
	assert helper.run().returncode == 0
	assert ep.actions() == ["GetUser", "ListAccessKeys"]


def test_a_user_from_before_convergence_keeps_what_it_had(helper):
	"""A managed user with no record (made before 0.2): the groups it has are not taken as
	the tool's; what the tool adds now is."""
	ep = helper.ep
	ep.create_user(LOGIN, tags={"pam-aws-iam:managed": LOGIN}, groups=["developers"])
	helper.configure(user={"groups": "developers, operators"}, keys={"verify_interval": "0"})
	p = helper.run()
	assert p.returncode == 0, p.stderr
	assert groups(ep) == ["developers", "operators"]
	assert recorded(ep, "g") == {rec_id("g", "operators")}
	helper.configure(user={"groups": "", "generation": "1"}, keys={"verify_interval": "0"})
	assert helper.run().returncode == 0
	assert groups(ep) == ["developers"]


def test_lists_of_many_pages_are_read_whole(helper):
	ep = helper.ep
	created(helper, groups="developers, operators, readonly")
	ep.config(page_size=1)
	helper.configure(user={"groups": "developers, operators", "generation": "1"},
	                 keys={"verify_interval": "0"})
	ep.clear_calls()
	assert helper.run().returncode == 0
	assert ep.actions().count("ListGroupsForUser") == 4  # the queued first page, then all
	assert groups(ep) == ["developers", "operators"]


# ---------------------------------------------------------------- generations

def test_two_hosts_with_generations_3_and_4_alternate_logins_and_nothing_flaps(helper, tmp_path):
	ep = helper.ep
	(tmp_path / "b").mkdir()
	hostb = Helper(tmp_path / "b", ep)
	helper.configure(user={"groups": "developers, operators", "tags": "tier=3",
	                       "generation": "3"}, keys={"verify_interval": "0"})
	hostb.configure(user={"groups": "developers, readonly", "tags": "tier=4",
	                      "generation": "4"}, keys={"verify_interval": "0"})
	assert helper.run().returncode == 0  # generation 3 creates the user
	assert groups(ep) == ["developers", "operators"] and generation(ep) == 3
	p = hostb.run(host="hostb")  # generation 4's first verify
	assert p.returncode == 0, p.stderr
	want = (["developers", "readonly"], "4")
	assert (groups(ep), tags(ep)["tier"]) == want and generation(ep) == 4
	for i in range(3):
		ep.clear_calls()
		p = helper.run()  # generation 3: changes nothing, and says so
		assert p.returncode == 0, p.stderr
		assert not (set(ep.actions()) & (MUTATING - {"TagUser"}))
		assert [c for c in ep.calls() if c["action"] == "TagUser" and
		        any(CONVERGED in str(v) for v in c["params"].values())] == []
		assert (groups(ep), tags(ep)["tier"]) == want and generation(ep) == 4
		ep.clear_calls()
		p = hostb.run(host="hostb")
		assert p.returncode == 0, p.stderr
		assert ep.actions() == ["GetUser", "ListAccessKeys"]  # nothing differs
		assert (groups(ep), tags(ep)["tier"]) == want
	p = helper.run("--status")
	assert p.returncode == 0, p.stderr
	assert "generation 3 is older than generation 4" in p.stdout
	assert "this host changes nothing" in p.stdout
	# and syslog says so at each verify
	capture = str(tmp_path / "syslog")
	p = subprocess.run(helper.argv(), capture_output=True, text=True, env=syslog_env(capture),
	                   stdin=subprocess.DEVNULL, timeout=60)
	assert p.returncode == 0, p.stderr
	with open(capture) as f:
		log = f.read()
	assert "action=converge-skipped-older-generation config generation 3 is older than " \
		"generation 4, recorded by host hostb" in log, log


def test_a_changed_config_under_the_same_generation_changes_nothing_on_another_host(helper, tmp_path):
	ep = helper.ep
	(tmp_path / "b").mkdir()
	hostb = Helper(tmp_path / "b", ep)
	created(helper, groups="developers", generation="5")
	hostb.configure(user={"groups": "operators", "generation": "5"}, keys={"verify_interval": "0"})
	p = hostb.run(host="hostb")
	assert p.returncode == 0, p.stderr
	assert groups(ep) == ["developers"]
	p = hostb.run("--status", host="hostb")
	assert "raise [user] generation" in p.stdout
	# the host that recorded generation 5 may change its own config
	helper.configure(user={"groups": "developers, readonly", "generation": "5"},
	                 keys={"verify_interval": "0"})
	assert helper.run().returncode == 0
	assert groups(ep) == ["developers", "readonly"]


def test_two_hosts_recording_at_once_do_not_lose_each_others_record(helper):
	"""Host A adds operators and records it; meanwhile host B (same generation, same config,
	which saw operators already there and so did not record it) writes its record over A's.
	A reads its record back, sees B's, and writes the two merged."""
	ep = helper.ep
	created(helper, groups="developers")
	helper.configure(user={"groups": "developers, operators", "generation": "1"},
	                 keys={"verify_interval": "0"})
	ep.clear_calls()
	ep.faults(latency_ms=700, only_actions=["GetUser"])  # A's read-back arrives late
	other = ep.botocore_client()
	done = threading.Event()

	def host_b():
		deadline = time.time() + 20
		while time.time() < deadline:
			mine = [c for c in ep.calls() if c["action"] == "TagUser" and
			        c["params"].get("Tags.member.1.Key") == CONVERGED]
			if mine:
				gen, digest, _hid, when, _host = mine[0]["params"]["Tags.member.1.Value"].split()
				other.tag_user(UserName=LOGIN, Tags=[
					{"Key": CONVERGED, "Value": "%s %s %s %s hostb" % (gen, digest, "b" * 32,
					                                                 when)},
					{"Key": ADDED, "Value": "g%s p" % rec_id("g", "developers")},
					{"Key": ADDED_TAGS, "Value": "t"}])
				done.set()
				return
			time.sleep(0.01)

	t = threading.Thread(target=host_b)
	t.start()
	p = helper.run()
	t.join()
	ep.faults()
	assert done.is_set(), "host B never saw A's record"
	assert p.returncode == 0, p.stderr
	assert recorded(ep, "g") == {rec_id("g", "developers"), rec_id("g", "operators")}
	assert tags(ep)[CONVERGED].split()[-1] == HOST
	record_writes = [c for c in ep.calls() if c["action"] == "TagUser" and
	                 c["caller_key"] == ep.admin_key_id and
	                 c["params"].get("Tags.member.1.Key") == CONVERGED]
	assert len(record_writes) == 3  # A's, B's, A's merged
	assert ep.actions().count("GetUser") == 4  # the first, with the lists, two read-backs


# ---------------------------------------------------------------- failures

def test_a_refused_addition_is_retried_by_the_next_login(helper):
	ep = helper.ep
	created(helper, groups="developers")
	helper.configure(user={"groups": "developers, operators", "generation": "1"})
	ep.deny(actions=["AddUserToGroup"])
	p = helper.run("--rotate")  # a run that verifies whatever the interval
	assert p.returncode == 8, p.stderr
	assert "AddUserToGroup operators failed" in p.stderr
	assert tags(ep)[CONVERGED].split()[1] == "-"  # unfinished: converged again
	assert rec_id("g", "operators") not in recorded(ep, "g")
	ep.deny(clear=True)
	ep.clear_calls()
	p = helper.run()  # not the fast path: the state says the setup is pending
	assert p.returncode == 0, p.stderr
	assert "AddUserToGroup" in ep.actions()
	assert groups(ep) == ["developers", "operators"]
	ep.clear_calls()
	assert helper.run().returncode == 0 and ep.actions() == []


def test_reads_that_are_denied_warn_and_leave_the_key_in_place(helper):
	ep = helper.ep
	created(helper, groups="developers")
	kid = helper.profile_key()
	helper.configure(user={"groups": "operators", "generation": "1"},
	                 keys={"verify_interval": "0"})
	ep.deny(actions=["ListGroupsForUser"])
	ep.clear_calls()
	p = helper.run()
	assert p.returncode == 8, p.stderr
	assert "ListGroupsForUser failed" in p.stderr
	assert not (set(ep.actions()) & MUTATING)
	assert helper.profile_key() == kid and groups(ep) == ["developers"]


def test_a_tag_this_login_cannot_carry_warns_and_the_key_is_still_verified(helper):
	"""The config's templates are checked with a one-letter login; a long one can make a tag
	value longer than IAM's 256 characters. An existing user's verify warns and goes on."""
	ep = helper.ep
	created(helper)
	kid = helper.profile_key()
	helper.configure(user={"tags": "k=" + "%u" * 94, "generation": "1"},
	                 keys={"verify_interval": "0"})
	ep.clear_calls()
	p = helper.run()
	assert p.returncode == 8, p.stderr
	assert "tag k:" in p.stderr
	assert ep.actions() == ["GetUser", "ListAccessKeys"]
	assert helper.profile_key() == kid


# ---------------------------------------------------------------- --status and --dry-run

def test_status_shows_what_differs_and_dry_run_the_calls_convergence_would_make(helper):
	ep = helper.ep
	created(helper, groups="developers, operators", tags="team=a")
	helper.configure(user={"groups": "developers, readonly", "tags": "team=b",
	                       "generation": "7"}, keys={"verify_interval": "0"})
	ep.clear_calls()
	p = helper.run("--status")
	assert p.returncode == 0, p.stderr
	assert "group readonly is configured and missing" in p.stdout
	assert "group operators was added by aws-iam-provision and is no longer configured" \
		in p.stdout
	assert "tag team should be 'b'" in p.stdout
	assert "the next verify here makes these changes" in p.stdout
	assert not (set(ep.actions()) & MUTATING)
	p = helper.run("--dry-run")
	assert p.returncode == 0, p.stderr
	assert "dry-run: would call AddUserToGroup readonly" in p.stdout
	assert "dry-run: would call RemoveUserFromGroup operators" in p.stdout
	assert "dry-run: would call TagUser team=b (convergence record: generation 7)" in p.stdout
	assert not (set(ep.actions()) & MUTATING)
	assert groups(ep) == ["developers", "operators"]
	p = helper.run("--status")
	assert "config: generation 7 here; the user is at generation 0" in p.stdout


# ---------------------------------------------------------------- drop-ins

def dropin(helper, name, text):
	d = helper.conf + ".d"
	os.makedirs(d, exist_ok=True)
	with open(os.path.join(d, name), "w") as f:
		f.write(text)
	return os.path.join(d, name)


def test_dropins_are_read_in_name_order_and_check_config_says_where_each_value_came_from(helper):
	a = dropin(helper, "20-team.conf", "[user]\ngroups = operators\ngeneration = 2\n")
	b = dropin(helper, "10-site.conf", "[user]\n\ngroups = developers\n[aws]\ndeadline = 12\n")
	dropin(helper, "30-notes.txt", "not read\n")
	dropin(helper, ".40-hidden.conf", "not read\n")
	p = helper.run("--check-config")
	assert p.returncode == 0, p.stderr
	lines = p.stdout.splitlines()
	read = [ln.split(": ", 1)[1] for ln in lines if ln.startswith("# read: ")]
	assert read == [helper.conf, b, a]
	assert "# drop-ins: %s.d/*.conf" % helper.conf in lines

	def where(section, key):
		at = lines.index("[%s]" % section)
		ln = next(ln for ln in lines[at:] if ln.startswith(key + " = "))
		return ln.split(" # ")[1]
	assert where("user", "groups") == "%s:2" % a  # 20-team.conf, read after 10-site.conf
	assert where("user", "generation") == "%s:3" % a
	assert where("aws", "deadline") == "%s:5" % b
	assert where("scope", "min_uid") == "%s:8" % helper.conf  # the main file
	assert where("aws", "max_attempts") == "default"
	assert helper.ep.actions() == []


def test_a_dropin_error_names_its_file_and_line(helper):
	path = dropin(helper, "10-bad.conf", "[user]\ngroups = developers\n\ngroups = operators\n")
	p = helper.run()
	assert p.returncode == 4
	assert "%s:4: groups given twice in [user] (first on line 2)" % path in p.stderr
	os.unlink(path)
	path = dropin(helper, "10-bad.conf", "[aws]\nconnect_timeout = 40\n")
	p = helper.run("--check-config")
	assert p.returncode == 4
	assert "%s:2: connect_timeout (40) is longer than deadline (30)" % path in p.stderr
	assert helper.ep.actions() == []


def test_a_file_dropped_in_brings_every_existing_person_to_it(helper):
	"""What an administrator does: a site package drops a file in; the next verify of an
	existing person converges, and the one after that calls nothing more."""
	ep = helper.ep
	created(helper)
	dropin(helper, "50-site.conf", "[user]\ngroups = developers\ngeneration = 1\n"
	                               "tags = team=platform\n")
	ep.clear_calls()
	assert helper.run().returncode == 0
	assert groups(ep) == ["developers"] and tags(ep)["team"] == "platform"
	ep.clear_calls()
	assert helper.run().returncode == 0
	assert ep.actions() == ["GetUser", "ListAccessKeys"]
