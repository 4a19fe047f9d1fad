package dev.vulcan.daemon.backend.oci;

import dev.vulcan.daemon.os.Libc;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pseudo-terminal pair from /dev/ptmx, through libc with the FFM API (Java has no pty API). We
 * keep the master; a child opens {@link #slave()} as its stdio. Reads and writes on the master block
 * in native code (use platform threads). The master fd is closed once {@link #close()} was called
 * and no read or write is still using it, so a blocked reader never reads a recycled fd number.
 */
final class Pty implements AutoCloseable {

    private static final MethodHandle POSIX_OPENPT = Libc.downcall("posix_openpt",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle GRANTPT = Libc.downcall("grantpt",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle UNLOCKPT = Libc.downcall("unlockpt",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle PTSNAME_R = Libc.downcall("ptsname_r",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle IOCTL = Libc.downcall("ioctl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ = Libc.downcall("read",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle WRITE = Libc.downcall("write",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle OPEN = Libc.downcall("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = Libc.downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private static final int O_RDWR = 02;
    private static final int O_NOCTTY = 0400;
    private static final int O_CLOEXEC = 02000000;
    private static final int O_NONBLOCK = 04000;
    private static final long TIOCSWINSZ = 0x5414;
    private static final int EINTR = 4;
    private static final int EIO = 5;
    private static final int CHUNK = 8192;

    private final int master;
    private final Path slave;
    // one reference held by the owner until close(), one more by each read or write in flight
    private final AtomicInteger users = new AtomicInteger(1);
    private final AtomicBoolean closed = new AtomicBoolean();

    private Pty(int master, Path slave) {
        this.master = master;
        this.slave = slave;
    }

    /** Opens a new pair with this window size (0 x 0 leaves the kernel's default). */
    static Pty open(int rows, int cols) throws IOException {
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.callState(arena);
            fd = (int) POSIX_OPENPT.invokeExact(state, O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (fd < 0) {
                throw failure("posix_openpt", Libc.errno(state));
            }
            try {
                if ((int) GRANTPT.invokeExact(state, fd) != 0) {
                    throw failure("grantpt", Libc.errno(state));
                }
                if ((int) UNLOCKPT.invokeExact(state, fd) != 0) {
                    throw failure("unlockpt", Libc.errno(state));
                }
                MemorySegment name = arena.allocate(256);
                int rc = (int) PTSNAME_R.invokeExact(state, fd, name, 256L);
                if (rc != 0) {
                    throw failure("ptsname_r", rc);
                }
                Pty pty = new Pty(fd, Path.of(name.getString(0, StandardCharsets.UTF_8)));
                if (rows > 0 && cols > 0) {
                    pty.resize(rows, cols);
                }
                return pty;
            } catch (Throwable t) {
                int ignored = (int) CLOSE.invokeExact(Libc.callState(arena), fd);
                throw t;
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The slave's path (/dev/pts/N), for the child's stdio. */
    Path slave() {
        return slave;
    }

    /** Sets the window size; the session's foreground process group gets SIGWINCH. */
    void resize(int rows, int cols) throws IOException {
        use(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = Libc.callState(arena);
                // struct winsize { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel; }
                MemorySegment size = arena.allocate(ValueLayout.JAVA_SHORT, 4);
                size.setAtIndex(ValueLayout.JAVA_SHORT, 0, (short) rows);
                size.setAtIndex(ValueLayout.JAVA_SHORT, 1, (short) cols);
                if ((int) IOCTL.invokeExact(state, master, TIOCSWINSZ, size) != 0) {
                    throw failure("ioctl TIOCSWINSZ", Libc.errno(state));
                }
                return 0L;
            }
        });
    }

    /**
     * Sets the window size of another terminal, opened by a path such as /proc/PID/fd/0 (never as our
     * controlling terminal, and without blocking on something that is not a terminal after all).
     */
    static void resize(Path terminal, int rows, int cols) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.callState(arena);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(terminal.toString(), StandardCharsets.UTF_8),
                    O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0);
            if (fd < 0) {
                throw failure("open " + terminal, Libc.errno(state));
            }
            try {
                MemorySegment size = arena.allocate(ValueLayout.JAVA_SHORT, 4);
                size.setAtIndex(ValueLayout.JAVA_SHORT, 0, (short) rows);
                size.setAtIndex(ValueLayout.JAVA_SHORT, 1, (short) cols);
                if ((int) IOCTL.invokeExact(state, fd, TIOCSWINSZ, size) != 0) {
                    throw failure("ioctl TIOCSWINSZ " + terminal, Libc.errno(state));
                }
            } finally {
                int ignored = (int) CLOSE.invokeExact(state, fd);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** What the terminal shows: -1 once every slave fd is closed (the kernel answers EIO then). */
    InputStream input() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) {
                    return 0;
                }
                if (!acquire()) {
                    return -1;
                }
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment state = Libc.callState(arena);
                    MemorySegment buffer = arena.allocate(Math.min(len, CHUNK));
                    while (true) {
                        long n = (long) READ.invokeExact(state, master, buffer, buffer.byteSize());
                        if (n > 0) {
                            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
                            return (int) n;
                        }
                        if (n == 0) {
                            return -1;
                        }
                        int errno = Libc.errno(state);
                        if (errno == EIO) {
                            return -1;
                        }
                        if (errno != EINTR) {
                            throw failure("read from the terminal", errno);
                        }
                    }
                } catch (IOException | RuntimeException | Error e) {
                    throw e;
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                } finally {
                    release();
                }
            }
        };
    }

    /** Keyboard input to the terminal. */
    OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) {
                    return;
                }
                use(() -> {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment state = Libc.callState(arena);
                        MemorySegment buffer = arena.allocate(len);
                        MemorySegment.copy(b, off, buffer, ValueLayout.JAVA_BYTE, 0, len);
                        long done = 0;
                        while (done < len) {
                            long n = (long) WRITE.invokeExact(state, master, buffer.asSlice(done), (long) len - done);
                            if (n < 0) {
                                int errno = Libc.errno(state);
                                if (errno != EINTR) {
                                    throw failure("write to the terminal", errno);
                                }
                            } else {
                                done += n;
                            }
                        }
                        return done;
                    }
                });
            }
        };
    }

    @FunctionalInterface
    private interface Call {
        long run() throws Throwable;
    }

    private long use(Call call) throws IOException {
        if (!acquire()) {
            throw new IOException("the terminal is closed");
        }
        try {
            return call.run();
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            release();
        }
    }

    private boolean acquire() {
        while (true) {
            int n = users.get();
            if (n == 0) {
                return false;
            }
            if (users.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    private void release() {
        if (users.decrementAndGet() == 0) {
            try (Arena arena = Arena.ofConfined()) {
                int ignored = (int) CLOSE.invokeExact(Libc.callState(arena), master);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }

    /** Gives up the owner's hold: the fd is closed now, or when the last read or write in flight returns. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            release();
        }
    }

    private static IOException failure(String call, int errno) {
        return new IOException(call + " failed: errno " + errno);
    }
}
