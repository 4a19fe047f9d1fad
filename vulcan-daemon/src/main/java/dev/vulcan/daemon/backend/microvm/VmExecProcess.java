package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.ExecProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A command exec'd in an instance VM by its agent, over a connection of its own: stdin goes out as
 * STDIN frames (an empty one is EOF), output comes back as STDOUT/STDERR frames, the end as DONE.
 * Closing the connection early makes the agent kill the command (it sees its host go away).
 */
final class VmExecProcess implements ExecProcess {

    private static final Logger log = LoggerFactory.getLogger(VmExecProcess.class);
    private static final int SIGKILL = 9;

    private final AgentStream agent;
    private final boolean tty;
    private final Runnable onClose;
    private final ChunkPipe stdout = new ChunkPipe();
    private final ChunkPipe stderr = new ChunkPipe();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final OutputStream stdin = new OutputStream() {
        private boolean eof;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (eof) {
                throw new IOException("stdin is closed");
            }
            for (int at = off; at < off + len; at += 32 * 1024) {
                agent.send(new AgentFrame(AgentFrame.STDIN, Arrays.copyOfRange(b, at, Math.min(off + len, at + 32 * 1024))));
            }
        }

        @Override
        public void close() throws IOException {
            if (!eof) {
                eof = true;
                if (!exit.isDone()) {
                    agent.send(AgentFrame.empty(AgentFrame.STDIN));
                }
            }
        }
    };

    private VmExecProcess(AgentStream agent, boolean tty, Runnable onClose) {
        this.agent = agent;
        this.tty = tty;
        this.onClose = onClose;
    }

    /** Sends the exec request (and the terminal size) and starts reading what comes back. */
    static VmExecProcess start(AgentStream agent, CommandRequest request, boolean tty, int rows, int cols,
            Runnable onClose) throws IOException {
        VmExecProcess process = new VmExecProcess(agent, tty, onClose);
        agent.send(AgentFrame.execStreaming(request, tty));
        if (tty && rows > 0 && cols > 0) {
            agent.send(AgentFrame.resize(rows, cols));
        }
        Thread.ofVirtual().name("vm-exec-output").start(process::readOutput);
        return process;
    }

    private void readOutput() {
        try {
            while (true) {
                AgentFrame frame = agent.receive();
                switch (frame.type()) {
                    case AgentFrame.STDOUT -> stdout.feed(frame.payload());
                    case AgentFrame.STDERR -> stderr.feed(frame.payload());
                    case AgentFrame.DONE -> {
                        finish(exitCode(frame.done()));
                        return;
                    }
                    case AgentFrame.ERROR -> {
                        stderr.feed(("vulcan: " + frame.text() + "\n").getBytes(StandardCharsets.UTF_8));
                        finish(126);
                        return;
                    }
                    default -> log.atDebug().setMessage("exec: frame ignored").addKeyValue("type", (char) frame.type()).log();
                }
            }
        } catch (IOException e) {
            // the VM went away (or we closed the stream): the command is gone with it
            finish(137);
        }
    }

    /** As for containers: the code, 128+N for signal N, 127 when it could not start (the reason on stderr). */
    private int exitCode(CommandResult result) {
        return switch (result.kind()) {
            case EXITED -> result.code();
            case SIGNALED, TIMED_OUT -> 128 + result.code();
            case NOT_STARTED -> {
                stderr.feed(("vulcan: " + result.message() + "\n").getBytes(StandardCharsets.UTF_8));
                yield 127;
            }
        };
    }

    private void finish(int code) {
        stdout.end();
        stderr.end();
        exit.complete(code);
    }

    @Override
    public OutputStream stdin() {
        return stdin;
    }

    @Override
    public InputStream stdout() {
        return stdout;
    }

    @Override
    public InputStream stderr() {
        return stderr;
    }

    @Override
    public void resize(int rows, int cols) throws IOException {
        if (!tty) {
            throw new IOException("the command has no terminal");
        }
        agent.send(AgentFrame.resize(rows, cols));
    }

    @Override
    public CompletableFuture<Integer> exitCode() {
        return exit;
    }

    @Override
    public void kill() {
        if (!exit.isDone()) {
            try {
                agent.send(AgentFrame.signal(SIGKILL));
            } catch (IOException e) {
                close();
            }
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            agent.close(); // a command still running is killed by the agent when its host goes
        } catch (IOException e) {
            log.atDebug().setMessage("exec channel close").setCause(e).log();
        }
        finish(137);
        onClose.run();
    }
}
