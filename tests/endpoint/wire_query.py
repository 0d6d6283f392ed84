# SPDX-License-Identifier: MIT
"""The Query protocol (IAM 2010-05-08, STS 2011-06-15): XML replies and form parameters.

A reply node is (tag, value): value is a str (leaf), None (leaf left out) or a list of nodes.
Parameter readers raise IAM's ValidationError with AWS's wording.
"""
import re
import unicodedata

from aws_common import AwsError

IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
NAMESPACES = {"iam": IAM_NS, "sts": STS_NS}
VERSIONS = {"iam": "2010-05-08", "sts": "2011-06-15"}

USER_NAME_RE = re.compile(r"[\w+=,.@-]+", re.ASCII)
PATH_RE = re.compile(r"(/)|(/[\x21-\x7e]+/)")
PATH_PREFIX_RE = re.compile(r"/[\x21-\x7f]*")
MARKER_RE = re.compile(r"[\x20-\xff]+")


# ---------------------------------------------------------------- XML replies

def xml_escape(s):
	return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def serialize(root_tag, ns, children, doctype="", raw_leaf=None):
	"""Serialises a reply; raw_leaf=(tag, text) appends unescaped text (entities) to the first
	leaf of that tag."""
	out = [doctype, '<%s xmlns="%s">' % (root_tag, ns)]
	done = [False]

	def emit(node):
		tag, val = node
		if val is None:
			return
		if isinstance(val, list):
			out.append("<%s>" % tag)
			for c in val:
				emit(c)
			out.append("</%s>" % tag)
			return
		text = xml_escape(val)
		if raw_leaf and not done[0] and tag == raw_leaf[0]:
			text += raw_leaf[1]
			done[0] = True
		out.append("<%s>%s</%s>" % (tag, text, tag))

	for c in children:
		emit(c)
	out.append("</%s>" % root_tag)
	return "".join(out).encode("utf-8")


class Reply:
	"""What the AWS side answers before hostile transformation and delivery."""
	protocol = "query"

	def __init__(self, status, root, ns, children):
		self.status = status
		self.root = root
		self.ns = ns
		self.children = children
		self.content_type = "text/xml"

	def body(self, **kw):
		return serialize(self.root, self.ns, self.children, **kw)


def error_reply(err, ns, request_id):
	return Reply(err.status, "ErrorResponse", ns, [
		("Error", [("Type", err.kind), ("Code", err.code), ("Message", err.message)]),
		("RequestId", request_id)])


def success_reply(action, ns, result, request_id):
	children = []
	if result is not None:
		children.append((action + "Result", result))
	children.append(("ResponseMetadata", [("RequestId", request_id)]))
	return Reply(200, action + "Response", ns, children)


def walk_leaves(children, fn):
	"""Calls fn(list, index, tag, value) for every leaf, depth first."""
	for i in range(len(children)):
		tag, val = children[i]
		if isinstance(val, list):
			walk_leaves(val, fn)
		elif val is not None:
			fn(children, i, tag, val)


def tag_nodes(tags):
	return [("member", [("Key", k), ("Value", v)]) for k, v in tags]


# ---------------------------------------------------------------- parameters

def validation(field, value, constraint):
	shown = "null" if value is None else "'%s'" % value
	return AwsError("ValidationError", "1 validation error detected: Value %s at '%s' failed to "
	                "satisfy constraint: Member must %s" % (shown, field, constraint))


def tag_chars_ok(s):
	for ch in s:
		if ch in "_.:/=+-@":
			continue
		if unicodedata.category(ch)[0] not in "LZN":
			return False
	return True


def p_str(params, name, field, required=True, min_len=1, max_len=None, pattern=None,
          pattern_text=None):
	v = params.get(name)
	if v is None:
		if required:
			raise validation(field, None, "not be null")
		return None
	if len(v) < min_len:
		raise validation(field, v, "have length greater than or equal to %d" % min_len)
	if max_len is not None and len(v) > max_len:
		raise validation(field, v, "have length less than or equal to %d" % max_len)
	if pattern is not None and not pattern.fullmatch(v):
		raise validation(field, v, "satisfy regular expression pattern: %s"
		                 % (pattern_text or pattern.pattern))
	return v


