// SPDX-License-Identifier: GPL-2.0
/*
 * The rule every request of the ABI follows (uapi/linux/m2mvault.h): a
 * flag bit that is not defined, a reserved field or an output-only field
 * that is not zero on input is refused, and the refused request changes
 * nothing. One variant per (request, field): the ioctls refuse with EINVAL;
 * the netlink commands refuse unknown flag bits with EOPNOTSUPP and an
 * output-only attribute with EINVAL.
 *
 * Each variant checks the errno, then that the store is as it was (file
 * size, LIST of everything, STAT of its record), then that the same request
 * with the field left zero is accepted, so that the field and nothing else
 * was the reason. A flags variant tries every bit the ABI does not define.
 */
#include <sys/stat.h>

#include "fixture.h"

enum abi_req {
	REQ_VERSION,
	REQ_BIND,
	REQ_PUT,
	REQ_GET,
	REQ_DELETE,
	REQ_STAT,
	REQ_LIST,
	REQ_EXPORT,
	REQ_BATCH,
	REQ_BATCH_OP,		/* a field of one operation of a BATCH */
	REQ_NL_ATTACH,
	REQ_NL_POLICY_SET,
};

#define ABI_PATH	"/w/r"		/* the record in the store */
#define ABI_NEW		"/w/new"	/* a path PUT creates */

FIXTURE(abi) {
	MVT_VAULT_IN_FIXTURE;
	int ufd;			/* a device fd for BIND */
	struct m2mv_batch_op ops[3];
	uint8_t out[4096];
	char other[M2MV_NAME_MAX];	/* a store NL_ATTACH would attach */
	char ofile[256];
	int ofd;
};

FIXTURE_VARIANT(abi) {
	enum abi_req req;
	const char *field;	/* for the log */
	size_t off;		/* of the field in the request (BATCH_OP: op) */
	size_t size;		/* of the field; over 8: filled with @value */
	uint64_t value;		/* what the field is set to */
	bool flags;		/* a flags field: try each bit not in @known */
	uint32_t known;
	int err;		/* the errno of the refusal */
	uint32_t op;		/* BATCH_OP: the operation changed (0: PUT) */
	int index;		/* BATCH_OP: which of the three */
	uint16_t attr;		/* netlink: an attribute to send (u64 @value) */
	bool msg;		/* netlink: an extended-ack message is due */
};

#define MEMBER_OF(type, member)						\
	.off = offsetof(struct type, member),				\
	.size = sizeof(((struct type *)0)->member)

/* @req's struct @type refuses a non-zero @member (set to @val). */
#define IOC_FIELD(name, req_, type, member, val)			\
	FIXTURE_VARIANT_ADD(abi, name) {				\
		.req = req_, .field = #member, MEMBER_OF(type, member),	\
		.value = val, .err = EINVAL,				\
	}

/* @req's struct @type refuses each flag bit outside @known. */
#define IOC_FLAGS(name, req_, type, known_)				\
	FIXTURE_VARIANT_ADD(abi, name) {				\
		.req = req_, .field = "flags", MEMBER_OF(type, flags),	\
		.flags = true, .known = known_, .err = EINVAL,		\
	}

IOC_FLAGS(version_flags, REQ_VERSION, m2mv_version, 0);
IOC_FIELD(version_reserved_2, REQ_VERSION, m2mv_version, reserved[2], 1);

IOC_FLAGS(bind_flags, REQ_BIND, m2mv_bind, 0);
IOC_FIELD(bind_reserved0, REQ_BIND, m2mv_bind, reserved0, 1);
IOC_FIELD(bind_reserved_0, REQ_BIND, m2mv_bind, reserved[0], 1);
IOC_FIELD(bind_reserved_1, REQ_BIND, m2mv_bind, reserved[1], 1);
/* Not a reserved field, but the same rule: a name must end in a NUL. */
IOC_FIELD(bind_name_unterminated, REQ_BIND, m2mv_bind, name, 'a');

IOC_FLAGS(put_flags, REQ_PUT, m2mv_put, __M2MV_F_ALL);
IOC_FIELD(put_reserved0, REQ_PUT, m2mv_put, reserved0, 1);
IOC_FIELD(put_version, REQ_PUT, m2mv_put, version, 1);
IOC_FIELD(put_seq, REQ_PUT, m2mv_put, seq, 1);
IOC_FIELD(put_reserved_0, REQ_PUT, m2mv_put, reserved[0], 1);
IOC_FIELD(put_reserved_1, REQ_PUT, m2mv_put, reserved[1], 1ULL << 63);

