/*
 * OpenJDK's org.ietf.jgss, through its native bridge to the system
 * mechglue (sun.security.jgss.native), establishes gss-sodium contexts and
 * protects messages both ways.  Run by java-gss.sh:
 *
 *   java JavaGss MECH EXPECTED-MECH INITIATOR TARGET java|PEER-COMMAND...
 *
 * MECH is the OID asked for (gss-sodium's, or SPNEGO's); EXPECTED-MECH the
 * one each side must end with; INITIATOR and TARGET the names both sides
 * must report.  "java" puts Java on both sides, in this process;
 * "initiate COMMAND..." or "accept COMMAND..." makes Java that side and
 * COMMAND the other, a process that answers one request per line (see
 * java-gss.sh).  Prints one line per check, "ok DESCRIPTION" or "not ok
 * DESCRIPTION" followed by "# " diagnostics, always the same checks, and
 * exits 0 once every check has been reported.
 */
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import org.ietf.jgss.GSSContext;
import org.ietf.jgss.GSSCredential;
import org.ietf.jgss.GSSException;
import org.ietf.jgss.GSSManager;
import org.ietf.jgss.GSSName;
import org.ietf.jgss.MessageProp;
import org.ietf.jgss.Oid;

public class JavaGss {
	/** One side of a context: a Java GSSContext or another process. */
	interface Side {
		/** The next context token to send (null: none), given the last received. */
		byte[] step(byte[] token) throws Exception;
		boolean established() throws Exception;
		/** Initiator name, target name and mechanism, as this side reports them. */
		String[] names() throws Exception;
		byte[] wrap(byte[] message) throws Exception;
		/** The message, and whether it was sealed. */
		Unwrapped unwrap(byte[] token) throws Exception;
		byte[] mic(byte[] message) throws Exception;
		void verify(byte[] message, byte[] mic) throws Exception;
		String who();
	}

	record Unwrapped(byte[] message, boolean sealed) {
	}

	static final class JavaSide implements Side {
		private final GSSContext context;
		private final boolean initiator;

		JavaSide(GSSContext context, boolean initiator) {
			this.context = context;
			this.initiator = initiator;
		}

		public byte[] step(byte[] token) throws GSSException {
			byte[] in = token == null ? new byte[0] : token;
			return initiator ? context.initSecContext(in, 0, in.length)
					: context.acceptSecContext(in, 0, in.length);
		}

		public boolean established() {
			return context.isEstablished();
		}

		public String[] names() throws GSSException {
			return new String[] { String.valueOf(context.getSrcName()),
					String.valueOf(context.getTargName()), String.valueOf(context.getMech()) };
		}

		public byte[] wrap(byte[] message) throws GSSException {
			return context.wrap(message, 0, message.length, new MessageProp(0, true));
		}

		public Unwrapped unwrap(byte[] token) throws GSSException {
			MessageProp prop = new MessageProp(0, false);
			byte[] message = context.unwrap(token, 0, token.length, prop);
			return new Unwrapped(message, prop.getPrivacy());
		}

		public byte[] mic(byte[] message) throws GSSException {
			return context.getMIC(message, 0, message.length, new MessageProp(0, false));
		}

		public void verify(byte[] message, byte[] mic) throws GSSException {
			context.verifyMIC(mic, 0, mic.length, message, 0, message.length,
					new MessageProp(0, false));
		}

		public String who() {
			return "Java's " + (initiator ? "initiator" : "acceptor");
		}
	}

	/**
	 * The other side in a process of its own: one request a line on its
	 * standard input ("step HEX|-", "names", "wrap HEX", "unwrap HEX",
	 * "mic HEX", "verify HEX HEX"), one answer a line on its standard
	 * output, "ok [WORDS...]" or "error TEXT".
	 */
	static final class ProcessSide implements Side {
		private final Process process;
		private final PrintWriter out;
		private final BufferedReader in;
		private final String role;
		private boolean established;

		ProcessSide(String role, String[] command) throws IOException {
			this.role = role;
			process = new ProcessBuilder(command)
					.redirectError(ProcessBuilder.Redirect.INHERIT).start();
			out = new PrintWriter(process.getOutputStream(), true, StandardCharsets.US_ASCII);
			in = new BufferedReader(new InputStreamReader(process.getInputStream(),
					StandardCharsets.US_ASCII));
		}

