/* SPDX-License-Identifier: MIT */
/* test_config.c — pam_aws_iam.conf: defaults, every key, one-line FILE:LINE errors, hostile
 * input, the shipped conf/pam_aws_iam.conf and the ownership check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "safefile.h"

static struct pai_config cfg;
static char err[512];

static pai_err load(const char *text)
{
	err[0] = '\0';
	return config_load_string(text, "t.conf", &cfg, err, sizeof(err));
}

/* Loading text fails with a message starting with want. */
static void fails_with(const char *text, const char *want)
{
	assert_int_equal(load(text), PAI_ERR_CONFIG);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("for %s\nwant %s...\ngot  %s", text, want, err);
	assert_null(strchr(err, '\n'));
}

static void defaults_match_the_documentation(void **state)
{
	(void)state;
	assert_int_equal(load(""), PAI_OK);
	assert_int_equal(cfg.partition, PAI_PARTITION_AWS);
	assert_string_equal(cfg.endpoint, "");
	assert_string_equal(cfg.credentials, "/etc/security/pam_aws_iam.credentials");
	assert_false(cfg.credentials_instance);
	assert_string_equal(cfg.profile, "default");
	assert_int_equal(cfg.connect_timeout, 2);
	assert_int_equal(cfg.deadline, 8);
	assert_int_equal(cfg.max_attempts, 3);
	assert_int_equal(cfg.min_uid, 1000);
	assert_int_equal(cfg.n_scope_groups, 0);
	assert_int_equal(cfg.n_exclude, 1);
	assert_string_equal(cfg.exclude[0], "root");
	assert_string_equal(cfg.name_template, "%u");
	assert_string_equal(cfg.path, "/");
	assert_true(cfg.create);
	assert_false(cfg.adopt_existing);
	assert_string_equal(cfg.keys_profile, "default");
	assert_int_equal(cfg.max_age_days, 90);
	assert_int_equal(cfg.verify_interval, 3600);
	assert_int_equal(cfg.on_limit, PAI_ON_LIMIT_FAIL);
	assert_int_equal(cfg.wait_until_usable, 0);
	assert_string_equal(cfg.region, "");
	assert_true(cfg.show_url);
	assert_int_equal(cfg.password, PAI_PASSWORD_NO);
	assert_string_equal(cfg.state_dir, "/var/lib/pam_aws_iam");
	assert_int_equal(cfg.deliver, PAI_DELIVER_FILE);
	assert_int_equal(cfg.session_seconds, 43200);
	assert_int_equal(cfg.session_refresh, 1200);
}

static void deliver_process_and_its_session_bounds(void **state)
{
	(void)state;
	assert_int_equal(load("[keys]\ndeliver = process\nsession_seconds = 2100\n"
	                      "session_refresh = 1200\n"),
	                 PAI_OK);
	assert_int_equal(cfg.deliver, PAI_DELIVER_PROCESS);
	assert_int_equal(cfg.session_seconds, 2100);
	assert_int_equal(load("[keys]\nsession_seconds = 129600\nsession_refresh = 128700\n"),
	                 PAI_OK);
	fails_with("[keys]\ndeliver = env\n", "t.conf:2: deliver must be file or process");
	fails_with("[keys]\nsession_seconds = 899\n",
	           "t.conf:2: session_seconds must be a whole number from 900 to 129600");
	fails_with("[keys]\nsession_seconds = 129601\n", "t.conf:2: session_seconds must");
	fails_with("[keys]\nsession_refresh = 899\n",
	           "t.conf:2: session_refresh must be a whole number from 900 to 128700");
	/* a new session must be served for 15 minutes before it is renewed */
	fails_with(
	    "[keys]\nsession_seconds = 2000\nsession_refresh = 1200\n",
	    "t.conf:2: session_seconds (2000) must be at least session_refresh (1200) + 900");
	fails_with("[keys]\nsession_refresh = 43000\n",
	           "t.conf:2: session_seconds (43200) must be at least session_refresh (43000)");
}

