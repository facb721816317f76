/* The one reader and the one writer (buf.h), and the RFC 2743 framing of
 * context tokens (framing.c) built on them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "framing.h"
#include "oids.h"
#include "unit.h"

START_TEST(the_reader_stops_at_its_end_and_stays_failed)
{
	static const unsigned char data[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
					      0x09, 0x0a, 0x0b };
	struct sm_reader r;

	sm_reader_init(&r, data, sizeof(data));
	ck_assert_uint_eq(sm_read_u8(&r), 0x01);
	ck_assert_uint_eq(sm_read_u16be(&r), 0x0203);
	ck_assert_uint_eq(sm_read_u64be(&r), 0x0405060708090a0bull);
	ck_assert(sm_reader_done(&r));
	/* One byte too many: zero, failed, and failed it stays. */
	ck_assert_uint_eq(sm_read_u8(&r), 0);
	ck_assert(r.failed);
	ck_assert(!sm_reader_done(&r));
	sm_reader_init(&r, data, 3);
	ck_assert_uint_eq(sm_read_u32be(&r), 0);
	ck_assert(r.failed && r.left == 0);
	ck_assert_ptr_null(sm_read_bytes(&r, 0));
	/* Bytes left over are not done. */
	sm_reader_init(&r, data, 2);
	ck_assert_uint_eq(sm_read_u8(&r), 1);
	ck_assert(!r.failed && !sm_reader_done(&r));
	/* A length past the end, however large, fails without moving. */
	sm_reader_init(&r, data, sizeof(data));
	ck_assert_ptr_null(sm_read_bytes(&r, (size_t)-1));
	ck_assert(r.failed);
}
END_TEST

START_TEST(the_writer_grows_and_a_fixed_one_fails)
{
	unsigned char fixed[5];
	struct sm_writer w;
	size_t i;

	sm_writer_init(&w);
	for (i = 0; i < 10000; i++)
		sm_write_u32be(&w, (uint32_t)i);
	ck_assert(!w.failed);
	ck_assert_uint_eq(w.len, 40000);
	ck_assert_mem_eq(w.data + 4 * 9999, "\x00\x00\x27\x0f", 4);
	sm_writer_discard(&w);
	ck_assert_ptr_null(w.data);

	sm_writer_init_fixed(&w, fixed, sizeof(fixed));
	sm_write_u32be(&w, 0x01020304);
	ck_assert(!sm_writer_full(&w));
	sm_write_u8(&w, 5);
	ck_assert(sm_writer_full(&w));
	ck_assert_mem_eq(fixed, "\x01\x02\x03\x04\x05", 5);
	/* No room: failed, nothing written past the end, and no longer full. */
	sm_write_u16be(&w, 0xffff);
	ck_assert(w.failed && !sm_writer_full(&w));
	ck_assert_uint_eq(w.len, 5);
	ck_assert_ptr_null(sm_write_space(&w, 1));
}
END_TEST

/* A framed token of `inner` bytes, each inner byte 0xab. */
static gss_buffer_desc framed(size_t inner)
{
	gss_buffer_desc token;
	struct sm_writer w;

	sm_writer_init(&w);
	sm_frame_write(&w, inner);
	memset(sm_write_space(&w, inner), 0xab, inner);
	ck_assert(!w.failed);
	token.value = w.data;
	token.length = w.len;
	return token;
}

START_TEST(framing_round_trips_every_length_form)
{
	static const size_t sizes[] = { 0, 1, 100, 127 - 12, 128 - 12, 200, 255 - 12,
					256 - 12, 1000, 65535 - 12, 65536 - 12, 70000 };
	struct sm_reader inner;
	gss_buffer_desc token;
	size_t i, n;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		token = framed(n);
		ck_assert_int_eq(((unsigned char *)token.value)[0], 0x60);
		ck_assert_msg(sm_frame_read(&token, &inner), "inner length %zu", n);
		ck_assert_uint_eq(inner.left, n);
		/* One byte more or less breaks the DER length. */
		token.length--;
		ck_assert(!sm_frame_read(&token, &inner));
		token.length++;
		free(token.value);
	}
}
END_TEST

START_TEST(framing_refuses_what_is_not_ours_or_not_der)
{
	gss_buffer_desc token = framed(200), changed;
	unsigned char *b = token.value, *copy = malloc(token.length + 1);
	struct sm_reader inner;
	size_t oid_at;

	/* 60 81 d4 06 len OID: a long-form length of one byte. */
	ck_assert_int_eq(b[1], 0x81);
	oid_at = 5;
	ck_assert_mem_eq(b + oid_at, sm_mech_oid.elements, sm_mech_oid.length);
	memcpy(copy, b, token.length);
	changed.value = copy;
	changed.length = token.length;
	copy[0] = 0x61;
	ck_assert(!sm_frame_read(&changed, &inner));
	copy[0] = 0x60;
	copy[3] = 0x05;	/* not an OID tag */
	ck_assert(!sm_frame_read(&changed, &inner));
	copy[3] = 0x06;
	copy[oid_at + sm_mech_oid.length - 1] ^= 1;	/* another OID */
	ck_assert(!sm_frame_read(&changed, &inner));
	copy[oid_at + sm_mech_oid.length - 1] ^= 1;
	ck_assert(sm_frame_read(&changed, &inner));
	/* The same length in a longer form than needed is not DER. */
	copy[0] = 0x60;
	copy[1] = 0x82;
	copy[2] = 0x00;
	memcpy(copy + 3, b + 2, token.length - 2);
	changed.length = token.length + 1;
	ck_assert(!sm_frame_read(&changed, &inner));
	/* Indefinite and too-long length forms. */
	copy[1] = 0x80;
	ck_assert(!sm_frame_read(&changed, &inner));
	copy[1] = 0x85;
	ck_assert(!sm_frame_read(&changed, &inner));
	free(copy);
	free(token.value);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *t = tcase_create("buf");

	tcase_add_test(t, the_reader_stops_at_its_end_and_stays_failed);
	tcase_add_test(t, the_writer_grows_and_a_fixed_one_fails);
	tcase_add_test(t, framing_round_trips_every_length_form);
	tcase_add_test(t, framing_refuses_what_is_not_ours_or_not_der);
	suite_add_tcase(s, t);
	return s;
}
