"""Debian's python3-gssapi drives both sides of a gss-sodium context through
the system mechglue, as a library user would.  Prints TAP.

Run by python-gssapi.sh with key files and GSS_MECH_CONFIG in the
environment; resumption.sh runs its "resume" scenario alone.  Settings are read once per process, so the scenario that
needs allow_anonymous = yes runs in a child process; so does the IOV
scenario, whose mistakes can crash the process.
"""
import os
import subprocess
import sys

import gssapi
import gssapi.raw as raw
from gssapi.raw import IOV, ChannelBindings, IOVBufferType

MECH = gssapi.OID.from_int_seq(os.environ["MECH_OID"])
# RFC 2744 routine errors.
GSS_S_BAD_BINDINGS = 4 << 16
GSS_S_BAD_SIG = 6 << 16
GSS_S_UNAUTHORIZED = 15 << 16
results = []
reported = 0


def check(description, condition, detail=""):
    results.append((bool(condition), description, detail))


def major_of(error):
    return error.maj_code & 0xFFFF0000 if hasattr(error, "maj_code") else None


def target():
    return gssapi.Name("HTTP@web.example", gssapi.NameType.hostbased_service)


def establish(flags=None, init_bindings=None, acc_bindings=None, anonymous=False):
    """Both sides through the mechglue; returns (initiator, acceptor)."""
    wanted = flags if flags is not None else [
        gssapi.RequirementFlag.mutual_authentication,
        gssapi.RequirementFlag.replay_detection,
        gssapi.RequirementFlag.out_of_sequence_detection,
        gssapi.RequirementFlag.confidentiality,
        gssapi.RequirementFlag.integrity,
    ]
    if anonymous:
        wanted = wanted + [gssapi.RequirementFlag.anonymity]
    init = gssapi.SecurityContext(name=target(), mech=MECH, usage="initiate",
                                  flags=wanted, channel_bindings=init_bindings)
    acc = gssapi.SecurityContext(usage="accept", channel_bindings=acc_bindings)
    token = init.step()
    reply = acc.step(token)
    if reply is not None and acc.complete:
        init.step(reply)
    return init, acc


def main_scenario():
    init, acc = establish()
    check("the context opens on both sides", init.complete and acc.complete)
    check("the acceptor names the initiator as the peers file does",
          str(acc.initiator_name) == "alice", str(acc.initiator_name))
    check("both sides name the target", str(init.target_name) == "HTTP@web.example"
          and str(acc.target_name) == "HTTP@web.example")
    check("the mechanism is gss-sodium", acc.mech == MECH and init.mech == MECH)
    flags = acc.actual_flags
    check("requested flags are granted (mutual, replay, sequence, conf, integ)",
          all(f in flags for f in (
              gssapi.RequirementFlag.mutual_authentication,
              gssapi.RequirementFlag.replay_detection,
              gssapi.RequirementFlag.out_of_sequence_detection,
              gssapi.RequirementFlag.confidentiality,
              gssapi.RequirementFlag.integrity)), str(flags))
    check("transfer and prot-ready flags are reported",
          gssapi.RequirementFlag.transferable in flags
          and gssapi.RequirementFlag.protection_ready in flags)
    check("initiator and acceptor agree on the flags", init.actual_flags == flags)
    check("lifetime is the 10-hour default", 35990 <= acc.lifetime <= 36000,
          str(acc.lifetime))

    for sender, receiver, who in ((init, acc, "initiator"), (acc, init, "acceptor")):
        for encrypt in (True, False):
            wrapped = sender.wrap(b"secret from the " + who.encode(), encrypt)
            unwrapped = receiver.unwrap(wrapped.message)
            check("wrap by the %s (%s) unwraps on the other side" %
                  (who, "sealed" if encrypt else "integrity only"),
                  unwrapped.message == b"secret from the " + who.encode()
                  and unwrapped.encrypted == encrypt and wrapped.encrypted == encrypt)
        mic = sender.get_signature(b"signed by the " + who.encode())
        try:
            receiver.verify_signature(b"signed by the " + who.encode(), mic)
            check("MIC by the %s verifies" % who, True)
        except gssapi.exceptions.GSSError as e:
            check("MIC by the %s verifies" % who, False, str(e))
        try:
            receiver.verify_signature(b"something else", mic)
            check("a MIC over another message is refused", False)
        except gssapi.exceptions.GSSError as e:
            check("a MIC over another message is refused (BAD_SIG)",
                  major_of(e) == GSS_S_BAD_SIG, hex(e.maj_code))

    wrapped = init.wrap(b"once", True)
    acc.unwrap(wrapped.message)
    try:
        acc.unwrap(wrapped.message)
        check("a replayed token is reported as a duplicate", False)
    except gssapi.exceptions.GSSError as e:
        check("a replayed token is reported as a duplicate",
              isinstance(e, gssapi.raw.exceptions.DuplicateTokenError)
              or e.maj_code & raw.exceptions.DuplicateTokenError.SUPPLEMENTARY_CODE,
              type(e).__name__)

    # Channel bindings.
    cb = ChannelBindings(application_data=b"tls-unique:0123")
    init, acc = establish(init_bindings=cb, acc_bindings=cb)
    check("equal channel bindings: the context opens", acc.complete and init.complete)
    other = ChannelBindings(application_data=b"tls-unique:4567")
    try:
        init, acc = establish(init_bindings=cb, acc_bindings=other)
        check("unequal channel bindings are refused", False)
    except gssapi.exceptions.GSSError as e:
        check("unequal channel bindings are refused with GSS_S_BAD_BINDINGS",
              major_of(e) == GSS_S_BAD_BINDINGS, hex(e.maj_code))

    # Anonymous initiators are refused unless the settings allow them.
    try:
        establish(anonymous=True)
        check("an anonymous initiator is refused by default", False)
    except gssapi.exceptions.GSSError as e:
        check("an anonymous initiator is refused by default (GSS_S_UNAUTHORIZED)",
              major_of(e) == GSS_S_UNAUTHORIZED, hex(e.maj_code))


