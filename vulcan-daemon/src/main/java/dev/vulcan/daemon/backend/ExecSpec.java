package dev.vulcan.daemon.backend;

import java.util.List;

/**
 * A process to start in a running container.
 *
 * @param argv    the command and its arguments, run without a shell
 * @param tty     give it a pseudo-terminal (stdout and stderr merged, resizable)
 * @param env     extra KEY=VALUE variables
 * @param workdir its working directory in the container, or null for the container's
 * @param rows    the terminal's initial height with tty (0: the runtime's default)
 * @param cols    the terminal's initial width with tty (0: the runtime's default)
 */
public record ExecSpec(List<String> argv, boolean tty, List<String> env, String workdir, int rows, int cols) {

    /** A terminal larger than this is a mistake, not a screen. */
    public static final int MAX_SIZE = 10_000;

    public ExecSpec {
        if (argv == null || argv.isEmpty() || argv.getFirst().isEmpty()) {
            throw new IllegalArgumentException("cmd must name a program to run");
        }
        argv = List.copyOf(argv);
        env = env == null ? List.of() : List.copyOf(env);
        for (String variable : env) {
            if (variable.indexOf('=') <= 0) {
                throw new IllegalArgumentException("env entries are KEY=VALUE, got: " + variable);
            }
        }
        if (workdir != null && !workdir.startsWith("/")) {
            throw new IllegalArgumentException("workdir must be an absolute path, got: " + workdir);
        }
        checkSize(rows, cols);
    }

    public static void checkSize(int rows, int cols) {
        if (rows < 0 || cols < 0 || rows > MAX_SIZE || cols > MAX_SIZE) {
            throw new IllegalArgumentException("terminal size must be between 0 and " + MAX_SIZE + ", got "
                    + rows + "x" + cols);
        }
    }
}
