// SPDX-License-Identifier: GPL-2.0
/*
 * Listing live paths: M2MV_IOC_LIST in pages, continued after the last path
 * of the previous page (the cursor) while the kernel says M2MV_LIST_F_MORE.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"

/* Bytes of one entry whose path is @len long, as the kernel lays it out. */
#define M2MV_LIST_RECLEN(len) \
	((sizeof(struct m2mv_list_ent) + (len) + 7) & ~(size_t)7)

/* The kernel fills at most this much per call (Documentation/uapi.rst). */
#define M2MV_LIST_KERNEL_MAX (256U << 10)

struct m2mv_list_iter {
	struct m2mv_store *s;
	char prefix[M2MV_PATH_MAX];
	uint32_t prefix_len;
	char after[M2MV_PATH_MAX];	/* the cursor */
	uint32_t after_len;
	unsigned char *buf;
	size_t buf_size;
	struct m2mv__list_page page;
	unsigned int pages;
	int more;			/* the kernel has more after the cursor */
	int err;			/* sticky */
	char path[M2MV_PATH_MAX + 1];	/* the current item's path */
};

int m2mv__list_walk(struct m2mv__list_page *pg, struct m2mv_list_item *item,
		    char path[M2MV_PATH_MAX + 1])
{
	struct m2mv_list_ent ent;
	size_t room;

	if (pg->idx >= pg->count)
		return 0;
	if (pg->off > pg->size || pg->size - pg->off < sizeof(ent))
		return -EPROTO;
	room = pg->size - pg->off;
	/* The buffer is only byte-aligned for all we know: copy the head. */
	memcpy(&ent, pg->buf + pg->off, sizeof(ent));
	if (!ent.path_len || ent.path_len > M2MV_PATH_MAX ||
	    ent.reclen % 8 || ent.reclen < sizeof(ent) + ent.path_len ||
	    ent.reclen > room)
		return -EPROTO;

	memcpy(path, pg->buf + pg->off + sizeof(ent), ent.path_len);
	path[ent.path_len] = '\0';
	item->path = path;
	item->path_len = ent.path_len;
	item->version = ent.version;
	item->data_len = ent.data_len;
	item->mode = ent.mode;
	item->flags = ent.rec_flags;
	pg->off += ent.reclen;
	pg->idx++;
	return 1;
}

int m2mv_list_open(struct m2mv_store *s, const char *prefix,
		   size_t page_size, struct m2mv_list_iter **itp)
{
	struct m2mv_list_iter *it;
	size_t plen = prefix ? strnlen(prefix, M2MV_PATH_MAX + 1) : 0;

	*itp = NULL;
	if (plen > M2MV_PATH_MAX)
		return -EINVAL;
	if (!page_size)
		page_size = M2MV_LIST_PAGE_DEFAULT;
	/* Larger pages would go unused. */
	if (page_size > M2MV_LIST_KERNEL_MAX)
		page_size = M2MV_LIST_KERNEL_MAX;
	it = calloc(1, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->buf = malloc(page_size);
	if (!it->buf) {
		free(it);
		return -ENOMEM;
	}
	it->buf_size = page_size;
	it->s = s;
	memcpy(it->prefix, prefix ? prefix : "", plen);
	it->prefix_len = (uint32_t)plen;
	it->more = 1;
	*itp = it;
	return 0;
}

/* Fetch the next page after the cursor; grow the buffer if need be. */
static int m2mv_list_fetch(struct m2mv_list_iter *it)
{
	struct m2mv_list a;
	unsigned char *nb;
	int ret;

	for (;;) {
		/* Zeroed for memory checkers, as in m2mv_get(). */
		memset(it->buf, 0, it->buf_size);
		memset(&a, 0, sizeof(a));
		a.prefix = it->prefix_len ? m2mv__ptr(it->prefix) : 0;
		a.prefix_len = it->prefix_len;
		a.after = it->after_len ? m2mv__ptr(it->after) : 0;
		a.after_len = it->after_len;
		a.buf = m2mv__ptr(it->buf);
		a.buf_len = (uint32_t)it->buf_size;
		ret = m2mv__ioctl(m2mv_store_fd(it->s), M2MV_IOC_LIST, &a);
		if (ret != -EOVERFLOW)
			break;
		/* Not even one entry fits: give the longest path room. */
		if (it->buf_size >= M2MV_LIST_RECLEN(M2MV_PATH_MAX))
			return -EOVERFLOW;
		nb = realloc(it->buf, M2MV_LIST_RECLEN(M2MV_PATH_MAX));
		if (!nb)
			return -ENOMEM;
		it->buf = nb;
		it->buf_size = M2MV_LIST_RECLEN(M2MV_PATH_MAX);
	}
	if (ret)
		return ret;
	/* More without progress would loop for ever. */
	if ((a.flags & M2MV_LIST_F_MORE) && !a.count)
		return -EPROTO;
	it->pages++;
	it->more = !!(a.flags & M2MV_LIST_F_MORE);
	it->page.buf = it->buf;
	it->page.size = it->buf_size;
	it->page.count = a.count;
	it->page.idx = 0;
	it->page.off = 0;
	return 0;
}

int m2mv_list_next(struct m2mv_list_iter *it, struct m2mv_list_item *item)
{
	int ret;

	if (it->err)
		return it->err;
	for (;;) {
		ret = m2mv__list_walk(&it->page, item, it->path);
		if (ret > 0) {
			/* The cursor is the last path handed out. */
			memcpy(it->after, item->path, item->path_len);
			it->after_len = (uint32_t)item->path_len;
			return 1;
		}
		if (ret < 0)
			break;
		if (!it->more)
			return 0;
		ret = m2mv_list_fetch(it);
		if (ret)
			break;
	}
	it->err = ret;
	return ret;
}

unsigned int m2mv_list_pages(const struct m2mv_list_iter *it)
{
	return it->pages;
}

void m2mv_list_close(struct m2mv_list_iter *it)
{
	if (!it)
		return;
	free(it->buf);
	free(it);
}