static void every_key_is_read(void **state)
{
	(void)state;
	assert_int_equal(
	    load("; comment\n# comment\n[aws]\r\npartition = aws-us-gov\r\n"
	         "endpoint = https://iam.example.com:8443/x\n"
	         "sts_endpoint = http://127.0.0.1:9000\n"
	         "imds_endpoint = http://[::1]:8081\n"
	         "credentials = instance\nprofile = admin\nconnect_timeout = 3\n"
	         "deadline = 9\nmax_attempts = 5\n\n"
	         "[scope]\nmin_uid = 2000\ngroups = dev, ops\tadm\nexclude = alice bob\n"
	         "[user]\nname = %u@%h\npath = /people/\ncreate = no\n"
	         "adopt_existing = yes\ngroups = Dev,Ops\n"
	         "policies = arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess\n"
	         "  arn:aws-us-gov:iam::123456789012:policy/p/Mine\n"
	         "permissions_boundary = arn:aws-us-gov:iam::123456789012:policy/B\n"
	         "tags = host=%h, team = platform , empty=\n"
	         "[keys]\nprofile = work\nmax_age_days = 30\nverify_interval = 0\n"
	         "on_limit = replace-oldest-managed\nwait_until_usable = 5\n"
	         "region = us-gov-west-1\n"
	         "[console]\nshow_url = no\npassword = initial\n"
	         "[state]\ndir = /srv/state\n"),
	    PAI_OK);
	assert_int_equal(cfg.partition, PAI_PARTITION_AWS_US_GOV);
	assert_string_equal(cfg.endpoint, "https://iam.example.com:8443/x");
	assert_string_equal(cfg.imds_endpoint, "http://[::1]:8081");
	assert_true(cfg.credentials_instance);
	assert_int_equal(cfg.max_attempts, 5);
	assert_int_equal(cfg.n_scope_groups, 3);
	assert_string_equal(cfg.scope_groups[2], "adm");
	assert_int_equal(cfg.n_exclude, 2); /* replaces the default */
	assert_string_equal(cfg.exclude[1], "bob");
	assert_false(cfg.create);
	assert_true(cfg.adopt_existing);
	assert_int_equal(cfg.n_user_groups, 2);
	assert_int_equal(cfg.n_policies, 2);
	assert_string_equal(cfg.policies[1], "arn:aws-us-gov:iam::123456789012:policy/p/Mine");
	assert_int_equal(cfg.n_tags, 3);
	assert_string_equal(cfg.tags[1].key, "team");
	assert_string_equal(cfg.tags[1].value, "platform");
	assert_string_equal(cfg.tags[2].value, "");
	assert_int_equal(cfg.on_limit, PAI_ON_LIMIT_REPLACE_OLDEST_MANAGED);
	assert_int_equal(cfg.password, PAI_PASSWORD_INITIAL);
	assert_false(cfg.show_url);
	assert_string_equal(cfg.state_dir, "/srv/state");
	assert_string_equal(cfg.region, "us-gov-west-1");
}

