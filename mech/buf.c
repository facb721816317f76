/* Bounds-checked reading and growing writing of byte strings: the parts
 * that are not inline in buf.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "status.h"

void sm_reader_init(struct sm_reader *r, const void *data, size_t len)
{
	r->ptr = data;
	r->left = data != NULL ? len : 0;
	r->failed = 0;
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

int sm_writer_reserve(struct sm_writer *w, size_t more)
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

void sm_writer_discard(struct sm_writer *w)
{
	if (w->data != NULL) {
		sodium_memzero(w->data, w->capacity);
		if (!w->fixed)
			free(w->data);
	}
	sm_writer_init(w);
}

OM_uint32 sm_buffer_copy(OM_uint32 *minor, const void *data, size_t len,
			 gss_buffer_t out)
{
	/* One spare byte keeps strings NUL-terminated for callers that print
	 * them directly, as many do. */
	out->value = malloc(len + 1);
	if (out->value == NULL) {
		out->length = 0;
		return sm_no_memory(minor);
	}
	memcpy(out->value, data, len);
	((char *)out->value)[len] = '\0';
	out->length = len;
	return sm_ok(minor);
}
