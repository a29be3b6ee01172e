// SPDX-License-Identifier: GPL-2.0
/*
 * When m2mvaultd renews, and how long its keys live in the keyring. Pure
 * arithmetic, so that the host tests can pin it down.
 */
#include <errno.h>

#include "agent/agent.h"

int agent_key_timeout(time_t now, time_t expires, unsigned int lifetime,
		      unsigned int *timeout)
{
	time_t left = expires - now;

	if (left <= 0)
		return -EKEYEXPIRED;
	if (left > (time_t)lifetime)
		left = lifetime;
	*timeout = (unsigned int)left;
	return 0;
}

time_t agent_renew_at(time_t now, time_t expiry, unsigned int renew_before)
{
	time_t at = expiry - (time_t)renew_before;

	if (at <= now)
		at = now + (expiry - now) / 2;
	if (at < now + 1)
		at = now + 1;
	return at;
}

unsigned int agent_retry_delay(unsigned int attempt, time_t now,
			       time_t expiry)
{
	unsigned int delay = 60;
	time_t left = expiry - now;

	if (attempt >= 1 && attempt <= 6)
		delay = 1U << (attempt - 1);	/* 1, 2, 4, ... 32 */
	if (left > 0 && left / 4 < (time_t)delay)
		delay = left / 4 > 0 ? (unsigned int)(left / 4) : 1;
	return delay;
}
