package dev.vulcan.daemon.backend.microvm;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A blocking connection to the agent of an instance VM, whose QEMU listens on the agent socket
 * (unlike a workload VM's, it outlives daemons, so each daemon connects anew). QEMU serves one client
 * at a time. The agent drops what it buffered from a host that went away, but may still hold output
 * of a command that host ran: so the hello is answered by the first HELLO frame, whatever comes before it.
 * Sends are thread-safe (stdin, resizes and signals come from different threads); receives are not.
 */
final class AgentStream implements AutoCloseable {

    private final SocketChannel channel;
    private final String version;

    private AgentStream(SocketChannel channel, String version) {
        this.channel = channel;
        this.version = version;
    }

    /** Connects and says hello; the deadline covers a guest still booting. */
    static AgentStream connect(Path socket, Duration deadline) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        // a silent guest must not hold this thread: the channel is closed at the deadline, failing the read
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(() -> { },
                CompletableFuture.delayedExecutor(deadline.toMillis(), TimeUnit.MILLISECONDS));
        CompletableFuture<Void> closer = watchdog.thenRun(() -> {
            try {
                channel.close();
            } catch (IOException e) {
                // closing is all it does
            }
        });
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            AgentStream stream = new AgentStream(channel, null);
            stream.send(AgentFrame.empty(AgentFrame.HELLO));
            while (true) {
                AgentFrame frame = stream.receive();
                if (frame.type() == AgentFrame.HELLO) {
                    closer.cancel(false);
                    watchdog.cancel(false);
                    if (!channel.isOpen()) {
                        throw new AgentException(AgentException.Reason.DEADLINE, "no hello from the guest agent in time");
                    }
                    return new AgentStream(channel, frame.text());
                }
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            if (watchdog.isDone() && !watchdog.isCancelled()) {
                throw new AgentException(AgentException.Reason.DEADLINE, "no hello from the guest agent at " + socket
                        + " within " + deadline.toSeconds() + " s");
            }
            throw e;
        }
    }

    String version() {
        return version;
    }

    synchronized void send(AgentFrame frame) throws IOException {
        ByteBuffer out = frame.encode();
        try {
            while (out.hasRemaining()) {
                channel.write(out);
            }
        } catch (IOException e) {
            throw new AgentException(AgentException.Reason.CLOSED, "the agent's channel closed: " + e.getMessage());
        }
    }

    /** The next frame; CLOSED when the channel ends (QEMU exited, or the stream was closed). */
    AgentFrame receive() throws IOException {
        ByteBuffer head = ByteBuffer.allocate(AgentFrame.HEADER);
        fill(head);
        int length = head.getInt(1);
        if (length < 0 || length > AgentFrame.MAX_PAYLOAD) {
            throw new AgentException(AgentException.Reason.PROTOCOL, "frame of " + length + " bytes from the agent");
        }
        ByteBuffer payload = ByteBuffer.allocate(length);
        fill(payload);
        return new AgentFrame(head.get(0), payload.array());
    }

    private void fill(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            int n;
            try {
                n = channel.read(buffer);
            } catch (IOException e) {
                n = -1;
            }
            if (n < 0) {
                throw new AgentException(AgentException.Reason.CLOSED, "the agent's channel closed");
            }
        }
    }

    /** Waits for the answer to a request: {@code expected}, or the agent's ERROR as an exception. */
    AgentFrame answer(byte expected, String what) throws IOException {
        AgentFrame frame = receive();
        if (frame.type() == expected) {
            return frame;
        }
        if (frame.type() == AgentFrame.ERROR) {
            throw new AgentException(AgentException.Reason.PROTOCOL, what + ": " + frame.text());
        }
        throw new AgentException(AgentException.Reason.PROTOCOL, what + ": unexpected frame " + (char) frame.type());
    }

    /** Runs a command to its end, its output dropped: for set-up steps in the guest (one at a time, as always). */
    CommandResult run(CommandRequest request) throws IOException {
        send(AgentFrame.exec(request));
        if (request.stdin() != null) {
            byte[] stdin = request.stdin();
            for (int at = 0; at < stdin.length; at += 32 * 1024) {
                send(new AgentFrame(AgentFrame.STDIN, java.util.Arrays.copyOfRange(stdin, at, Math.min(stdin.length, at + 32 * 1024))));
            }
            send(AgentFrame.empty(AgentFrame.STDIN));
        }
        while (true) {
            AgentFrame frame = receive();
            switch (frame.type()) {
                case AgentFrame.STDOUT, AgentFrame.STDERR -> { }
                case AgentFrame.DONE -> {
                    return frame.done();
                }
                case AgentFrame.ERROR -> throw new AgentException(AgentException.Reason.PROTOCOL, "agent: " + frame.text());
                default -> throw new AgentException(AgentException.Reason.PROTOCOL, "unexpected frame " + (char) frame.type());
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