		private String[] ask(String request) throws IOException {
			out.println(request);
			String answer = in.readLine();
			if (answer == null)
				throw new IOException(who() + " exited instead of answering " +
						request.split(" ")[0]);
			if (answer.startsWith("error "))
				throw new IOException(who() + ": " + answer.substring(6));
			String[] words = answer.split(" ");
			if (!words[0].equals("ok"))
				throw new IOException(who() + " answered: " + answer);
			return Arrays.copyOfRange(words, 1, words.length);
		}

		private static byte[] bytes(String word) {
			return word.equals("-") ? null : HexFormat.of().parseHex(word);
		}

		private static String hex(byte[] data) {
			return data == null || data.length == 0 ? "-" : HexFormat.of().formatHex(data);
		}

		public byte[] step(byte[] token) throws IOException {
			String[] answer = ask("step " + hex(token));
			established = answer[1].equals("open");
			return bytes(answer[0]);
		}

		public boolean established() {
			return established;
		}

		public String[] names() throws IOException {
			return ask("names");
		}

		public byte[] wrap(byte[] message) throws IOException {
			return bytes(ask("wrap " + hex(message))[0]);
		}

		public Unwrapped unwrap(byte[] token) throws IOException {
			String[] answer = ask("unwrap " + hex(token));
			return new Unwrapped(bytes(answer[0]), answer[1].equals("sealed"));
		}

		public byte[] mic(byte[] message) throws IOException {
			return bytes(ask("mic " + hex(message))[0]);
		}

		public void verify(byte[] message, byte[] mic) throws IOException {
			ask("verify " + hex(message) + " " + hex(mic));
		}

		public String who() {
			return "the peer's " + role;
		}

		void close() throws InterruptedException {
			out.close();
			process.waitFor();
		}
	}

	private static int failed;

	private static void ok(String description) {
		System.out.println("ok " + description);
	}

	private static void notOk(String description, String... diagnostics) {
		failed++;
		System.out.println("not ok " + description);
		for (String line : diagnostics)
			for (String part : line.split("\n"))
				System.out.println("# " + part);
	}

	/** A check that fails with the exception's message when the code throws. */
	interface Check {
		String run() throws Exception; // null: passed; otherwise why not
	}

	private static void check(String description, Check check) {
		try {
			String why = check.run();
			if (why == null)
				ok(description);
			else
				notOk(description, why);
		} catch (Exception e) {
			notOk(description, describe(e));
		}
	}

	private static String describe(Throwable e) {
		String text = e.getClass().getName() + ": " + e.getMessage();
		if (e instanceof GSSException g)
			text += " (major " + g.getMajor() + ", minor " + g.getMinor() + ")";
		return e.getCause() == null ? text : text + "\ncaused by " + describe(e.getCause());
	}

	private static final String[] CHECKS = {
		"the context opens on both sides",
		"both sides report the mechanism %s",
		"both sides name the initiator %s",
		"both sides name the target %s",
		"a sealed wrap by the initiator unwraps on the acceptor",
		"a sealed wrap by the acceptor unwraps on the initiator",
		"a MIC by the initiator verifies on the acceptor",
		"a MIC by the acceptor verifies on the initiator",
		"a MIC over another message is refused",
	};

	/** Tokens back and forth until neither side has one to send. */
	private static String establish(Side init, Side acc) throws Exception {
		byte[] token = null;
		Side to = init;
		try {
			token = init.step(null);
			for (int round = 0; token != null; round++) {
				if (round == 10)
					return "no context after 10 round trips";
				to = acc;
				token = acc.step(token);
				if (token == null)
					break;
				to = init;
				token = init.step(token);
			}
		} catch (Exception e) {
			if (token == null)
				throw e;
			return describe(e) + "\nthe token given to " + to.who() + ": " +
					token.length + " bytes, " + HexFormat.ofDelimiter(" ").formatHex(
					token, 0, Math.min(token.length, 8)) + (token.length > 8 ? " ..." : "");
		}
		if (!init.established() || !acc.established())
			return "no more tokens, but the initiator is " +
					(init.established() ? "" : "not ") + "open and the acceptor " +
					(acc.established() ? "is" : "is not");
		return null;
	}