static void errors_are_one_line_with_file_and_line(void **state)
{
	(void)state;
	fails_with("[aws]\npartition = aws\n[bogus]\nx = 1\n", "t.conf:4: unknown section [bogus]");
	fails_with("[aws]\nzone = x\n", "t.conf:2: unknown key 'zone' in [aws]");
	fails_with("[aws]\nregion = x\n", "t.conf:2: 'x' is not a region name like eu-west-1");
	fails_with(
	    "[keys]\nstore = secretsmanager\n",
	    "t.conf:2: store = secretsmanager needs [aws] region (Secrets Manager is regional)");
	fails_with("[aws]\nregion = eu-west-1\n[keys]\nstore = secretsmanager\n"
	           "verify_interval = 90000\n",
	           "t.conf:5: verify_interval (90000) must be below rotation_grace (86400): a host "
	           "must see a rotation before the replaced key stops working");
	fails_with("[keys]\nsecret_prefix = a b\n",
	           "t.conf:2: secret_prefix must be at most 256 of A-Z a-z 0-9 /_+=.@-");
	fails_with("[aws]\ndeadline = 5\n\n[aws]\ndeadline = 6\n",
	           "t.conf:5: deadline given twice in [aws] (first on line 2)");
	fails_with("key = v\n", "t.conf:1: unknown section []");
	fails_with("[aws]\nno equals sign\n", "t.conf:2: not a [section]");
	fails_with("[aws\n", "t.conf:1: not a [section]");
	fails_with("[aws]\npartition = aws-eu\n", "t.conf:2: partition must be aws, aws-cn or");
	fails_with("[aws]\ndeadline = 0\n", "t.conf:2: deadline must be a whole number from 1");
	fails_with("[aws]\ndeadline = 301\n", "t.conf:2: deadline must");
	fails_with("[aws]\ndeadline = -1\n", "t.conf:2: deadline must");
	fails_with("[aws]\ndeadline = 5s\n", "t.conf:2: deadline must");
	fails_with("[aws]\nmax_attempts = 99999999999999999999\n", "t.conf:2: max_attempts must");
	fails_with("[aws]\nconnect_timeout = 9\ndeadline = 5\n",
	           "t.conf:2: connect_timeout (9) is longer than deadline (5)");
	fails_with("[keys]\nwait_until_usable = 8\n", "t.conf:2: wait_until_usable (8) must be");
	fails_with("[aws]\nendpoint = http://iam.amazonaws.com\n", "t.conf:2: plain http is");
	fails_with("[aws]\nendpoint = http://127.0.0.1.evil.com/\n", "t.conf:2: plain http is");
	fails_with("[aws]\nendpoint = https://user@host/\n", "t.conf:2: URL contains");
	fails_with("[aws]\nendpoint = ftp://host/\n", "t.conf:2: URL must start with https");
	fails_with("[aws]\nendpoint = https://host:0/\n", "t.conf:2: URL port");
	fails_with("[aws]\nendpoint = https://:443/\n", "t.conf:2: URL has no host");
	fails_with("[aws]\nimds_endpoint = http://10.0.0.1/\n", "t.conf:2: plain http is");
	fails_with("[aws]\ncredentials = relative/path\n", "t.conf:2: must be an absolute path");
	fails_with("[aws]\ncredentials = /a/../b\n", "t.conf:2: path must not contain");
	fails_with("[aws]\nprofile = a b\n", "t.conf:2: profile name must be");
	fails_with("[scope]\ngroups = ok, -bad\n", "t.conf:2: '-bad' is not a valid Linux");
	fails_with("[user]\nname = %x\n", "t.conf:2: user name template: unknown placeholder");
	fails_with("[user]\nname = %u%\n", "t.conf:2: user name template: template ends");
	fails_with("[user]\nname = ~%u\n", "t.conf:2: user name template: IAM user name cannot "
	                                   "contain '~'");
	fails_with("[user]\nname = "
	           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa%u\n",
	           "t.conf:2: user name template: IAM user name is 65 characters");
	fails_with("[user]\npath = people\n", "t.conf:2: IAM path must be");
	fails_with("[user]\ncreate = maybe\n", "t.conf:2: create must be yes or no");
	fails_with("[user]\npolicies = arn:aws:iam::aws:policy/A, not-an-arn\n",
	           "t.conf:2: 'not-an-arn' is not a managed policy ARN");
	fails_with("[user]\npolicies = arn:aws-cn:iam::aws:policy/A\n",
	           "t.conf:2: policy 'arn:aws-cn:iam::aws:policy/A' is not in partition aws");
	fails_with("[user]\ntags = a=1, A=2\n", "t.conf:2: tag key 'A' given twice");
	fails_with("[user]\ntags = aws:x=1\n", "t.conf:2: tag key 'aws:x'");
	fails_with("[user]\ntags = novalue\n", "t.conf:2: tag 'novalue' is not key=value");
	fails_with("[user]\ntags = k=%q\n", "t.conf:2: tag 'k': unknown placeholder");
	fails_with("[user]\ntags = k=a!b\n", "t.conf:2: tag 'k': tag value is not");
	fails_with("[user]\ngroups = a b c d e f g h i j k\n", "t.conf:2: groups has more than 10");
	fails_with("[keys]\non_limit = replace\n", "t.conf:2: on_limit must be fail or");
	fails_with("[keys]\nregion = EU\n", "t.conf:2: 'EU' is not a region name");
	fails_with("[console]\npassword = always\n", "t.conf:2: password must be no or initial");
	fails_with("[state]\ndir = var\n", "t.conf:2: must be an absolute path");
	fails_with("[aws]\ndeadline = 5\n  6\n", "t.conf:3: only list keys may continue");
}

static void first_error_wins(void **state)
{
	(void)state;
	fails_with("[aws]\ndeadline = 0\nbogus line\n[x]\n", "t.conf:2: deadline must");
	fails_with("[aws]\nbogus line\ndeadline = 0\n", "t.conf:2: not a [section]");
}

