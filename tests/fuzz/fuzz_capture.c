/* SPDX-License-Identifier: MIT */
/* fuzz_capture — the PAM module's capture of helper output (pam_module/capture.c): any bytes,
 * in any chunking, must yield bounded lines of printable ASCII only.
 * fuzz-max-len: 65536 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *line)
{
	size_t n = strlen(line);

	if (n == 0 || n >= CAPTURE_LINE_MAX || line[n - 1] == ' ')
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct capture c;
	char line[CAPTURE_LINE_MAX];
	size_t pos = 0, lines = 0, chunk;

	if (size == 0)
		return 0;
	/* The first byte picks head or tail and a chunk size, as reads come in pieces. */
	capture_init(&c, (data[0] & 1) ? CAPTURE_KEEP_TAIL : CAPTURE_KEEP_HEAD);
	chunk = (size_t)(data[0] >> 1) * 97 + 1;
	for (size_t off = 1; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		capture_add(&c, (const char *)data + off, n);
		if (c.len > CAPTURE_MAX_BYTES)
			abort();
	}
	if (c.len + c.dropped != size - 1)
		abort();
	while (capture_next_line(&c, &pos, line)) {
		check_line(line);
		if (++lines > CAPTURE_MAX_BYTES)
			abort();
	}
	if (capture_last_line(&c, line))
		check_line(line);
	return 0;
}
