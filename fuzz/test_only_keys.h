/*
 * TEST-ONLY KEYS.  They are published in this repository so that the
 * fuzzers and their seed corpora are deterministic: a seed token made by
 * fuzz/make_seeds authenticates in the harness that reads it.  Never put
 * any of them in a real keytab, identity or sealing keyring.
 *
 * All are 32 bytes in padded base64, as the key files hold them.
 */
#ifndef FUZZ_TEST_ONLY_KEYS_H
#define FUZZ_TEST_ONLY_KEYS_H

/* Initiator identities: alice is in the acceptor's peers file, mallory is
 * not (an unknown initiator). */
#define TEST_ONLY_ALICE_PRIVATE   "MePe/aSmFab+QQ0sib0wsfLDwMBGjC5r1aYP4kctHmA="
#define TEST_ONLY_MALLORY_PRIVATE "hGMK8MGSFwAPVdAsivawiUEihq28zy4u/3QUXlfjElY="

/* Acceptor keytab: two services, so an acceptor picks a key by its hint. */
#define TEST_ONLY_HTTP_PRIVATE    "a9dA90cXAh6Yj190optsnTLSHNAz4gEtYDaVlvqWJuc="
#define TEST_ONLY_HOST_PRIVATE    "wfDLPgFLHVXQE/S4co47KGogkS+GFV3ZpZzTaudf19Y="

/* Sealing keyring: key 1 is retired, key 2 seals and opens. */
#define TEST_ONLY_SEAL_KEY_1      "qJiSjvpv144elAQ8UuN/DsLsexH9+JaLUqNtO1s2vUk="
#define TEST_ONLY_SEAL_KEY_2      "of9SjsmWo+WEaUYAOXu3h4LGBHEjxh9gSckRyHZnEoc="

#endif
