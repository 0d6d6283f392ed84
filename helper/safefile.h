/* safefile.h — the only way the helper touches files in a person's home. Every call works
 * with the process's current effective uid (the caller switches to the person first) and
 * refuses what it did not expect: symlinks, FIFOs, devices, directories where a file belongs,
 * files or directories owned by someone else. Messages name the path and the reason, never
 * file contents. */
#ifndef PAI_SAFEFILE_H
#define PAI_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "buf.h"
#include "err.h"

#define SAFEFILE_PATH_MAX 1024            /* directory path kept for messages */
#define SAFEFILE_MAX_READ (1024u * 1024u) /* default read cap */

struct safedir {
	int fd;                       /* O_DIRECTORY descriptor, -1 when closed */
	uid_t uid;                    /* owner every entry must have */
	char path[SAFEFILE_PATH_MAX]; /* for messages */
};

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