static void hostile_input(void **state)
{
	char *big;
	size_t i;

	(void)state;
	/* inih would split a long line and read its tail as a line of its own */
	big = malloc(PAI_CONF_FILE_MAX + 64);
	assert_non_null(big);
	strcpy(big, "[user]\ntags = k=");
	i = strlen(big);
	memset(big + i, 'v', 190);
	strcpy(big + i + 190, "exclude = root\n");
	fails_with(big, "t.conf:2: line longer than 198 characters");
	memset(big, '#', PAI_CONF_FILE_MAX + 10);
	big[PAI_CONF_FILE_MAX + 10] = '\0';
	fails_with(big, "t.conf: larger than");
	free(big);
	fails_with("[aws]\nprofile = a\x01"
	           "b\n",
	           "t.conf:2: profile name must be");
	fails_with("[scope]\nexclude = r\xc3\xb6ot\n", "t.conf:2: 'r");
	fails_with("[user]\nname = %u\n[user]\nname = x%u\n", "t.conf:4: name given twice");
	/* every list has an explicit bound */
	{
		char buf[8192];
		size_t n = 0;

		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "[scope]\nexclude = u0\n");
		for (i = 1; i <= PAI_CONF_MAX_LINUX; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "  u%zu\n", i);
		fails_with(buf, "t.conf:66: exclude has more than 64 entries");
	}
}

/* Equal as configurations: every member before the list storage byte for byte (counts
 * included), then the defined entries of each list; storage past a count is undefined. */
static void assert_config_equal(const struct pai_config *a, const struct pai_config *b)
{
	size_t i;

	assert_memory_equal(a, b, offsetof(struct pai_config, scope_groups));
	for (i = 0; i < a->n_scope_groups; i++)
		assert_string_equal(a->scope_groups[i], b->scope_groups[i]);
	for (i = 0; i < a->n_exclude; i++)
		assert_string_equal(a->exclude[i], b->exclude[i]);
	for (i = 0; i < a->n_user_groups; i++)
		assert_string_equal(a->user_groups[i], b->user_groups[i]);
	for (i = 0; i < a->n_policies; i++)
		assert_string_equal(a->policies[i], b->policies[i]);
	for (i = 0; i < a->n_tags; i++) {
		assert_string_equal(a->tags[i].key, b->tags[i].key);
		assert_string_equal(a->tags[i].value, b->tags[i].value);
	}
}

static void shipped_config_is_the_defaults(void **state)
{
	struct pai_config def;
	const char *paths[] = {"conf/pam_aws_iam.conf", "../conf/pam_aws_iam.conf",
	                       "../../conf/pam_aws_iam.conf"};
	size_t i;
	pai_err e = PAI_ERR_CONFIG;

	(void)state;
	for (i = 0; i < 3 && e != PAI_OK; i++)
		if (access(paths[i], R_OK) == 0)
			e = config_load_file(paths[i], &cfg, err, sizeof(err));
	if (i == 3 && e != PAI_OK) {
		if (access("conf/pam_aws_iam.conf", R_OK) != 0)
			skip();
		fail_msg("%s", err);
	}
	config_defaults(&def);
	assert_config_equal(&def, &cfg);
}

/* Uncommenting every "#key = value" line of the shipped file changes nothing: the file
 * documents the true defaults, and each is a valid value. */
static void shipped_config_uncommented_is_the_defaults(void **state)
{
	struct pai_config def;
	char line[256], *text;
	size_t n = 0;
	FILE *f = fopen("conf/pam_aws_iam.conf", "r");

	(void)state;
	if (!f)
		skip();
	text = calloc(1, PAI_CONF_FILE_MAX);
	assert_non_null(text);
	while (fgets(line, sizeof(line), f)) {
		const char *l = line;

		if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z' && strchr(line, '='))
			l = line + 1;
		n += (size_t)snprintf(text + n, PAI_CONF_FILE_MAX - n, "%s", l);
	}
	fclose(f);
	if (load(text) != PAI_OK)
		fail_msg("%s", err);
	config_defaults(&def);
	assert_config_equal(&def, &cfg);
	free(text);
}

static void load_file_reports_path(void **state)
{
	(void)state;
	assert_int_equal(config_load_file("/nonexistent/x.conf", &cfg, err, sizeof(err)),
	                 PAI_ERR_CONFIG);
	assert_string_equal(err, "/nonexistent/x.conf: No such file or directory");
	assert_int_equal(config_load_file("/", &cfg, err, sizeof(err)), PAI_ERR_CONFIG);
	assert_string_equal(err, "/: not a regular file");
}

