// SPDX-License-Identifier: GPL-2.0
/*
 * Where m2mvaultd keeps key material: one anonymous page, locked in RAM
 * (never swapped), excluded from core dumps, not inherited by children,
 * and wiped before it is unmapped. jansson's frees are wiped too, since
 * the TEF's JWKs carry keys in their "k" member.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "agent/agent.h"

static size_t secrets_size(void)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t n = page > 0 ? (size_t)page : 4096;

	while (n < sizeof(struct agent_secrets))
		n *= 2;
	return n;
}

struct agent_secrets *agent_secrets_new(void)
{
	size_t size = secrets_size();
	void *p;
	int err;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mlock(p, size)) {
		err = errno;
		munmap(p, size);
		errno = err;
		return NULL;
	}
	/* Best effort: both only narrow where copies could end up. */
	madvise(p, size, MADV_DONTDUMP);
	madvise(p, size, MADV_WIPEONFORK);
	return p;
}

void agent_secrets_free(struct agent_secrets *s)
{
	size_t size = secrets_size();

	if (!s)
		return;
	OPENSSL_cleanse(s, size);
	munlock(s, size);
	munmap(s, size);
}

static void *json_malloc(size_t n)
{
	return malloc(n);
}

static void json_free(void *p)
{
	if (p)
		OPENSSL_cleanse(p, malloc_usable_size(p));
	free(p);
}

void agent_json_wipe_on_free(void)
{
	json_set_alloc_funcs(json_malloc, json_free);
}
