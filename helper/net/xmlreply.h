/* SPDX-License-Identifier: MIT */
/* xmlreply.h — reads IAM/STS XML replies with libxml2, safely: DOCTYPE refused, no network,
 * no entity expansion, size-capped. Elements are matched by local name, so namespaced and
 * un-namespaced replies both work. */
#ifndef PAI_XMLREPLY_H
#define PAI_XMLREPLY_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"
#include "awsclient.h"

#define XML_REPLY_MAX_BYTES (1024u * 1024u)

struct xml_reply;

/* Parses a reply body; PAI_ERR_TOOBIG over XML_REPLY_MAX_BYTES, PAI_ERR_REPLY for a DOCTYPE,
 * entities, malformed or truncated XML. */
pai_err xml_reply_parse(const char *body, size_t len, struct xml_reply **out);
void xml_reply_free(struct xml_reply *r);

/* True when the root is ErrorResponse (or Response/Errors); fills code, message and
 * request id (printable ASCII only, truncated to fit) from <Error> or <Errors><Error>. */
bool xml_reply_error(const struct xml_reply *r, struct aws_error *e);

/* Text of the single element at a '/'-separated local-name path below the root, e.g.
 * "GetUserResult/User/UserName". PAI_ERR_NOT_FOUND when absent, PAI_ERR_REPLY when the path
 * matches more than one element, holds child elements, or does not fit in outlen (incl NUL). */
pai_err xml_reply_get(const struct xml_reply *r, const char *path, char *out, size_t outlen);
/* Number of elements at path (for lists: "ListAccessKeysResult/AccessKeyMetadata/member"). */
size_t xml_reply_count(const struct xml_reply *r, const char *path);
/* Like xml_reply_get, below the i-th element at list_path. */
pai_err xml_reply_get_nth(const struct xml_reply *r, const char *list_path, size_t i,
                          const char *rel_path, char *out, size_t outlen);

#endif
