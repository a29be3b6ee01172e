// SPDX-License-Identifier: GPL-2.0
/* The mode <-> Credential-ID type map; see mode.h. */
#include <stddef.h>

#include "common/mode.h"

static const struct {
	unsigned int mode;
	unsigned int type;
} m2mv_mode_types[] = {
	{ M2MV_MODE_WRAP, M2MV_CRED_TYPE_ESDATA_WRAP },
	{ M2MV_MODE_DIR, M2MV_CRED_TYPE_ESDATA_DIRECT },
	{ M2MV_MODE_MIC, M2MV_CRED_TYPE_ESDATA_HMAC },
};

#define M2MV_NMODES (sizeof(m2mv_mode_types) / sizeof(m2mv_mode_types[0]))

unsigned int m2mv_mode_cred_type(unsigned int mode)
{
	size_t i;

	for (i = 0; i < M2MV_NMODES; i++)
		if (m2mv_mode_types[i].mode == mode)
			return m2mv_mode_types[i].type;
	return 0;
}

unsigned int m2mv_cred_type_mode(unsigned int type)
{
	size_t i;

	for (i = 0; i < M2MV_NMODES; i++)
		if (m2mv_mode_types[i].type == type)
			return m2mv_mode_types[i].mode;
	return M2MV_MODE_NONE;
}
