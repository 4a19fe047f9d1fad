package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.LogSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;

/**
 * The host side of the guest agent protocol over one connected channel (QEMU's virtio-serial
 * chardev socket here; a vsock stream elsewhere). One command at a time; every wait has a deadline,
 * because a guest that hangs must turn into an error, not a stuck thread. Not thread-safe.
 */
public final class AgentClient implements AutoCloseable {

    /** Receives a command's output as the agent sends it: raw chunks, not lines. */
    @FunctionalInterface
    public interface OutputListener {
        void output(LogSink.Stream stream, byte[] chunk);
    }

    private final SocketChannel channel;
    private final Selector selector;
    private final String version;
    private ByteBuffer in = ByteBuffer.allocate(64 * 1024);

    private AgentClient(SocketChannel channel, Selector selector, String version) {
        this.channel = channel;
        this.selector = selector;
        this.version = version;
    }

    /**
     * Says hello and waits for the agent's answer, which comes once the guest has booted, loaded
     * its modules and opened its port: so this is also the wait for boot.
     */
    public static AgentClient handshake(SocketChannel channel, Duration deadline) throws IOException {
        channel.configureBlocking(false);
        Selector selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
        AgentClient client = new AgentClient(channel, selector, null);
        try {
            long until = System.nanoTime() + deadline.toNanos();
            client.send(AgentFrame.empty(AgentFrame.HELLO), until);
            AgentFrame answer = client.receive(until, "the agent's hello");
            if (answer.type() != AgentFrame.HELLO) {
                throw new AgentException(AgentException.Reason.PROTOCOL, "expected the agent's hello, got frame " + (char) answer.type());
            }
            return new AgentClient(channel, selector, answer.text());
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
    }

    /** The agent's version string, e.g. "vulcan-agent/1". */
    public String version() {
        return version;
    }

    /**
     * Runs one command to its end, handing its output to the listener as it comes. The deadline
     * guards against a dead guest; the command's own timeout (enforced by the agent) should be
     * shorter.
     */
    public CommandResult exec(CommandRequest request, OutputListener output, Duration deadline) throws IOException {
        long until = System.nanoTime() + deadline.toNanos();
        send(AgentFrame.exec(request), until);
        return request.stdin() != null ? finish(request.stdin(), output, Duration.ofNanos(until - System.nanoTime()))
                : collect(output, until, request.argv().getFirst());
    }

    /**
     * The host side of an agent whose guest was restored from a snapshot taken in the middle of a
     * command ({@link #begin}): no hello (the agent is inside that command, not waiting for requests).
     */
    public static AgentClient resumed(SocketChannel channel) throws IOException {
        channel.configureBlocking(false);
        Selector selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
        return new AgentClient(channel, selector, null);
    }

    /**
     * Starts a command whose stdin stays open and returns once its stdout carried the marker line (the
     * command said it is ready): a zygote that a snapshot then freezes (see {@link Zygote}).
     */
    public void begin(CommandRequest request, String marker, Duration deadline) throws IOException {
        long until = System.nanoTime() + deadline.toNanos();
        send(AgentFrame.exec(request.withStdin(new byte[0])), until);
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        while (!seen.toString(java.nio.charset.StandardCharsets.UTF_8).contains(marker + "\n")) {
            AgentFrame frame = receive(until, "the ready line of " + request.argv().getFirst());
            switch (frame.type()) {
                case AgentFrame.STDOUT, AgentFrame.STDERR -> seen.writeBytes(frame.payload());
                case AgentFrame.DONE -> throw new AgentException(AgentException.Reason.PROTOCOL, request.argv().getFirst()
                        + " ended before it was ready: " + frame.done() + " " + seen.toString(java.nio.charset.StandardCharsets.UTF_8));
                case AgentFrame.ERROR -> throw new AgentException(AgentException.Reason.PROTOCOL, "agent: " + frame.text());
                default -> throw new AgentException(AgentException.Reason.PROTOCOL, "unexpected frame " + (char) frame.type());
            }
        }
    }

    /** Sends the running command its stdin (then EOF) and collects its output to its end. */
    public CommandResult finish(byte[] stdin, OutputListener output, Duration deadline) throws IOException {
        long until = System.nanoTime() + deadline.toNanos();
        for (int at = 0; at < stdin.length; at += 32 * 1024) {
            send(new AgentFrame(AgentFrame.STDIN, Arrays.copyOfRange(stdin, at, Math.min(stdin.length, at + 32 * 1024))), until);
        }
        send(AgentFrame.empty(AgentFrame.STDIN), until);
        return collect(output, until, "the command");
    }

    private CommandResult collect(OutputListener output, long until, String what) throws IOException {
        while (true) {
            AgentFrame frame = receive(until, "the result of " + what);
            switch (frame.type()) {
                case AgentFrame.STDOUT -> output.output(LogSink.Stream.STDOUT, frame.payload());
                case AgentFrame.STDERR -> output.output(LogSink.Stream.STDERR, frame.payload());
                case AgentFrame.DONE -> {
                    return frame.done();
                }
                case AgentFrame.ERROR -> throw new AgentException(AgentException.Reason.PROTOCOL, "agent: " + frame.text());
                default -> throw new AgentException(AgentException.Reason.PROTOCOL, "unexpected frame " + (char) frame.type());
            }
        }
    }

    /**
     * Has the agent mount the VM's root file system (a block device) at /rootfs with /proc, /sys,
     * /dev and a fresh /tmp inside; commands with {@link CommandRequest#inRootfs()} then run in it.
     */
    public void mountRootfs(String device, String fsType, Duration deadline) throws IOException {
        long until = System.nanoTime() + deadline.toNanos();
        send(AgentFrame.mount(device, fsType), until);
        AgentFrame answer = receive(until, "mounting the root file system");
        switch (answer.type()) {
            case AgentFrame.MOUNT -> { }
            case AgentFrame.ERROR -> throw new AgentException(AgentException.Reason.PROTOCOL, "agent: " + answer.text());
            default -> throw new AgentException(AgentException.Reason.PROTOCOL, "expected the mount answer, got " + (char) answer.type());
        }
    }

    /** Sends a signal to the running command's process group (from another thread than exec's: the write is atomic). */
    public void signal(int signal, Duration deadline) throws IOException {
        send(AgentFrame.signal(signal), System.nanoTime() + deadline.toNanos());
    }

    /** Asks the guest to sync and power off; returns once the agent acknowledged (QEMU then exits). */
    public void powerOff(Duration deadline) throws IOException {
        long until = System.nanoTime() + deadline.toNanos();
        send(AgentFrame.empty(AgentFrame.POWEROFF), until);
        AgentFrame answer = receive(until, "the power-off acknowledgement");
        if (answer.type() != AgentFrame.POWEROFF) {
            throw new AgentException(AgentException.Reason.PROTOCOL, "expected the power-off acknowledgement, got " + (char) answer.type());
        }
    }

    private synchronized void send(AgentFrame frame, long until) throws IOException {
        ByteBuffer out = frame.encode();
        while (out.hasRemaining()) {
            int written;
            try {
                written = channel.write(out);
            } catch (IOException e) {
                // broken pipe or reset: the VMM exited
                throw new AgentException(AgentException.Reason.CLOSED, "the agent's channel closed: " + e.getMessage());
            }
            if (written == 0) {
                // The guest reads slowly: wait until the socket drains, with the same deadline.
                try (Selector writable = Selector.open()) {
                    channel.register(writable, SelectionKey.OP_WRITE);
                    if (writable.select(remainingMillis(until, "sending to the agent")) == 0) {
                        continue;
                    }
                }
            }
        }
    }

    private AgentFrame receive(long until, String what) throws IOException {
        while (true) {
            AgentFrame frame = take();
            if (frame != null) {
                return frame;
            }
            selector.select(remainingMillis(until, what));
            selector.selectedKeys().clear();
            if (!in.hasRemaining()) {
                in = ByteBuffer.allocate(in.capacity() * 2).put(in.flip());
            }
            int read;
            try {
                read = channel.read(in);
            } catch (IOException e) {
                read = -1; // reset: the VMM exited
            }
            if (read < 0) {
                throw new AgentException(AgentException.Reason.CLOSED, "the agent's channel closed while waiting for " + what);
            }
        }
    }

    private static long remainingMillis(long until, String what) throws AgentException {
        long left = until - System.nanoTime();
        if (left <= 0) {
            throw new AgentException(AgentException.Reason.DEADLINE, "no answer from the guest agent in time for " + what);
        }
        return Math.max(1, left / 1_000_000);
    }

    /** A complete frame from the buffer, or null. */
    private AgentFrame take() throws AgentException {
        if (in.position() < AgentFrame.HEADER) {
            return null;
        }
        int length = in.getInt(1);
        if (length < 0 || length > AgentFrame.MAX_PAYLOAD) {
            throw new AgentException(AgentException.Reason.PROTOCOL, "frame of " + length + " bytes from the agent");
        }
        if (in.position() < AgentFrame.HEADER + length) {
            return null;
        }
        in.flip();
        byte type = in.get();
        in.getInt();
        byte[] payload = new byte[length];
        in.get(payload);
        in.compact();
        return new AgentFrame(type, payload);
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}
