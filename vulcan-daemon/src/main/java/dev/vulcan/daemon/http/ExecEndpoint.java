package dev.vulcan.daemon.http;

import dev.vulcan.api.ExecExit;
import dev.vulcan.api.ExecResize;
import dev.vulcan.api.ExecStart;
import dev.vulcan.api.stream.StreamFrame;
import dev.vulcan.daemon.backend.ExecProcess;
import dev.vulcan.daemon.backend.ExecSpec;
import dev.vulcan.daemon.error.InvalidException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * POST /v1/instances/{name}/exec: a process in a running instance, its stdio as frames
 * ({@link StreamFrame}) in both directions of one HTTP/1.1 exchange. The request body (chunked)
 * carries START, then STDIN, STDIN_EOF and RESIZE; the response body STDOUT, STDERR and a last EXIT.
 * Jetty lets a handler keep reading the request after it committed the response, so no upgrade is
 * needed. START is checked before anything is committed: a bad one, an unknown or stopped instance
 * are ordinary JSON errors.
 */
public final class ExecEndpoint {

    private static final Logger log = LoggerFactory.getLogger(ExecEndpoint.class);
    /** How long output may still drain after the process ended (a background child can hold the pipe). */
    private static final Duration DRAIN = Duration.ofSeconds(2);
    private static final int CHUNK = 32 * 1024;

    /** A terminal of unknown size gets the classic one rather than 0 x 0, which confuses full-screen programs. */
    private static final int DEFAULT_ROWS = 24;
    private static final int DEFAULT_COLS = 80;

    /** Where console sessions attach: an instance's serial console, as a terminal session (microVMs only). */
    @FunctionalInterface
    public interface ConsoleTarget {
        ExecProcess console(String instanceName) throws IOException;
    }

    private final ExecTarget target;
    private final ConsoleTarget consoles;
    private final JsonMapper json;

    public ExecEndpoint(ExecTarget target, JsonMapper json) {
        this(target, null, json);
    }

    public ExecEndpoint(ExecTarget target, ConsoleTarget consoles, JsonMapper json) {
        this.target = target;
        this.consoles = consoles;
        this.json = json;
    }

    void register(Router router) {
        router.add("POST", "/v1/instances/{name}/exec", this::exec);
        if (consoles != null) {
            router.add("POST", "/v1/instances/{name}/console", this::console);
        }
    }

    /** The stream's START frame, checked before anything is committed. */
    private static StreamFrame startFrame(Exchange ex, InputStream in, String what) {
        String contentType = ex.header(HttpHeader.CONTENT_TYPE);
        if (contentType == null || !contentType.startsWith(StreamFrame.MEDIA_TYPE)) {
            throw new InvalidException("invalid_content_type", what + " takes a body of " + StreamFrame.MEDIA_TYPE
                    + " frames, got " + contentType);
        }
        StreamFrame first;
        try {
            first = StreamFrame.read(in);
        } catch (IOException e) {
            throw new InvalidException("invalid_frame", "bad " + what + " stream: " + e.getMessage());
        }
        if (first == null || first.type() != StreamFrame.Type.START) {
            throw new InvalidException("invalid_frame", "the " + what + " stream starts with a START frame");
        }
        return first;
    }

    /**
     * POST /v1/instances/{name}/console: the same framed stream as exec with a terminal, attached to the
     * instance's console (START's payload is ignored; STDIN_EOF detaches; EXIT 0 when detached or the VM ended).
     */
    private void console(Exchange ex) throws IOException, InterruptedException {
        InputStream in = Content.Source.asInputStream(ex.request());
        startFrame(ex, in, "console");
        String name = ex.path("name");
        try (ExecProcess process = consoles.console(name)) {
            log.atInfo().addKeyValue("instance", name).log("console attached");
            new Session(ex, in, process, true, true).run();
            log.atInfo().addKeyValue("instance", name).log("console detached");
        }
    }

    private void exec(Exchange ex) throws IOException, InterruptedException {
        InputStream in = Content.Source.asInputStream(ex.request());
        StreamFrame first = startFrame(ex, in, "exec");
        ExecStart start = json.readValue(first.payload(), ExecStart.class);
        if (start.cmd() == null || start.cmd().isEmpty()) {
            throw new InvalidException("invalid_exec", "cmd must name a program to run");
        }
        ExecSpec spec = new ExecSpec(start.cmd(), start.tty(), start.env(), start.workdir(),
                start.tty() ? size(start.rows(), DEFAULT_ROWS) : 0, start.tty() ? size(start.cols(), DEFAULT_COLS) : 0);
        String name = ex.path("name");
        try (ExecProcess process = target.exec(name, spec)) {
            log.atInfo().addKeyValue("instance", name).addKeyValue("cmd", spec.argv()).addKeyValue("tty", spec.tty())
                    .log("exec started");
            int exit = new Session(ex, in, process, start.interactive(), spec.tty()).run();
            log.atInfo().addKeyValue("instance", name).addKeyValue("exit_code", exit).log("exec ended");
        }
    }

    private static int size(Integer given, int fallback) {
        return given == null || given == 0 ? fallback : given;
    }

