/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which Credential-ID type serves which protection mode
 * (Documentation/key-management.rst): wrap needs a type-15 key-wrap key,
 * dir a type-14 direct-encryption key, mic a type-16 HMAC key. The
 * kernel refuses a policy whose key does not fit its mode; the CLI and the
 * agent check and choose with this one table.
 */
#ifndef M2MV_COMMON_MODE_H
#define M2MV_COMMON_MODE_H

#include <linux/m2mvault.h>

/**
 * m2mv_mode_cred_type() - the Credential-ID type a mode's key must have
 * @mode: enum m2mv_mode
 *
 * Return: M2MV_CRED_TYPE_ESDATA_WRAP, _DIRECT or _HMAC for wrap, dir or
 * mic; 0 for M2MV_MODE_NONE and unknown modes.
 */
unsigned int m2mv_mode_cred_type(unsigned int mode);

/**
 * m2mv_cred_type_mode() - the mode a Credential-ID type's key seals in
 * @type: enum m2mv_cred_type
 *
 * Type 16 also authenticates a store's structure (its store key); as a
 * policy's key it is mic's.
 *
 * Return: M2MV_MODE_WRAP, _DIR or _MIC; M2MV_MODE_NONE for other types.
 */
unsigned int m2mv_cred_type_mode(unsigned int type);

#endif /* M2MV_COMMON_MODE_H */
