package dev.vulcan.daemon.backend.oci;

import dev.vulcan.daemon.backend.ExecSpec;
import dev.vulcan.daemon.backend.ExecProcess;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link ContainerExec} with the OCI runtime: {@code <runtime> exec [--tty] [--env K=V] [--cwd DIR] ID argv...}.
 * Without a terminal the process's stdio are plain pipes. With one, the runtime runs in a session of
 * its own whose controlling terminal is a pty we hold the master of: it proxies that terminal to the
 * console it makes in the container, and forwards SIGWINCH, which a resize of our master raises.
 */
public final class RuntimeExec implements ContainerExec {

    private static final Logger log = LoggerFactory.getLogger(RuntimeExec.class);
    private static final File DEV_NULL = new File("/dev/null");
    // The child opens the slave itself: a JVM that is a session leader without a terminal (a systemd
    // service) would otherwise get the slave as its own controlling terminal when it opened it. The
    // runtime makes our terminal raw too, but only once it runs: input typed before must not be cooked
    // (echoed, or a Ctrl-D eaten as our own end of input), so it is raw from the start.
    private static final String ON_TERMINAL =
            "exec <\"$0\" >\"$0\" 2>&1; stty raw -echo; exec setsid -w --ctty \"$@\"";

    private static final java.time.Duration STATE_DEADLINE = java.time.Duration.ofSeconds(10);
    private static final java.time.Duration STARTUP = java.time.Duration.ofSeconds(10);

    private final OciRuntime runtime;
    private final ProcessRunner processes;
    private final JsonMapper json;
    private final Path scratch;
    private final AtomicLong sequence = new AtomicLong();

    /** @param scratch a directory for the pid files of exec'd processes */
    public RuntimeExec(OciRuntime runtime, ProcessRunner processes, JsonMapper json, Path scratch) {
        this.runtime = runtime;
        this.processes = processes;
        this.json = json;
        this.scratch = scratch;
    }

    @Override
    public ExecProcess exec(String containerId, ExecSpec spec) throws IOException {
        Files.createDirectories(scratch);
        Path pidFile = scratch.resolve(containerId + "-" + ProcessHandle.current().pid() + "-"
                + sequence.incrementAndGet() + ".pid");
        List<String> args = new ArrayList<>(List.of("exec", "--pid-file", pidFile.toString()));
        if (spec.tty()) {
            if (runtime.kind() == OciRuntime.Kind.RUNSC) {
                // runsc exec has no --tty; it only hands a console to a --console-socket listener
                throw new dev.vulcan.daemon.error.UnavailableException("unsupported_option",
                        "exec with a terminal is not available for isolation gvisor (runsc exec has no --tty);"
                                + " run it without -t");
            }
            args.add("--tty");
        }
        for (String variable : environment(containerId, spec.env())) {
            args.add("--env");
            args.add(variable);
        }
        if (spec.workdir() != null) {
            args.add("--cwd");
            args.add(spec.workdir());
        }
        args.add(containerId);
        args.addAll(spec.argv());
        List<String> argv = runtime.argv(args.toArray(String[]::new));
        log.atDebug().addKeyValue("container", containerId).addKeyValue("argv", spec.argv())
                .addKeyValue("tty", spec.tty()).log("exec");
        return spec.tty() ? onTerminal(argv, spec, pidFile) : onPipes(argv, pidFile);
    }

    /**
     * The container's environment with the extra variables over it: crun replaces the environment
     * with the --env ones where runc adds them, so both get the whole, merged.
     */
    private List<String> environment(String containerId, List<String> extra) throws IOException {
        if (extra.isEmpty()) {
            return extra;
        }
        Map<String, String> merged = new LinkedHashMap<>();
        ProcessRunner.Result state = processes.run(runtime.argv("state", containerId), STATE_DEADLINE);
        if (state.exitCode() == 0) {
            // the output is the state JSON, unless the runtime also warned on stderr: read from the brace
            String text = state.output();
            JsonNode bundle = json.readTree(text.substring(Math.max(0, text.indexOf('{')))).path("bundle");
            Path config = Path.of(bundle.asString("")).resolve("config.json");
            if (bundle.isString() && Files.isRegularFile(config)) {
                for (JsonNode variable : json.readTree(config.toFile()).path("process").path("env")) {
                    put(merged, variable.asString(""));
                }
            }
        }
        extra.forEach(variable -> put(merged, variable));
        return merged.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    private static void put(Map<String, String> env, String variable) {
        int eq = variable.indexOf('=');
        if (eq > 0) {
            env.put(variable.substring(0, eq), variable.substring(eq + 1));
        }
    }

    private ExecProcess onPipes(List<String> argv, Path pidFile) throws IOException {
        Process process = new ProcessBuilder(argv).start();
        return new Running(process, null, pidFile, process.getOutputStream(), process.getInputStream(),
                process.getErrorStream());
    }

    private ExecProcess onTerminal(List<String> argv, ExecSpec spec, Path pidFile) throws IOException {
        Pty pty = Pty.open(spec.rows(), spec.cols());
        try {
            List<String> command = new ArrayList<>(List.of("sh", "-c", ON_TERMINAL, pty.slave().toString()));
            command.addAll(argv);
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Running running = new Running(process, pty, pidFile, null, pty.input(), InputStream.nullInputStream());
            running.stdin = typedOnceStarted(pty.output(), running);
            return running;
        } catch (IOException | RuntimeException e) {
            pty.close();
            throw e;
        }
    }

    /**
     * Keyboard input for the terminal. Nothing goes through before the process has started: the
     * runtime flushes the console's input while it sets the console up, so earlier keys were lost.
     * A terminal has no end of input to close: closing types Ctrl-D instead, which is end of input to
     * a program reading the terminal line by line (a shell, cat).
     */
    private static OutputStream typedOnceStarted(OutputStream terminal, Running process) {
        return new java.io.FilterOutputStream(terminal) {
            private boolean closed;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                process.awaitStarted();
                out.write(b, off, len);
            }

            @Override
            public synchronized void close() throws IOException {
                if (!closed) {
                    closed = true;
                    process.awaitStarted();
                    out.write(4);
                }
            }
        };
    }