IOC_FLAGS(get_flags, REQ_GET, m2mv_get, 0);
IOC_FIELD(get_reserved0, REQ_GET, m2mv_get, reserved0, 1);
IOC_FIELD(get_version, REQ_GET, m2mv_get, version, 1);
IOC_FIELD(get_reserved_0, REQ_GET, m2mv_get, reserved[0], 1);
IOC_FIELD(get_reserved_1, REQ_GET, m2mv_get, reserved[1], 1);

IOC_FLAGS(delete_flags, REQ_DELETE, m2mv_del, __M2MV_F_ALL);
IOC_FIELD(delete_version, REQ_DELETE, m2mv_del, version, 1);
IOC_FIELD(delete_reserved_0, REQ_DELETE, m2mv_del, reserved[0], 1);
IOC_FIELD(delete_reserved_1, REQ_DELETE, m2mv_del, reserved[1], 1);

IOC_FLAGS(stat_flags, REQ_STAT, m2mv_stat, 0);
IOC_FIELD(stat_version, REQ_STAT, m2mv_stat, version, 1);
IOC_FIELD(stat_seq, REQ_STAT, m2mv_stat, seq, 1);
IOC_FIELD(stat_mtime_ns, REQ_STAT, m2mv_stat, mtime_ns, 1);
IOC_FIELD(stat_data_len, REQ_STAT, m2mv_stat, data_len, 1);
IOC_FIELD(stat_record_len, REQ_STAT, m2mv_stat, record_len, 1);
IOC_FIELD(stat_mode, REQ_STAT, m2mv_stat, mode, 1);
IOC_FIELD(stat_rec_flags, REQ_STAT, m2mv_stat, rec_flags, 1);
IOC_FIELD(stat_credid_first, REQ_STAT, m2mv_stat, credid[0], 'x');
IOC_FIELD(stat_credid_last, REQ_STAT, m2mv_stat, credid[M2MV_CREDID_MAX],
	  'x');
IOC_FIELD(stat_reserved_0, REQ_STAT, m2mv_stat, reserved[0], 1);
IOC_FIELD(stat_reserved_1, REQ_STAT, m2mv_stat, reserved[1], 1);

IOC_FLAGS(list_flags, REQ_LIST, m2mv_list, 0);
IOC_FIELD(list_count, REQ_LIST, m2mv_list, count, 1);
IOC_FIELD(list_reserved0, REQ_LIST, m2mv_list, reserved0, 1);
IOC_FIELD(list_reserved_0, REQ_LIST, m2mv_list, reserved[0], 1);
IOC_FIELD(list_reserved_1, REQ_LIST, m2mv_list, reserved[1], 1);

IOC_FLAGS(export_flags, REQ_EXPORT, m2mv_export, __M2MV_EXPORT_F_ALL);
IOC_FIELD(export_reserved0, REQ_EXPORT, m2mv_export, reserved0, 1);
IOC_FIELD(export_version, REQ_EXPORT, m2mv_export, version, 1);
IOC_FIELD(export_reserved_0, REQ_EXPORT, m2mv_export, reserved[0], 1);
IOC_FIELD(export_reserved_1, REQ_EXPORT, m2mv_export, reserved[1], 1);

IOC_FLAGS(batch_flags, REQ_BATCH, m2mv_batch, 0);
IOC_FIELD(batch_done, REQ_BATCH, m2mv_batch, done, 1);
IOC_FIELD(batch_reserved0, REQ_BATCH, m2mv_batch, reserved0, 1);
IOC_FIELD(batch_reserved_0, REQ_BATCH, m2mv_batch, reserved[0], 1);
IOC_FIELD(batch_reserved_1, REQ_BATCH, m2mv_batch, reserved[1], 1);

/* One operation of three malformed: the whole BATCH is refused. */
#define BOP_FIELD(name, member, val, index_)				\
	FIXTURE_VARIANT_ADD(abi, name) {				\
		.req = REQ_BATCH_OP, .field = #member,			\
		MEMBER_OF(m2mv_batch_op, member), .value = val,		\
		.err = EINVAL, .index = index_,				\
	}