def transfer_scenario():
    """Export the acceptor's context here, import it in a child process,
    and go on talking to the original initiator, which stays here."""
    init, acc = establish()
    before = init.wrap(b"sent before the export", True).message
    check("the acceptor reads a message before the export",
          acc.unwrap(before).message == b"sent before the export")
    token = acc.export()
    check("the exported token is sealed: no key or name in the clear",
          b"alice" not in token and len(token) <= 400, "%d bytes" % len(token))
    request = init.wrap(b"question for the new process", True).message
    child = subprocess.run(
        [sys.executable, __file__, "import-child"],
        input=(token.hex() + "\n" + request.hex() + "\n" + before.hex() + "\n"),
        capture_output=True, text=True)
    lines = child.stdout.split()
    check("a child process imports the token and continues the conversation",
          child.returncode == 0 and len(lines) == 3, child.stderr.strip()[-300:])
    if len(lines) == 3:
        check("the child names the initiator alice", lines[0] == "alice", lines[0])
        check("the child reports the replayed pre-export message as a duplicate",
              lines[1] == "duplicate", lines[1])
        reply = init.unwrap(bytes.fromhex(lines[2]))
        check("the original initiator reads the child's reply",
              reply.message == b"answer from the new process")
    again = subprocess.run([sys.executable, __file__, "import-child"],
                           input=token.hex() + "\n\n\n", capture_output=True, text=True)
    check("a second import of the same token is refused (import once)",
          again.returncode != 0 and "already imported once" in again.stderr,
          again.stderr.strip()[-200:])


def import_child():
    token, request, before = (bytes.fromhex(l) for l in sys.stdin.read().split("\n")[:3])
    try:
        ctx = gssapi.SecurityContext(token=token)
    except gssapi.exceptions.GSSError as e:
        sys.stderr.write(str(e) + "\n")
        sys.exit(1)
    print(ctx.initiator_name)
    try:
        ctx.unwrap(before)
        print("accepted")
    except gssapi.raw.exceptions.DuplicateTokenError:
        print("duplicate")
    assert ctx.unwrap(request).message == b"question for the new process"
    print(ctx.wrap(b"answer from the new process", True).message.hex())


GSS_SODIUM_S_SEALED_TOKEN_FUTURE = 1399809072


def settings_with(name, key, value):
    """A settings file beside this process's: the same, but `key = value`."""
    path = os.environ["GSS_SODIUM_CONF"] + "." + name
    with open(os.environ["GSS_SODIUM_CONF"]) as f:
        lines = [l for l in f if l.split("=")[0].strip() != key]
    with open(path, "w") as f:
        f.write("".join(lines) + "%s = %s\n" % (key, value))
    return path


