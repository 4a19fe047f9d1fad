package dev.vulcan.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The terminal on our standard input, driven with stty (which inherits that stdin): raw mode for a
 * remote terminal session, restored on exit (also on Ctrl-C's SIGTERM cousins through a shutdown
 * hook; in raw mode Ctrl-C itself is just a byte for the remote side), and SIGWINCH to follow resizes.
 */
final class Terminal {

    private final String saved;
    private Thread restoreHook;

    private Terminal(String saved) {
        this.saved = saved;
    }

    /** The terminal on stdin with its current settings, or null when stdin is not a terminal. */
    static Terminal ofStdin() {
        try {
            Result settings = stty("-g");
            return settings.exit() == 0 ? new Terminal(settings.output().strip()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** rows and columns, or null when unknown. */
    int[] size() {
        try {
            Result size = stty("size");
            String[] parts = size.output().strip().split("\\s+");
            if (size.exit() == 0 && parts.length == 2) {
                return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
            }
        } catch (IOException | NumberFormatException e) {
            // unknown: the remote side keeps its default
        }
        return null;
    }

    synchronized void raw() throws IOException {
        restoreHook = new Thread(this::restoreNow, "restore-terminal");
        Runtime.getRuntime().addShutdownHook(restoreHook);
        stty("raw", "-echo");
    }

    synchronized void restore() {
        if (restoreHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(restoreHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            restoreHook = null;
            restoreNow();
        }
    }

    private void restoreNow() {
        try {
            stty(saved);
        } catch (IOException e) {
            // nothing more we can do for the terminal
        }
    }

    /** Runs the action on each SIGWINCH (the terminal was resized). */
    void onResize(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), signal -> action.run());
        } catch (IllegalArgumentException unsupported) {
            // no SIGWINCH here: the remote terminal keeps its first size
        }
    }

    private record Result(int exit, String output) {}

    private static Result stty(String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("stty"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.waitFor(), output);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroy();
            throw new IOException("interrupted running stty", e);
        }
    }
}