#define BOP_FLAGS(name, op_, known_)					\
	FIXTURE_VARIANT_ADD(abi, name) {				\
		.req = REQ_BATCH_OP, .field = "flags",			\
		MEMBER_OF(m2mv_batch_op, flags), .flags = true,		\
		.known = known_, .err = EINVAL, .op = op_, .index = 1,	\
	}

BOP_FIELD(batch_op_reserved0, reserved0, 1, 1);
BOP_FIELD(batch_op_reserved, reserved, 1, 1);
BOP_FIELD(batch_op_result, result, (uint32_t)-1, 2);
BOP_FIELD(batch_op_version, version, 1, 2);
BOP_FLAGS(batch_op_put_flags, M2MV_BATCH_PUT, __M2MV_F_ALL);
BOP_FLAGS(batch_op_get_flags, M2MV_BATCH_GET, 0);
BOP_FLAGS(batch_op_delete_flags, M2MV_BATCH_DELETE, __M2MV_F_ALL);

FIXTURE_VARIANT_ADD(abi, attach_flags) {
	.req = REQ_NL_ATTACH, .field = "FLAGS", .flags = true,
	.known = __M2MV_ATTACH_F_ALL, .err = EOPNOTSUPP, .msg = true,
};

FIXTURE_VARIANT_ADD(abi, attach_records) {
	.req = REQ_NL_ATTACH, .field = "RECORDS (output only)",
	.attr = M2MV_A_RECORDS, .value = 1, .err = EINVAL,
};

FIXTURE_VARIANT_ADD(abi, policy_set_flags) {
	.req = REQ_NL_POLICY_SET, .field = "FLAGS", .flags = true,
	.known = __M2MV_POLICY_F_ALL, .err = EOPNOTSUPP,
};

/* ------------------------------------------------------------ fixture */

FIXTURE_SETUP(abi)
{
	const struct mvt_vault_spec spec = { .tag = "abi" };

	self->ufd = self->ofd = -1;
	mvt_vault_setup(_metadata, &self->v, &spec);
	ASSERT_EQ(0, mvt_put(self->fd, ABI_PATH, "x", 1, 0, NULL));
	self->ufd = mvt_open_dev();
	ASSERT_GE(self->ufd, 0);
	mvt_store_name(self->other, "abi-other");
	self->ofd = mvt_store_file(self->ofile, sizeof(self->ofile), NULL,
				   "abi-other");
	ASSERT_GE(self->ofd, 0);
}

FIXTURE_TEARDOWN(abi)
{
	if (self->ufd >= 0)
		close(self->ufd);
	mvt_detach(self->other);
	if (self->ofd >= 0)
		close(self->ofd);
	if (self->ofile[0])
		unlink(self->ofile);
	mvt_vault_teardown(_metadata, &self->v);
}

/* What "changes nothing" compares. */
struct abi_state {
	off_t file_size;
	off_t other_size;
	uint8_t list[2048];
	uint32_t count;
	int stat_ret;
	struct m2mv_stat st;
};

static void snapshot(struct __test_metadata *_metadata,
		     FIXTURE_DATA(abi) *self, struct abi_state *s)
{
	struct stat fst;

	memset(s, 0, sizeof(*s));
	ASSERT_EQ(0, fstat(self->sfd, &fst));
	s->file_size = fst.st_size;
	ASSERT_EQ(0, fstat(self->ofd, &fst));
	s->other_size = fst.st_size;
	ASSERT_EQ(0, mvt_list(self->fd, NULL, NULL, 0, s->list,
			      sizeof(s->list), &s->count, NULL));
	s->stat_ret = mvt_stat(self->fd, ABI_PATH, &s->st);
}

