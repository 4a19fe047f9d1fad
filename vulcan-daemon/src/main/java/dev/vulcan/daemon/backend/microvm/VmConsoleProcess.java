package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.ExecProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An attachment to an instance VM's serial console (the main process's terminal), shaped as an exec
 * session so the exec stream carries it: stdin is typed into the console, stdout is what it shows.
 * It ends with 0 when the caller closes stdin (detaches) or the VM ends (QEMU closes the socket).
 * QEMU serves one console client at a time.
 */
final class VmConsoleProcess implements ExecProcess {

    /** Sets the console's terminal size in the guest (it is the guest's tty, not a socket option). */
    @FunctionalInterface
    interface Resizer {
        void resize(int rows, int cols);
    }

    /** The console as the guest names it (the main process's controlling terminal). */
    static final String GUEST_TTY = "/dev/hvc0";

    private final SocketChannel channel;
    private final Runnable onClose;
    private final Resizer resizer;
    private final ChunkPipe output = new ChunkPipe();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final OutputStream stdin = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
            synchronized (this) {
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
        }

        @Override
        public void close() {
            detach();
        }
    };

    private VmConsoleProcess(SocketChannel channel, Runnable onClose, Resizer resizer) {
        this.channel = channel;
        this.onClose = onClose;
        this.resizer = resizer;
    }

    static VmConsoleProcess attach(Path socket, Runnable onClose, Resizer resizer) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            channel.close();
            throw new IOException("cannot attach to the console at " + socket + ": " + e.getMessage(), e);
        }
        VmConsoleProcess console = new VmConsoleProcess(channel, onClose, resizer);
        Thread.ofVirtual().name("vm-console").start(console::pump);
        return console;
    }

    private void pump() {
        ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        try {
            while (channel.read(buffer.clear()) >= 0) {
                if (buffer.position() > 0) {
                    byte[] chunk = new byte[buffer.position()];
                    buffer.flip().get(chunk);
                    output.feed(chunk);
                }
            }
        } catch (IOException e) {
            // closed by detach, or QEMU went away
        }
        detach();
    }

    private void detach() {
        output.end();
        exit.complete(0);
        try {
            channel.close();
        } catch (IOException e) {
            // nothing held any more
        }
    }

    @Override
    public OutputStream stdin() {
        return stdin;
    }

    @Override
    public InputStream stdout() {
        return output;
    }

    @Override
    public InputStream stderr() {
        return InputStream.nullInputStream();
    }

    /** Sizes the guest's console terminal (its foreground process gets SIGWINCH). */
    @Override
    public void resize(int rows, int cols) {
        if (rows > 0 && cols > 0 && !exit.isDone()) {
            resizer.resize(rows, cols);
        }
    }

    @Override
    public CompletableFuture<Integer> exitCode() {
        return exit;
    }

    @Override
    public void kill() {
        detach();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            detach();
            onClose.run();
        }
    }
}
