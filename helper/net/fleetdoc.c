/* SPDX-License-Identifier: MIT */
/* fleetdoc.c — the fleet store's value as JSON (fleetdoc.h). */
#include "fleetdoc.h"

#include <string.h>
#include "clock.h"
#include "jsonsafe.h"
#include "validate.h"

#define DOC_DEPTH 3

bool fleetdoc_valid_secret(const char *s)
{
	return strlen(s) == 40 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") == 40;
}

static bool valid_format(const char *s)
{
	return !strcmp(s, FLEETDOC_FORMAT);
}

/* Only the members named in allowed, nothing else. */
static bool only(struct json_object *o, const char *const *allowed)
{
	json_object_object_foreach(o, key, v)
	{
		const char *const *a;

		(void)v;
		for (a = allowed; *a && strcmp(*a, key) != 0; a++)
			;
		if (!*a)
			return false;
	}
	return true;
}

static bool get_time(struct json_object *o, const char *key, time_t *out)
{
	const char *s = jsonsafe_string(o, key, valid_iso8601);

	return s && clock_parse_utc(s, out) == PAI_OK;
}

static bool get_copy(struct json_object *o, const char *key, bool (*ok)(const char *), char *out,
                     size_t len)
{
	const char *s = jsonsafe_string(o, key, ok);

	if (!s || strlen(s) >= len)
		return false;
	memcpy(out, s, strlen(s) + 1);
	return true;
}

static struct json_object *sub(struct json_object *o, const char *key, const char *const *allowed)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object) ||
	    !only(v, allowed))
		return NULL;
	return v;
}

static bool get_host(struct json_object *o, const char *id_key, struct hostid *h)
{
	return get_copy(o, id_key, hostid_valid_id, h->id, sizeof(h->id)) &&
	       get_copy(o, "name", hostid_valid_name, h->name, sizeof(h->name));
}

static bool read_doc(struct json_object *o, struct fleet_doc *d)
{
	static const char *const top[] = {"format",   "state", "user",       "user_id", "current",
	                                  "previous", "claim", "revoked_at", "written", NULL};
	static const char *const cur[] = {"id", "secret", "created", NULL};
	static const char *const prev[] = {"id", "until", NULL};
	static const char *const claim[] = {"host", "name", "until", NULL};
	static const char *const written[] = {"host", "name", "at", NULL};
	struct json_object *v;
	const char *state;

	if (!json_object_is_type(o, json_type_object) || !only(o, top) ||
	    !jsonsafe_string(o, "format", valid_format) ||
	    !get_copy(o, "user", valid_user_name, d->user, sizeof(d->user)) ||
	    !get_copy(o, "user_id", valid_unique_id, d->user_id, sizeof(d->user_id)))
		return false;
	state = jsonsafe_string(o, "state", NULL);
	if (!state)
		return false;
	if (!strcmp(state, "active"))
		d->state = FLEET_ACTIVE;
	else if (!strcmp(state, "claimed"))
		d->state = FLEET_CLAIMED;
	else if (!strcmp(state, "revoked"))
		d->state = FLEET_REVOKED;
	else
		return false;
	if (json_object_object_get_ex(o, "current", &v)) {
		v = sub(o, "current", cur);
		if (!v ||
		    !get_copy(v, "id", valid_access_key_id, d->current_id, sizeof(d->current_id)) ||
		    !get_copy(v, "secret", fleetdoc_valid_secret, d->current_secret,
		              sizeof(d->current_secret)) ||
		    !get_time(v, "created", &d->current_created))
			return false;
		d->has_current = true;
	}
	if (json_object_object_get_ex(o, "previous", &v)) {
		v = sub(o, "previous", prev);
		if (!v ||
		    !get_copy(v, "id", valid_access_key_id, d->previous_id,
		              sizeof(d->previous_id)) ||
		    !get_time(v, "until", &d->previous_until))
			return false;
		d->has_previous = true;
	}
	if (json_object_object_get_ex(o, "claim", &v)) {
		v = sub(o, "claim", claim);
		if (!v || !get_host(v, "host", &d->claim) || !get_time(v, "until", &d->claim_until))
			return false;
	}
	if (json_object_object_get_ex(o, "revoked_at", &v) &&
	    !get_time(o, "revoked_at", &d->revoked_at))
		return false;
	v = sub(o, "written", written);
	if (!v || !get_host(v, "host", &d->written_by) || !get_time(v, "at", &d->written_at))
		return false;
	/* what each state may hold */
	if (d->state == FLEET_CLAIMED && (!d->claim.id[0] || d->has_current || d->has_previous))
		return false;
	if (d->state == FLEET_REVOKED && (d->has_current || d->has_previous))
		return false;
	if (d->has_previous && d->has_current && !strcmp(d->previous_id, d->current_id))
		return false;
	return d->state != FLEET_ACTIVE || !d->claim.id[0];
}

