#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <git2/sys/odb_backend.h>

#include "pack.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/sha1.h"

#define MG_PACK_OBJ_BLOB 3
#define MG_PACK_CHUNK (1u << 20)

typedef struct {
	z_stream z;     /* one deflate stream, reset per object: init is costly */
	int z_ready;
	git_odb_writepack *wp;
	git_indexer_progress stats;
	mg_sha1 sum;
	memgit_buf out; /* pending bytes, handed over a megabyte at a time */
} mg_packer;

static int flush(mg_packer *p)
{
	int rc;

	if (!p->out.size)
		return 0;
	mg_sha1_update(&p->sum, p->out.ptr, p->out.size);
	if ((rc = p->wp->append(p->wp, p->out.ptr, p->out.size, &p->stats)) < 0)
		return mg_git_error(rc, "cannot write pack", NULL);
	mg_buf_clear(&p->out);
	return 0;
}

/* The object header: type and size, seven bits a byte after the first four. */
static int put_header(mg_packer *p, size_t size)
{
	unsigned char h[16];
	size_t n = 0;

	h[n] = (unsigned char)(MG_PACK_OBJ_BLOB << 4 | (size & 0x0f));
	for (size >>= 4; size; size >>= 7) {
		h[n++] |= 0x80;
		h[n] = size & 0x7f;
	}
	return mg_buf_put(&p->out, h, n + 1);
}

static int put_blob(mg_packer *p, const mg_pack_blob *b)
{
	uLong cap = deflateBound(&p->z, (uLong)b->len);
	int rc;

	if ((rc = put_header(p, b->len)) < 0 || (rc = mg_buf_grow(&p->out, cap)) < 0)
		return rc;
	p->z.next_in = (Bytef *)b->data;
	p->z.avail_in = (uInt)b->len;
	p->z.next_out = (Bytef *)p->out.ptr + p->out.size;
	p->z.avail_out = (uInt)cap;
	if (deflate(&p->z, Z_FINISH) != Z_STREAM_END || deflateReset(&p->z) != Z_OK)
		return mg_error_set(MEMGIT_ERROR, "cannot compress object", NULL, "zlib failed");
	p->out.size += cap - p->z.avail_out;
	p->out.ptr[p->out.size] = '\0';
	return p->out.size >= MG_PACK_CHUNK ? flush(p) : 0;
}

int mg_pack_write_blobs(memgit_store *s, const mg_pack_blob *blobs, size_t n)
{
	mg_packer p;
	git_odb *odb = NULL;
	unsigned char head[12] = { 'P', 'A', 'C', 'K', 0, 0, 0, 2 }, trailer[20];
	int rc;

	memset(&p, 0, sizeof(p));
	mg_sha1_init(&p.sum);
	if (deflateInit(&p.z, Z_BEST_SPEED) != Z_OK)
		return mg_error_set(MEMGIT_ENOMEM, "cannot compress objects", NULL, "zlib failed");
	p.z_ready = 1;
	if ((rc = git_repository_odb(&odb, s->repo)) < 0 ||
	    (rc = git_odb_write_pack(&p.wp, odb, NULL, NULL)) < 0) {
		rc = mg_git_error(rc, "cannot write pack", s->gitdir);
		goto done;
	}
	for (int i = 0; i < 4; i++)
		head[8 + i] = (unsigned char)((uint32_t)n >> (24 - 8 * i));
	if ((rc = mg_buf_put(&p.out, head, sizeof(head))) < 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		if ((rc = put_blob(&p, &blobs[i])) < 0)
			goto done;
	if ((rc = flush(&p)) < 0)
		goto done;
	mg_sha1_final(&p.sum, trailer);
	if ((rc = p.wp->append(p.wp, trailer, sizeof(trailer), &p.stats)) < 0 ||
	    (rc = p.wp->commit(p.wp, &p.stats)) < 0) {
		rc = mg_git_error(rc, "cannot write pack", s->gitdir);
		goto done;
	}
	/* let the store's handle see the new pack at once */
	if ((rc = git_odb_refresh(odb)) < 0)
		rc = mg_git_error(rc, "cannot refresh object database", s->gitdir);
done:
	if (p.z_ready)
		deflateEnd(&p.z);
	if (p.wp)
		p.wp->free(p.wp);
	git_odb_free(odb);
	memgit_buf_dispose(&p.out);
	return rc;
}
