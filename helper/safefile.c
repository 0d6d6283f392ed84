/* safefile.c — files in a person's home. (stub: being written) */
#include "safefile.h"

#include <unistd.h>

pai_err safedir_open_home(struct safedir *d, const char *path, uid_t uid, char *err, size_t errlen)
{
	(void)path; (void)uid; (void)err; (void)errlen;
	d->fd = -1;
	return PAI_ERR_FILE;
}

pai_err safedir_open_sub(struct safedir *d, const struct safedir *parent, const char *name,
			 bool create, char *err, size_t errlen)
{
	(void)parent; (void)name; (void)create; (void)err; (void)errlen;
	d->fd = -1;
	return PAI_ERR_FILE;
}

void safedir_close(struct safedir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

pai_err safefile_read(const struct safedir *d, const char *name, size_t max, struct buf *out,
		      char *err, size_t errlen)
{
	(void)d; (void)name; (void)max; (void)out; (void)err; (void)errlen;
	return PAI_ERR_FILE;
}

pai_err safefile_replace(const struct safedir *d, const char *name, const void *data, size_t len,
			 mode_t mode, char *err, size_t errlen)
{
	(void)d; (void)name; (void)data; (void)len; (void)mode; (void)err; (void)errlen;
	return PAI_ERR_FILE;
}

pai_err safefile_create_new(const struct safedir *d, const char *name, const void *data,
			    size_t len, mode_t mode, char *err, size_t errlen)
{
	(void)d; (void)name; (void)data; (void)len; (void)mode; (void)err; (void)errlen;
	return PAI_ERR_FILE;
}
