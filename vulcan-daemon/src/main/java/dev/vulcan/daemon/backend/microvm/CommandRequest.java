package dev.vulcan.daemon.backend.microvm;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One command for the guest agent: argv (argv[0] looked up on PATH), environment (PATH defaults to
 * the usual directories), working directory ("" keeps /), a timeout the agent enforces by killing
 * the command's process group (null: none), stdin (null: /dev/null) and whether it runs chrooted
 * into the rootfs the agent mounted ({@link AgentClient#mountRootfs}; cwd and PATH then inside it).
 */
public record CommandRequest(List<String> argv, Map<String, String> env, String cwd, Duration timeout, byte[] stdin,
        boolean inRootfs) {
    public CommandRequest {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty");
        }
        env = new LinkedHashMap<>(Objects.requireNonNull(env, "env"));
        for (var e : env.entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().contains("=") || e.getKey().indexOf('\0') >= 0
                    || e.getValue().indexOf('\0') >= 0) {
                throw new IllegalArgumentException("bad environment variable " + e.getKey());
            }
        }
        env = java.util.Collections.unmodifiableMap(env);
        cwd = cwd == null ? "" : cwd;
        for (String s : argv) {
            if (s.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("argv must not contain NUL");
            }
        }
        if (cwd.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("cwd must not contain NUL");
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > 0xFFFF_FFFFL)) {
            throw new IllegalArgumentException("timeout must be positive and below 49 days: " + timeout);
        }
    }

    /** A command in the initramfs. */
    public CommandRequest(List<String> argv, Map<String, String> env, String cwd, Duration timeout, byte[] stdin) {
        this(argv, env, cwd, timeout, stdin, false);
    }

    /** A command with no environment, cwd, timeout or stdin. */
    public static CommandRequest of(String... argv) {
        return new CommandRequest(List.of(argv), Map.of(), "", null, null);
    }

    public CommandRequest withTimeout(Duration t) {
        return new CommandRequest(argv, env, cwd, t, stdin, inRootfs);
    }

    public CommandRequest withStdin(byte[] bytes) {
        return new CommandRequest(argv, env, cwd, timeout, bytes, inRootfs);
    }
}
