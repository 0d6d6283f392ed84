/* SPDX-License-Identifier: MIT */
/* test_capture — the PAM module's bounded capture of helper output and its terminal-safe
 * lines, with hostile input: escapes, C1 controls, floods, long lines, no newline. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "capture.h"

static struct capture c;

static void add(const char *s)
{
	capture_add(&c, s, strlen(s));
}

static void test_lines_are_split_and_blank_lines_skipped(void **state)
{
	char line[CAPTURE_LINE_MAX];
	size_t pos = 0;

	(void)state;
	capture_init(&c, CAPTURE_KEEP_HEAD);
	add("\nfirst\n   \n\nsecond  \nthird");
	assert_true(capture_next_line(&c, &pos, line));
	assert_string_equal(line, "first");
	assert_true(capture_next_line(&c, &pos, line));
	assert_string_equal(line, "second");
	assert_true(capture_next_line(&c, &pos, line));
	assert_string_equal(line, "third");
	assert_false(capture_next_line(&c, &pos, line));
}

static void test_escapes_and_non_ascii_are_stripped(void **state)
{
	char line[CAPTURE_LINE_MAX];
	size_t pos = 0;

	(void)state;
	capture_init(&c, CAPTURE_KEEP_HEAD);
	add("a\033]0;t\007b\033[2Jc\td\r\x7f\xc2\x9b\xff"
	    "e\n");
	capture_add(&c, "n\0ul\n", 5);
	assert_true(capture_next_line(&c, &pos, line));
	assert_string_equal(line, "a]0;tb[2Jc de");
	assert_true(capture_next_line(&c, &pos, line));
	assert_string_equal(line, "nul");
}

static void test_long_line_is_cut(void **state)
{
	char big[3000], line[CAPTURE_LINE_MAX];
	size_t pos = 0;

	(void)state;
	memset(big, 'A', sizeof(big));
	capture_init(&c, CAPTURE_KEEP_HEAD);
	capture_add(&c, big, sizeof(big));
	assert_true(capture_next_line(&c, &pos, line));
	assert_int_equal(strlen(line), CAPTURE_LINE_MAX - 1);
	assert_false(capture_next_line(&c, &pos, line));
}

static void test_head_keeps_the_first_bytes_and_counts_the_rest(void **state)
{
	char chunk[1000];

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	capture_init(&c, CAPTURE_KEEP_HEAD);
	add("URL\n");
	for (int i = 0; i < 100; i++)
		capture_add(&c, chunk, sizeof(chunk));
	assert_int_equal(c.len, CAPTURE_MAX_BYTES);
	assert_int_equal(c.dropped, 4 + 100 * sizeof(chunk) - CAPTURE_MAX_BYTES);
	assert_memory_equal(c.data, "URL\n", 4);
}

static void test_tail_keeps_the_last_line(void **state)
{
	char chunk[1500], line[CAPTURE_LINE_MAX];

	(void)state;
	memset(chunk, 'w', sizeof(chunk));
	chunk[sizeof(chunk) - 1] = '\n';
	capture_init(&c, CAPTURE_KEEP_TAIL);
	for (int i = 0; i < 10; i++)
		capture_add(&c, chunk, sizeof(chunk));
	add("h: GetUser: AccessDenied\n\n");
	assert_int_equal(c.len, CAPTURE_MAX_BYTES);
	assert_int_equal(c.len + c.dropped, 10 * sizeof(chunk) + 26);
	assert_true(capture_last_line(&c, line));
	assert_string_equal(line, "h: GetUser: AccessDenied");
}

static void test_tail_with_one_huge_write(void **state)
{
	static char huge[3 * CAPTURE_MAX_BYTES];
	char line[CAPTURE_LINE_MAX];

	(void)state;
	memset(huge, 'z', sizeof(huge));
	memcpy(huge + sizeof(huge) - 5, "\nend\n", 5);
	capture_init(&c, CAPTURE_KEEP_TAIL);
	add("old\n");
	capture_add(&c, huge, sizeof(huge));
	assert_int_equal(c.len, CAPTURE_MAX_BYTES);
	assert_int_equal(c.dropped, 4 + sizeof(huge) - CAPTURE_MAX_BYTES);
	assert_true(capture_last_line(&c, line));
	assert_string_equal(line, "end");
}

static void test_nothing_printable_means_no_line(void **state)
{
	char line[CAPTURE_LINE_MAX];
	size_t pos = 0;

	(void)state;
	capture_init(&c, CAPTURE_KEEP_TAIL);
	add("\033\033\n\r\n\x9b\n");
	assert_false(capture_next_line(&c, &pos, line));
	assert_false(capture_last_line(&c, line));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lines_are_split_and_blank_lines_skipped),
	    cmocka_unit_test(test_escapes_and_non_ascii_are_stripped),
	    cmocka_unit_test(test_long_line_is_cut),
	    cmocka_unit_test(test_head_keeps_the_first_bytes_and_counts_the_rest),
	    cmocka_unit_test(test_tail_keeps_the_last_line),
	    cmocka_unit_test(test_tail_with_one_huge_write),
	    cmocka_unit_test(test_nothing_printable_means_no_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
