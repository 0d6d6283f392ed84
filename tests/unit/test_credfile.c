/* SPDX-License-Identifier: MIT */
/* test_credfile.c — credfile: parsing as botocore does, rewriting byte for byte, hostile
 * input, and the rewrite property on many generated files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fuzz/credfile_property.h"

static const struct credfile_kv new_key[] = {
    {"aws_access_key_id", "AKIANEWNEWNEWNEW0001"},
    {"aws_secret_access_key", "newSecret/abc+def"},
    {"aws_session_token", NULL},
};

/* Parses in, sets new_key in profile, and compares with want. */
static void rewrite_is(const char *in, enum credfile_kind kind, const char *profile,
                       const char *want)
{
	struct credfile *cf = NULL;
	struct buf out;
	char err[128];

	assert_int_equal(credfile_parse(in, strlen(in), kind, &cf, err, sizeof(err)), PAI_OK);
	assert_int_equal(credfile_set_profile(cf, profile, new_key, 3), PAI_OK);
	buf_init(&out, 0);
	assert_int_equal(credfile_serialize(cf, &out), PAI_OK);
	assert_string_equal(out.data ? out.data : "", want);
	buf_free(&out);
	credfile_free(cf);
	assert_null(credfile_property(in, strlen(in), kind, profile, new_key, 3));
}

static pai_err parse_err(const char *in, size_t len, char *err, size_t errlen)
{
	struct credfile *cf = NULL;
	pai_err e = credfile_parse(in, len, CREDFILE_CREDENTIALS, &cf, err, errlen);

	credfile_free(cf);
	return e;
}

static void replaces_in_place_keeping_everything_else(void **state)
{
	(void)state;
	rewrite_is(
	    "# my creds\n[other]\naws_access_key_id = AKIAOTHER\n\n"
	    "[default]\naws_access_key_id=AKIAOLD  \n  ;note\naws_secret_access_key   =  old\n"
	    "aws_session_token = tok\n  tokmore\nregion = x\n\n[last]\nk = v",
	    CREDFILE_CREDENTIALS, "default",
	    "# my creds\n[other]\naws_access_key_id = AKIAOTHER\n\n"
	    "[default]\naws_access_key_id=AKIANEWNEWNEWNEW0001  \n  ;note\n"
	    "aws_secret_access_key   =  newSecret/abc+def\nregion = x\n\n[last]\nk = v");
}

static void appends_missing_keys_after_last_key(void **state)
{
	(void)state;
	rewrite_is("[default]\n  region: eu-west-1\n# trailing comment\n\n[b]\nx=y\n",
	           CREDFILE_CREDENTIALS, "default",
	           "[default]\n  region: eu-west-1\n  aws_access_key_id: AKIANEWNEWNEWNEW0001\n"
	           "  aws_secret_access_key: newSecret/abc+def\n# trailing comment\n\n[b]\nx=y\n");
	rewrite_is("[default]\n[b]\nx=y\n", CREDFILE_CREDENTIALS, "default",
	           "[default]\naws_access_key_id = AKIANEWNEWNEWNEW0001\n"
	           "aws_secret_access_key = newSecret/abc+def\n[b]\nx=y\n");
}

static void creates_profile_at_end_in_dominant_line_ending(void **state)
{
	(void)state;
	rewrite_is("[a]\r\nk = v\r\n[b]\r\nk = v\n", CREDFILE_CREDENTIALS, "dev",
	           "[a]\r\nk = v\r\n[b]\r\nk = v\n\r\n[dev]\r\n"
	           "aws_access_key_id = AKIANEWNEWNEWNEW0001\r\n"
	           "aws_secret_access_key = newSecret/abc+def\r\n");
	rewrite_is("[a]\nk = v", CREDFILE_CREDENTIALS, "dev",
	           "[a]\nk = v\n\n[dev]\naws_access_key_id = AKIANEWNEWNEWNEW0001\n"
	           "aws_secret_access_key = newSecret/abc+def\n");
	rewrite_is("", CREDFILE_CREDENTIALS, "default",
	           "[default]\naws_access_key_id = AKIANEWNEWNEWNEW0001\n"
	           "aws_secret_access_key = newSecret/abc+def\n");
	rewrite_is("# c\n\n", CREDFILE_CONFIG, "dev",
	           "# c\n\n[profile dev]\naws_access_key_id = AKIANEWNEWNEWNEW0001\n"
	           "aws_secret_access_key = newSecret/abc+def\n");
}

