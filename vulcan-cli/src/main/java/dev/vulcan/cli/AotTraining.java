package dev.vulcan.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The training run of the CLI's JDK AOT cache, for the build: it runs the common commands against
 * canned answers on a temporary unix socket, so the cache holds the classes of the whole path
 * (parsing, the HTTP client, JSON, tables, errors) and not only those of --help. No daemon needed:
 *
 * <pre>java -XX:AOTCacheOutput=vulcan-cli.aot -cp JARS dev.vulcan.cli.AotTraining</pre>
 */
public final class AotTraining {
    private static final String ID = "01JX0000000000000000000001";
    private static final String WORKLOAD = """
            {"id":"%s","status":"%s","isolation":"auto","isolation_used":"isolate","runtime":"node","node":"n1",
             "output":{"sum":3,"items":[1,2]},"exit_code":0,"resources":{"cpus":1,"mem_mb":128,"timeout_s":30},
             "input_hash":"sha256:00","duration_ms":12,"created_at":"2025-06-01T11:55:00Z",
             "started_at":"2025-06-01T11:55:00.100Z","finished_at":"2025-06-01T11:55:00.112Z"}""";
    private static final String LIST = "{\"items\":[" + WORKLOAD.formatted(ID, "completed") + ","
            + WORKLOAD.formatted("01JX0000000000000000000002", "failed") + "],\"next_cursor\":null}";
    private static final String BACKENDS = """
            [{"isolation":"isolate","available":true,"version":"deno 2","runtimes":["node"],"details":{"pool":"2"}},
             {"isolation":"microvm","available":false,"reason":"no /dev/kvm"}]""";
    private static final String NODES = """
            [{"id":"n1","hostname":"h","address":"a","cpus_total":2,"cpus_used":1,"mem_total_mb":4096,"mem_used_mb":128,
              "backends":["isolate"],"status":"ready","last_seen":"2025-06-01T11:55:00Z","workloads_running":1}]""";
    private static final String STATS = """
            {"total":2,"by_status":{"completed":1,"failed":1},
             "by_isolation":[{"isolation":"isolate","count":2,"completed":1,"avg_ms":12.0,"p50_ms":12,"p99_ms":12}]}""";
    private static final String LOG = "{\"time\":\"2025-06-01T11:55:00Z\",\"stream\":\"%s\",\"line\":\"%s\"}";

    private AotTraining() {}

