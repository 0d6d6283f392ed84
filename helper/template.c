/* template.c — %u/%h/%% templates. (stub: being written) */
#include "template.h"

pai_err template_check(const char *tmpl, char *err, size_t errlen)
{
	(void)tmpl; (void)err; (void)errlen;
	return PAI_ERR_INVALID;
}

pai_err template_expand(const char *tmpl, const struct template_vars *v, char *out, size_t outlen,
			char *err, size_t errlen)
{
	(void)tmpl; (void)v; (void)out; (void)outlen; (void)err; (void)errlen;
	return PAI_ERR_INVALID;
}

pai_err template_user_name(const char *tmpl, const struct template_vars *v, char *out,
			   size_t outlen, char *err, size_t errlen)
{
	(void)tmpl; (void)v; (void)out; (void)outlen; (void)err; (void)errlen;
	return PAI_ERR_INVALID;
}

pai_err template_tag_value(const char *tmpl, const struct template_vars *v, char *out,
			   size_t outlen, char *err, size_t errlen)
{
	(void)tmpl; (void)v; (void)out; (void)outlen; (void)err; (void)errlen;
	return PAI_ERR_INVALID;
}

pai_err template_short_hostname(char *out, size_t outlen)
{
	(void)out; (void)outlen;
	return PAI_ERR_INVALID;
}