    /** One exec'd process: the runtime's process stands for it, the pid file names the real one. */
    private static final class Running implements ExecProcess {
        private final Process process;
        private final Pty pty;
        private final Path pidFile;
        private OutputStream stdin;
        private final InputStream stdout;
        private volatile boolean started;
        private final InputStream stderr;
        private final CompletableFuture<Integer> exitCode;

        Running(Process process, Pty pty, Path pidFile, OutputStream stdin, InputStream stdout, InputStream stderr) {
            this.process = process;
            this.pty = pty;
            this.pidFile = pidFile;
            this.stdin = stdin;
            this.stdout = stdout;
            this.stderr = stderr;
            this.exitCode = process.onExit().thenApply(p -> {
                deletePidFile();
                return p.exitValue();
            });
        }

        @Override
        public OutputStream stdin() {
            return stdin;
        }

        @Override
        public InputStream stdout() {
            return stdout;
        }

        @Override
        public InputStream stderr() {
            return stderr;
        }

        @Override
        public void resize(int rows, int cols) throws IOException {
            if (pty == null) {
                throw new IOException("this process has no terminal to resize");
            }
            ExecSpec.checkSize(rows, cols);
            if (rows > 0 && cols > 0) {
                pty.resize(rows, cols);
                resizeConsole(rows, cols);
            }
        }

        /**
         * runc resizes the container's console when our resize reaches it as SIGWINCH; crun (1.8) only
         * forwards the signal. So we also size the console itself, through the terminal the exec'd
         * process holds as stdin, stdout or stderr.
         */
        private void resizeConsole(int rows, int cols) {
            long pid = readPid();
            if (pid <= 0 || !process.isAlive()) {
                return;
            }
            for (int fd = 0; fd <= 2; fd++) {
                Path link = Path.of("/proc", Long.toString(pid), "fd", Integer.toString(fd));
                try {
                    if (Files.readSymbolicLink(link).toString().startsWith("/dev/pts/")) {
                        Pty.resize(link, rows, cols);
                        return;
                    }
                } catch (IOException e) {
                    log.atDebug().addKeyValue("fd", link).addKeyValue("error", e.getMessage())
                            .log("could not resize the container console");
                }
            }
        }

        @Override
        public CompletableFuture<Integer> exitCode() {
            return exitCode;
        }

        @Override
        public void kill() {
            if (!process.isAlive()) {
                return;
            }
            // SIGKILL can't be forwarded by the runtime: kill the process it started, by the pid it wrote;
            // the runtime then exits with 137. Before the pid file exists, the runtime itself goes.
            long pid = readPid();
            if (pid > 0 && process.isAlive()) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            } else {
                process.destroyForcibly();
            }
        }

        /**
         * Waits until the runtime wrote the pid file (the process runs, its console is set up) or
         * ended; polls, since the wait is short (tens of milliseconds) and happens once.
         */
        void awaitStarted() throws IOException {
            long deadline = System.nanoTime() + STARTUP.toNanos();
            while (!started) {
                if (Files.exists(pidFile) || !process.isAlive() || System.nanoTime() > deadline) {
                    started = true;
                    return;
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted waiting for the process to start");
                }
            }
        }

        private long readPid() {
            try {
                return Long.parseLong(Files.readString(pidFile).strip());
            } catch (IOException | NumberFormatException e) {
                return -1;
            }
        }

        @Override
        public void close() {
            try {
                if (process.isAlive()) {
                    kill();
                    if (!process.waitFor(5, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                        process.waitFor(5, TimeUnit.SECONDS);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(stdin);
                if (pty != null) {
                    pty.close();
                } else {
                    closeQuietly(stdout);
                    closeQuietly(stderr);
                }
                deletePidFile();
            }
        }

        private void deletePidFile() {
            try {
                Files.deleteIfExists(pidFile);
            } catch (IOException e) {
                log.atWarn().addKeyValue("file", pidFile).setCause(e).log("could not delete an exec pid file");
            }
        }

        private static void closeQuietly(AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // already closed, or the process is gone: nothing left to release
            }
        }
    }
}
