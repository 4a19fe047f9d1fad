package dev.vulcan.daemon.backend.microvm.qmp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A QMP connection to one QEMU: reads the greeting, negotiates capabilities, then executes
 * commands (each tagged with an id, answered in order) and hands events to a listener. One reader
 * thread per connection, ended by {@link #close()} or by QEMU closing the socket (it exited).
 */
public final class QmpClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(QmpClient.class);

    private final SocketChannel channel;
    private final JsonMapper json;
    private final Consumer<QmpEvent> events;
    private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<JsonNode> greeting = new CompletableFuture<>();
    private final CompletableFuture<Void> disconnected = new CompletableFuture<>();
    private final AtomicLong ids = new AtomicLong();
    private final Thread reader;

    private QmpClient(SocketChannel channel, JsonMapper json, Consumer<QmpEvent> events) {
        this.channel = channel;
        this.json = json;
        this.events = events;
        this.reader = Thread.ofVirtual().name("qmp-reader").start(this::readLoop);
    }

    /**
     * Connects to QEMU's QMP socket and leaves command mode negotiated. The socket must already
     * exist (QEMU creates it before it runs the guest); the greeting must arrive within the deadline.
     */
    public static QmpClient connect(Path socket, JsonMapper json, Duration deadline, Consumer<QmpEvent> events)
            throws IOException {
        Objects.requireNonNull(events, "events");
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            channel.close();
            throw new QmpException("cannot connect to QMP at " + socket + ": " + e.getMessage(), e);
        }
        return over(channel, json, deadline, events);
    }

    /**
     * Speaks QMP over an already connected channel (QEMU connected to a socket we listen on) and
     * leaves command mode negotiated. Closes the channel if the greeting or negotiation fails.
     */
    public static QmpClient over(SocketChannel channel, JsonMapper json, Duration deadline, Consumer<QmpEvent> events)
            throws IOException {
        QmpClient client = new QmpClient(channel, json, events);
        try {
            JsonNode hello = await(client.greeting, deadline, "QMP greeting");
            log.atDebug().setMessage("qmp connected").addKeyValue("qemu", hello.path("QMP").path("version")).log();
            client.execute("qmp_capabilities", null, deadline);
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Runs one command; its "return" value, or a QmpException with QEMU's error class. */
    public JsonNode execute(String command, ObjectNode arguments, Duration deadline) throws IOException {
        String id = "vulcan-" + ids.incrementAndGet();
        ObjectNode request = json.createObjectNode().put("execute", command).put("id", id);
        if (arguments != null) {
            request.set("arguments", arguments);
        }
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            if (disconnected.isDone()) {
                throw new QmpException("QMP connection closed");
            }
            byte[] line = (json.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8);
            synchronized (channel) {
                ByteBuffer buffer = ByteBuffer.wrap(line);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
            return await(answer, deadline, "QMP " + command);
        } catch (java.nio.channels.ClosedChannelException e) {
            throw new QmpException("QMP " + command + ": connection closed", e);
        } catch (IOException e) {
            throw e instanceof QmpException q ? q : new QmpException("QMP " + command + ": " + e.getMessage(), e);
        } finally {
            pending.remove(id);
        }
    }

    /** Completes when QEMU closed the connection (usually: it exited) or the client was closed. */
    public CompletableFuture<Void> disconnected() {
        return disconnected;
    }

    private static JsonNode await(CompletableFuture<JsonNode> future, Duration deadline, String what) throws IOException {
        try {
            return future.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new QmpException(what + ": no answer within " + deadline, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof QmpException q) {
                throw q;
            }
            throw new QmpException(what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpException(what + ": interrupted", e);
        }
    }

    private void readLoop() {
        QmpException end = new QmpException("QMP connection closed");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.isBlank()) {
                    dispatch(json.readTree(line));
                }
            }
        } catch (IOException | JacksonException e) {
            if (channel.isOpen()) {
                end = new QmpException("QMP connection failed: " + e.getMessage(), e);
            }
        } finally {
            greeting.completeExceptionally(end);
            pending.values().forEach(f -> f.completeExceptionally(new QmpException("QMP connection closed")));
            disconnected.complete(null);
        }
    }

    private void dispatch(JsonNode message) {
        if (message.has("QMP")) {
            greeting.complete(message);
        } else if (message.has("event")) {
            JsonNode ts = message.path("timestamp");
            Instant at = Instant.ofEpochSecond(ts.path("seconds").asLong(), ts.path("microseconds").asLong() * 1000);
            QmpEvent event = new QmpEvent(message.get("event").asString(), message.path("data"), at);
            try {
                events.accept(event);
            } catch (RuntimeException e) {
                log.atWarn().setMessage("qmp event listener failed").addKeyValue("event", event.name()).setCause(e).log();
            }
        } else {
            CompletableFuture<JsonNode> answer = pending.get(message.path("id").asString());
            if (answer == null) {
                return;
            }
            if (message.has("error")) {
                JsonNode error = message.get("error");
                answer.completeExceptionally(new QmpException(error.path("class").asString(), error.path("desc").asString()));
            } else {
                answer.complete(message.path("return"));
            }
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            log.atDebug().setMessage("qmp close failed").setCause(e).log();
        }
        try {
            reader.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
