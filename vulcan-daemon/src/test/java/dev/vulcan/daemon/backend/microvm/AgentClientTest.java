package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.backend.LogSink;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host side against a scripted agent on a unix socket: split frames, interleaved output, silence, hang-ups. */
class AgentClientTest {

    @TempDir
    Path dir;

    private ServerSocketChannel server;
    private SocketChannel host;
    private SocketChannel guest;

    @BeforeEach
    void connect() throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("agent.sock")));
        host = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("agent.sock")));
        guest = server.accept();
    }

    @AfterEach
    void close() throws IOException {
        host.close();
        guest.close();
        server.close();
    }

    private void guestSends(byte type, byte[] payload) throws IOException {
        guest.write(new AgentFrame(type, payload).encode());
    }

    private AgentFrame guestReads() throws IOException {
        ByteBuffer head = ByteBuffer.allocate(5);
        while (head.hasRemaining()) {
            guest.read(head);
        }
        ByteBuffer payload = ByteBuffer.allocate(head.getInt(1));
        while (payload.hasRemaining()) {
            guest.read(payload);
        }
        return new AgentFrame(head.get(0), payload.array());
    }

    private static byte[] done(int kind, int code, long micros) {
        return ByteBuffer.allocate(13).put((byte) kind).putInt(code).putLong(micros).array();
    }

    @Test
    void streamsOutputInOrderAndReturnsTheResultEvenFromFramesSplitAcrossWrites() throws Exception {
        guestSends(AgentFrame.HELLO, "vulcan-agent/1".getBytes(StandardCharsets.UTF_8));
        try (AgentClient agent = AgentClient.handshake(host, Duration.ofSeconds(10))) {
            assertThat(guestReads().type()).isEqualTo(AgentFrame.HELLO);
            assertThat(agent.version()).isEqualTo("vulcan-agent/1");

            // The whole answer written byte by byte: frames arrive in pieces.
            ByteBuffer answer = ByteBuffer.allocate(200);
            answer.put(new AgentFrame(AgentFrame.STDOUT, "out".getBytes(StandardCharsets.UTF_8)).encode());
            answer.put(new AgentFrame(AgentFrame.STDERR, "err".getBytes(StandardCharsets.UTF_8)).encode());
            answer.put(new AgentFrame(AgentFrame.DONE, done(0, 3, 1_500)).encode());
            answer.flip();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    AgentFrame exec = guestReads();
                    assertThat(exec.type()).isEqualTo(AgentFrame.EXEC);
                    AgentFrame stdin = guestReads();
                    assertThat(stdin.text()).isEqualTo("input");
                    assertThat(guestReads().payload()).isEmpty();
                    while (answer.hasRemaining()) {
                        guest.write(ByteBuffer.wrap(new byte[] {answer.get()}));
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            List<String> seen = new ArrayList<>();
            CommandResult r = agent.exec(CommandRequest.of("sh").withStdin("input".getBytes(StandardCharsets.UTF_8)),
                    (stream, chunk) -> seen.add(stream + ":" + new String(chunk, StandardCharsets.UTF_8)), Duration.ofSeconds(10));
            writer.join();
            assertThat(seen).containsExactly(LogSink.Stream.STDOUT + ":out", LogSink.Stream.STDERR + ":err");
            assertThat(r).isEqualTo(new CommandResult(CommandResult.Kind.EXITED, 3, Duration.ofNanos(1_500_000), ""));
        }
    }

    @Test
    void aSilentGuestIsADeadlineAndAHangUpIsClosed() throws Exception {
        assertThatThrownBy(() -> AgentClient.handshake(host, Duration.ofMillis(200)))
                .isInstanceOf(AgentException.class)
                .satisfies(e -> assertThat(((AgentException) e).reason()).isEqualTo(AgentException.Reason.DEADLINE));
        guest.close();
        assertThatThrownBy(() -> AgentClient.handshake(host, Duration.ofSeconds(10)))
                .isInstanceOf(AgentException.class)
                .satisfies(e -> assertThat(((AgentException) e).reason()).isEqualTo(AgentException.Reason.CLOSED));
    }

    @Test
    void anAgentErrorFrameFailsTheCommand() throws Exception {
        guestSends(AgentFrame.HELLO, "vulcan-agent/1".getBytes(StandardCharsets.UTF_8));
        try (AgentClient agent = AgentClient.handshake(host, Duration.ofSeconds(10))) {
            guestSends(AgentFrame.ERROR, "exec request strings malformed".getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> agent.exec(CommandRequest.of("x"), (s, c) -> { }, Duration.ofSeconds(10)))
                    .isInstanceOf(AgentException.class).hasMessageContaining("malformed");
        }
    }

    @Test
    void aZygoteIsStartedUntilItsReadyLineAndARestoredOneGetsItsStdinWithoutAHello() throws Exception {
        guestSends(AgentFrame.HELLO, "vulcan-agent/1".getBytes(StandardCharsets.UTF_8));
        try (AgentClient agent = AgentClient.handshake(host, Duration.ofSeconds(10))) {
            guestReads();
            // the ready line split across two frames
            guestSends(AgentFrame.STDOUT, "vulcan-zygote-re".getBytes(StandardCharsets.UTF_8));
            guestSends(AgentFrame.STDOUT, "ady\n".getBytes(StandardCharsets.UTF_8));
            agent.begin(CommandRequest.of("python3", "-c", "park"), Zygote.READY, Duration.ofSeconds(10));
            AgentFrame exec = guestReads();
            assertThat(exec.type()).isEqualTo(AgentFrame.EXEC);
            assertThat(ByteBuffer.wrap(exec.payload()).getInt(0) & AgentFrame.EXEC_STDIN).as("stdin stays open").isNotZero();
        }
        // the restored side: a new client on the same stream, no hello; stdin, its end, then the command's output
        try (AgentClient resumed = AgentClient.resumed(SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("agent.sock"))))) {
            try (SocketChannel guest2 = server.accept()) {
                guest.close();
                guest = guest2;
                guestSends(AgentFrame.STDOUT, "hi".getBytes(StandardCharsets.UTF_8));
                guestSends(AgentFrame.DONE, done(0, 0, 10));
                List<String> out = new ArrayList<>();
                CommandResult r = resumed.finish("job".getBytes(StandardCharsets.UTF_8),
                        (stream, chunk) -> out.add(stream + " " + new String(chunk, StandardCharsets.UTF_8)), Duration.ofSeconds(10));
                assertThat(r.succeeded()).isTrue();
                assertThat(out).containsExactly("STDOUT hi");
                AgentFrame stdin = guestReads();
                assertThat(stdin.type()).isEqualTo(AgentFrame.STDIN);
                assertThat(new String(stdin.payload(), StandardCharsets.UTF_8)).isEqualTo("job");
                assertThat(guestReads().payload()).as("then the end of stdin").isEmpty();
            }
        }
        // and a restored command that never ends runs into the host's deadline (the workload's timeout)
        try (AgentClient resumed = AgentClient.resumed(SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("agent.sock"))));
                SocketChannel guest3 = server.accept()) {
            assertThatThrownBy(() -> resumed.finish(new byte[0], (stream, chunk) -> { }, Duration.ofMillis(300)))
                    .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.DEADLINE));
        }
    }
}
