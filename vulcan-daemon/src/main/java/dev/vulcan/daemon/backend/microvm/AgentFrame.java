package dev.vulcan.daemon.backend.microvm;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * One frame of the guest agent protocol (docs/runtimes.md): a type byte, a big-endian u32 payload
 * length and the payload. The encoders and the decoder of the "done" frame live here so the
 * byte layout is in one place, next to vm-agent/agent.c.
 */
record AgentFrame(byte type, byte[] payload) {

    static final int MAX_PAYLOAD = 1 << 20;
    static final int HEADER = 5;

    // host -> guest
    static final byte HELLO = 'H';
    static final byte EXEC = 'X';
    static final byte STDIN = 'I';
    static final byte SIGNAL = 'K';
    static final byte POWEROFF = 'P';
    static final byte MOUNT = 'M';
    /** An instance's main process: an exec payload; answered with START (u32 pid) or ERROR. */
    static final byte START = 'S';
    /** A terminal size for the running command: u32 rows, u32 cols. */
    static final byte RESIZE = 'R';
    // guest -> host
    static final byte STDOUT = 'O';
    static final byte STDERR = 'E';
    static final byte DONE = 'D';
    static final byte ERROR = 'F';

    static final int EXEC_STDIN = 1;
    static final int EXEC_ROOTFS = 2;
    static final int EXEC_TTY = 4;

    AgentFrame {
        Objects.requireNonNull(payload, "payload");
        if (payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("frame payload above " + MAX_PAYLOAD + " bytes: " + payload.length);
        }
    }

    static AgentFrame empty(byte type) {
        return new AgentFrame(type, new byte[0]);
    }

    ByteBuffer encode() {
        return ByteBuffer.allocate(HEADER + payload.length).put(type).putInt(payload.length).put(payload).flip();
    }

    /** u32 flags, u32 timeout_ms (0: none), u32 argc, u32 envc, then NUL-terminated cwd, argv..., NAME=value.... */
    static AgentFrame exec(CommandRequest request) {
        ByteArrayOutputStream strings = new ByteArrayOutputStream();
        cString(strings, request.cwd());
        request.argv().forEach(a -> cString(strings, a));
        for (Map.Entry<String, String> e : request.env().entrySet()) {
            cString(strings, e.getKey() + "=" + e.getValue());
        }
        ByteBuffer b = ByteBuffer.allocate(16 + strings.size())
                .putInt((request.stdin() != null ? EXEC_STDIN : 0) | (request.inRootfs() ? EXEC_ROOTFS : 0))
                .putInt(request.timeout() == null ? 0 : (int) request.timeout().toMillis())
                .putInt(request.argv().size())
                .putInt(request.env().size())
                .put(strings.toByteArray());
        return new AgentFrame(EXEC, b.array());
    }

    /** The instance's main process (the same payload as exec; its stdio is the guest's console). */
    static AgentFrame start(CommandRequest request) {
        return new AgentFrame(START, exec(request).payload());
    }

    /** An exec whose stdin the host streams (STDIN frames, an empty one for EOF), with a pseudo-terminal if asked. */
    static AgentFrame execStreaming(CommandRequest request, boolean tty) {
        byte[] payload = exec(request).payload();
        ByteBuffer flags = ByteBuffer.wrap(payload);
        flags.putInt(0, flags.getInt(0) | EXEC_STDIN | (tty ? EXEC_TTY : 0));
        return new AgentFrame(EXEC, payload);
    }

    static AgentFrame resize(int rows, int cols) {
        return new AgentFrame(RESIZE, ByteBuffer.allocate(8).putInt(rows).putInt(cols).array());
    }

    /** NUL-terminated device, then NUL-terminated file system type. */
    static AgentFrame mount(String device, String fsType) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        cString(out, device);
        cString(out, fsType);
        return new AgentFrame(MOUNT, out.toByteArray());
    }

    static AgentFrame signal(int signal) {
        return new AgentFrame(SIGNAL, ByteBuffer.allocate(4).putInt(signal).array());
    }

    private static void cString(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    /** The done frame: u8 kind, i32 code, u64 duration in microseconds, then a UTF-8 message. */
    CommandResult done() {
        if (type != DONE || payload.length < 13) {
            throw new IllegalStateException("not a done frame: " + (char) type + " of " + payload.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(payload);
        int kind = b.get();
        int code = b.getInt();
        long micros = b.getLong();
        String message = new String(payload, 13, payload.length - 13, StandardCharsets.UTF_8);
        CommandResult.Kind[] kinds = CommandResult.Kind.values();
        if (kind < 0 || kind >= kinds.length) {
            throw new IllegalStateException("unknown result kind " + kind);
        }
        return new CommandResult(kinds[kind], code, Duration.ofNanos(micros * 1000), message);
    }

    String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }
}
