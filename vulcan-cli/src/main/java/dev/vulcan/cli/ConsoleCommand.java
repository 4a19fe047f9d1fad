package dev.vulcan.cli;

import dev.vulcan.cli.http.ExecClient;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Map;

/**
 * vulcan console NAME: POST /v1/instances/{name}/console, the exec stream attached to a microvm
 * instance's serial console. Ctrl-] detaches (as telnet's escape), as does the end of standard input.
 */
final class ConsoleCommand extends Subcommand {

    /** Ctrl-]: never sent to the console, it detaches. */
    static final int DETACH = 0x1d;

    ConsoleCommand(VulcanCommand root) {
        super(root, "console",
                "Attach to a microvm instance's serial console: the terminal of its main process.",
                "What you type goes to the console and what it shows comes back; a terminal is put in raw mode."
                        + " Detach with Ctrl-] (the instance keeps running); the end of standard input detaches too."
                        + " One attachment at a time; only microvm instances have a console (others: use exec).");
        spec.addPositional(Specs.parameter("NAME", "the instance's name"));
    }

    @Override
    public Integer call() throws IOException {
        String name = Specs.parameter(spec);
        Terminal terminal = Terminal.ofStdin();
        DaemonClient client = root.client();
        ExecClient session;
        try {
            session = ExecClient.start(client.http(), "/v1/instances/" + DaemonClient.encode(name) + "/console", Map.of(),
                    client.mapper());
        } catch (ExecClient.RefusedException refused) {
            throw client.error(refused.response());
        }
        PrintWriter err = root.err();
        try (session) {
            if (terminal != null) {
                terminal.raw();
                // the console takes our size, now and whenever it changes
                Terminal resizing = terminal;
                Runnable follow = () -> {
                    int[] size = resizing.size();
                    if (size != null) {
                        try {
                            session.resize(size[0], size[1]);
                        } catch (IOException e) {
                            // the session is ending
                        }
                    }
                };
                follow.run();
                terminal.onResize(follow);
                err.print("vulcan: attached to the console of " + name + "; detach with Ctrl-]\r\n");
            } else {
                err.println("vulcan: attached to the console of " + name + "; detach with Ctrl-] or the end of input");
            }
            err.flush();
            session.forwardStdin(new UntilDetach(root.environment().stdin()));
            int code = session.copyOutput(new ExecCommand.TextOutput(root.out()), new ExecCommand.TextOutput(err));
            if (terminal != null) {
                terminal.restore();
                terminal = null;
            }
            err.println();
            err.println("vulcan: detached from " + name);
            err.flush();
            return code;
        } finally {
            if (terminal != null) {
                terminal.restore();
            }
        }
    }

    /** The input up to a Ctrl-], which ends it (so the session detaches). */
    static final class UntilDetach extends FilterInputStream {
        private boolean detached;

        UntilDetach(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (detached) {
                return -1;
            }
            int n = super.read(b, off, len);
            for (int i = 0; i < n; i++) {
                if (b[off + i] == DETACH) {
                    detached = true;
                    return i == 0 ? -1 : i;
                }
            }
            return n;
        }
    }
}