    /** One command of the training and the exit status it must have. */
    private record Step(int exit, String... args) {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("vulcan-aot-training");
        Path socket = dir.resolve("vulcan.sock");
        try (CannedDaemon daemon = CannedDaemon.start(socket)) {
            String s = daemon.socket().toString();
            String nowhere = dir.resolve("none.sock").toString();
            List<Step> steps = List.of(
                    new Step(0, "--help"),
                    new Step(0, "--version"),
                    new Step(0, "--socket", s, "ls"),
                    new Step(0, "--socket", s, "ls", "--all", "--status", "completed", "-o", "json"),
                    new Step(0, "--socket", s, "status", ID),
                    new Step(0, "--socket", s, "status", ID, "-o", "json"),
                    new Step(0, "--socket", s, "logs", "-f", ID),
                    new Step(0, "--socket", s, "run", "--code", "return 1", "--input", "{\"a\":[1]}", "--cpus", "1"),
                    new Step(0, "--socket", s, "run", "--async", "--code", "return 1"),
                    new Step(0, "--socket", s, "kill", ID),
                    new Step(0, "--socket", s, "backends"),
                    new Step(0, "--socket", s, "nodes"),
                    new Step(0, "--socket", s, "stats"),
                    new Step(ErrorHandler.FAILED, "--socket", s, "status", "missing"),
                    new Step(ErrorHandler.USAGE, "--socket", nowhere, "ls"),
                    new Step(ErrorHandler.USAGE, "run", "--code", "1", "--file", "x.js"),
                    new Step(ErrorHandler.USAGE, "ls", "--no-such-option"));
            for (Step step : steps) {
                PrintWriter discard = new PrintWriter(Writer.nullWriter());
                int exit = Main.commandLine(new Environment(Map.of(), InstantSource.system(), InputStream.nullInputStream()))
                        .setOut(discard)
                        .setErr(discard)
                        .execute(step.args());
                if (exit != step.exit()) {
                    throw new IllegalStateException("training step " + String.join(" ", step.args()) + " exited "
                            + exit + ", not " + step.exit());
                }
            }
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    /** Canned answers to the requests of the training commands, one connection after another. */
    private static final class CannedDaemon implements AutoCloseable {
        private final ServerSocketChannel server;
        private final Path socket;
        private final Thread thread;

        private CannedDaemon(ServerSocketChannel server, Path socket) {
            this.server = server;
            this.socket = socket;
            this.thread = Thread.ofPlatform().name("aot-training-daemon").unstarted(this::serve);
        }

        static CannedDaemon start(Path socket) throws IOException {
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            CannedDaemon daemon = new CannedDaemon(server, socket);
            daemon.thread.start();
            return daemon;
        }

        Path socket() {
            return socket;
        }

        private void serve() {
            while (true) {
                try (SocketChannel channel = server.accept()) {
                    answer(channel, requestLine(Channels.newInputStream(channel)));
                } catch (IOException closedOrBroken) {
                    if (!server.isOpen()) {
                        return;
                    }
                }
            }
        }

        /** "GET /v1/workloads": the request line without the query; headers and body are read and dropped. */
        private static String requestLine(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int last4 = 0;
            while (last4 != 0x0d0a0d0a) { // CR LF CR LF
                int b = in.read();
                if (b == -1) {
                    throw new IOException("request cut short");
                }
                head.write(b);
                last4 = last4 << 8 | b;
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            for (String header : text.split("\r\n")) {
                if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    in.readNBytes(Integer.parseInt(header.substring("content-length:".length()).trim()));
                }
            }
            String[] parts = text.substring(0, text.indexOf('\r')).split(" ");
            int query = parts[1].indexOf('?');
            return parts[0] + " " + (query < 0 ? parts[1] : parts[1].substring(0, query));
        }

        private static void answer(SocketChannel channel, String request) throws IOException {
            switch (request) {
                case "GET /v1/workloads" -> chunked(channel, "application/json", List.of(LIST.substring(0, 40), LIST.substring(40)));
                case "GET /v1/workloads/" + ID -> json(channel, 200, WORKLOAD.formatted(ID, "completed"));
                case "GET /v1/workloads/" + ID + "/logs" -> chunked(channel, "text/event-stream", List.of(
                        "event: stdout\ndata: " + LOG.formatted("stdout", "hello") + "\n\n",
                        "event: stderr\ndata: " + LOG.formatted("stderr", "world") + "\n\n",
                        "event: end\ndata: " + WORKLOAD.formatted(ID, "completed") + "\n\n"));
                case "POST /v1/workloads" -> json(channel, 200, WORKLOAD.formatted(ID, "completed"));
                case "POST /v1/workloads/async" -> json(channel, 202, WORKLOAD.formatted(ID, "running"));
                case "DELETE /v1/workloads/" + ID -> json(channel, 200, WORKLOAD.formatted(ID, "killed"));
                case "GET /v1/backends" -> json(channel, 200, BACKENDS);
                case "GET /v1/nodes" -> json(channel, 200, NODES);
                case "GET /v1/stats" -> json(channel, 200, STATS);
                default -> json(channel, 404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such thing\"}}");
            }
        }

        private static void json(SocketChannel channel, int status, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            write(channel, "HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: "
                    + bytes.length + "\r\n\r\n" + body);
        }

        private static void chunked(SocketChannel channel, String contentType, List<String> chunks) throws IOException {
            StringBuilder response = new StringBuilder("HTTP/1.1 200 OK\r\nContent-Type: ").append(contentType)
                    .append("\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (String chunk : chunks) {
                response.append(Integer.toHexString(chunk.getBytes(StandardCharsets.UTF_8).length)).append("\r\n")
                        .append(chunk).append("\r\n");
            }
            write(channel, response.append("0\r\n\r\n").toString());
        }

        private static void write(SocketChannel channel, String text) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
