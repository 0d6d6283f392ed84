/* SPDX-License-Identifier: MIT */
/* xmlreply.c — IAM/STS XML replies through libxml2, with everything a hostile server could
 * use turned off: no DOCTYPE, no entities, no network, no DTD loading, no error output. */
#include "xmlreply.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "buf.h"

#define XML_PATH_MAX_PARTS 16
#define XML_NAME_MAX       64

struct xml_reply {
	xmlDocPtr doc;
	xmlNodePtr root;
};

/* A '/'-separated path split into local names. */
struct xml_path {
	size_t n;
	char part[XML_PATH_MAX_PARTS][XML_NAME_MAX + 1];
};

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

/* Belt and braces: even if an option were lost, no external entity or DTD is ever read. */
static xmlParserInputPtr refuse_external(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

static void xml_init(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(refuse_external);
}

/* Records nothing: the caller only needs to know the parse failed, and libxml2 must never
 * write to the helper's stderr (the PAM module relays it to the person logging in). */
static void swallow_error(void *data, xmlErrorPtr err)
{
	(void)data;
	(void)err;
}

/* DOCTYPE, ENTITY, ATTLIST, ELEMENT, NOTATION all start "<!"; only comments and CDATA may. */
static bool markup_decl_at(const char *p, size_t left)
{
	if (left < 2 || p[0] != '<' || p[1] != '!')
		return false;
	if (left >= 4 && memcmp(p, "<!--", 4) == 0)
		return false;
	if (left >= 9 && memcmp(p, "<![CDATA[", 9) == 0)
		return false;
	return true;
}

/* Only the five predefined entities and character references are allowed. */
static bool entity_ref_ok(const char *p, size_t left)
{
	static const char *const predefined[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
	size_t i;

	if (left >= 2 && p[1] == '#')
		return true;
	for (i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++) {
		size_t n = strlen(predefined[i]);

		if (left >= n && memcmp(p, predefined[i], n) == 0)
			return true;
	}
	return false;
}

/* Byte scan before libxml2 sees anything: NUL bytes (so no UTF-16 can hide a DOCTYPE from
 * this scan), markup declarations and named entity references are refused. */
static pai_err scan_body(const char *body, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (body[i] == '\0')
			return PAI_ERR_REPLY;
		if (body[i] == '<' && markup_decl_at(body + i, len - i))
			return PAI_ERR_REPLY;
		if (body[i] == '&' && !entity_ref_ok(body + i, len - i))
			return PAI_ERR_REPLY;
	}
	return PAI_OK;
}

/* After parsing: no DTD of any kind and no entity nodes anywhere in the tree. */
static pai_err check_tree(xmlDocPtr doc)
{
	xmlNodePtr n;

	if (doc->intSubset || doc->extSubset)
		return PAI_ERR_REPLY;
	for (n = doc->children; n;) {
		switch (n->type) {
		case XML_DTD_NODE:
		case XML_ENTITY_REF_NODE:
		case XML_ENTITY_NODE:
		case XML_ENTITY_DECL:
		case XML_ELEMENT_DECL:
		case XML_ATTRIBUTE_DECL:
		case XML_NOTATION_NODE:
		case XML_XINCLUDE_START:
		case XML_XINCLUDE_END: return PAI_ERR_REPLY;
		default: break;
		}
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (n && !n->next && n->parent && n->parent != (xmlNodePtr)doc)
			n = n->parent;
		n = n ? n->next : NULL;
	}
	return PAI_OK;
}

/* Replies may carry a secret access key: wipe every text node before libxml2 frees it. */
static void free_doc(xmlDocPtr doc)
{
	xmlNodePtr n;

	if (!doc)
		return;
	for (n = doc->children; n;) {
		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content)
			secret_wipe(n->content, strlen((const char *)n->content));
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (n && !n->next && n->parent && n->parent != (xmlNodePtr)doc)
			n = n->parent;
		n = n ? n->next : NULL;
	}
	xmlFreeDoc(doc);
}

