/* Contexts made in process from fresh key files, for the unit tests. */
#ifndef FIXTURE_H
#define FIXTURE_H

#include "context.h"

/* An initiator and an acceptor context, with the tokens between them. */
struct pair {
	struct sm_context *init, *acc;
	gss_buffer_desc token1, token2;
	struct sm_name *src;
	OM_uint32 init_flags, acc_flags;
};

/* Key files for alice (initiator) and HTTP@web (acceptor) and the given
 * settings, named through the environment; the peers file holds both, or
 * only the acceptor when `trust_alice` is 0. */
void fixture_files(const char *settings, int trust_alice);
struct sm_name *fixture_name(const char *text);

/* Remove the identity and keytab of fixture_files() and drop the readings
 * of them that the process kept: a test that ran longer than the two
 * seconds a file takes to settle (under valgrind, on a busy machine) holds
 * one locked slot per key, and may then count the slots in use. */
void fixture_forget_keys(void);

/* The test's sealing keyring, named by GSS_SODIUM_SEALKEYS and written
 * whole at each change (after the next second begins, so that the process
 * reads it again): one without keys, a fresh one holding key 1, a random
 * key added, a key retired. */
void fixture_keyring_empty(void);
void fixture_keyring_new(void);
void fixture_keyring_add(int id);
void fixture_keyring_retire(int id);

/* The inner token after a context token's RFC 2743 framing. */
unsigned char *fixture_inner_token(const gss_buffer_desc *token);

/* Token 1 from a new initiator; token 2 from a new acceptor; the end. */
OM_uint32 pair_start(struct pair *p, OM_uint32 req_flags, OM_uint32 time_req,
		     gss_channel_bindings_t cb);
OM_uint32 pair_accept(struct pair *p, gss_channel_bindings_t cb, OM_uint32 *minor);
OM_uint32 pair_finish(struct pair *p, OM_uint32 *minor);
/* The whole handshake, which must succeed. */
void pair_establish(struct pair *p, OM_uint32 req_flags, OM_uint32 time_req);
/* The rest of it, after pair_start: accept and finish, which must succeed. */
void pair_establish_from_token1(struct pair *p);
void pair_release(struct pair *p);

#endif