def under_faketime(offset, scenario, stdin=""):
    """This script's `scenario` run in a process whose clock runs `offset`
    (faketime's syntax) away from this one's, as another host would: with
    replay caches of its own, since a clock ahead raises a cache's clock for
    every process that shares it.  Its standard output."""
    env = dict(os.environ)
    cache = os.path.join(os.path.dirname(os.environ["GSS_SODIUM_CONF"]),
                         "rcache-faketime" + offset)
    env["GSS_SODIUM_CONF"] = settings_with("faketime" + offset, "rcache_dir", cache)
    preload = os.environ.get("SANITIZER_PRELOAD")
    if preload:
        # libfaketime's constructor deadlocks in a preloaded ASan runtime's
        # allocator; the runtime comes in later with the module instead
        # (as tests/lib.sh's $foreign_late does for curl).
        env["LD_PRELOAD"] = ":".join(p for p in env.get("LD_PRELOAD", "").split(":")
                                     if p and p != preload)
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"
    child = subprocess.run(["faketime", "-f", offset, sys.executable, __file__, scenario],
                           input=stdin, capture_output=True, text=True, env=env, timeout=120)
    if child.returncode != 0:
        raise RuntimeError("%s under faketime %s: %s" % (scenario, offset, child.stderr[-300:]))
    return child.stdout.strip()


def export_under_faketime(offset):
    """A context established and exported under `offset`; the token."""
    return bytes.fromhex(under_faketime(offset, "export-child"))


def export_child():
    init, acc = establish()
    print(acc.export().hex())


def clock_scenario():
    """Import checks the token's creation time against clock_skew (5 min)."""
    token = export_under_faketime("+1d")
    try:
        gssapi.SecurityContext(token=token)
        check("a token created a day ahead of this host's clock is refused", False)
    except gssapi.exceptions.GSSError as e:
        check("a token created a day ahead of this host's clock is refused",
              major_of(e) == GSS_S_UNAUTHORIZED and e.min_code == GSS_SODIUM_S_SEALED_TOKEN_FUTURE
              and "ahead of this host's clock" in str(e), str(e))
    token = export_under_faketime("+2m")
    try:
        gssapi.SecurityContext(token=token)
        check("a token created two minutes ahead (within clock_skew) imports", True)
    except gssapi.exceptions.GSSError as e:
        check("a token created two minutes ahead (within clock_skew) imports", False, str(e))


GSS_S_FAILURE = 13 << 16
GSS_S_DUPLICATE_TOKEN = 1 << 1
GSS_S_OLD_TOKEN = 1 << 2
GSS_SODIUM_S_CLOCK_SKEW = 1399809073
GSS_SODIUM_S_HANDSHAKE_REPLAYED = 1399809074


def first_token():
    init = gssapi.SecurityContext(name=target(), mech=MECH, usage="initiate")
    return init.step()


def accept_once(token):
    """None when a fresh acceptor completes with `token`, else the error."""
    try:
        acc = gssapi.SecurityContext(usage="accept")
        acc.step(token)
        return None if acc.complete else RuntimeError("not complete")
    except gssapi.exceptions.GSSError as e:
        return e


def accept_child():
    error = accept_once(bytes.fromhex(sys.stdin.read().strip()))
    print("accepted" if error is None else "refused %d %d %s" %
          (error.maj_code, error.min_code, str(error).replace("\n", " ")))


def refused(error, major, minor, words):
    return (error is not None and getattr(error, "maj_code", None) == major
            and error.min_code == minor and words in str(error))


def handshake_scenario():
    """A token 1 is accepted once, in any process that shares the keytab,
    and only within clock_skew of the acceptor's clock."""
    token = first_token()
    check("a fresh token 1 is accepted", accept_once(token) is None)
    error = accept_once(token)
    check("the same token 1 again, in this process: GSS_S_FAILURE | GSS_S_DUPLICATE_TOKEN",
          refused(error, GSS_S_FAILURE | GSS_S_DUPLICATE_TOKEN,
                  GSS_SODIUM_S_HANDSHAKE_REPLAYED, "was accepted before"), str(error))
    child = subprocess.run([sys.executable, __file__, "accept-child"], input=token.hex(),
                           capture_output=True, text=True)
    check("the same token 1 in another process is refused as a replay",
          child.stdout.startswith("refused %d %d " % (GSS_S_FAILURE | GSS_S_DUPLICATE_TOKEN,
                                                     GSS_SODIUM_S_HANDSHAKE_REPLAYED)),
          (child.stdout + child.stderr).strip()[-300:])
    old = bytes.fromhex(under_faketime("-10m", "token1-child"))
    error = accept_once(old)
    check("a token 1 made ten minutes ago is refused: GSS_S_FAILURE | GSS_S_OLD_TOKEN",
          refused(error, GSS_S_FAILURE | GSS_S_OLD_TOKEN, GSS_SODIUM_S_CLOCK_SKEW,
                  "seconds before this host's clock"), str(error))
    ahead = bytes.fromhex(under_faketime("+10m", "token1-child"))
    error = accept_once(ahead)
    check("a token 1 made ten minutes ahead is refused with both clocks",
          refused(error, GSS_S_FAILURE, GSS_SODIUM_S_CLOCK_SKEW, "ahead of this host's"),
          str(error))
    recent = bytes.fromhex(under_faketime("-2m", "token1-child"))
    error = accept_once(recent)
    check("a token 1 made two minutes ago (within clock_skew) is accepted", error is None,
          str(error))


