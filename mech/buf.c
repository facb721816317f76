/* Bounds-checked reading and growing writing of byte strings. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"

void sm_reader_init(struct sm_reader *r, const void *data, size_t len)
{
	r->ptr = data;
	r->left = data != NULL ? len : 0;
	r->failed = 0;
}

const unsigned char *sm_read_bytes(struct sm_reader *r, size_t len)
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

static uint64_t read_be(struct sm_reader *r, size_t len)
{
	const unsigned char *p = sm_read_bytes(r, len);
	uint64_t v = 0;
	size_t i;

	for (i = 0; p != NULL && i < len; i++)
		v = (v << 8) | p[i];
	return v;
}

uint8_t sm_read_u8(struct sm_reader *r)
{
	return (uint8_t)read_be(r, 1);
}

uint16_t sm_read_u16be(struct sm_reader *r)
{
	return (uint16_t)read_be(r, 2);
}

uint32_t sm_read_u32be(struct sm_reader *r)
{
	return (uint32_t)read_be(r, 4);
}

uint64_t sm_read_u64be(struct sm_reader *r)
{
	return read_be(r, 8);
}

int sm_reader_done(const struct sm_reader *r)
{
	return !r->failed && r->left == 0;
}

void sm_writer_init(struct sm_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void sm_writer_init_fixed(struct sm_writer *w, void *buf, size_t capacity)
{
	memset(w, 0, sizeof(*w));
	w->data = buf;
	w->capacity = capacity;
	w->fixed = 1;
}

static int reserve(struct sm_writer *w, size_t more)
{
	unsigned char *bigger;
	size_t capacity;

	if (w->failed)
		return 0;
	if (more <= w->capacity - w->len)
		return 1;
	if (w->fixed) {
		w->failed = 1;
		return 0;
	}
	capacity = w->capacity ? w->capacity : 64;
	while (capacity - w->len < more) {
		if (capacity > SIZE_MAX / 2) {
			w->failed = 1;
			return 0;
		}
		capacity *= 2;
	}
	/* Moved by hand rather than realloc() so no copy is left unwiped. */
	bigger = malloc(capacity);
	if (bigger == NULL) {
		w->failed = 1;
		return 0;
	}
	if (w->len > 0)
		memcpy(bigger, w->data, w->len);
	if (w->data != NULL) {
		sodium_memzero(w->data, w->capacity);
		free(w->data);
	}
	w->data = bigger;
	w->capacity = capacity;
	return 1;
}

unsigned char *sm_write_space(struct sm_writer *w, size_t len)
{
	unsigned char *p;

	if (!reserve(w, len))
		return NULL;
	p = w->data + w->len;
	w->len += len;
	return p;
}

void sm_write_bytes(struct sm_writer *w, const void *data, size_t len)
{
	unsigned char *p;

	if (len == 0 || (p = sm_write_space(w, len)) == NULL)
		return;
	memcpy(p, data, len);
}

static void write_be(struct sm_writer *w, uint64_t v, size_t len)
{
	unsigned char *p = sm_write_space(w, len);
	size_t i;

	for (i = 0; p != NULL && i < len; i++)
		p[i] = (unsigned char)(v >> (8 * (len - 1 - i)));
}

void sm_write_u8(struct sm_writer *w, uint8_t v)
{
	write_be(w, v, 1);
}

void sm_write_u16be(struct sm_writer *w, uint16_t v)
{
	write_be(w, v, 2);
}

void sm_write_u32be(struct sm_writer *w, uint32_t v)
{
	write_be(w, v, 4);
}

void sm_write_u64be(struct sm_writer *w, uint64_t v)
{
	write_be(w, v, 8);
}

void sm_writer_discard(struct sm_writer *w)
{
	if (w->data != NULL) {
		sodium_memzero(w->data, w->capacity);
		if (!w->fixed)
			free(w->data);
	}
	sm_writer_init(w);
}
