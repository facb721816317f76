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

struct sm_reader {
	const unsigned char *ptr;
	size_t left;
	int failed;
};

void sm_reader_init(struct sm_reader *r, const void *data, size_t len);
uint8_t sm_read_u8(struct sm_reader *r);
uint16_t sm_read_u16be(struct sm_reader *r);
uint32_t sm_read_u32be(struct sm_reader *r);
uint64_t sm_read_u64be(struct sm_reader *r);
/* A pointer to the next `len` bytes, or NULL (and failed) if fewer remain. */
const unsigned char *sm_read_bytes(struct sm_reader *r, size_t len);
/* True when nothing failed and every byte was consumed. */
int sm_reader_done(const struct sm_reader *r);

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
void sm_write_u8(struct sm_writer *w, uint8_t v);
void sm_write_u16be(struct sm_writer *w, uint16_t v);
void sm_write_u32be(struct sm_writer *w, uint32_t v);
void sm_write_u64be(struct sm_writer *w, uint64_t v);
void sm_write_bytes(struct sm_writer *w, const void *data, size_t len);
/* Append `len` bytes for the caller to fill; NULL (and failed) if it cannot. */
unsigned char *sm_write_space(struct sm_writer *w, size_t len);
/* Wipe the buffer, free it unless fixed, and reset the writer. */
void sm_writer_discard(struct sm_writer *w);

#endif
