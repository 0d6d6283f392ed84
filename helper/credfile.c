/* credfile.c — AWS shared credentials/config files, parsed and rewritten byte for byte.
 * (stub: being written) */
#include "credfile.h"

#include <stdlib.h>

pai_err credfile_parse(const char *data, size_t len, enum credfile_kind kind,
		       struct credfile **out, char *err, size_t errlen)
{
	(void)data; (void)len; (void)kind; (void)err; (void)errlen;
	*out = NULL;
	return PAI_ERR_INVALID;
}

pai_err credfile_new(enum credfile_kind kind, struct credfile **out)
{
	(void)kind;
	*out = NULL;
	return PAI_ERR_NOMEM;
}

void credfile_free(struct credfile *cf)
{
	(void)cf;
}

bool credfile_has_profile(const struct credfile *cf, const char *profile)
{
	(void)cf; (void)profile;
	return false;
}

pai_err credfile_get(const struct credfile *cf, const char *profile, const char *key, char *out,
		     size_t outlen)
{
	(void)cf; (void)profile; (void)key; (void)out; (void)outlen;
	return PAI_ERR_NOT_FOUND;
}

pai_err credfile_get_creds(const struct credfile *cf, const char *profile, struct aws_creds *c)
{
	(void)cf; (void)profile; (void)c;
	return PAI_ERR_NOT_FOUND;
}

pai_err credfile_set_profile(struct credfile *cf, const char *profile, const struct credfile_kv *kvs,
			     size_t n)
{
	(void)cf; (void)profile; (void)kvs; (void)n;
	return PAI_ERR_INVALID;
}

pai_err credfile_serialize(const struct credfile *cf, struct buf *out)
{
	(void)cf; (void)out;
	return PAI_ERR_INVALID;
}
