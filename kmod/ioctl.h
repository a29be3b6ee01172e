/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _M2MV_IOCTL_H
#define _M2MV_IOCTL_H

#include <linux/mutex.h>

struct m2mv_store;

/* Per open file of /dev/m2mvault: the store it is bound to. */
struct m2mv_file {
	struct mutex lock;		/* protects @store */
	struct m2mv_store *store;
};

long m2mv_ioctl(struct m2mv_file *f, unsigned int cmd, void __user *arg);
void m2mv_file_release(struct m2mv_file *f);

#endif /* _M2MV_IOCTL_H */
