/* Acquiring credentials from the key files. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "creds.h"
#include "files.h"
#include "status.h"
#include "trace.h"

OM_uint32 sm_cred_files_from_store(OM_uint32 *minor,
				   gss_const_key_value_set_t store,
				   struct sm_cred_files *files)
{
	static const struct {
		const char *key;
		size_t offset;
	} known[] = {
		{ GSS_SODIUM_CRED_STORE_KEYTAB, offsetof(struct sm_cred_files, keytab) },
		{ GSS_SODIUM_CRED_STORE_IDENTITY, offsetof(struct sm_cred_files, identity) },
		{ GSS_SODIUM_CRED_STORE_PEERS, offsetof(struct sm_cred_files, peers) },
	};
	const char **slot;
	size_t i, k;

	memset(files, 0, sizeof(*files));
	for (i = 0; store != GSS_C_NO_CRED_STORE && i < store->count; i++) {
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
			if (store->elements[i].key == NULL ||
			    strcmp(store->elements[i].key, known[k].key) != 0)
				continue;
			slot = (const char **)((char *)files + known[k].offset);
			if (*slot != NULL)
				return sm_fail(minor, GSS_S_FAILURE,
					       GSS_SODIUM_S_BAD_CRED_STORE,
					       "the credential store gives '%s' twice; give it once",
					       known[k].key);
			*slot = store->elements[i].value;
		}
	}
	return sm_ok(minor);
}

/* The one path for a keytab or identity: the store's, else the location. */
static OM_uint32 private_file_path(OM_uint32 *minor, enum sm_file which,
				   const char *from_store, char *path)
{
	struct sm_locations loc;
	OM_uint32 major;

	if (from_store != NULL) {
		if (strlen(from_store) >= PATH_MAX)
			return sm_fail(minor, GSS_S_NO_CRED, GSS_SODIUM_S_FILE_UNREADABLE,
				       "a credential store path is longer than %d bytes", PATH_MAX);
		strcpy(path, from_store);
		return sm_ok(minor);
	}
	major = sm_locations(minor, which, &loc);
	if (!GSS_ERROR(major))
		strcpy(path, loc.path[0]);
	return major;
}

static OM_uint32 no_key_for(OM_uint32 *minor, const char *path,
			    const struct sm_name *name, const char *what)
{
	return sm_fail(minor, GSS_S_NO_CRED, GSS_SODIUM_S_KEY_NOT_FOUND,
		       "%s: the %s holds no key for '%s'; make one with 'gss-sodium keygen %s -f %s'",
		       path, what, name->text, name->text, path);
}

static OM_uint32 empty_file(OM_uint32 *minor, const char *path, const char *what)
{
	return sm_fail(minor, GSS_S_NO_CRED, GSS_SODIUM_S_FILE_EMPTY,
		       "%s: the %s holds no keys; make one with 'gss-sodium keygen NAME -f %s'",
		       path, what, path);
}

/* The identity: the entry for `desired`, or the file's first entry. */
static OM_uint32 load_identity(OM_uint32 *minor, const struct sm_name *desired,
			       const char *from_store, struct sm_cred *cred)
{
	struct sm_keys all = { 0, NULL };
	const struct sm_key_entry *entry;
	char path[PATH_MAX];
	OM_uint32 major;
	size_t from = 0;

	major = private_file_path(minor, SM_FILE_IDENTITY, from_store, path);
	if (!GSS_ERROR(major))
		major = sm_keys_load(minor, SM_FILE_IDENTITY, path, 1, &all);
	if (GSS_ERROR(major))
		return major;
	if (all.count == 0)
		major = empty_file(minor, path, "identity file");
	else if (desired != NULL && (entry = sm_keys_find(&all, desired, &from)) == NULL)
		major = no_key_for(minor, path, desired, "identity file");
	else {
		entry = desired != NULL ? entry : &all.entries[0];
		major = sm_keys_add_copy(minor, entry, &cred->initiator);
		if (!GSS_ERROR(major) && cred->name == NULL)
			major = sm_name_duplicate(minor, entry->name, &cred->name);
		if (!GSS_ERROR(major))
			sm_trace("identity '%s' from %s", entry->name->text, path);
	}
	sm_keys_clear(&all);
	return major;
}

