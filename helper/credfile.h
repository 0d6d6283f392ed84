/* SPDX-License-Identifier: MIT */
/* credfile.h — the AWS shared credentials file (~/.aws/credentials: [NAME]) and config file
 * (~/.aws/config: [default], [profile NAME]), parsed from a buffer and rewritten keeping every
 * byte the caller did not ask to change: other profiles, comments (# and ;), blank lines,
 * CRLF or LF per line, odd whitespace and a missing final newline.
 *
 * Syntax follows Python's configparser as botocore uses it (RawConfigParser, strict): keys
 * are case-insensitive and end at the first '=' or ':', key and value are stripped of
 * blanks, a line indented deeper than its key continues the value, and a section or a key
 * given twice in one file is an error (botocore's configparser is strict: it raises
 * DuplicateSectionError/DuplicateOptionError, so the AWS CLI refuses such a file; so does
 * this). [DEFAULT] is configparser's defaults section: not a profile, its keys are inherited
 * by every profile. In a config file, [profile NAME] is split as botocore does (shlex; two
 * words), and when two sections map to one profile the later one is the profile. A file
 * botocore would refuse (also: text before the first section, a line that is neither, bad
 * UTF-8) is refused here with PAI_ERR_INVALID and a message with the line number, never a
 * value. Bounds beyond botocore's: NUL bytes are refused, and the limits below.
 * Every struct credfile holds secrets: credfile_free wipes all of it. */
#ifndef PAI_CREDFILE_H
#define PAI_CREDFILE_H

#include <stdbool.h>
#include <stddef.h>
#include "awscreds.h"
#include "buf.h"
#include "err.h"

#define CREDFILE_MAX_SIZE     (1024u * 1024u) /* whole file */
#define CREDFILE_MAX_LINE     8192u           /* one line, its line ending excluded */
#define CREDFILE_MAX_SECTIONS 1024u
#define CREDFILE_MAX_KEYS     256u  /* keys in one section (all [DEFAULT]s as one) */
#define CREDFILE_MAX_PROFILE  128u  /* profile name, NUL excluded */
#define CREDFILE_MAX_KEY      128u  /* key name, NUL excluded */
#define CREDFILE_MAX_VALUE    4096u /* value we write, NUL excluded */

enum credfile_kind {
	CREDFILE_CREDENTIALS, /* sections are profile names: [dev] */
	CREDFILE_CONFIG,      /* [default] and [profile dev]; other sections are not profiles */
};

struct credfile; /* opaque */

/* One key to set in a profile; value NULL removes the key (e.g. a stale aws_session_token). */
struct credfile_kv {
	const char *key;
	const char *value;
};

/* Parses len bytes (NUL bytes refused). PAI_ERR_TOOBIG past a bound, PAI_ERR_INVALID for a
 * file botocore would refuse (message in err, "line N: ..." , never a value), PAI_ERR_NOMEM. */
pai_err credfile_parse(const char *data, size_t len, enum credfile_kind kind, struct credfile **out,
                       char *err, size_t errlen);
/* An empty file of that kind (for a file that does not exist yet). */
pai_err credfile_new(enum credfile_kind kind, struct credfile **out);
/* Wipes every byte and frees; NULL is fine. */
void credfile_free(struct credfile *cf);

/* Whether the profile exists (for CONFIG, "default" is [default] or [profile default]). */
bool credfile_has_profile(const struct credfile *cf, const char *profile);
/* Copies the value of key in profile into out (NUL-terminated). PAI_ERR_NOT_FOUND when the
 * profile or key is absent, PAI_ERR_TOOBIG when it does not fit outlen. */
pai_err credfile_get(const struct credfile *cf, const char *profile, const char *key, char *out,
                     size_t outlen);
/* Reads aws_access_key_id, aws_secret_access_key and (optional) aws_session_token of a
 * profile into c (heap strings; wipe with aws_creds_wipe). PAI_ERR_NOT_FOUND when the profile
 * or either key is missing, PAI_ERR_INVALID when a value fails its pattern. */
pai_err credfile_get_creds(const struct credfile *cf, const char *profile, struct aws_creds *c);

/* Sets n keys of profile: an existing key's value is replaced in place on its own line
 * (indent, spacing around the delimiter, trailing blanks and line ending kept; its
 * continuation lines go), a missing key is appended after the last key line of the profile in
 * the style of that line, a key with value NULL is removed (its line and continuation lines),
 * and a missing profile is added at the end of the file after a blank line, in the file's
 * dominant line ending. Names: profile [A-Za-z0-9_.+=,@/-]{1,128} but not DEFAULT; key
 * [A-Za-z0-9_.-]{1,128}, compared case-insensitively; values printable ASCII (no CR, LF, NUL,
 * tab or other control byte) without leading or trailing blank, at most CREDFILE_MAX_VALUE.
 * The new text is parsed again and must hold exactly the values asked for; otherwise (e.g. a
 * key inherited from [DEFAULT] cannot be removed, a lone-CR line ending would merge with the
 * next LF) it is PAI_ERR_INVALID. All or nothing: on any error the file is unchanged. */
pai_err credfile_set_profile(struct credfile *cf, const char *profile,
                             const struct credfile_kv *kvs, size_t n);
/* Appends the whole file, as it now stands, to out (a buf whose bound fits it). */
pai_err credfile_serialize(const struct credfile *cf, struct buf *out);

#endif