pai_err fleetdoc_parse(const char *json, size_t len, struct fleet_doc *d)
{
	struct json_object *o = NULL;
	pai_err e;

	memset(d, 0, sizeof(*d));
	e = jsonsafe_parse(json, len, FLEETDOC_MAX_BYTES, DOC_DEPTH, &o);
	if (e)
		return e == PAI_ERR_NOMEM ? e : PAI_ERR_REPLY;
	e = read_doc(o, d) ? PAI_OK : PAI_ERR_REPLY;
	jsonsafe_put(o);
	if (e)
		fleet_doc_wipe(d);
	return e;
}

static bool put_str(struct json_object *o, const char *key, const char *v)
{
	struct json_object *s = json_object_new_string(v);

	return s && json_object_object_add(o, key, s) == 0;
}

static bool put_time(struct json_object *o, const char *key, time_t t)
{
	char when[32];

	clock_format_utc(t, when);
	return put_str(o, key, when);
}

static struct json_object *put_obj(struct json_object *o, const char *key)
{
	struct json_object *s = json_object_new_object();

	if (!s || json_object_object_add(o, key, s) != 0) {
		json_object_put(s);
		return NULL;
	}
	return s;
}

static bool put_host(struct json_object *o, const char *key, const struct hostid *h)
{
	return put_str(o, key, h->id) && put_str(o, "name", h->name);
}

static bool write_doc(struct json_object *o, const struct fleet_doc *d)
{
	static const char *const states[] = {"active", "claimed", "revoked"};
	struct json_object *v;
	bool ok = put_str(o, "format", FLEETDOC_FORMAT) && put_str(o, "state", states[d->state]) &&
	          put_str(o, "user", d->user) && put_str(o, "user_id", d->user_id);

	if (ok && d->has_current)
		ok = (v = put_obj(o, "current")) && put_str(v, "id", d->current_id) &&
		     put_str(v, "secret", d->current_secret) &&
		     put_time(v, "created", d->current_created);
	if (ok && d->has_previous)
		ok = (v = put_obj(o, "previous")) && put_str(v, "id", d->previous_id) &&
		     put_time(v, "until", d->previous_until);
	if (ok && d->state == FLEET_CLAIMED)
		ok = (v = put_obj(o, "claim")) && put_host(v, "host", &d->claim) &&
		     put_time(v, "until", d->claim_until);
	if (ok && d->state == FLEET_REVOKED)
		ok = put_time(o, "revoked_at", d->revoked_at);
	return ok && (v = put_obj(o, "written")) && put_host(v, "host", &d->written_by) &&
	       put_time(v, "at", d->written_at);
}

pai_err fleetdoc_serialize(const struct fleet_doc *d, struct buf *out)
{
	struct json_object *o = json_object_new_object();
	struct fleet_doc check;
	size_t start = out->len;
	pai_err e;

	if (!o)
		return PAI_ERR_NOMEM;
	e = write_doc(o, d) ? jsonsafe_to_buf(o, JSON_C_TO_STRING_PLAIN, out) : PAI_ERR_NOMEM;
	jsonsafe_put(o);
	/* what this writes, this reads: a document that would not parse is never published */
	if (!e && fleetdoc_parse(out->data + start, out->len - start, &check) != PAI_OK)
		e = PAI_ERR_INVALID;
	fleet_doc_wipe(&check);
	return e;
}