/* Acceptor keys: every keytab entry for `desired`, or all of them. */
static OM_uint32 load_acceptor_keys(OM_uint32 *minor, const struct sm_name *desired,
				    const char *from_store, struct sm_cred *cred)
{
	struct sm_keys all = { 0, NULL };
	char path[PATH_MAX];
	OM_uint32 major;
	size_t i;

	major = private_file_path(minor, SM_FILE_KEYTAB, from_store, path);
	if (!GSS_ERROR(major))
		major = sm_keys_load(minor, SM_FILE_KEYTAB, path, 1, &all);
	if (GSS_ERROR(major))
		return major;
	for (i = 0; i < all.count && !GSS_ERROR(major); i++)
		if (desired == NULL || sm_name_equal(all.entries[i].name, desired))
			major = sm_keys_add_copy(minor, &all.entries[i], &cred->acceptor);
	sm_keys_clear(&all);
	if (!GSS_ERROR(major) && (cred->keytab = strdup(path)) == NULL)
		major = sm_no_memory(minor);
	if (GSS_ERROR(major))
		return major;
	if (cred->acceptor.count == 0)
		return desired != NULL ? no_key_for(minor, path, desired, "keytab")
				       : empty_file(minor, path, "keytab");
	sm_trace("%zu acceptor key(s) for '%s' from %s", cred->acceptor.count,
		 desired != NULL ? desired->text : "any name", path);
	return sm_ok(minor);
}

/* Peers: the store's file, the one the environment names, or the system
 * file followed by the user's, either of which may be absent. */
static OM_uint32 load_peers(OM_uint32 *minor, const char *from_store,
			    struct sm_keys *peers)
{
	struct sm_locations loc;
	OM_uint32 major;
	size_t i;

	if (from_store != NULL)
		return sm_keys_load(minor, SM_FILE_PEERS, from_store, 1, peers);
	major = sm_locations(minor, SM_FILE_PEERS, &loc);
	for (i = 0; i < loc.count && !GSS_ERROR(major); i++)
		major = sm_keys_load(minor, SM_FILE_PEERS, loc.path[i],
				     loc.from_environment, peers);
	return major;
}

OM_uint32 sm_cred_acquire(OM_uint32 *minor, const struct sm_name *desired,
			  gss_cred_usage_t usage, const struct sm_cred_files *files,
			  struct sm_cred **out)
{
	static const struct sm_cred_files no_files = { NULL, NULL, NULL };
	int anonymous = desired != NULL && desired->kind == SM_NAME_ANONYMOUS;
	struct sm_cred *cred;
	OM_uint32 major;

	*out = NULL;
	if (files == NULL)
		files = &no_files;
	if (usage != GSS_C_INITIATE && usage != GSS_C_ACCEPT && usage != GSS_C_BOTH)
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_BAD_USAGE, NULL);
	if (anonymous && usage != GSS_C_INITIATE)
		return sm_fail(minor, GSS_S_BAD_NAME, GSS_SODIUM_S_BAD_NAME_SYNTAX,
			       "an anonymous name can only initiate; acceptors are always named");
	cred = calloc(1, sizeof(*cred));
	if (cred == NULL)
		return sm_no_memory(minor);
	cred->usage = usage;
	if (desired != NULL)
		major = sm_name_duplicate(minor, desired, &cred->name);
	else
		major = sm_ok(minor);
	if (!GSS_ERROR(major) && usage != GSS_C_ACCEPT && !anonymous)
		major = load_identity(minor, desired, files->identity, cred);
	/* A default credential for both directions accepts with every key. */
	if (!GSS_ERROR(major) && usage != GSS_C_INITIATE)
		major = load_acceptor_keys(minor, desired, files->keytab, cred);
	if (!GSS_ERROR(major))
		major = load_peers(minor, files->peers, &cred->peers);
	if (GSS_ERROR(major)) {
		sm_cred_free(&cred);
		return major;
	}
	sm_trace("acquired %s credential for '%s' with %zu peer(s)",
		 usage == GSS_C_INITIATE ? "initiate" :
		 usage == GSS_C_ACCEPT ? "accept" : "initiate+accept",
		 cred->name == NULL ? "any name" :
		 anonymous ? SM_ANONYMOUS_DISPLAY : cred->name->text,
		 cred->peers.count);
	*out = cred;
	return sm_ok(minor);
}

