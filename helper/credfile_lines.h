/* SPDX-License-Identifier: MIT */
/* credfile_lines.h — credfile.c's own parsed form of a file: each line with its bytes, type,
 * line ending and owner, and the sections. Private to credfile.c and to the property test
 * of its rewrites (tests/fuzz/credfile_property.h), which reaches the two UNITTEST functions
 * below; nothing else in the helper may include it. */
#ifndef PAI_CREDFILE_LINES_H
#define PAI_CREDFILE_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "credfile.h"
#include "unittest.h"

#define CF_MAX_LINES 65536u
#define NO_SECT      UINT32_MAX
#define NO_LINE      UINT32_MAX

enum line_type { L_BLANK, L_COMMENT, L_SECTION, L_KEY, L_CONT };
enum eol_kind { EOL_NONE, EOL_LF, EOL_CRLF, EOL_CR };

struct cf_line {
	size_t off, len;         /* text in cf->data, line ending excluded */
	uint8_t eol;             /* enum eol_kind */
	uint8_t type;            /* enum line_type */
	uint8_t in_value;        /* L_BLANK that configparser adds to a value as "" */
	uint32_t sect;           /* section of the line, NO_SECT before the first header */
	uint32_t owner;          /* L_KEY: itself; L_CONT and in_value blanks: the key line */
	uint32_t vend;           /* L_KEY: last line of its value (itself or its last L_CONT) */
	size_t indent_bytes;     /* bytes of leading whitespace */
	size_t key_off, key_len; /* L_KEY: key name */
	size_t val_off, val_len; /* L_KEY, L_CONT: stripped value */
};

struct cf_section {
	size_t name_off, name_len; /* header text between '[' and the last ']' */
	uint32_t line;             /* header line */
	bool is_defaults;          /* [DEFAULT]: configparser's defaults, inherited by all */
	bool is_profile;
	char profile[CREDFILE_MAX_PROFILE + 1];
	uint32_t nkeys; /* key lines (for [DEFAULT]: of all [DEFAULT] sections) */
};

struct credfile {
	enum credfile_kind kind;
	char *data;
	size_t len;
	struct cf_line *lines;
	size_t nlines;
	struct cf_section *sects;
	size_t nsects;
	uint32_t ndefault_keys;
};

#ifdef PAI_UNITTESTS
/* The section botocore uses for profile: the last one mapping to it (a later section
 * replaces an earlier one in its profile map). NO_SECT when none. */
uint32_t profile_section(const struct credfile *cf, const char *profile);
/* Which of kvs names key line l (ASCII case-insensitively, as botocore), or -1. */
ssize_t kv_index(const struct credfile *cf, const struct cf_line *l, const struct credfile_kv *kvs,
                 size_t n);
#endif

#endif
