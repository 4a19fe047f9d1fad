package dev.vulcan.daemon.backend;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * A process started by {@link ContainerExec}. With a terminal, reads of {@link #stdout()} block in
 * native code: run them on a platform thread, never on a virtual one (it would pin its carrier).
 */
public interface ExecProcess extends AutoCloseable {

    /** The process's stdin; closing it is EOF to the process. */
    OutputStream stdin();

    /** Its stdout; with a terminal, the terminal's output (stdout and stderr merged). */
    InputStream stdout();

    /** Its stderr; with a terminal, an empty stream. */
    InputStream stderr();

    /** Resizes the terminal (the process gets SIGWINCH); fails without one. */
    void resize(int rows, int cols) throws IOException;

    /** Completes with the exit code once the process ended (128+N for signal N). */
    CompletableFuture<Integer> exitCode();

    /** Ends the process (SIGKILL). */
    void kill();

    /** Kills the process if it still runs and releases everything it held. */
    @Override
    void close();
}
