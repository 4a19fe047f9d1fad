package dev.vulcan.daemon.net.cni;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real {@link PluginExec.Native} against small shell scripts standing in for plugins. */
class PluginExecTest {

    @TempDir
    Path dir;

    private final PluginExec exec = new PluginExec.Native();

    @Test
    void passesEnvAndStdinAndSeparatesStdoutFromStderr() throws IOException {
        Path plugin = script("echo \"$CNI_COMMAND:$CNI_IFNAME:$(cat)\"; echo oops >&2; exit 3");

        PluginExec.Output out = exec.run(plugin, Map.of("CNI_COMMAND", "ADD", "CNI_IFNAME", "eth0"),
                "{}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10));

        assertThat(out.exitCode()).isEqualTo(3);
        assertThat(new String(out.stdout(), StandardCharsets.UTF_8)).isEqualTo("ADD:eth0:{}\n");
        assertThat(out.stderr()).isEqualTo("oops\n");
        assertThat(out.timedOut()).isFalse();
    }

    @Test
    void inheritsPathButNoStrayCniVariables() throws IOException {
        Path plugin = script("env | grep -c '^CNI_' ; command -v sh >/dev/null && echo has-path");

        PluginExec.Output out = exec.run(plugin, Map.of("CNI_COMMAND", "DEL"), new byte[0], Duration.ofSeconds(10));

        assertThat(new String(out.stdout(), StandardCharsets.UTF_8)).isEqualTo("1\nhas-path\n");
    }

    @Test
    void killsAPluginAtTheDeadline() throws IOException {
        Path plugin = script("exec sleep 30");

        long started = System.nanoTime();
        PluginExec.Output out = exec.run(plugin, Map.of(), new byte[0], Duration.ofMillis(300));

        assertThat(out.timedOut()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    }

    private Path script(String body) throws IOException {
        Path file = dir.resolve("plugin");
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