static void print_round_trips(void **state)
{
	struct pai_config first;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(
	    load("[aws]\npartition = aws-cn\ncredentials = instance\n[scope]\n"
	         "groups = a,b\n[user]\ntags = host=%h, t=x y\n"
	         "policies = arn:aws-cn:iam::aws:policy/P\n[keys]\nregion = cn-north-1\n"),
	    PAI_OK);
	first = cfg;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_print(&first, f);
	fclose(f);
	assert_int_equal(load(text), PAI_OK);
	assert_config_equal(&first, &cfg);
	free(text);
}

/* ---- drop-ins and where each value came from ---- */

static char dir[64];

/* A fresh directory with the named files, each holding its text. */
static int make_dropins(const char *const *files)
{
	size_t i;

	snprintf(dir, sizeof(dir), "/tmp/pai-dropins-XXXXXX");
	assert_non_null(mkdtemp(dir));
	for (i = 0; files[i]; i += 2) {
		char path[256];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(files[i + 1], f);
		fclose(f);
	}
	return open(dir, O_RDONLY | O_DIRECTORY);
}

static void remove_dropins(int fd)
{
	char cmd[128];

	close(fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* main, then the drop-ins of files, with trust; PAI_OK or the first error (in err). */
static pai_err load_layers(const char *main_text, const char *const *files,
                           const struct safefile_trust *trust, struct pai_config_sources *src)
{
	int fd = make_dropins(files);
	pai_err e;

	err[0] = '\0';
	config_begin(&cfg, src);
	e = config_add_string(&cfg, src, main_text, "main.conf", err, sizeof(err));
	if (!e)
		e = config_add_dropins(&cfg, src, fd, dir, trust, err, sizeof(err));
	if (!e)
		e = config_end(&cfg, src, err, sizeof(err));
	remove_dropins(fd);
	return e;
}

static void a_later_dropin_overrides_an_earlier_value(void **state)
{
	const char *const files[] = {"20-b.conf", "[aws]\ndeadline = 20\n",
	                             "10-a.conf", "[aws]\ndeadline = 10\nmax_attempts = 4\n",
	                             "30-c.conf", "[user]\ngeneration = 3\n",
	                             NULL};
	struct pai_config_sources src;

	(void)state;
	assert_int_equal(load_layers("[aws]\ndeadline = 5\n", files, NULL, &src), PAI_OK);
	assert_int_equal(cfg.deadline, 20); /* 20-b.conf, read after 10-a.conf */
	assert_int_equal(cfg.max_attempts, 4);
	assert_int_equal(cfg.generation, 3);
	assert_int_equal(src.n_files, 4);
	assert_string_equal(src.file[0], "main.conf");
	assert_non_null(strstr(src.file[1], "/10-a.conf"));
	assert_non_null(strstr(src.file[2], "/20-b.conf"));
	assert_non_null(strstr(src.file[3], "/30-c.conf"));
	config_sources_free(&src);
}

static void a_list_in_a_dropin_replaces_the_earlier_list(void **state)
{
	const char *const files[] = {
	    "50-team.conf", "[user]\ngroups = operators\n  readonly\ntags = team=x\n", NULL};
	struct pai_config_sources src;

	(void)state;
	assert_int_equal(load_layers("[user]\ngroups = developers, admins\ntags = a=1, b=2\n",
	                             files, NULL, &src),
	                 PAI_OK);
	assert_int_equal(cfg.n_user_groups, 2);
	assert_string_equal(cfg.user_groups[0], "operators");
	assert_string_equal(cfg.user_groups[1], "readonly");
	assert_int_equal(cfg.n_tags, 1);
	assert_string_equal(cfg.tags[0].key, "team");
	config_sources_free(&src);
}

static void a_key_twice_in_one_dropin_is_an_error_with_its_file_and_line(void **state)
{
	const char *const twice[] = {"10-a.conf", "[aws]\ndeadline = 9\n\ndeadline = 10\n", NULL};
	const char *const unknown[] = {"10-a.conf", "[aws]\n", "20-b.conf", "[keys]\nnope = 1\n",
	                               NULL};
	struct pai_config_sources src;
	char want[128];

	(void)state;
	assert_int_equal(load_layers("", twice, NULL, &src), PAI_ERR_CONFIG);
	snprintf(want, sizeof(want),
	         "%s/10-a.conf:4: deadline given twice in [aws] (first on "
	         "line 2)",
	         dir);
	assert_string_equal(err, want);
	assert_int_equal(cfg.deadline, 8); /* the defaults again */
	config_sources_free(&src);
	assert_int_equal(load_layers("", unknown, NULL, &src), PAI_ERR_CONFIG);
	snprintf(want, sizeof(want), "%s/20-b.conf:2: unknown key 'nope' in [keys]", dir);
	assert_string_equal(err, want);
	config_sources_free(&src);
}

static void checks_across_files_name_the_file_that_set_the_key(void **state)
{
	const char *const files[] = {"10-a.conf", "\n\n[aws]\nconnect_timeout = 6\n", NULL};
	const char *const partition[] = {"10-a.conf", "[aws]\npartition = aws-cn\n", NULL};
	struct pai_config_sources src;
	char want[160];

	(void)state;
	assert_int_equal(load_layers("[aws]\ndeadline = 5\n", files, NULL, &src), PAI_ERR_CONFIG);
	snprintf(want, sizeof(want),
	         "%s/10-a.conf:4: connect_timeout (6) is longer than deadline (5)", dir);
	assert_string_equal(err, want);
	config_sources_free(&src);
	/* a policy of the main file, in another partition than a drop-in chose */
	assert_int_equal(
	    load_layers("[user]\npolicies = arn:aws:iam::aws:policy/A\n", partition, NULL, &src),
	    PAI_ERR_CONFIG);
	assert_string_equal(err, "main.conf:2: policy 'arn:aws:iam::aws:policy/A' is not in "
	                         "partition aws-cn");
	config_sources_free(&src);
}

static void only_NAME_conf_files_are_read_in_byte_order(void **state)
{
	const char *const files[] = {"B.conf",
	                             "[aws]\nmax_attempts = 2\n",
	                             "a.conf",
	                             "[aws]\nmax_attempts = 7\n",
	                             ".hidden.conf",
	                             "garbage\n",
	                             "x.conf~",
	                             "garbage\n",
	                             "y.conf.dpkg-old",
	                             "garbage\n",
	                             ".conf",
	                             "garbage\n",
	                             "notes.txt",
	                             "garbage\n",
	                             NULL};
	struct pai_config_sources src;

	(void)state;
	assert_int_equal(load_layers("", files, NULL, &src), PAI_OK);
	assert_int_equal(src.n_files, 3);
	assert_int_equal(cfg.max_attempts, 7); /* "B" < "a" in bytes: a.conf is read last */
	config_sources_free(&src);
}

static void more_dropins_than_the_bound_is_an_error(void **state)
{
	const char *files[2 * (PAI_CONF_MAX_DROPINS + 1) + 1];
	char names[PAI_CONF_MAX_DROPINS + 1][16];
	struct pai_config_sources src;
	size_t i;

	(void)state;
	for (i = 0; i <= PAI_CONF_MAX_DROPINS; i++) {
		snprintf(names[i], sizeof(names[i]), "%03zu.conf", i);
		files[2 * i] = names[i];
		files[2 * i + 1] = "";
	}
	files[2 * i] = NULL;
	assert_int_equal(load_layers("", files, NULL, &src), PAI_ERR_CONFIG);
	assert_non_null(strstr(err, "more than 64 drop-in files"));
	config_sources_free(&src);
}

static void a_privileged_load_judges_each_dropin_as_the_main_file(void **state)
{
	const struct safefile_trust t = {.type = S_IFREG,
	                                 .owner = 0,
	                                 .any_owner = false,
	                                 .forbidden = S_IWGRP | S_IWOTH,
	                                 .refusing = "refusing to run"};
	const char *const files[] = {"10-a.conf", "[aws]\ndeadline = 9\n", NULL};
	struct pai_config_sources src;
	char path[128], link[128];
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip(); /* the files must be root's */
	fd = make_dropins(files);
	snprintf(path, sizeof(path), "%s/10-a.conf", dir);
	chmod(path, 0644);
	config_begin(&cfg, &src);
	assert_int_equal(config_add_dropins(&cfg, &src, fd, dir, &t, err, sizeof(err)), PAI_OK);
	config_sources_free(&src);
	chmod(path, 0664); /* group-writable */
	config_begin(&cfg, &src);
	assert_int_equal(config_add_dropins(&cfg, &src, fd, dir, &t, err, sizeof(err)),
	                 PAI_ERR_CONFIG);
	assert_non_null(strstr(err, "refusing to run"));
	assert_int_equal(cfg.deadline, 8);
	config_sources_free(&src);
	chmod(path, 0644);
	assert_int_equal(chown(path, 65534, 0), 0); /* not root's */
	config_begin(&cfg, &src);
	assert_int_equal(config_add_dropins(&cfg, &src, fd, dir, &t, err, sizeof(err)),
	                 PAI_ERR_CONFIG);
	assert_non_null(strstr(err, "refusing to run"));
	config_sources_free(&src);
	assert_int_equal(chown(path, 0, 0), 0);
	snprintf(link, sizeof(link), "%s/20-link.conf", dir);
	assert_int_equal(symlink(path, link), 0); /* root's, safe, but reached through a link */
	config_begin(&cfg, &src);
	assert_int_equal(config_add_dropins(&cfg, &src, fd, dir, &t, err, sizeof(err)),
	                 PAI_ERR_CONFIG);
	assert_non_null(strstr(err, "20-link.conf: a symbolic link, refusing to run"));
	config_sources_free(&src);
	/* unprivileged, a link is followed */
	config_begin(&cfg, &src);
	assert_int_equal(config_add_dropins(&cfg, &src, fd, dir, NULL, err, sizeof(err)), PAI_OK);
	config_sources_free(&src);
	remove_dropins(fd);
}

static void generation_is_a_whole_number(void **state)
{
	(void)state;
	assert_int_equal(load("[user]\ngeneration = 4294967295\n"), PAI_OK);
	assert_int_equal(cfg.generation, 4294967295u);
	assert_int_equal(load(""), PAI_OK);
	assert_int_equal(cfg.generation, 0);
	fails_with("[user]\ngeneration = 4294967296\n",
	           "t.conf:2: generation must be a whole number from 0 to 4294967295");
	fails_with("[user]\ngeneration = -1\n", "t.conf:2: generation must");
	fails_with("[user]\ngeneration = 3a\n", "t.conf:2: generation must");
}

static void sources_print_the_file_and_line_of_each_value(void **state)
{
	const char *const files[] = {"10-a.conf", "[user]\ngeneration = 7\n", NULL};
	struct pai_config_sources src;
	char *text = NULL, want[160];
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(load_layers("[aws]\n\ndeadline = 6\n", files, NULL, &src), PAI_OK);
	src.dropin_dir = strdup(dir);
	src.dropin_dir_found = true;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_print_sources(&cfg, &src, f);
	fclose(f);
	assert_non_null(strstr(text, "# read: main.conf\n"));
	snprintf(want, sizeof(want), "# drop-ins: %s/*.conf\n", dir);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "\ndeadline = 6                            # main.conf:3\n"));
	snprintf(want, sizeof(want), "\ngeneration = 7                          # %s/10-a.conf:2\n",
	         dir);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "\nmax_attempts = 3                        # default\n"));
	free(text);
	config_sources_free(&src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults_match_the_documentation),
	    cmocka_unit_test(every_key_is_read),
	    cmocka_unit_test(deliver_process_and_its_session_bounds),
	    cmocka_unit_test(errors_are_one_line_with_file_and_line),
	    cmocka_unit_test(first_error_wins),
	    cmocka_unit_test(hostile_input),
	    cmocka_unit_test(shipped_config_is_the_defaults),
	    cmocka_unit_test(shipped_config_uncommented_is_the_defaults),
	    cmocka_unit_test(load_file_reports_path),
	    cmocka_unit_test(print_round_trips),
	    cmocka_unit_test(a_later_dropin_overrides_an_earlier_value),
	    cmocka_unit_test(a_list_in_a_dropin_replaces_the_earlier_list),
	    cmocka_unit_test(a_key_twice_in_one_dropin_is_an_error_with_its_file_and_line),
	    cmocka_unit_test(checks_across_files_name_the_file_that_set_the_key),
	    cmocka_unit_test(only_NAME_conf_files_are_read_in_byte_order),
	    cmocka_unit_test(more_dropins_than_the_bound_is_an_error),
	    cmocka_unit_test(a_privileged_load_judges_each_dropin_as_the_main_file),
	    cmocka_unit_test(generation_is_a_whole_number),
	    cmocka_unit_test(sources_print_the_file_and_line_of_each_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