def anonymous_scenario():
    init, acc = establish(anonymous=True)
    check("with allow_anonymous = yes an anonymous initiator is accepted",
          acc.complete and init.complete)
    check("the anonymous flag is set on both sides",
          gssapi.RequirementFlag.anonymity in acc.actual_flags
          and gssapi.RequirementFlag.anonymity in init.actual_flags)
    name = acc.initiator_name
    check("the acceptor sees an anonymous name",
          name.name_type == gssapi.NameType.anonymous, str(name.name_type))
    wrapped = init.wrap(b"from nobody", True)
    check("an anonymous context wraps", acc.unwrap(wrapped.message).message == b"from nobody")


def iov_scenario():
    """gss_unwrap_iov with a whole wrap token as a STREAM buffer, laid out as
    python-gssapi documents it (STREAM, then an empty DATA to allocate).
    python-gssapi frees the value of every buffer in an IOV when the IOV
    goes, so a DATA buffer that points into the stream instead of being
    allocated aborts the process (free(): invalid pointer): results are
    printed before each IOV goes, and the parent reports a crash.  Without
    sequence detection a token refused here leaves no gap to report."""
    init, acc = establish(flags=[gssapi.RequirementFlag.mutual_authentication,
                                 gssapi.RequirementFlag.replay_detection,
                                 gssapi.RequirementFlag.confidentiality,
                                 gssapi.RequirementFlag.integrity])
    kinds = ((True, "sealed"), (False, "integrity-only"))
    # SIGN_ONLY buffers are authenticated, not sent, and given again beside
    # the STREAM, in the same places among the buffers.
    for encrypt, kind in kinds:
        wrapped = IOV((IOVBufferType.sign_only, False, b"said "), b"and sent",
                      (IOVBufferType.sign_only, False, b" aside"))
        raw.wrap_iov(init, wrapped, encrypt)
        token = b"".join(b.value or b"" for b in wrapped
                         if b.type != IOVBufferType.sign_only)
        del wrapped
        for aside, good in ((b"said ", True), (b"Said ", False)):
            iov = IOV((IOVBufferType.stream, False, token),
                      (IOVBufferType.sign_only, False, aside),
                      (IOVBufferType.data, True, None),
                      (IOVBufferType.sign_only, False, b" aside"), std_layout=False)
            description = ("unwrap_iov, STREAM with SIGN_ONLY buffers (%s): %s" %
                           (kind, "an allocated DATA buffer with the message" if good
                            else "a changed SIGN_ONLY byte is refused (BAD_SIG)"))
            try:
                raw.unwrap_iov(acc, iov)
                # allocate is None: the mechanism set GSS_IOV_BUFFER_FLAG_ALLOCATED.
                check(description, good and iov[2].value == b"and sent"
                      and iov[2].allocate is None, repr(iov[2]))
            except gssapi.exceptions.GSSError as e:
                check(description, not good and major_of(e) == GSS_S_BAD_SIG, str(e))
            report_now()
            del iov  # python-gssapi frees the buffers here
    for encrypt, kind in kinds:
        token = init.wrap(b"a whole token", encrypt).message
        iov = IOV((IOVBufferType.stream, False, token), (IOVBufferType.data, True, None),
                  std_layout=False)
        description = ("unwrap_iov, a wrap token as a STREAM (%s): an allocated DATA "
                       "buffer with the message" % kind)
        try:
            result = raw.unwrap_iov(acc, iov)
            check(description, iov[1].value == b"a whole token" and iov[1].allocate is None
                  and result.encrypted == encrypt, repr(iov[1]))
        except gssapi.exceptions.GSSError as e:
            check(description, False, str(e))
        report_now()
        del iov


def pattern_of(token):
    """Token 1's pattern byte (1 IK, 3 resumed) past the RFC 2743 framing
    and the inner header 01 01 02; None when it is not a token 1."""
    at = 2 + (token[1] & 0x7F if token[1] & 0x80 else 0)
    if token[0] != 0x60 or token[at] != 0x06:
        return None
    inner = at + 2 + token[at + 1]
    return token[inner + 3] if token[inner:inner + 3] == b"\x01\x01\x02" else None