def p_int(params, name, field, required=False, lo=None, hi=None):
	v = params.get(name)
	if v is None:
		if required:
			raise validation(field, None, "not be null")
		return None
	try:
		n = int(v)
	except ValueError:
		raise AwsError("MalformedInput", "Invalid value for %s: %s" % (name, v))
	if lo is not None and n < lo:
		raise validation(field, v, "have value greater than or equal to %d" % lo)
	if hi is not None and n > hi:
		raise validation(field, v, "have value less than or equal to %d" % hi)
	return n


def p_list(params, prefix):
	"""Collects PREFIX.member.N[.SUFFIX] into a list ordered by N (N >= 1)."""
	items = {}
	pat = re.compile(re.escape(prefix) + r"\.member\.(\d+)(?:\.(.+))?$")
	for k, v in params.items():
		m = pat.match(k)
		if not m:
			continue
		n = int(m.group(1))
		if n < 1:
			raise AwsError("MalformedQueryString", "Index %d of %s must be >= 1" % (n, prefix))
		if m.group(2):
			items.setdefault(n, {})[m.group(2)] = v
		else:
			items[n] = v
	return [items[n] for n in sorted(items)]


def p_user_name(params, field="userName", required=True, max_len=64):
	return p_str(params, "UserName", field, required, 1, max_len, USER_NAME_RE, r"[\w+=,.@-]+")


def p_max_items(params):
	v = params.get("MaxItems")
	if v is None:
		return 100
	try:
		n = int(v)
	except ValueError:
		raise AwsError("MalformedInput", "Invalid value for MaxItems: %s" % v)
	if n < 1 or n > 1000:
		raise validation("maxItems", v, "have value %s" % ("greater than or equal to 1" if n < 1
		                 else "less than or equal to 1000"))
	return n


def p_tags(params, prefix="Tags", field="tags"):
	raw = p_list(params, prefix)
	if len(raw) > 50:
		raise validation(field, "[...]", "have length less than or equal to 50")
	tags, seen = [], set()
	for i, t in enumerate(raw, 1):
		if not isinstance(t, dict):
			raise AwsError("MalformedQueryString", "Tag %d has no Key" % i)
		k, v = t.get("Key"), t.get("Value")
		if k is None:
			raise validation("%s.%d.member.key" % (field, i), None, "not be null")
		if v is None:
			raise validation("%s.%d.member.value" % (field, i), None, "not be null")
		if not 1 <= len(k) <= 128:
			raise validation("%s.%d.member.key" % (field, i), k,
			                 "have length between 1 and 128")
		if len(v) > 256:
			raise validation("%s.%d.member.value" % (field, i), v,
			                 "have length less than or equal to 256")
		if not tag_chars_ok(k):
			raise validation("%s.%d.member.key" % (field, i), k,
			                 r"satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+")
		if not tag_chars_ok(v):
			raise validation("%s.%d.member.value" % (field, i), v,
			                 r"satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*")
		if k.lower().startswith("aws:"):
			raise AwsError("InvalidInput", "Tag keys starting with 'aws:' are reserved for "
			               "AWS use.")
		if k.lower() in seen:
			raise AwsError("InvalidInput", "Duplicate tag keys found. Please note that Tag keys "
			               "are case insensitive.")
		seen.add(k.lower())
		tags.append([k, v])
	return tags


def p_path(params, name="Path", field="path", prefix=False):
	if prefix:
		return p_str(params, name, field, False, 1, 512, PATH_PREFIX_RE,
		             r"\u002F[\u0021-\u007F]*")
	return p_str(params, name, field, False, 1, 512, PATH_RE,
	             r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)")