static void expect_unchanged(struct __test_metadata *_metadata,
			     FIXTURE_DATA(abi) *self,
			     const struct abi_state *before, const char *what)
{
	struct abi_state now;

	snapshot(_metadata, self, &now);
	EXPECT_EQ(before->file_size, now.file_size) TH_LOG("%s", what);
	EXPECT_EQ(before->other_size, now.other_size) TH_LOG("%s", what);
	EXPECT_EQ(before->count, now.count) TH_LOG("%s", what);
	EXPECT_EQ(0, memcmp(before->list, now.list, sizeof(now.list)))
		TH_LOG("%s: LIST differs", what);
	EXPECT_EQ(before->stat_ret, now.stat_ret) TH_LOG("%s", what);
	EXPECT_EQ(before->st.version, now.st.version) TH_LOG("%s", what);
	EXPECT_EQ(before->st.seq, now.st.seq) TH_LOG("%s", what);
	EXPECT_EQ(before->st.mtime_ns, now.st.mtime_ns) TH_LOG("%s", what);
	EXPECT_EQ(before->st.data_len, now.st.data_len) TH_LOG("%s", what);
	/* Nothing attached under the other name either. */
	EXPECT_EQ(-ENOENT, mvt_detach(self->other)) TH_LOG("%s", what);
}

/* ---------------------------------------------------------- requests */

union abi_buf {
	struct m2mv_version version;
	struct m2mv_bind bind;
	struct m2mv_put put;
	struct m2mv_get get;
	struct m2mv_del del;
	struct m2mv_stat stat;
	struct m2mv_list list;
	struct m2mv_export export;
	struct m2mv_batch batch;
};

static struct m2mv_batch_op batch_op(uint32_t op, const char *path,
				     const void *data, uint32_t len)
{
	struct m2mv_batch_op o;

	memset(&o, 0, sizeof(o));
	o.op = op;
	o.path = mvt_ptr(path);
	o.path_len = strlen(path);
	o.data = mvt_ptr(data);
	o.data_len = len;
	return o;
}

/* The well-formed request of @req in @b (and self->ops for a BATCH). */
static void base(FIXTURE_DATA(abi) *self,
		 const FIXTURE_VARIANT(abi) *variant, union abi_buf *b)
{
	memset(b, 0, sizeof(*b));
	switch (variant->req) {
	case REQ_VERSION:
		break;
	case REQ_BIND:
		snprintf(b->bind.name, sizeof(b->bind.name), "%s", self->name);
		break;
	case REQ_PUT:
		b->put.path = mvt_ptr(ABI_NEW);
		b->put.path_len = strlen(ABI_NEW);
		b->put.data = mvt_ptr("x");
		b->put.data_len = 1;
		break;
	case REQ_GET:
		b->get.path = mvt_ptr(ABI_PATH);
		b->get.path_len = strlen(ABI_PATH);
		b->get.data = mvt_ptr(self->out);
		b->get.data_len = 4;
		break;
	case REQ_DELETE:
		b->del.path = mvt_ptr(ABI_PATH);
		b->del.path_len = strlen(ABI_PATH);
		break;
	case REQ_STAT:
		b->stat.path = mvt_ptr(ABI_PATH);
		b->stat.path_len = strlen(ABI_PATH);
		break;
	case REQ_LIST:
		b->list.buf = mvt_ptr(self->out);
		b->list.buf_len = 256;
		break;
	case REQ_EXPORT:
		b->export.path = mvt_ptr(ABI_PATH);
		b->export.path_len = strlen(ABI_PATH);
		b->export.buf = mvt_ptr(self->out);
		b->export.buf_len = sizeof(self->out);
		break;
	case REQ_BATCH:
	case REQ_BATCH_OP:
		self->ops[0] = batch_op(M2MV_BATCH_PUT, "/w/m0", "a", 1);
		self->ops[1] = batch_op(M2MV_BATCH_PUT, "/w/m1", "b", 1);
		self->ops[2] = batch_op(M2MV_BATCH_PUT, "/w/m2", "c", 1);
		if (variant->req == REQ_BATCH_OP &&
		    variant->op == M2MV_BATCH_GET)
			self->ops[1] = batch_op(M2MV_BATCH_GET, "/w/m1",
						self->out, 8);
		if (variant->req == REQ_BATCH_OP &&
		    variant->op == M2MV_BATCH_DELETE)
			self->ops[1] = batch_op(M2MV_BATCH_DELETE, "/w/m1",
						NULL, 0);
		b->batch.ops = mvt_ptr(self->ops);
		b->batch.count = 3;
		break;
	case REQ_NL_ATTACH:
	case REQ_NL_POLICY_SET:
		break;
	}
}

