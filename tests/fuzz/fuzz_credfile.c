/* SPDX-License-Identifier: MIT */
/* fuzz_credfile.c — credfile parse, then rewrite of one profile, checking the rewrite
 * property (credfile_property.h): every byte outside the managed keys' lines unchanged, and
 * the output re-parses to the same profiles. abort() when violated.
 * Input: byte 0 picks the file kind, the profile and the edit; the rest is the file.
 * fuzz-max-len: 65536 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "credfile_property.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char *const profiles[] = {"default", "dev", "a", "prod-eu"};
	static const struct credfile_kv edits[][3] = {
	    {{"aws_access_key_id", "AKIAIOSFODNN7EXAMPLE"},
	     {"aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
	     {"aws_session_token", NULL}},
	    {{"region", "eu-west-1"}, {"output", NULL}, {"Aws_Access_Key_Id", "AKIAX"}},
	};
	const char *why;
	unsigned sel;

	if (n < 1)
		return 0;
	sel = d[0];
	why = credfile_property(
	    (const char *)d + 1, n - 1, (sel & 1) ? CREDFILE_CONFIG : CREDFILE_CREDENTIALS,
	    profiles[(sel >> 1) & 3], edits[(sel >> 3) & 1], (sel & 0x10) ? 1 : 3);
	if (why) {
		fprintf(stderr, "credfile property violated: %s\n", why);
		abort();
	}
	return 0;
}
