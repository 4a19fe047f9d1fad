package dev.vulcan.daemon.backend.microvm.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Against a scripted QMP server on a unix socket: greeting, negotiation, answers, errors, events, EOF. */
class QmpClientTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<String> commands = new CopyOnWriteArrayList<>();

    /** Answers each command by name; "quit" closes the connection without answering. */
    private Thread serve(ServerSocketChannel server) {
        return Thread.ofVirtual().start(() -> {
            try (SocketChannel peer = server.accept();
                    BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(peer), StandardCharsets.UTF_8))) {
                OutputStream out = Channels.newOutputStream(peer);
                send(out, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}");
                String line;
                while ((line = in.readLine()) != null) {
                    JsonNode request = JSON.readTree(line);
                    String command = request.path("execute").asString();
                    String id = JSON.writeValueAsString(request.path("id"));
                    commands.add(command);
                    switch (command) {
                        case "qmp_capabilities" -> send(out, "{\"return\": {}, \"id\": " + id + "}");
                        case "query-status" -> {
                            send(out, "{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 5}, \"event\": \"RESUME\"}");
                            send(out, "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": " + id + "}");
                        }
                        case "quit" -> {
                            return;
                        }
                        default -> send(out, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command "
                                + command + " has not been found\"}, \"id\": " + id + "}");
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Test
    void negotiatesExecutesReportsErrorsAndEventsAndNoticesEof() throws Exception {
        Path socket = dir.resolve("qmp.sock");
        List<QmpEvent> events = new CopyOnWriteArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread peer = serve(server);
            try (QmpClient qmp = QmpClient.connect(socket, JSON, WAIT, events::add)) {
                assertThat(commands).containsExactly("qmp_capabilities");

                JsonNode status = qmp.execute("query-status", null, WAIT);
                assertThat(status.path("status").asString()).isEqualTo("running");
                assertThat(events).singleElement().satisfies(e -> {
                    assertThat(e.name()).isEqualTo("RESUME");
                    assertThat(e.timestamp().getEpochSecond()).isEqualTo(1_700_000_000L);
                });

                assertThatThrownBy(() -> qmp.execute("no-such-command", JSON.createObjectNode().put("x", 1), WAIT))
                        .isInstanceOf(QmpException.class)
                        .hasMessageContaining("has not been found")
                        .satisfies(e -> assertThat(((QmpException) e).errorClass()).isEqualTo("CommandNotFound"));

                // The server hangs up instead of answering, as QEMU may when it quits.
                assertThatThrownBy(() -> qmp.execute("quit", null, WAIT)).isInstanceOf(QmpException.class)
                        .hasMessageContaining("closed");
                qmp.disconnected().get(10, TimeUnit.SECONDS);
                assertThatThrownBy(() -> qmp.execute("query-status", null, WAIT)).isInstanceOf(QmpException.class);
            }
            peer.join(WAIT);
        }
    }

    @Test
    void aSilentPeerHitsTheGreetingDeadline() throws Exception {
        Path socket = dir.resolve("mute.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            assertThatThrownBy(() -> QmpClient.connect(socket, JSON, Duration.ofMillis(300), e -> { }))
                    .isInstanceOf(QmpException.class).hasMessageContaining("greeting");
        }
    }
}
