# Key files for the mechglue probes, in $scratch, made with the tool.
"$tool" keygen HTTP@web.example -f "$scratch/keytab" >>"$scratch/peers" 2>/dev/null &&
"$tool" keygen alice -f "$scratch/identity" >>"$scratch/peers" 2>/dev/null &&
"$tool" keygen imap@mail.example -f "$scratch/store-keytab" >/dev/null 2>&1 &&
"$tool" keygen mallory -f "$scratch/readable-identity" >/dev/null 2>&1 &&
"$tool" keygen mallory -f "$scratch/untrusted-identity" >/dev/null 2>&1 &&
"$tool" keygen HTTP@web.example -f "$scratch/impostor-keytab" >/dev/null 2>&1 &&
chmod 644 "$scratch/readable-identity" &&
"$tool" sealkey new -f "$scratch/sealkeys" >/dev/null 2>&1 &&
echo "rcache_dir = $scratch/rcache" >"$scratch/sodium.conf" ||
	bail_out "could not make key files with $tool"
echo "sodium $MECH_OID $module" >"$scratch/mech"
export PROBE_DIR="$scratch" GSS_SODIUM_KEYTAB="$scratch/keytab" \
	GSS_SODIUM_IDENTITY="$scratch/identity" GSS_SODIUM_PEERS="$scratch/peers" \
	GSS_SODIUM_CONF="$scratch/sodium.conf" GSS_SODIUM_TRACE="$scratch/trace"
