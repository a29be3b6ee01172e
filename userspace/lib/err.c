// SPDX-License-Identifier: GPL-2.0
/*
 * Error descriptions and the names of the ABI's enumerations.
 */
#include <errno.h>
#include <string.h>

#include "lib/m2mvault.h"

const char *m2mv_lib_version(void)
{
	return M2MV_LIB_VERSION;
}

/*
 * What an errno means when m2mvault returns it (Documentation/uapi.rst).
 * Where one errno has several causes, all are named: the caller knows
 * which call failed and may say more.
 */
static const struct {
	int err;
	const char *text;
} m2mv_errors[] = {
	{ EBADMSG, "record failed integrity check" },
	{ ENOKEY, "credential key not in the caller's keyrings" },
	{ EKEYREVOKED, "credential key revoked" },
	{ EKEYEXPIRED, "credential key expired" },
	{ EKEYREJECTED,
	  "credential key rejected (not the key bound to this Credential-ID, wrong type for the mode, or not this store's key)" },
	{ EACCES,
	  "Permission denied (the store's owner, group and mode do not grant it), or no policy covers this path" },
	{ EDQUOT,
	  "the container's derived key has sealed its limit of records; rotate the credential" },
	{ ENOENT, "no such store, path or policy" },
	{ ENODEV, "store detached, or m2mvault module not loaded" },
	{ ENXIO, "file not bound to a store" },
	{ EEXIST,
	  "a store of that name is already attached, or (create) the file is not empty" },
	{ ENODATA, "the store file is empty (only create formats a new store)" },
	{ EROFS, "store attached read-only" },
	{ EMSGSIZE, "blob larger than the module's max_blob" },
	{ EOVERFLOW, "buffer too small" },
	{ EPERM, "operation needs CAP_NET_ADMIN" },
	{ EOPNOTSUPP, "operation not supported by the m2mvault module" },
	{ ENAMETOOLONG, "path longer than 512 bytes" },
	{ EPROTO, "malformed answer from the m2mvault module" },
	{ ECANCELED, "not run: an earlier part of the batch failed" },
	{ ESTALE,
	  "the store file does not hold its freshness anchor's record: an older copy, acknowledged records lost, or compacted since" },
};

const char *m2mv_strerror(int err)
{
	const char *s;
	size_t i;

	if (err < 0)
		err = -err;
	if (err == 0)
		return "success";
	for (i = 0; i < sizeof(m2mv_errors) / sizeof(m2mv_errors[0]); i++)
		if (m2mv_errors[i].err == err)
			return m2mv_errors[i].text;
	/* strerrordesc_np() returns a constant: no buffer, no locale race. */
	s = strerrordesc_np(err);
	return s ? s : "unknown error";
}

const char *m2mv_mode_name(unsigned int mode)
{
	switch (mode) {
	case M2MV_MODE_NONE:
		return "none";
	case M2MV_MODE_WRAP:
		return "wrap";
	case M2MV_MODE_DIR:
		return "dir";
	case M2MV_MODE_MIC:
		return "mic";
	default:
		return "unknown";
	}
}

int m2mv_mode_parse(const char *name, enum m2mv_mode *mode)
{
	static const enum m2mv_mode modes[] = {
		M2MV_MODE_WRAP, M2MV_MODE_DIR, M2MV_MODE_MIC,
	};
	size_t i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (!strcmp(name, m2mv_mode_name(modes[i]))) {
			*mode = modes[i];
			return 0;
		}
	}
	return -EINVAL;
}

const char *m2mv_state_name(unsigned int state)
{
	switch (state) {
	case M2MV_STATE_OK:
		return "ok";
	case M2MV_STATE_DEGRADED:
		return "degraded";
	case M2MV_STATE_READONLY:
		return "readonly";
	default:
		return "unknown";
	}
}

const char *m2mv_event_name(unsigned int event)
{
	switch (event) {
	case M2MV_EVENT_INTEGRITY:
		return "integrity";
	case M2MV_EVENT_KEY_REFUSED:
		return "key-refused";
	case M2MV_EVENT_ATTACHED:
		return "attached";
	case M2MV_EVENT_DETACHED:
		return "detached";
	case M2MV_EVENT_COMPACTED:
		return "compacted";
	case M2MV_EVENT_SCRUB_PROGRESS:
		return "scrub-progress";
	case M2MV_EVENT_SCRUB_DONE:
		return "scrub-done";
	case M2MV_EVENT_COMPACT_PROGRESS:
		return "compact-progress";
	default:
		return "unknown";
	}
}

const char *m2mv_counter_name(unsigned int ctr)
{
	switch (ctr) {
	case M2MV_CTR_PUTS:
		return "puts";
	case M2MV_CTR_GETS:
		return "gets";
	case M2MV_CTR_DELETES:
		return "deletes";
	case M2MV_CTR_INTEGRITY_FAILURES:
		return "integrity_failures";
	case M2MV_CTR_KEY_REFUSALS:
		return "key_refusals";
	case M2MV_CTR_ACCESS_REFUSALS:
		return "access_refusals";
	default:
		return NULL;
	}
}
