// SPDX-License-Identifier: GPL-2.0
/* Placeholder until the store implements its control operations. */
#include <linux/errno.h>
#include <linux/fs.h>

#include "store.h"
#include "store_ctl.h"

int m2mv_store_verify(struct m2mv_store *s, m2mv_progress_fn progress,
		      m2mv_bad_fn bad, void *ctx,
		      struct m2mv_verify_report *rep)
{
	return -EOPNOTSUPP;
}

int m2mv_store_compact(struct m2mv_store *s, struct file *file,
		       m2mv_xform_fn xform, void *ctx,
		       struct m2mv_compact_report *rep)
{
	return -EOPNOTSUPP;
}
