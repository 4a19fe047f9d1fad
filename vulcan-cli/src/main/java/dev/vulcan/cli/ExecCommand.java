package dev.vulcan.cli;

import dev.vulcan.api.ExecStart;
import dev.vulcan.cli.http.ExecClient;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;

/** vulcan exec [-i] [-t] NAME -- CMD [ARGS...]: POST /v1/instances/{name}/exec, a framed duplex stream. */
final class ExecCommand extends Subcommand {

    ExecCommand(VulcanCommand root) {
        super(root, "exec",
                "Run a command in a running instance: its stdout to stdout, its stderr to stderr, its exit code as ours.",
                "With -i, standard input is sent to the command; with -t, it gets a terminal"
                        + " (this one in raw mode, resized with it). Use -it for an interactive shell.");
        spec.addOption(Specs.flag(new String[] {"-i", "--interactive"}, "send standard input to the command"));
        spec.addOption(Specs.flag(new String[] {"-t", "--tty"}, "give the command a terminal (standard input must be one)"));
        spec.addOption(picocli.CommandLine.Model.OptionSpec.builder("-e", "--env").type(List.class)
                .auxiliaryTypes(String.class).paramLabel("KEY=VALUE").description("an extra environment variable (repeatable)")
                .build());
        spec.addOption(Specs.option("--workdir", String.class, "DIR", "the working directory in the container"));
        spec.addPositional(Specs.parameter("NAME", "the instance's name"));
        spec.addPositional(PositionalParamSpec.builder().index("1..*").arity("0..*").type(List.class)
                .auxiliaryTypes(String.class).paramLabel("CMD").description("the command and its arguments (after --)").build());
        // everything after the instance's name belongs to the command, also what looks like an option
        spec.parser().stopAtPositional(true);
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        boolean interactive = Specs.given(spec, "--interactive");
        boolean tty = Specs.given(spec, "--tty");
        String name = Specs.parameter(spec);
        List<String> given = spec.positionalParameters().get(1).getValue();
        List<String> cmd = given == null ? new ArrayList<>() : new ArrayList<>(given);
        if (!cmd.isEmpty() && cmd.getFirst().equals("--")) {
            cmd.removeFirst();
        }
        if (cmd.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "give the command to run after --");
        }
        List<String> env = Specs.value(spec, "--env");
        // like docker: -it needs a terminal to forward; -t alone gives the process one of our size, if known
        Terminal terminal = tty ? Terminal.ofStdin() : null;
        if (tty && interactive && terminal == null) {
            root.err().println("vulcan: the input device is not a TTY (drop -t, or run from a terminal)");
            root.err().flush();
            return ErrorHandler.USAGE;
        }
        int[] size = terminal == null ? null : terminal.size();
        ExecStart start = new ExecStart(cmd, tty, interactive, env == null || env.isEmpty() ? null : env, Specs.value(spec, "--workdir"),
                size == null ? null : size[0], size == null ? null : size[1]);
        DaemonClient client = root.client();
        String target = "/v1/instances/" + DaemonClient.encode(name) + "/exec";
        ExecClient session;
        try {
            session = ExecClient.start(client.http(), target, start, client.mapper());
        } catch (ExecClient.RefusedException refused) {
            throw client.error(refused.response());
        }
        try (session) {
            if (terminal != null) {
                if (interactive) {
                    terminal.raw(); // keys, Ctrl-C included, go to the remote terminal as typed
                }
                Terminal resizing = terminal;
                terminal.onResize(() -> {
                    int[] now = resizing.size();
                    if (now != null) {
                        try {
                            session.resize(now[0], now[1]);
                        } catch (IOException e) {
                            // the session is ending
                        }
                    }
                });
            }
            if (interactive) {
                session.forwardStdin(root.environment().stdin());
            } else {
                session.closeStdin();
            }
            PrintWriter out = root.out();
            PrintWriter err = root.err();
            return session.copyOutput(new TextOutput(out), new TextOutput(err));
        } finally {
            if (terminal != null) {
                terminal.restore();
            }
        }
    }

    /** Bytes to a PrintWriter, decoded as UTF-8 across frame boundaries. */
    static final class TextOutput extends OutputStream {
        private final PrintWriter to;
        private final java.nio.charset.CharsetDecoder decoder = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPLACE)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPLACE);
        private java.nio.ByteBuffer pending = java.nio.ByteBuffer.allocate(0);

        TextOutput(PrintWriter to) {
            this.to = to;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(pending.remaining() + len);
            in.put(pending).put(b, off, len).flip();
            java.nio.CharBuffer chars = java.nio.CharBuffer.allocate(in.remaining() + 1);
            decoder.decode(in, chars, false);
            pending = in; // an incomplete sequence at the end waits for the next frame
            to.write(chars.array(), 0, chars.position());
        }

        @Override
        public void flush() {
            to.flush();
        }
    }
}