pai_err xml_reply_parse(const char *body, size_t len, struct xml_reply **out)
{
	xmlParserCtxtPtr ctxt = NULL;
	struct xml_reply *r = NULL;
	xmlDocPtr doc = NULL;
	pai_err rc;

	if (!out)
		return PAI_ERR_INVALID;
	*out = NULL;
	if (!body)
		return PAI_ERR_INVALID;
	if (len > XML_REPLY_MAX_BYTES)
		return PAI_ERR_TOOBIG;
	if (len == 0)
		return PAI_ERR_REPLY;
	rc = scan_body(body, len);
	if (rc != PAI_OK)
		return rc;

	pthread_once(&xml_once, xml_init);
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return PAI_ERR_NOMEM;
	ctxt->sax->serror = swallow_error;
	ctxt->sax->warning = NULL;
	ctxt->sax->error = NULL;
	ctxt->sax->fatalError = NULL;

	/* NONET, and none of NOENT/DTDLOAD/DTDATTR/XINCLUDE/HUGE; NODICT so that text nodes
	 * own their bytes and can be wiped at free. */
	doc = xmlCtxtReadMemory(ctxt, body, (int)len, NULL, "UTF-8",
	                        XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
	                            XML_PARSE_NOWARNING | XML_PARSE_NODICT | XML_PARSE_NOCDATA);
	if (!doc || !ctxt->wellFormed) {
		rc = PAI_ERR_REPLY;
		goto out;
	}
	rc = check_tree(doc);
	if (rc != PAI_OK)
		goto out;
	if (!xmlDocGetRootElement(doc)) {
		rc = PAI_ERR_REPLY;
		goto out;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		rc = PAI_ERR_NOMEM;
		goto out;
	}
	r->doc = doc;
	r->root = xmlDocGetRootElement(doc);
	*out = r;
	doc = NULL;
out:
	free_doc(doc);
	xmlFreeParserCtxt(ctxt);
	return rc;
}

void xml_reply_free(struct xml_reply *r)
{
	if (!r)
		return;
	free_doc(r->doc);
	free(r);
}

static pai_err path_split(const char *path, struct xml_path *p)
{
	const char *s = path;

	p->n = 0;
	if (!path)
		return PAI_ERR_INVALID;
	if (*path == '\0')
		return PAI_OK;
	for (;;) {
		const char *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);

		if (n == 0 || n > XML_NAME_MAX || p->n == XML_PATH_MAX_PARTS)
			return PAI_ERR_INVALID;
		memcpy(p->part[p->n], s, n);
		p->part[p->n][n] = '\0';
		p->n++;
		if (!slash)
			return PAI_OK;
		s = slash + 1;
	}
}

static bool name_is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, name) == 0;
}

/* Walks the elements matching p->part[depth..] below parent in document order. Counts them
 * in *seen and stops at the one numbered want (or never, for want == SIZE_MAX). */
static xmlNodePtr walk(xmlNodePtr parent, const struct xml_path *p, size_t depth, size_t want,
                       size_t *seen)
{
	xmlNodePtr c, hit;

	if (depth == p->n) {
		if (*seen == want)
			return parent;
		(*seen)++;
		return NULL;
	}
	for (c = parent->children; c; c = c->next) {
		if (!name_is(c, p->part[depth]))
			continue;
		hit = walk(c, p, depth + 1, want, seen);
		if (hit)
			return hit;
	}
	return NULL;
}

static size_t count_below(xmlNodePtr node, const struct xml_path *p)
{
	size_t seen = 0;

	if (p->n == 0)
		return 1;
	walk(node, p, 0, SIZE_MAX, &seen);
	return seen;
}

static xmlNodePtr nth_below(xmlNodePtr node, const struct xml_path *p, size_t i)
{
	size_t seen = 0;

	if (p->n == 0)
		return i == 0 ? node : NULL;
	return walk(node, p, 0, i, &seen);
}

/* Copies the text of a leaf element; refuses element children, control characters (values
 * end up in INI files and terminals) and values that do not fit. */
static pai_err leaf_text(xmlNodePtr el, char *out, size_t outlen)
{
	xmlNodePtr c;
	size_t used = 0;

	for (c = el->children; c; c = c->next) {
		const unsigned char *t;
		size_t n, k;

		if (c->type == XML_ELEMENT_NODE)
			return PAI_ERR_REPLY;
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
			continue; /* comments, processing instructions */
		t = c->content;
		if (!t)
			continue;
		n = strlen((const char *)t);
		for (k = 0; k < n; k++)
			if (t[k] < 0x20 || t[k] == 0x7f)
				return PAI_ERR_REPLY;
		if (n >= outlen - used)
			return PAI_ERR_REPLY;
		memcpy(out + used, t, n);
		used += n;
		out[used] = '\0';
	}
	return PAI_OK;
}