	private static String sealed(Side from, Side to, String text) throws Exception {
		byte[] message = text.getBytes(StandardCharsets.UTF_8);
		byte[] token = from.wrap(message);
		if (token == null || new String(token, StandardCharsets.ISO_8859_1).contains(text))
			return from.who() + "'s wrap token holds the message in the clear";
		Unwrapped got = to.unwrap(token);
		if (!Arrays.equals(got.message(), message))
			return to.who() + " unwrapped something else";
		return got.sealed() ? null : to.who() + " reports the token as not sealed";
	}

	private static String mic(Side from, Side to, String text) throws Exception {
		byte[] message = text.getBytes(StandardCharsets.UTF_8);
		to.verify(message, from.mic(message));
		return null;
	}

	private static String sameOnBoth(Side init, Side acc, int index, String expected)
			throws Exception {
		String a = init.names()[index], b = acc.names()[index];
		if (a.equals(expected) && b.equals(expected))
			return null;
		return "the initiator says '" + a + "', the acceptor '" + b + "', expected '" +
				expected + "'";
	}

	public static void main(String[] args) throws Exception {
		if (args.length < 5) {
			System.err.println("usage: JavaGss MECH EXPECTED-MECH INITIATOR TARGET " +
					"java|initiate COMMAND...|accept COMMAND...");
			System.exit(2);
		}
		Oid mech = new Oid(args[0]);
		String expectedMech = args[1], initiator = args[2], target = args[3];
		String[] command = Arrays.copyOfRange(args, 5, args.length);
		GSSManager manager = GSSManager.getInstance();

		Side init, acc;
		ProcessSide peer = null;
		String[] checks = CHECKS.clone();
		checks[1] = String.format(checks[1], expectedMech);
		checks[2] = String.format(checks[2], initiator);
		checks[3] = String.format(checks[3], target);
		try {
			if (args[4].equals("initiate"))
				acc = peer = new ProcessSide("acceptor", command);
			else
				acc = new JavaSide(manager.createContext((GSSCredential) null), false);
			if (args[4].equals("accept")) {
				init = peer = new ProcessSide("initiator", command);
			} else {
				GSSName name = manager.createName(target, GSSName.NT_HOSTBASED_SERVICE);
				GSSContext context = manager.createContext(name, mech, null,
						GSSContext.DEFAULT_LIFETIME);
				context.requestMutualAuth(true);
				context.requestConf(true);
				context.requestInteg(true);
				init = new JavaSide(context, true);
			}
		} catch (Exception e) {
			for (String description : checks)
				notOk(description, "no context: " + describe(e));
			System.exit(0);
			return;
		}

		String why;
		try {
			why = establish(init, acc);
		} catch (Exception e) {
			why = describe(e);
		}
		if (why != null) {
			notOk(checks[0], why);
			for (int i = 1; i < checks.length; i++)
				notOk(checks[i], "no context");
		} else {
			ok(checks[0]);
			final Side i = init, a = acc;
			check(checks[1], () -> sameOnBoth(i, a, 2, expectedMech));
			check(checks[2], () -> sameOnBoth(i, a, 0, initiator));
			check(checks[3], () -> sameOnBoth(i, a, 1, target));
			check(checks[4], () -> sealed(i, a, "sealed by the initiator"));
			check(checks[5], () -> sealed(a, i, "sealed by the acceptor"));
			check(checks[6], () -> mic(i, a, "signed by the initiator"));
			check(checks[7], () -> mic(a, i, "signed by the acceptor"));
			check(checks[8], () -> {
				byte[] mic = i.mic("signed".getBytes(StandardCharsets.UTF_8));
				try {
					a.verify("forged".getBytes(StandardCharsets.UTF_8), mic);
				} catch (GSSException e) {
					return e.getMajor() == GSSException.BAD_MIC ? null
							: "refused, but not with BAD_MIC: " + describe(e);
				} catch (IOException e) {
					return e.getMessage().contains("BadMICError") ? null
							: "refused, but not as a bad MIC: " + e.getMessage();
				}
				return a.who() + " accepted it";
			});
		}
		if (peer != null)
			peer.close();
		System.exit(0);
	}
}
