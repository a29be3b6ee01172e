// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON form of a freshness anchor in the TEF protocol, written and
 * read by both ends (tefclient.h, Documentation/tef.rst):
 *
 *   PUT /anchor/<store>   {"seq": <integer>, "chain": "<BASE64URL, 32 bytes>"}
 *   GET reply             the same two members and "updated": <unix seconds>
 *
 * No other member, no duplicate, seq from 0 to 2^63 - 1.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "common/b64url.h"
#include "common/tefclient.h"

char *m2mv_tef_anchor_json(const struct m2mv_tef_anchor *a, int reply)
{
	char chain[M2MV_B64URL_BUFSZ(M2MV_TEF_CHAIN_LEN)];
	json_t *root;
	char *text;

	if (a->seq > (uint64_t)INT64_MAX ||
	    m2mv_b64url_encode(chain, sizeof(chain), a->chain,
			       sizeof(a->chain)))
		return NULL;
	root = json_pack("{s:I, s:s}", "seq", (json_int_t)a->seq, "chain",
			 chain);
	if (root && reply &&
	    json_object_set_new(root, "updated",
				json_integer((json_int_t)a->updated))) {
		json_decref(root);
		root = NULL;
	}
	text = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	return text;
}

int m2mv_tef_anchor_parse(const char *text, size_t len, int reply,
			  struct m2mv_tef_anchor *a, const char **why)
{
	json_t *root, *v;
	const char *k;
	int ret = -EINVAL;

	memset(a, 0, sizeof(*a));
	*why = "not a JSON object";
	if (!text || !len)
		return -EINVAL;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root))
		goto out;
	json_object_foreach(root, k, v) {
		if (strcmp(k, "seq") && strcmp(k, "chain") &&
		    (!reply || strcmp(k, "updated"))) {
			*why = "unknown member";
			goto out;
		}
	}
	v = json_object_get(root, "seq");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		*why = "seq must be an integer from 0";
		goto out;
	}
	a->seq = (uint64_t)json_integer_value(v);
	v = json_object_get(root, "chain");
	if (!json_is_string(v) ||
	    m2mv_b64url_decode(a->chain, sizeof(a->chain),
			       json_string_value(v)) != M2MV_TEF_CHAIN_LEN) {
		*why = "chain must be 32 bytes in BASE64URL";
		goto out;
	}
	if (reply) {
		v = json_object_get(root, "updated");
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			*why = "updated must be a time in seconds";
			goto out;
		}
		a->updated = (time_t)json_integer_value(v);
	}
	*why = NULL;
	ret = 0;
out:
	json_decref(root);
	if (ret)
		memset(a, 0, sizeof(*a));
	return ret;
}