OM_uint32 sm_cred_inquire(OM_uint32 *minor, const struct sm_cred *cred,
			  struct sm_name **name, OM_uint32 *lifetime,
			  gss_cred_usage_t *usage)
{
	if (lifetime != NULL)
		*lifetime = GSS_C_INDEFINITE;
	if (usage != NULL)
		*usage = cred->usage;
	if (name == NULL)
		return sm_ok(minor);
	*name = NULL;
	if (cred->name == NULL)
		return sm_ok(minor);
	return sm_name_duplicate(minor, cred->name, name);
}

static OM_uint32 copy_keys(OM_uint32 *minor, const struct sm_keys *from,
			   struct sm_keys *to)
{
	OM_uint32 major = sm_ok(minor);
	size_t i;

	for (i = 0; i < from->count && !GSS_ERROR(major); i++)
		major = sm_keys_add_copy(minor, &from->entries[i], to);
	return major;
}

OM_uint32 sm_cred_add(OM_uint32 *minor, const struct sm_cred *base,
		      const struct sm_name *desired, gss_cred_usage_t usage,
		      struct sm_cred **out)
{
	int has_init, has_accept, want_init, want_accept;
	struct sm_cred *extra = NULL, *cred;
	const char *keytab;
	OM_uint32 major;

	if (base == NULL)
		return sm_cred_acquire(minor, desired, usage, NULL, out);
	*out = NULL;
	has_init = base->usage != GSS_C_ACCEPT;
	has_accept = base->usage != GSS_C_INITIATE;
	want_init = usage != GSS_C_ACCEPT;
	want_accept = usage != GSS_C_INITIATE;
	if (desired == NULL)
		desired = base->name;
	/* Acquire only the direction the base lacks. */
	if ((want_init && !has_init) || (want_accept && !has_accept)) {
		major = sm_cred_acquire(minor, desired,
					want_init && !has_init ? GSS_C_INITIATE : GSS_C_ACCEPT,
					NULL, &extra);
		if (GSS_ERROR(major))
			return major;
	}
	cred = calloc(1, sizeof(*cred));
	if (cred == NULL) {
		sm_cred_free(&extra);
		return sm_no_memory(minor);
	}
	cred->usage = (has_init || want_init) && (has_accept || want_accept) ? GSS_C_BOTH :
		      has_init || want_init ? GSS_C_INITIATE : GSS_C_ACCEPT;
	major = sm_ok(minor);
	if (base->name != NULL || (extra != NULL && extra->name != NULL))
		major = sm_name_duplicate(minor, base->name ? base->name : extra->name,
					  &cred->name);
	if (!GSS_ERROR(major))
		major = copy_keys(minor, &base->initiator, &cred->initiator);
	if (!GSS_ERROR(major))
		major = copy_keys(minor, &base->acceptor, &cred->acceptor);
	if (!GSS_ERROR(major))
		major = copy_keys(minor, &base->peers, &cred->peers);
	if (!GSS_ERROR(major) && extra != NULL) {
		major = copy_keys(minor, &extra->initiator, &cred->initiator);
		if (!GSS_ERROR(major))
			major = copy_keys(minor, &extra->acceptor, &cred->acceptor);
	}
	/* Only the base or the extra credential holds acceptor keys. */
	keytab = base->keytab != NULL ? base->keytab : extra != NULL ? extra->keytab : NULL;
	if (!GSS_ERROR(major) && keytab != NULL && (cred->keytab = strdup(keytab)) == NULL)
		major = sm_no_memory(minor);
	sm_cred_free(&extra);
	if (GSS_ERROR(major)) {
		sm_cred_free(&cred);
		return major;
	}
	*out = cred;
	return sm_ok(minor);
}

void sm_cred_free(struct sm_cred **cred)
{
	if (*cred == NULL)
		return;
	sm_name_free(&(*cred)->name);
	sm_keys_clear(&(*cred)->initiator);
	sm_keys_clear(&(*cred)->acceptor);
	sm_keys_clear(&(*cred)->peers);
	free((*cred)->keytab);
	free(*cred);
	*cred = NULL;
}