def trace_since(mark):
    with open(os.environ["GSS_SODIUM_TRACE"], "rb") as f:
        f.seek(mark)
        return f.read().decode(errors="replace")


def resume_scenario():
    """Run by resumption.sh with a sealing keyring (GSS_SODIUM_SEALKEYS):
    two contexts to one target in this process, the first full, which
    leaves the initiator a ticket in memory, the second resumed with it."""
    for which, pattern in (("first", 1), ("second", 3)):
        # The module makes the trace file when it first loads.
        trace = os.environ["GSS_SODIUM_TRACE"]
        mark = os.path.getsize(trace) if os.path.exists(trace) else 0
        init = gssapi.SecurityContext(name=target(), mech=MECH, usage="initiate")
        acc = gssapi.SecurityContext(usage="accept")
        token = init.step()
        reply = acc.step(token)
        if reply is not None and acc.complete:
            init.step(reply)
        check("%s context: both sides complete in one round trip, the acceptor names alice"
              % which, init.complete and acc.complete and str(acc.initiator_name) == "alice")
        check("%s context: token 1 has pattern %d" % (which, pattern),
              pattern_of(token) == pattern, str(pattern_of(token)))
        wrapped = init.wrap(b"to the acceptor", True).message
        answer = acc.wrap(b"to the initiator", True).message
        check("%s context: sealed messages pass both ways" % which,
              acc.unwrap(wrapped).message == b"to the acceptor"
              and init.unwrap(answer).message == b"to the initiator")
        trace = trace_since(mark)
        if pattern == 1:
            check("first context: the trace shows a full handshake, a ticket issued and kept",
                  "init: sent IK handshake to 'HTTP@web.example' as 'alice'" in trace
                  and "accept: issued 'alice' a ticket" in trace
                  and "init: kept a ticket for 'HTTP@web.example'" in trace, trace[-400:])
        else:
            check("second context: the trace shows a resumed handshake on both sides, no full one",
                  "init: sent resumed handshake (NNpsk0) to 'HTTP@web.example' as 'alice'" in trace
                  and "accept: resumed context from 'alice' to 'HTTP@web.example'" in trace
                  and "sent IK handshake" not in trace, trace[-400:])


def report(lines):
    for ok, description, detail in lines:
        suffix = "" if ok or not detail else " # " + detail
        print(("ok" if ok else "not ok") + " - " + description + suffix)


def report_now():
    """Print the results not printed yet (before something that may crash)."""
    global reported
    report(results[reported:])
    sys.stdout.flush()
    reported = len(results)


def child_lines(scenario, env=None):
    """Run a scenario in a child process; its TAP lines, and a "not ok" more
    when it did not exit cleanly (it failed a check, or crashed)."""
    child = subprocess.run([sys.executable, __file__, scenario], env=env,
                           capture_output=True, text=True)
    lines = [l for l in child.stdout.splitlines() if l.startswith(("ok", "not ok"))]
    if child.returncode != 0 or not lines:
        how = ("exit %d" % child.returncode if child.returncode >= 0
               else "killed by signal %d" % -child.returncode)
        lines.append("not ok - the %s scenario ran # %s %s" %
                     (scenario, how, child.stderr.strip()[-300:].replace("\n", " ")))
    return lines


if __name__ == "__main__":
    scenario = sys.argv[1] if len(sys.argv) > 1 else "all"
    if scenario == "import-child":
        import_child()
        sys.exit(0)
    if scenario == "export-child":
        export_child()
        sys.exit(0)
    if scenario == "token1-child":
        print(first_token().hex())
        sys.exit(0)
    if scenario == "accept-child":
        accept_child()
        sys.exit(0)
    try:
        if scenario == "anonymous":
            anonymous_scenario()
        elif scenario == "resume":
            resume_scenario()
        elif scenario == "iov":
            iov_scenario()
        else:
            main_scenario()
            transfer_scenario()
            clock_scenario()
            handshake_scenario()
    except Exception as e:  # a crash of the scenario is a failure, not a skip
        check("the %s scenario ran to its end" % scenario, False, repr(e))
    report_now()
    if scenario == "all":
        conf = settings_with("anonymous", "allow_anonymous", "yes")
        lines = child_lines("anonymous", dict(os.environ, GSS_SODIUM_CONF=conf))
        lines += child_lines("iov")
        print("\n".join(lines))
        total = len(results) + len(lines)
        print("1..%d" % total)
        failed = sum(1 for r in results if not r[0]) + sum(1 for l in lines if l.startswith("not ok"))
        sys.exit(1 if failed else 0)
    if scenario == "resume":
        print("1..%d" % len(results))
    sys.exit(0 if all(r[0] for r in results) else 1)
