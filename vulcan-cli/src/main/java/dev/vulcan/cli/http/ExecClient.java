package dev.vulcan.cli.http;

import dev.vulcan.api.ExecExit;
import dev.vulcan.api.ExecResize;
import dev.vulcan.api.stream.StreamFrame;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import tools.jackson.databind.json.JsonMapper;

/**
 * The client side of an exec session (POST /v1/instances/{name}/exec): frames out on the request
 * body, frames in on the response body. Sending is thread-safe; {@link #copyOutput} runs on one thread.
 */
public final class ExecClient implements AutoCloseable {

    /** The daemon refused the session before it started (bad START, unknown or stopped instance). */
    public static final class RefusedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient HttpResponse response;

        RefusedException(HttpResponse response) {
            super("the daemon answered " + response.status());
            this.response = response;
        }

        public HttpResponse response() {
            return response;
        }
    }

    private final DuplexExchange exchange;
    private final JsonMapper json;

    private ExecClient(DuplexExchange exchange, JsonMapper json) {
        this.exchange = exchange;
        this.json = json;
    }

    /** Sends START (an ExecStart) and waits for the daemon's answer. */
    public static ExecClient start(UnixHttpClient http, String target, Object start, JsonMapper json) throws IOException {
        byte[] frame = new StreamFrame(StreamFrame.Type.START, json.writeValueAsBytes(start)).encode();
        HttpRequest request = new HttpRequest("POST", target, java.util.Map.of("Content-Type", StreamFrame.MEDIA_TYPE,
                "Accept", StreamFrame.MEDIA_TYPE), frame);
        DuplexExchange exchange = http.openDuplex(request);
        if (!exchange.response().isSuccess()) {
            try (exchange) {
                throw new RefusedException(exchange.response().readFully());
            }
        }
        return new ExecClient(exchange, json);
    }

    /** Sends what {@code in} holds as STDIN frames as it arrives, then STDIN_EOF; on a daemon thread. */
    public Thread forwardStdin(InputStream in) {
        return Thread.ofPlatform().daemon().name("exec-stdin").start(() -> {
            byte[] buffer = new byte[16 * 1024];
            try {
                for (int n; (n = in.read(buffer)) != -1; ) {
                    if (n > 0) {
                        send(StreamFrame.of(StreamFrame.Type.STDIN, buffer, 0, n));
                    }
                }
                closeStdin();
            } catch (IOException e) {
                // the session ended (or stdin broke): copyOutput reports what matters
            }
        });
    }

    public void closeStdin() throws IOException {
        send(new StreamFrame(StreamFrame.Type.STDIN_EOF, null));
    }

    public void resize(int rows, int cols) throws IOException {
        send(new StreamFrame(StreamFrame.Type.RESIZE, json.writeValueAsBytes(new ExecResize(rows, cols))));
    }

    private void send(StreamFrame frame) throws IOException {
        exchange.send(frame.encode());
    }

    /**
     * Copies STDOUT and STDERR frames to out and err until EXIT, then ends the request; returns the
     * process's exit code.
     */
    public int copyOutput(OutputStream out, OutputStream err) throws IOException {
        InputStream body = exchange.response().body();
        for (StreamFrame frame; (frame = StreamFrame.read(body)) != null; ) {
            switch (frame.type()) {
                case STDOUT -> {
                    out.write(frame.payload());
                    out.flush();
                }
                case STDERR -> {
                    err.write(frame.payload());
                    err.flush();
                }
                case EXIT -> {
                    exchange.finish();
                    int exitCode = json.readValue(frame.payload(), ExecExit.class).exitCode();
                    drain(body);
                    return exitCode;
                }
                case START, STDIN, STDIN_EOF, RESIZE -> throw new IOException("unexpected " + frame.type() + " frame");
            }
        }
        throw new IOException("the exec stream ended before the process did");
    }

    /** Reads to the end of the response (the server ends it right after EXIT), so the exchange completes. */
    private static void drain(InputStream body) {
        try {
            body.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            // the process has ended and we know how: the rest does not matter
        }
    }

    @Override
    public void close() throws IOException {
        exchange.close();
    }
}
