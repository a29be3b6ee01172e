// SPDX-License-Identifier: GPL-2.0
/*
 * The store's freshness anchor in the machine's TPM ([store] anchor = tpm).
 *
 * One NV index (tpm_nv_index) of the ordinary kind holds the anchor, 56
 * bytes, big-endian (Documentation/admin-guide.rst, "The freshness anchor"):
 *
 *   0  "M2VA"   4  version 1 (u16)   6  zero (u16)
 *   8  seq (u64)   16  when it was written (Unix time, s64)
 *   24 the record's chain value (32 bytes)
 *
 * The agent defines the index itself the first time it writes it, under
 * the owner hierarchy with an empty owner authorization; an operator whose
 * TPM has an owner password defines it beforehand, of the same size and
 * with the attributes authread|authwrite|no_da. Reads and writes use the
 * index's own (empty) authorization, so who may reach the TPM device may
 * change the anchor: the device's permissions (root and the group tss) are
 * the boundary, and what the anchor defends against is a disk changed
 * while the machine does not run (Documentation/threat-model.rst).
 *
 * Why an ordinary index and not a counter: a counter only counts up, but
 * a compaction numbers the records afresh, so the anchor's sequence number
 * goes down; and the chain value, which says which log the number belongs
 * to, does not fit a counter. A TPM writes an NV index whole or not at
 * all, so a power cut leaves the old anchor or the new one.
 *
 * The TSS (tpm2-tss ESAPI, TCTI loader) does the TPM's wire protocol; its
 * own log is silenced unless TSS2_LOG is set, since every failure is
 * reported here with the TSS's decoding of the response code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "agent/agent.h"

static const uint8_t tpm_magic[4] = { 'M', '2', 'V', 'A' };

#define TPM_ANCHOR_VERSION	1
/* What a TPM says about an index that is absent, and one never written. */
#define TPM_RC_FMT1_MASK	0xbfU

struct tpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	ESYS_TR nv;
};

static void put_be(uint8_t *p, uint64_t v, int n)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

void agent_tpm_anchor_encode(uint8_t out[AGENT_TPM_ANCHOR_SIZE],
			     const struct m2mv_tef_anchor *an)
{
	memset(out, 0, AGENT_TPM_ANCHOR_SIZE);
	memcpy(out, tpm_magic, sizeof(tpm_magic));
	put_be(out + 4, TPM_ANCHOR_VERSION, 2);
	put_be(out + 8, an->seq, 8);
	put_be(out + 16, (uint64_t)(int64_t)an->updated, 8);
	memcpy(out + 24, an->chain, M2MV_TEF_CHAIN_LEN);
}

int agent_tpm_anchor_decode(const uint8_t *in, size_t len,
			    struct m2mv_tef_anchor *out)
{
	if (len != AGENT_TPM_ANCHOR_SIZE || memcmp(in, tpm_magic, 4) ||
	    get_be(in + 4, 2) != TPM_ANCHOR_VERSION || get_be(in + 6, 2))
		return -EBADMSG;
	out->seq = get_be(in + 8, 8);
	out->updated = (time_t)(int64_t)get_be(in + 16, 8);
	memcpy(out->chain, in + 24, M2MV_TEF_CHAIN_LEN);
	return 0;
}

/* A response code of the TPM itself (not of the TSS), format 1 or 0. */
static int rc_is(TSS2_RC rc, TSS2_RC want)
{
	if (rc & TSS2_RC_LAYER_MASK)
		return 0;
	if (rc & TPM2_RC_FMT1)
		return (rc & TPM_RC_FMT1_MASK) == want;
	return (rc & 0xfffU) == want;
}

static void tpm_close(struct tpm *t)
{
	if (t->esys && t->nv != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &t->nv);
	if (t->esys)
		Esys_Finalize(&t->esys);
	if (t->tcti)
		Tss2_TctiLdr_Finalize(&t->tcti);
}

static int tpm_open(const struct agent_config *cfg, struct tpm *t)
{
	TSS2_RC rc;

	t->tcti = NULL;
	t->esys = NULL;
	t->nv = ESYS_TR_NONE;
	setenv("TSS2_LOG", "all+none", 0);
	rc = Tss2_TctiLdr_Initialize(cfg->tpm_tcti, &t->tcti);
	if (rc) {
		agent_err("TPM %s: cannot reach it: %s", cfg->tpm_tcti,
			  Tss2_RC_Decode(rc));
		return -ENODEV;
	}
	rc = Esys_Initialize(&t->esys, t->tcti, NULL);
	if (rc) {
		agent_err("TPM %s: %s", cfg->tpm_tcti, Tss2_RC_Decode(rc));
		tpm_close(t);
		return -ENODEV;
	}
	return 0;
}

/*
 * The index as an ESYS object, after checking that it is ours to use:
 * ordinary, AUTHREAD and AUTHWRITE, AGENT_TPM_ANCHOR_SIZE bytes.
 * Return: 0; -ENOENT when not defined; -EBADMSG for another kind of index;
 * -EIO.
 */