/* Set the variant's field to @value in the request. */
static void poke(FIXTURE_DATA(abi) *self,
		 const FIXTURE_VARIANT(abi) *variant, union abi_buf *b,
		 uint64_t value)
{
	uint8_t *p = variant->req == REQ_BATCH_OP ?
		     (uint8_t *)&self->ops[variant->index] : (uint8_t *)b;

	if (variant->size > sizeof(value))
		memset(p + variant->off, (int)value, variant->size);
	else
		memcpy(p + variant->off, &value, variant->size);
}

static const unsigned long ioc_cmd[] = {
	[REQ_VERSION] = M2MV_IOC_VERSION,
	[REQ_BIND] = M2MV_IOC_BIND,
	[REQ_PUT] = M2MV_IOC_PUT,
	[REQ_GET] = M2MV_IOC_GET,
	[REQ_DELETE] = M2MV_IOC_DELETE,
	[REQ_STAT] = M2MV_IOC_STAT,
	[REQ_LIST] = M2MV_IOC_LIST,
	[REQ_EXPORT] = M2MV_IOC_EXPORT,
	[REQ_BATCH] = M2MV_IOC_BATCH,
	[REQ_BATCH_OP] = M2MV_IOC_BATCH,
};

/*
 * Send the request, with @value in the field if @set: 0 or -errno.
 * Netlink requests leave their extended-ack message in @msg.
 */
static int issue(FIXTURE_DATA(abi) *self,
		 const FIXTURE_VARIANT(abi) *variant, union abi_buf *b,
		 bool set, uint64_t value, char *msg, size_t msg_size)
{
	struct mvt_nl_reply rep;
	struct mvt_nl_args a = { .name = self->name };
	int ret;

	switch (variant->req) {
	case REQ_NL_ATTACH:
		a.name = self->other;
		a.has_fd = true;
		a.fd = self->ofd;
		a.store_key = self->store_credid;
		/* The other file is empty: it takes a create to attach it. */
		a.has_flags = true;
		a.flags = M2MV_ATTACH_F_CREATE;
		if (set && variant->flags) {
			a.flags |= (uint32_t)value;
		} else if (set) {
			a.u64_type = variant->attr;
			a.u64 = value;
		}
		ret = mvt_nl(M2MV_CMD_STORE_ATTACH, &a, &rep);
		snprintf(msg, msg_size, "%s", rep.msg);
		return ret;
	case REQ_NL_POLICY_SET:
		a.prefix = "/p/";
		a.credid = MVT_K_WRAP;
		a.has_mode = true;
		a.mode = M2MV_MODE_WRAP;
		a.has_flags = set;
		a.flags = (uint32_t)value;
		ret = mvt_nl(M2MV_CMD_POLICY_SET, &a, &rep);
		snprintf(msg, msg_size, "%s", rep.msg);
		return ret;
	default:
		base(self, variant, b);
		if (set)
			poke(self, variant, b, value);
		return mvt_ioc(variant->req == REQ_VERSION ? self->ctl :
			       variant->req == REQ_BIND ? self->ufd : self->fd,
			       ioc_cmd[variant->req], b);
	}
}

/* What a refused request of this kind must also have left alone. */
static void expect_not_done(struct __test_metadata *_metadata,
			    FIXTURE_DATA(abi) *self,
			    const FIXTURE_VARIANT(abi) *variant,
			    const char *what)
{
	uint8_t out[8];
	size_t n = sizeof(out);

	switch (variant->req) {
	case REQ_BIND:
		EXPECT_EQ(-ENXIO, mvt_put(self->ufd, "/w/x", "x", 1, 0, NULL))
			TH_LOG("%s: the fd got bound", what);
		break;
	case REQ_PUT:
		EXPECT_EQ(-ENOENT, mvt_get(self->fd, ABI_NEW, out, &n, NULL))
			TH_LOG("%s", what);
		break;
	case REQ_DELETE:
		EXPECT_EQ(0, mvt_get(self->fd, ABI_PATH, out, &n, NULL))
			TH_LOG("%s", what);
		break;
	case REQ_BATCH:
	case REQ_BATCH_OP:
		for (int i = 0; i < 3; i++) {
			char p[8];

			snprintf(p, sizeof(p), "/w/m%d", i);
			n = sizeof(out);
			EXPECT_EQ(-ENOENT, mvt_get(self->fd, p, out, &n, NULL))
				TH_LOG("%s: %s", what, p);
		}
		break;
	case REQ_NL_POLICY_SET:
		EXPECT_EQ(-EACCES, mvt_put(self->fd, "/p/x", "x", 1, 0, NULL))
			TH_LOG("%s: a policy was set", what);
		break;
	default:
		break;
	}
}

