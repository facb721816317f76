/*
 * The one bounds-checked reader and the one writer that every token and
 * name of the mechanism is parsed and serialized with.
 *
 * A reader that runs past its end, or a writer that cannot grow, enters a
 * failed state: later calls return zeroes or do nothing, and the caller
 * checks the state once at the end.
 */
#ifndef SM_BUF_H
#define SM_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <gssapi/gssapi.h>

struct sm_reader {
	const unsigned char *ptr;
	size_t left;
	int failed;
};

void sm_reader_init(struct sm_reader *r, const void *data, size_t len);
/* True when nothing failed and every byte was consumed. */
int sm_reader_done(const struct sm_reader *r);

/* The reads and writes below are inline, as in MIT's k5-input.h: a token
 * is a few dozen of them, and a call each cost more than the work. */

/* A pointer to the next `len` bytes, or NULL (and failed) if fewer remain. */
static inline const unsigned char *sm_read_bytes(struct sm_reader *r, size_t len)
{
	const unsigned char *p;

	if (r->failed || len > r->left) {
		r->failed = 1;
		r->left = 0;
		return NULL;
	}
	p = r->ptr;
	r->ptr += len;
	r->left -= len;
	return p;
}

/* A big-endian integer of `len` bytes; 0 (and failed) if fewer remain. */
static inline uint64_t sm_read_be(struct sm_reader *r, size_t len)
{
	const unsigned char *p = sm_read_bytes(r, len);
	uint64_t v = 0;
	size_t i;

	for (i = 0; p != NULL && i < len; i++)
		v = (v << 8) | p[i];
	return v;
}

static inline uint8_t sm_read_u8(struct sm_reader *r)
{
	return (uint8_t)sm_read_be(r, 1);
}

static inline uint16_t sm_read_u16be(struct sm_reader *r)
{
	return (uint16_t)sm_read_be(r, 2);
}

static inline uint32_t sm_read_u32be(struct sm_reader *r)
{
	return (uint32_t)sm_read_be(r, 4);
}

static inline uint64_t sm_read_u64be(struct sm_reader *r)
{
	return sm_read_be(r, 8);
}

struct sm_writer {
	unsigned char *data;	/* malloc()ed (callers hand it to the
				 * mechglue), or the caller's fixed buffer */
	size_t len, capacity;
	int failed;
	int fixed;
};

void sm_writer_init(struct sm_writer *w);
/* A writer into buf[capacity] that fails rather than grow. */
void sm_writer_init_fixed(struct sm_writer *w, void *buf, size_t capacity);
/* Wipe the buffer, free it unless fixed, and reset the writer. */
void sm_writer_discard(struct sm_writer *w);
/* True when a fixed writer's buffer was filled exactly: nothing failed
 * and no byte was left unwritten. */
static inline int sm_writer_full(const struct sm_writer *w)
{
	return !w->failed && w->len == w->capacity;
}
/* Room for `more` bytes after the written ones, growing the buffer unless
 * it is fixed; 0 (and failed) if there cannot be. */
int sm_writer_reserve(struct sm_writer *w, size_t more);

/* Append `len` bytes for the caller to fill; NULL (and failed) if it cannot. */
static inline unsigned char *sm_write_space(struct sm_writer *w, size_t len)
{
	unsigned char *p;

	if ((w->failed || len > w->capacity - w->len) && !sm_writer_reserve(w, len))
		return NULL;
	p = w->data + w->len;
	w->len += len;
	return p;
}

static inline void sm_write_bytes(struct sm_writer *w, const void *data, size_t len)
{
	unsigned char *p;

	if (len == 0 || (p = sm_write_space(w, len)) == NULL)
		return;
	memcpy(p, data, len);
}

/* `v` as a big-endian integer of `len` bytes. */
static inline void sm_write_be(struct sm_writer *w, uint64_t v, size_t len)
{
	unsigned char *p = sm_write_space(w, len);
	size_t i;

	for (i = 0; p != NULL && i < len; i++)
		p[i] = (unsigned char)(v >> (8 * (len - 1 - i)));
}

static inline void sm_write_u8(struct sm_writer *w, uint8_t v)
{
	sm_write_be(w, v, 1);
}

static inline void sm_write_u16be(struct sm_writer *w, uint16_t v)
{
	sm_write_be(w, v, 2);
}

static inline void sm_write_u32be(struct sm_writer *w, uint32_t v)
{
	sm_write_be(w, v, 4);
}

static inline void sm_write_u64be(struct sm_writer *w, uint64_t v)
{
	sm_write_be(w, v, 8);
}

/* A malloc()ed copy of data[len], with a NUL after it, in `out`: the form
 * in which the mechglue frees buffers it is handed. */
OM_uint32 sm_buffer_copy(OM_uint32 *minor, const void *data, size_t len,
			 gss_buffer_t out)
	__attribute__((warn_unused_result));

#endif