static int tpm_index(const struct agent_config *cfg, struct tpm *t)
{
	const TPMA_NV need = TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE;
	TPM2B_NV_PUBLIC *pub = NULL;
	TPMA_NV attr;
	TSS2_RC rc;
	int ret = 0;

	rc = Esys_TR_FromTPMPublic(t->esys, cfg->tpm_nv_index, ESYS_TR_NONE,
				   ESYS_TR_NONE, ESYS_TR_NONE, &t->nv);
	if (rc_is(rc, TPM2_RC_HANDLE))
		return -ENOENT;
	if (rc) {
		agent_err("TPM NV index 0x%08x: %s", cfg->tpm_nv_index,
			  Tss2_RC_Decode(rc));
		t->nv = ESYS_TR_NONE;
		return -EIO;
	}
	rc = Esys_NV_ReadPublic(t->esys, t->nv, ESYS_TR_NONE, ESYS_TR_NONE,
				ESYS_TR_NONE, &pub, NULL);
	if (rc) {
		agent_err("TPM NV index 0x%08x: reading its public area: %s",
			  cfg->tpm_nv_index, Tss2_RC_Decode(rc));
		return -EIO;
	}
	attr = pub->nvPublic.attributes;
	if ((attr & TPMA_NV_TPM2_NT_MASK) >> TPMA_NV_TPM2_NT_SHIFT !=
	    TPM2_NT_ORDINARY || (attr & need) != need ||
	    pub->nvPublic.dataSize != AGENT_TPM_ANCHOR_SIZE) {
		agent_err("TPM NV index 0x%08x is not one for the anchor (%u bytes, attributes 0x%08x; it takes an ordinary index of %d bytes with authread|authwrite): choose another [store] tpm_nv_index",
			  cfg->tpm_nv_index, pub->nvPublic.dataSize,
			  (unsigned int)attr, AGENT_TPM_ANCHOR_SIZE);
		ret = -EBADMSG;
	}
	Esys_Free(pub);
	return ret;
}

static int tpm_define(const struct agent_config *cfg, struct tpm *t)
{
	const TPM2B_AUTH empty = { .size = 0 };
	const TPM2B_NV_PUBLIC pub = {
		.nvPublic = {
			.nvIndex = cfg->tpm_nv_index,
			.nameAlg = TPM2_ALG_SHA256,
			.attributes = TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE |
				      TPMA_NV_NO_DA |
				      (TPM2_NT_ORDINARY << TPMA_NV_TPM2_NT_SHIFT),
			.dataSize = AGENT_TPM_ANCHOR_SIZE,
		},
	};
	TSS2_RC rc;

	rc = Esys_NV_DefineSpace(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
				 ESYS_TR_NONE, ESYS_TR_NONE, &empty, &pub,
				 &t->nv);
	if (rc) {
		agent_err("TPM NV index 0x%08x: cannot define it under the owner hierarchy: %s (with an owner password, define it beforehand: %d bytes, authread|authwrite|no_da)",
			  cfg->tpm_nv_index, Tss2_RC_Decode(rc),
			  AGENT_TPM_ANCHOR_SIZE);
		t->nv = ESYS_TR_NONE;
		return -EIO;
	}
	agent_notice("TPM NV index 0x%08x defined for the store's freshness anchor",
		     cfg->tpm_nv_index);
	return 0;
}

int agent_tpm_anchor_read(const struct agent_config *cfg,
			  struct m2mv_tef_anchor *out)
{
	TPM2B_MAX_NV_BUFFER *data = NULL;
	struct tpm t;
	TSS2_RC rc;
	int ret;

	ret = tpm_open(cfg, &t);
	if (ret)
		return ret;
	ret = tpm_index(cfg, &t);
	if (ret)
		goto out;
	rc = Esys_NV_Read(t.esys, t.nv, t.nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			  ESYS_TR_NONE, AGENT_TPM_ANCHOR_SIZE, 0, &data);
	if (rc_is(rc, TPM2_RC_NV_UNINITIALIZED)) {
		ret = -ENOENT;	/* defined, but a crash came before the write */
		goto out;
	}
	if (rc) {
		agent_err("TPM NV index 0x%08x: reading it: %s",
			  cfg->tpm_nv_index, Tss2_RC_Decode(rc));
		ret = -EIO;
		goto out;
	}
	ret = agent_tpm_anchor_decode(data->buffer, data->size, out);
	if (ret)
		agent_err("TPM NV index 0x%08x does not hold a freshness anchor: choose another [store] tpm_nv_index, or clear it (tpm2_nvundefine) if it was m2mvault's",
			  cfg->tpm_nv_index);
	Esys_Free(data);
out:
	tpm_close(&t);
	return ret;
}

int agent_tpm_anchor_write(const struct agent_config *cfg,
			   const struct m2mv_tef_anchor *an)
{
	TPM2B_MAX_NV_BUFFER data = { .size = AGENT_TPM_ANCHOR_SIZE };
	struct tpm t;
	TSS2_RC rc;
	int ret;

	ret = tpm_open(cfg, &t);
	if (ret)
		return ret;
	ret = tpm_index(cfg, &t);
	if (ret == -ENOENT)
		ret = tpm_define(cfg, &t);
	if (ret)
		goto out;
	agent_tpm_anchor_encode(data.buffer, an);
	rc = Esys_NV_Write(t.esys, t.nv, t.nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			   ESYS_TR_NONE, &data, 0);
	if (rc) {
		agent_err("TPM NV index 0x%08x: writing the anchor: %s",
			  cfg->tpm_nv_index, Tss2_RC_Decode(rc));
		ret = -EIO;
	}
out:
	tpm_close(&t);
	return ret;
}