static pai_err get_below(xmlNodePtr base, const char *path, char *out, size_t outlen)
{
	struct xml_path p;
	xmlNodePtr el;
	size_t n;
	pai_err rc;

	rc = path_split(path, &p);
	if (rc != PAI_OK)
		return rc;
	n = count_below(base, &p);
	if (n == 0)
		return PAI_ERR_NOT_FOUND;
	if (n > 1)
		return PAI_ERR_REPLY;
	el = nth_below(base, &p, 0);
	if (!el)
		return PAI_ERR_NOT_FOUND;
	return leaf_text(el, out, outlen);
}

pai_err xml_reply_get(const struct xml_reply *r, const char *path, char *out, size_t outlen)
{
	pai_err rc;

	if (!out || outlen == 0)
		return PAI_ERR_INVALID;
	out[0] = '\0';
	if (!r || !path || !*path)
		return PAI_ERR_INVALID;
	rc = get_below(r->root, path, out, outlen);
	if (rc != PAI_OK)
		secret_wipe(out, outlen);
	return rc;
}

size_t xml_reply_count(const struct xml_reply *r, const char *path)
{
	struct xml_path p;

	if (!r || !path || !*path || path_split(path, &p) != PAI_OK)
		return 0;
	return count_below(r->root, &p);
}

pai_err xml_reply_get_nth(const struct xml_reply *r, const char *list_path, size_t i,
                          const char *rel_path, char *out, size_t outlen)
{
	struct xml_path p;
	xmlNodePtr el;
	pai_err rc;

	if (!out || outlen == 0)
		return PAI_ERR_INVALID;
	out[0] = '\0';
	if (!r || !list_path || !*list_path || path_split(list_path, &p) != PAI_OK)
		return PAI_ERR_INVALID;
	el = nth_below(r->root, &p, i);
	if (!el)
		return PAI_ERR_NOT_FOUND;
	rc = get_below(el, rel_path ? rel_path : "", out, outlen);
	if (rc != PAI_OK)
		secret_wipe(out, outlen);
	return rc;
}

/* First element child of parent named name, or NULL. */
static xmlNodePtr child_named(xmlNodePtr parent, const char *name)
{
	xmlNodePtr c;

	if (!parent)
		return NULL;
	for (c = parent->children; c; c = c->next)
		if (name_is(c, name))
			return c;
	return NULL;
}

/* Copies the direct text of el into a fixed field as printable ASCII: whitespace controls
 * become spaces, other bytes '?', cut to fit. Error text is shown to people and logged. */
static void copy_sanitised(xmlNodePtr el, char *dst, size_t dstlen)
{
	xmlNodePtr c;
	size_t used = 0;

	dst[0] = '\0';
	if (!el)
		return;
	for (c = el->children; c && used + 1 < dstlen; c = c->next) {
		const unsigned char *t;

		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
			continue;
		for (t = c->content; t && *t && used + 1 < dstlen; t++) {
			unsigned char ch = *t;

			if (ch == '\n' || ch == '\r' || ch == '\t')
				ch = ' ';
			else if (ch < 0x20 || ch > 0x7e)
				ch = '?';
			dst[used++] = (char)ch;
		}
	}
	dst[used] = '\0';
}

bool xml_reply_error(const struct xml_reply *r, struct aws_error *e)
{
	xmlNodePtr root, errs, err, rid;

	if (!r || !r->root)
		return false;
	root = r->root;
	errs = child_named(root, "Errors");
	if (name_is(root, "ErrorResponse")) {
		err = child_named(root, "Error");
		if (!err)
			err = child_named(errs, "Error");
	} else if (name_is(root, "Response") && errs) {
		err = child_named(errs, "Error");
	} else {
		return false;
	}
	if (!e)
		return true;
	rid = child_named(root, "RequestId");
	if (!rid)
		rid = child_named(root, "RequestID");
	if (!rid)
		rid = child_named(err, "RequestId");
	if (!rid)
		rid = child_named(err, "RequestID");
	copy_sanitised(child_named(err, "Code"), e->code, sizeof(e->code));
	copy_sanitised(child_named(err, "Message"), e->message, sizeof(e->message));
	copy_sanitised(rid, e->request_id, sizeof(e->request_id));
	return true;
}