/* The request without the field: accepted, with the usual result. */
static void expect_accepted(struct __test_metadata *_metadata,
			    FIXTURE_DATA(abi) *self,
			    const FIXTURE_VARIANT(abi) *variant)
{
	union abi_buf b;
	char msg[256];

	if (variant->req == REQ_PUT) {
		/* With the one flag PUT defines. */
		base(self, variant, &b);
		b.put.flags = M2MV_F_SYNC;
		ASSERT_EQ(0, mvt_ioc(self->fd, M2MV_IOC_PUT, &b));
		EXPECT_EQ(1, b.put.version);
		return;
	}
	ASSERT_EQ(0, issue(self, variant, &b, false, 0, msg, sizeof(msg)))
		TH_LOG("%s", msg);
	switch (variant->req) {
	case REQ_VERSION:
		EXPECT_EQ(M2MV_ABI_VERSION, b.version.abi);
		break;
	case REQ_BIND:
		EXPECT_EQ(0, mvt_put(self->ufd, "/w/x", "x", 1, 0, NULL));
		break;
	case REQ_GET:
		EXPECT_EQ(1, b.get.data_len);
		EXPECT_EQ(1, b.get.version);
		break;
	case REQ_DELETE:
		EXPECT_EQ(2, b.del.version);
		break;
	case REQ_STAT:
		EXPECT_EQ(1, b.stat.version);
		break;
	case REQ_LIST:
		EXPECT_EQ(1, b.list.count);
		break;
	case REQ_EXPORT:
		base(self, variant, &b);
		b.export.flags = M2MV_EXPORT_F_JSON;
		EXPECT_EQ(0, mvt_ioc(self->fd, M2MV_IOC_EXPORT, &b));
		break;
	case REQ_BATCH:
	case REQ_BATCH_OP:
		for (int i = 0; i < 3; i++) {
			/* A GET or DELETE of /w/m1 runs and finds nothing. */
			int want = i == 1 && variant->op &&
				   variant->op != M2MV_BATCH_PUT ? -ENOENT : 0;

			EXPECT_EQ(want, self->ops[i].result) TH_LOG("op %d", i);
		}
		break;
	case REQ_NL_ATTACH:
		EXPECT_EQ(0, mvt_detach(self->other));
		break;
	case REQ_NL_POLICY_SET:
		EXPECT_EQ(0, mvt_put(self->fd, "/p/x", "x", 1, 0, NULL));
		break;
	default:
		break;
	}
}

static void expect_refused(struct __test_metadata *_metadata,
			   FIXTURE_DATA(abi) *self,
			   const FIXTURE_VARIANT(abi) *variant,
			   uint64_t value, const char *what)
{
	struct abi_state before;
	union abi_buf b;
	char msg[256] = "";

	snapshot(_metadata, self, &before);
	EXPECT_EQ(-variant->err, issue(self, variant, &b, true, value, msg,
				       sizeof(msg)))
		TH_LOG("%s", what);
	if (variant->msg)
		EXPECT_NE(0, strlen(msg)) TH_LOG("%s: no extended ack", what);
	expect_unchanged(_metadata, self, &before, what);
	expect_not_done(_metadata, self, variant, what);
}

TEST_F(abi, refused)
{
	char what[96];

	if (!variant->flags) {
		snprintf(what, sizeof(what), "%s = %#llx", variant->field,
			 (unsigned long long)variant->value);
		expect_refused(_metadata, self, variant, variant->value, what);
	} else {
		for (int bit = 0; bit < 32; bit++) {
			if (variant->known & (1U << bit))
				continue;
			snprintf(what, sizeof(what), "%s bit %d",
				 variant->field, bit);
			expect_refused(_metadata, self, variant, 1U << bit,
				       what);
		}
	}
	expect_accepted(_metadata, self, variant);
}

TEST_HARNESS_MAIN
