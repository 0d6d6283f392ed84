/* SPDX-License-Identifier: MIT */
/* netlib.h — finds, checks and loads pai-network.so, the helper's network half (libcurl,
 * OpenSSL, libxml2, json-c), so that a run which never calls AWS never maps them.
 *
 * Privileged (setuid: euid != ruid or egid != rgid): only the compiled-in PAI_NETLIB_PATH,
 * and only when the file is a regular file and it and every directory above it are owned by
 * root and writable by neither group nor others (no symbolic link anywhere on the way); the
 * descriptor that was checked is what gets loaded. Unprivileged (a build tree, tests): the
 * pai-network.so next to the executable when there is one, else PAI_NETLIB_PATH, unchecked
 * (such a process can load whatever it likes anyway). */
#ifndef PAI_NETLIB_H
#define PAI_NETLIB_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"

#ifndef PAI_NETLIB_PATH
#define PAI_NETLIB_PATH "/usr/lib/pam_aws_iam/pai-network.so"
#endif
#define NETLIB_NAME "pai-network.so"

/* Opens the absolute path for reading after the ownership walk above (safefile.h's trust,
 * with this policy); *fd is O_CLOEXEC.
 * PAI_ERR_CONFIG when a part is unsafe (a symlink, not root's, group/other-writable, not a
 * regular file), PAI_ERR_FILE when it cannot be opened; err says which and why. */
pai_err netlib_open_safe(const char *path, int *fd, char *err, size_t errlen);

/* Loads the library for a privileged or unprivileged process as above (RTLD_NOW |
 * RTLD_LOCAL, never unloaded) and sets *sym to its symbol. PAI_ERR_CONFIG when the
 * privileged check refuses it, PAI_ERR_FILE when it is missing or not loadable,
 * PAI_ERR_INVALID when the symbol is absent. */
pai_err netlib_load(bool privileged, const char *symbol, void **sym, char *err, size_t errlen);

#endif
