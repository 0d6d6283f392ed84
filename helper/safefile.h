/* SPDX-License-Identifier: MIT */
/* safefile.h — the one way the helper (and the module, for the helper itself) decides to
 * trust a file, and the only way it touches files in a person's home.
 *   Trust (safefile_open_trusted, safefile_trust_fd): open without following a symbolic link
 *   in any component, then judge the open descriptor (fstat: type, owner, mode, size) and
 *   every directory above it, never a path checked and opened again. The config, the admin
 *   credentials, the network library, the state directory and the helper the module runs
 *   are each judged so, each with its own policy.
 *   Homes (safedir_*, safefile_read/replace/create_new): every call works with the process's
 *   current effective uid (the caller switches to the person first) and refuses what it did
 *   not expect: symlinks, FIFOs, devices, directories where a file belongs, files or
 *   directories owned by someone else.
 * Messages name the path and the reason, never file contents. */
#ifndef PAI_SAFEFILE_H
#define PAI_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "buf.h"
#include "err.h"

#define SAFEFILE_PATH_MAX 1024            /* directory path kept for messages */
#define SAFEFILE_MAX_READ (1024u * 1024u) /* default read cap */

/* What the directories above a trusted file must be. */
enum safefile_dirs {
	SAFEFILE_DIRS_UNCHECKED,
	SAFEFILE_DIRS_ROOT,         /* owned by root, writable by no one else */
	SAFEFILE_DIRS_OWNER_STICKY, /* owned by root or the file's owner, writable by no one else
	                             * unless sticky (like /tmp: no one else can replace an entry)
	                             */
};

/* A trust policy: what a file must be before the helper believes what it holds. */
struct safefile_trust {
	mode_t type;             /* S_IFREG or S_IFDIR */
	bool any_owner;          /* any owner will do; else ... */
	uid_t owner;             /* ... this one, */
	bool root_too;           /* ... or root */
	mode_t forbidden;        /* mode bits that must be clear: 022 no one else may change it */
	enum safefile_dirs dirs; /* the directories above (safefile_open_trusted) */
	off_t max_size;          /* 0: no bound */
	const char *refusing;    /* ends each refusal: "refusing to run", "refusing to load ..." */
};

struct safedir {
	int fd;                       /* O_DIRECTORY descriptor, -1 when closed */
	uid_t uid;                    /* owner every entry must have */
	char path[SAFEFILE_PATH_MAX]; /* for messages */
};

/* Judges the open descriptor fd of path against t: type, owner, mode, size. PAI_ERR_REFUSED
 * for anything t does not allow, PAI_ERR_FILE when fstat fails. */
pai_err safefile_trust_fd(int fd, const char *path, const struct safefile_trust *t, char *err,
                          size_t errlen);
/* Opens the absolute path (O_RDONLY, or O_PATH|O_DIRECTORY for a directory), every
 * component with O_NOFOLLOW, judging each directory on the way with t->dirs and the last
 * with safefile_trust_fd; *fd is the descriptor that was judged. PAI_ERR_NOT_FOUND when it
 * is missing, PAI_ERR_REFUSED for what it will not trust (a symbolic link anywhere, a wrong
 * type, owner, mode or size, an unsafe directory above), PAI_ERR_FILE when it cannot open. */
pai_err safefile_open_trusted(const char *path, const struct safefile_trust *t, int *fd, char *err,
                              size_t errlen);
/* Reads what is left of fd (at most max bytes, 0 = 1 MiB) into out (reset first); path for
 * messages. PAI_ERR_TOOBIG past max. */
pai_err safefile_read_fd(int fd, const char *path, size_t max, struct buf *out, char *err,
                         size_t errlen);

/* Opens the home directory path (absolute) with O_DIRECTORY|O_NOFOLLOW; PAI_ERR_FILE when it
 * is missing, a symlink or not a directory, PAI_ERR_REFUSED when not owned by uid. */
pai_err safedir_open_home(struct safedir *d, const char *path, uid_t uid, char *err, size_t errlen);
/* Opens the subdirectory name (one component, e.g. ".aws") of parent, creating it 0700 when
 * create is set and it is missing; PAI_ERR_NOT_FOUND when missing and !create, PAI_ERR_FILE for
 * a symlink or non-directory, PAI_ERR_REFUSED for one owned by someone else. */
pai_err safedir_open_sub(struct safedir *d, const struct safedir *parent, const char *name,
                         bool create, char *err, size_t errlen);
/* Closes; safe on a closed or zeroed-then-fd=-1 struct. */
void safedir_close(struct safedir *d);

/* Reads the regular file name of d, owned by d->uid, of at most max bytes (0 = 1 MiB), into
 * out (reset first). PAI_ERR_NOT_FOUND when absent, PAI_ERR_FILE for a symlink, FIFO,
 * directory or other non-regular file, PAI_ERR_REFUSED for a foreign owner, PAI_ERR_TOOBIG. */
pai_err safefile_read(const struct safedir *d, const char *name, size_t max, struct buf *out,
                      char *err, size_t errlen);
/* Replaces name atomically with data: a temporary file in d (O_EXCL|O_NOFOLLOW, mode), write,
 * fsync, renameat over name, fsync d. On failure the temporary file is removed and the old
 * file is left whole. Refuses to replace a symlink or non-regular file or a foreign one. */
pai_err safefile_replace(const struct safedir *d, const char *name, const void *data, size_t len,
                         mode_t mode, char *err, size_t errlen);
/* Creates name exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, mode), writes and fsyncs it;
 * PAI_ERR_EXISTS when anything already has that name. On failure the file is removed. */
pai_err safefile_create_new(const struct safedir *d, const char *name, const void *data, size_t len,
                            mode_t mode, char *err, size_t errlen);

#endif
