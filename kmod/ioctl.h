/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoders of the data-plane ioctls (ioctl.c). device.c calls them with a
 * reference to the store the file is bound to and the operation's scratch;
 * each returns 0 or a negative errno (Documentation/uapi.rst lists them per
 * ioctl).
 */
#ifndef _M2MV_IOCTL_H
#define _M2MV_IOCTL_H

#include <linux/compiler.h>

struct m2mv_store;
struct m2mv_vop;

typedef long (*m2mv_ioc_fn)(struct m2mv_store *s, struct m2mv_vop *op,
			    void __user *uarg);

long m2mv_ioc_put(struct m2mv_store *s, struct m2mv_vop *op,
		  void __user *uarg);
long m2mv_ioc_get(struct m2mv_store *s, struct m2mv_vop *op,
		  void __user *uarg);
long m2mv_ioc_delete(struct m2mv_store *s, struct m2mv_vop *op,
		     void __user *uarg);
long m2mv_ioc_stat(struct m2mv_store *s, struct m2mv_vop *op,
		   void __user *uarg);
long m2mv_ioc_list(struct m2mv_store *s, struct m2mv_vop *op,
		   void __user *uarg);
long m2mv_ioc_export(struct m2mv_store *s, struct m2mv_vop *op,
		     void __user *uarg);
long m2mv_ioc_batch(struct m2mv_store *s, struct m2mv_vop *op,
		    void __user *uarg);

#endif /* _M2MV_IOCTL_H */