static void keeps_missing_final_newline(void **state)
{
	(void)state;
	rewrite_is("[default]\naws_access_key_id = A", CREDFILE_CREDENTIALS, "default",
	           "[default]\naws_access_key_id = AKIANEWNEWNEWNEW0001\n"
	           "aws_secret_access_key = newSecret/abc+def");
	rewrite_is("[default]\r\naws_secret_access_key = s\r\naws_access_key_id = A",
	           CREDFILE_CREDENTIALS, "default",
	           "[default]\r\naws_secret_access_key = newSecret/abc+def\r\n"
	           "aws_access_key_id = AKIANEWNEWNEWNEW0001");
}

static void config_kind_profiles(void **state)
{
	struct credfile *cf = NULL;
	char v[64];
	const char *in = "[default]\nregion = a\n[profile dev]\nregion = b\n"
	                 "[profile \"my dev\"]\nregion = c\n[profileX odd]\nregion = d\n"
	                 "[sso-session s]\nregion = e\n[profile a b]\nregion = f\n";

	(void)state;
	assert_int_equal(credfile_parse(in, strlen(in), CREDFILE_CONFIG, &cf, NULL, 0), PAI_OK);
	assert_int_equal(credfile_get(cf, "default", "region", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "a");
	assert_int_equal(credfile_get(cf, "dev", "REGION", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "b");
	assert_int_equal(credfile_get(cf, "my dev", "region", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "c");
	assert_int_equal(credfile_get(cf, "odd", "region", v, sizeof(v)), PAI_OK); /* as botocore */
	assert_false(credfile_has_profile(cf, "s"));
	assert_false(credfile_has_profile(cf, "a"));
	assert_false(credfile_has_profile(cf, "profile dev"));
	credfile_free(cf);
	rewrite_is(in, CREDFILE_CONFIG, "dev",
	           "[default]\nregion = a\n[profile dev]\nregion = b\n"
	           "aws_access_key_id = AKIANEWNEWNEWNEW0001\n"
	           "aws_secret_access_key = newSecret/abc+def\n"
	           "[profile \"my dev\"]\nregion = c\n[profileX odd]\nregion = d\n"
	           "[sso-session s]\nregion = e\n[profile a b]\nregion = f\n");
}

static void values_join_like_configparser(void **state)
{
	struct credfile *cf = NULL;
	char v[64];
	const char *in =
	    "[a]\nk = one\n\n  two\n# c\n   three\n\n\nj=\n[b]\n  x = 1\n# c\n  y = 2\n";

	(void)state;
	assert_int_equal(credfile_parse(in, strlen(in), CREDFILE_CREDENTIALS, &cf, NULL, 0),
	                 PAI_OK);
	assert_int_equal(credfile_get(cf, "a", "k", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "one\n\ntwo\nthree");
	assert_int_equal(credfile_get(cf, "a", "j", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "");
	/* "  y = 2" is deeper than nothing after a header: a key; then a comment; so y is a key */
	assert_int_equal(credfile_get(cf, "b", "x", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "1");
	assert_int_equal(credfile_get(cf, "b", "y", v, sizeof(v)), PAI_OK);
	assert_int_equal(credfile_get(cf, "a", "k", v, 4), PAI_ERR_TOOBIG);
	assert_int_equal(credfile_get(cf, "nope", "k", v, sizeof(v)), PAI_ERR_NOT_FOUND);
	assert_int_equal(credfile_get(cf, "a", "nope", v, sizeof(v)), PAI_ERR_NOT_FOUND);
	credfile_free(cf);
}

static void defaults_section_is_inherited(void **state)
{
	struct credfile *cf = NULL;
	char v[64];
	const char *in = "[DEFAULT]\nregion = r\n[a]\nk = v\n[DEFAULT]\nout = o\n";
	const struct credfile_kv rm[] = {{"region", NULL}};

	(void)state;
	assert_int_equal(credfile_parse(in, strlen(in), CREDFILE_CREDENTIALS, &cf, NULL, 0),
	                 PAI_OK);
	assert_false(credfile_has_profile(cf, "DEFAULT"));
	assert_int_equal(credfile_get(cf, "a", "region", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "r");
	assert_int_equal(credfile_get(cf, "a", "out", v, sizeof(v)), PAI_OK);
	/* a key inherited from [DEFAULT] cannot be removed from one profile */
	assert_int_equal(credfile_set_profile(cf, "a", rm, 1), PAI_ERR_INVALID);
	credfile_free(cf);
}

static void get_creds_reads_and_checks(void **state)
{
	struct credfile *cf = NULL;
	struct aws_creds c;
	const char *in = "[adm]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
	                 "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
	                 "[bad]\naws_access_key_id = AK\naws_secret_access_key = x\n[half]\n"
	                 "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n";

	(void)state;
	assert_int_equal(credfile_parse(in, strlen(in), CREDFILE_CREDENTIALS, &cf, NULL, 0),
	                 PAI_OK);
	assert_int_equal(credfile_get_creds(cf, "adm", &c), PAI_OK);
	assert_string_equal(c.access_key_id, "AKIAIOSFODNN7EXAMPLE");
	assert_null(c.session_token);
	aws_creds_wipe(&c);
	assert_int_equal(credfile_get_creds(cf, "bad", &c), PAI_ERR_INVALID);
	assert_null(c.access_key_id);
	assert_int_equal(credfile_get_creds(cf, "half", &c), PAI_ERR_NOT_FOUND);
	assert_int_equal(credfile_get_creds(cf, "none", &c), PAI_ERR_NOT_FOUND);
	credfile_free(cf);
}

static void duplicates_are_refused_as_botocore_does(void **state)
{
	char err[160];

	(void)state;
	assert_int_equal(parse_err("[a]\nk=1\n[b]\n[a]\n", 16, err, sizeof(err)), PAI_ERR_INVALID);
	assert_non_null(strstr(err, "line 4"));
	assert_non_null(strstr(err, "[a] given twice"));
	assert_int_equal(parse_err("[a]\nKey=1\nkey = hush\n", 21, err, sizeof(err)),
	                 PAI_ERR_INVALID);
	assert_non_null(strstr(err, "line 3"));
	assert_null(strstr(err, "hush")); /* values are never echoed */
	assert_int_equal(parse_err("[a]\nsecretvalue\n", 16, err, sizeof(err)), PAI_ERR_INVALID);
	assert_null(strstr(err, "secretvalue"));
	assert_int_equal(parse_err("[DEFAULT]\n[DEFAULT]\n", 20, err, sizeof(err)), PAI_OK);
	assert_int_equal(parse_err("[DEFAULT]\nk=1\n[DEFAULT]\nk=2\n", 28, err, sizeof(err)),
	                 PAI_ERR_INVALID);
	/* the same profile twice in a config file is two sections: later wins, as botocore */
	{
		struct credfile *cf = NULL;
		char v[8];
		const char *in = "[profile a]\nk=1\n[profile  a]\nk=2\n";

		assert_int_equal(credfile_parse(in, strlen(in), CREDFILE_CONFIG, &cf, NULL, 0),
		                 PAI_OK);
		assert_int_equal(credfile_get(cf, "a", "k", v, sizeof(v)), PAI_OK);
		assert_string_equal(v, "2");
		credfile_free(cf);
	}
}

static void hostile_files_are_refused(void **state)
{
	char err[160], *big;
	size_t i;

	(void)state;
	assert_int_equal(parse_err("[a]\nk=v\0x\n", 10, err, sizeof(err)), PAI_ERR_INVALID);
	assert_non_null(strstr(err, "NUL"));
	assert_int_equal(parse_err("[a]\nk=\xff\n", 7, err, sizeof(err)), PAI_ERR_INVALID);
	assert_int_equal(parse_err("[a]\nk=\xed\xa0\x80\n", 9, err, sizeof(err)), PAI_ERR_INVALID);
	assert_int_equal(parse_err("k=v\n[a]\n", 8, err, sizeof(err)), PAI_ERR_INVALID);
	assert_int_equal(parse_err("\xef\xbb\xbf[a]\n", 7, err, sizeof(err)), PAI_ERR_INVALID);
	assert_int_equal(parse_err("[a]\nnot a key line\n", 19, err, sizeof(err)), PAI_ERR_INVALID);
	assert_int_equal(parse_err("[a]\n = v\n", 9, err, sizeof(err)), PAI_ERR_INVALID);
	assert_int_equal(parse_err("[]\n", 3, err, sizeof(err)), PAI_ERR_INVALID);
	big = malloc(CREDFILE_MAX_SIZE + 16);
	assert_non_null(big);
	memcpy(big, "[a]\nk=", 6);
	memset(big + 6, 'x', CREDFILE_MAX_LINE);
	assert_int_equal(parse_err(big, 6 + CREDFILE_MAX_LINE - 2, err, sizeof(err)), PAI_OK);
	assert_int_equal(parse_err(big, 6 + CREDFILE_MAX_LINE, err, sizeof(err)), PAI_ERR_TOOBIG);
	memset(big, '\n', CREDFILE_MAX_SIZE + 1);
	assert_int_equal(parse_err(big, CREDFILE_MAX_SIZE + 1, err, sizeof(err)), PAI_ERR_TOOBIG);
	assert_int_equal(parse_err(big, 70000, err, sizeof(err)), PAI_ERR_TOOBIG); /* lines */
	for (i = 0; i <= CREDFILE_MAX_SECTIONS; i++)
		snprintf(big + i * 8, 9, "[s%04zu]", i);
	for (i = 0; i <= CREDFILE_MAX_SECTIONS; i++)
		big[i * 8 + 7] = '\n';
	assert_int_equal(parse_err(big, CREDFILE_MAX_SECTIONS * 8, err, sizeof(err)), PAI_OK);
	assert_int_equal(parse_err(big, (CREDFILE_MAX_SECTIONS + 1) * 8, err, sizeof(err)),
	                 PAI_ERR_TOOBIG);
	/* keys per section are bounded (and duplicate checks stay linear in that bound) */
	{
		size_t n = 0;

		n += (size_t)sprintf(big, "[a]\n");
		for (i = 0; i < CREDFILE_MAX_KEYS; i++)
			n += (size_t)sprintf(big + n, "k%zu=v\n", i);
		assert_int_equal(parse_err(big, n, err, sizeof(err)), PAI_OK);
		n += (size_t)sprintf(big + n, "[DEFAULT]\nx=1\n[b]\nk=1\n[DEFAULT]\ny=1\n");
		assert_int_equal(parse_err(big, n, err, sizeof(err)), PAI_OK);
		n += (size_t)sprintf(big + n, "[a]\n");
		assert_int_equal(parse_err(big, n, err, sizeof(err)), PAI_ERR_INVALID);
		n -= 4;
		n += (size_t)sprintf(big + n, "[b]\n");
		assert_int_equal(parse_err(big, n, err, sizeof(err)), PAI_ERR_INVALID);
		n = (size_t)sprintf(big, "[a]\n");
		for (i = 0; i <= CREDFILE_MAX_KEYS; i++)
			n += (size_t)sprintf(big + n, "k%zu=v\n", i);
		assert_int_equal(parse_err(big, n, err, sizeof(err)), PAI_ERR_TOOBIG);
		assert_non_null(strstr(err, "more than 256 keys"));
	}
	free(big);
}

static void injection_is_refused_and_file_unchanged(void **state)
{
	struct credfile *cf = NULL;
	struct buf out;
	const char *in = "[a]\nk = v\n";
	static const char *const bad_values[] = {"x\n[evil]", "x\r[evil]",   "x\ty", " lead",
	                                         "trail ",    "caf\xc3\xa9", "a\x01"};
	struct credfile_kv kv = {"k", NULL};
	size_t i;

	(void)state;
	assert_int_equal(credfile_parse(in, strlen(in), CREDFILE_CREDENTIALS, &cf, NULL, 0),
	                 PAI_OK);
	for (i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		kv.value = bad_values[i];
		assert_int_equal(credfile_set_profile(cf, "a", &kv, 1), PAI_ERR_INVALID);
	}
	kv.value = "ok";
	assert_int_equal(credfile_set_profile(cf, "a]\n[b", &kv, 1), PAI_ERR_INVALID);
	assert_int_equal(credfile_set_profile(cf, "DEFAULT", &kv, 1), PAI_ERR_INVALID);
	assert_int_equal(credfile_set_profile(cf, "a b", &kv, 1), PAI_ERR_INVALID);
	assert_int_equal(credfile_set_profile(cf, "", &kv, 1), PAI_ERR_INVALID);
	kv.key = "k=x";
	assert_int_equal(credfile_set_profile(cf, "a", &kv, 1), PAI_ERR_INVALID);
	kv.key = "[k]";
	assert_int_equal(credfile_set_profile(cf, "a", &kv, 1), PAI_ERR_INVALID);
	{
		struct credfile_kv twice[] = {{"k", "1"}, {"K", "2"}};

		assert_int_equal(credfile_set_profile(cf, "a", twice, 2), PAI_ERR_INVALID);
	}
	buf_init(&out, 0);
	assert_int_equal(credfile_serialize(cf, &out), PAI_OK);
	assert_string_equal(out.data, in);
	buf_free(&out);
	credfile_free(cf);
}

static void edit_that_would_change_meaning_is_refused(void **state)
{
	/* "  [b]" after a bare header is a header; a key added above it would swallow it as a
	 * continuation line. The re-parse check refuses rather than corrupt. */
	const char *in = "[a]\n  [b]\nk = v\n";

	(void)state;
	assert_null(credfile_property(in, strlen(in), CREDFILE_CREDENTIALS, "a", new_key, 3));
	{
		struct credfile *cf = NULL;

		assert_int_equal(credfile_parse(in, strlen(in), CREDFILE_CREDENTIALS, &cf, NULL, 0),
		                 PAI_OK);
		assert_int_equal(credfile_set_profile(cf, "a", new_key, 3), PAI_ERR_INVALID);
		credfile_free(cf);
	}
}

/* ---- generated files ---- */

static uint32_t rng_state = 12345;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) % n;
}

static void gen_file(struct buf *b)
{
	static const char *const eols[] = {"\n", "\r\n", "\n", "\r"};
	static const char *const sects[] = {"[default]", "[dev]",    "[profile dev]", "[ops]",
	                                    "[DEFAULT]", " [prod] ", "[profile\tqa]", "[a]x"};
	static const char *const keys[] = {"aws_access_key_id",
	                                   "AWS_SECRET_ACCESS_KEY",
	                                   "aws_session_token",
	                                   "region",
	                                   "output",
	                                   "x"};
	static const char *const seps[] = {" = ", "=", " =", ": ", "\t=\t", " : "};
	static const char *const ws[] = {"", " ", "  ", "\t", "\xc2\xa0", "\x0b"};
	size_t nlines = rnd(30), i;
	const char *eol = eols[rnd(4)];
	bool in_sect = false, used_sect[8] = {0}, used_key[8][6] = {{0}};
	size_t cur = 0, k;

	for (i = 0; i < nlines; i++) {
		if (rnd(8) == 0)
			eol = eols[rnd(4)];
		switch (rnd(6)) {
		case 0:
			buf_append_str(b, ws[rnd(6)]);
			buf_append_str(b, rnd(2) ? "# comment" : "; other = x");
			break;
		case 1: buf_append_str(b, ws[rnd(3)]); break;
		case 2:
			k = rnd(8);
			if (used_sect[k] && k != 4)
				continue;
			used_sect[k] = true;
			cur = k;
			in_sect = true;
			buf_append_str(b, sects[k]);
			break;
		default:
			if (!in_sect)
				continue;
			k = rnd(6);
			if (used_key[cur][k]) {
				if (rnd(2))
					continue;
				buf_append_str(b, "      cont"); /* maybe a continuation */
				break;
			}
			used_key[cur][k] = true;
			buf_append_str(b, ws[rnd(3)]);
			buf_append_str(b, keys[k]);
			buf_append_str(b, seps[rnd(6)]);
			if (rnd(4))
				buf_appendf(b, "value%u", rnd(1000));
			buf_append_str(b, ws[rnd(6)]);
			break;
		}
		if (i + 1 < nlines || rnd(3))
			buf_append_str(b, eol);
	}
}

static void generated_files_keep_bytes_and_profiles(void **state)
{
	static const char *const profiles[] = {"default", "dev", "ops", "new", "prod"};
	static const struct credfile_kv other[] = {{"region", "eu-west-1"}, {"output", NULL}};
	struct buf b;
	size_t i, parsed = 0;
	const char *why;
	struct credfile *cf;
	const char *profiles_last = "";

	(void)state;
	for (i = 0; i < 20000; i++) {
		buf_init(&b, 0);
		gen_file(&b);
		cf = NULL;
		if (credfile_parse(b.data ? b.data : "", b.len, i & 1, &cf, NULL, 0) == PAI_OK)
			parsed++;
		credfile_free(cf);
		why = credfile_property(
		    b.data ? b.data : "", b.len, i & 1 ? CREDFILE_CONFIG : CREDFILE_CREDENTIALS,
		    (profiles_last = profiles[rnd(5)]), (i & 2) ? other : new_key, (i & 2) ? 2 : 3);
		if (why && getenv("CREDFILE_DUMP")) {
			FILE *f = fopen(getenv("CREDFILE_DUMP"), "w");

			if (f) {
				fprintf(f, "%zu %s\n", i & 1, profiles_last);
				fwrite(b.data, 1, b.len, f);
				fclose(f);
			}
		}
		if (why)
			fail_msg("file %zu: %s\n---\n%s\n---", i, why, b.data ? b.data : "");
		buf_free(&b);
	}
	/* the generator must mostly make valid files, or the test proves little */
	assert_true(parsed > 5000);
	print_message("%zu of 20000 generated files parsed and were rewritten\n", parsed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(replaces_in_place_keeping_everything_else),
	    cmocka_unit_test(appends_missing_keys_after_last_key),
	    cmocka_unit_test(creates_profile_at_end_in_dominant_line_ending),
	    cmocka_unit_test(keeps_missing_final_newline),
	    cmocka_unit_test(config_kind_profiles),
	    cmocka_unit_test(values_join_like_configparser),
	    cmocka_unit_test(defaults_section_is_inherited),
	    cmocka_unit_test(get_creds_reads_and_checks),
	    cmocka_unit_test(duplicates_are_refused_as_botocore_does),
	    cmocka_unit_test(hostile_files_are_refused),
	    cmocka_unit_test(injection_is_refused_and_file_unchanged),
	    cmocka_unit_test(edit_that_would_change_meaning_is_refused),
	    cmocka_unit_test(generated_files_keep_bytes_and_profiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