    /** One running exec: pumps on platform threads (terminal reads block in native code), frames out in order. */
    private final class Session {
        private final Exchange ex;
        private final InputStream in;
        private final ExecProcess process;
        private final boolean interactive;
        private final boolean tty;
        private final Object writeLock = new Object();
        private volatile boolean clientGone;

        Session(Exchange ex, InputStream in, ExecProcess process, boolean interactive, boolean tty) {
            this.ex = ex;
            this.in = in;
            this.process = process;
            this.interactive = interactive;
            this.tty = tty;
        }

        int run() throws InterruptedException, IOException {
            Response response = ex.response();
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, StreamFrame.MEDIA_TYPE);
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            // an interactive shell may sit idle for hours: no idle timeout for this connection
            EndPoint endPoint = ex.request().getConnectionMetaData().getConnection().getEndPoint();
            long idleTimeout = endPoint.getIdleTimeout();
            endPoint.setIdleTimeout(0);
            try {
                write(false, ByteBuffer.allocate(0)); // commits: the client sees the 200 now
                if (!interactive) {
                    process.stdin().close();
                }
                Thread input = Thread.ofPlatform().daemon().name("exec-stdin").start(this::pumpInput);
                Thread stdout = Thread.ofPlatform().daemon().name("exec-stdout")
                        .start(() -> pumpOutput(process.stdout(), StreamFrame.Type.STDOUT));
                Thread stderr = tty ? null : Thread.ofPlatform().daemon().name("exec-stderr")
                        .start(() -> pumpOutput(process.stderr(), StreamFrame.Type.STDERR));
                // interruptible (a server stopping): closing the process then kills it
                int exit = exitCode();
                stdout.join(DRAIN);
                if (stderr != null) {
                    stderr.join(DRAIN);
                }
                if (!clientGone) {
                    send(StreamFrame.text(StreamFrame.Type.EXIT, json.writeValueAsString(new ExecExit(exit))));
                    // the client ends its request body once it saw EXIT; then the exchange is complete
                    input.join(DRAIN);
                    write(true, ByteBuffer.allocate(0));
                    return exit;
                }
                // nobody to tell: fail the exchange so Jetty drops the connection
                throw new UncheckedIOException(new IOException("the exec client went away"));
            } finally {
                endPoint.setIdleTimeout(idleTimeout);
            }
        }

        private int exitCode() throws InterruptedException, IOException {
            try {
                return process.exitCode().get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException("waiting for the exec'd process failed", e.getCause());
            }
        }

        /** Client frames to the process; only a broken client stream kills it, not a process that stopped reading. */
        private void pumpInput() {
            boolean reading = interactive;
            try {
                for (StreamFrame frame; (frame = StreamFrame.read(in)) != null; ) {
                    switch (frame.type()) {
                        case STDIN -> {
                            if (reading) {
                                reading = deliver(frame.payload());
                            }
                        }
                        case STDIN_EOF -> {
                            reading = false;
                            closeStdin();
                        }
                        case RESIZE -> resize(frame.payload());
                        case START, STDOUT, STDERR, EXIT -> throw new IOException("unexpected " + frame.type() + " frame");
                    }
                }
                closeStdin();
            } catch (IOException | RuntimeException e) {
                if (process.exitCode().isDone()) {
                    return; // the stream broke after the process ended: nothing is lost
                }
                log.atInfo().addKeyValue("error", e.getMessage()).log("exec client input failed: killing the process");
                clientGone = true;
                process.kill();
            }
        }

        /** Writes to the process's stdin; false once it no longer takes any (closed it, or ended). */
        private boolean deliver(byte[] bytes) {
            try {
                process.stdin().write(bytes);
                process.stdin().flush();
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        private void resize(byte[] payload) {
            if (!tty) {
                return;
            }
            try {
                ExecResize size = json.readValue(payload, ExecResize.class);
                process.resize(size.rows(), size.cols());
            } catch (IOException | RuntimeException e) {
                // a size we can't use changes nothing; the session goes on
                log.atDebug().addKeyValue("error", e.getMessage()).log("exec resize ignored");
            }
        }

        private void closeStdin() {
            try {
                process.stdin().close();
            } catch (IOException e) {
                // the process is gone already
            }
        }

        private void pumpOutput(InputStream from, StreamFrame.Type type) {
            byte[] buffer = new byte[CHUNK];
            try {
                for (int n; (n = from.read(buffer)) != -1; ) {
                    if (n > 0) {
                        send(StreamFrame.of(type, buffer, 0, n));
                    }
                }
            } catch (IOException e) {
                // the process's side closed: its output ends here
            } catch (UncheckedIOException e) {
                if (!clientGone) {
                    log.atInfo().addKeyValue("error", e.getMessage()).log("exec client went away: killing the process");
                }
                clientGone = true;
                process.kill();
            }
        }

        private void send(StreamFrame frame) {
            if (clientGone) {
                throw new UncheckedIOException(new IOException("the client went away"));
            }
            write(false, ByteBuffer.wrap(frame.encode()));
        }

        private void write(boolean last, ByteBuffer bytes) {
            synchronized (writeLock) {
                try (Blocker.Callback callback = Blocker.callback()) {
                    ex.response().write(last, bytes, callback);
                    callback.block();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
