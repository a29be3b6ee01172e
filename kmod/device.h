/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _M2MV_DEVICE_H
#define _M2MV_DEVICE_H

int m2mv_device_init(void);
void m2mv_device_exit(void);

#endif /* _M2MV_DEVICE_H */
