package dev.vulcan.daemon.backend.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.image.ImageReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class BundleBuilderTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path bundle;

    private final List<List<String>> commands = new ArrayList<>();
    private final ProcessRunner recording = (argv, deadline) -> {
        commands.add(argv);
        return new ProcessRunner.Result(0, "");
    };

    private ContainerSpec spec(ContainerSpec.Resources resources, boolean readOnly) {
        return new ContainerSpec("c1", ImageReference.parse("test/busybox:1"), "echo hi", null, resources,
                Duration.ofSeconds(5), readOnly);
    }

    @Test
    void configCarriesDockerDefaultSecurityAndLimits() throws IOException {
        ImageConfig image = new ImageConfig(List.of("FOO=bar"), "/work", List.of(), List.of("/bin/sh"));
        new BundleBuilder(JSON, recording).build(bundle, List.of(Path.of("/l0"), Path.of("/l1")), image,
                spec(new ContainerSpec.Resources(32L << 20, 1.5, 100), true));
        JsonNode config = JSON.readTree(Files.readAllBytes(bundle.resolve("config.json")));

        assertThat(texts(config.path("process").path("args"))).containsExactly("/bin/sh", "-c", "echo hi");
        assertThat(texts(config.path("process").path("env"))).containsExactly(BundleBuilder.DEFAULT_PATH, "FOO=bar");
        assertThat(config.path("process").path("cwd").asString()).isEqualTo("/work");
        assertThat(config.path("process").path("noNewPrivileges").asBoolean()).isTrue();
        List<String> caps = texts(config.path("process").path("capabilities").path("effective"));
        assertThat(caps).hasSize(14).contains("CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE")
                .doesNotContain("CAP_SYS_ADMIN", "CAP_SYS_RESOURCE");
        assertThat(config.path("root").path("readonly").asBoolean()).isTrue();
        JsonNode linux = config.path("linux");
        assertThat(texts(linux.path("maskedPaths"))).contains("/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware");
        assertThat(texts(linux.path("readonlyPaths"))).contains("/proc/sys", "/proc/sysrq-trigger");
        List<String> namespaces = new ArrayList<>();
        linux.path("namespaces").forEach(n -> namespaces.add(n.path("type").asString()));
        assertThat(namespaces).containsExactly("pid", "ipc", "uts", "mount", "network");
        assertThat(linux.path("resources").path("cpu").path("quota").asLong()).isEqualTo(150_000);
        assertThat(linux.path("resources").path("cpu").path("period").asLong()).isEqualTo(100_000);
        assertThat(linux.path("resources").path("pids").path("limit").asLong()).isEqualTo(100);
        assertThat(linux.path("cgroupsPath").asString()).isEqualTo("/vulcan/oci/c1/ctr");

        assertThat(commands).hasSize(1);
        assertThat(commands.getFirst()).startsWith("mount", "-t", "overlay");
        assertThat(String.join(" ", commands.getFirst())).contains("lowerdir=/l1:/l0,upperdir=" + bundle.resolve("upper"))
                .endsWith(",volatile " + bundle.resolve("rootfs"));
    }

    @Test
    void extraEnvironmentOverridesTheImagesAndMountsAreBinds() throws IOException {
        ImageConfig image = new ImageConfig(List.of("FOO=bar", "KEEP=1"), "/", List.of(), List.of("/bin/sh"));
        ContainerSpec spec = new ContainerSpec("c1", ImageReference.parse("test/busybox:1"), "true", null,
                ContainerSpec.Resources.NONE, Duration.ofSeconds(5), false,
                List.of(new ContainerSpec.Mount(Path.of("/srv/data"), "/data", true)), List.of("FOO=baz"));
        new BundleBuilder(JSON, recording).writeConfig(bundle, List.of("true"), image.env(), "/", spec);
        JsonNode config = JSON.readTree(Files.readAllBytes(bundle.resolve("config.json")));

        assertThat(texts(config.path("process").path("env"))).containsExactly(BundleBuilder.DEFAULT_PATH, "KEEP=1", "FOO=baz");
        JsonNode bind = null;
        for (JsonNode m : config.path("mounts")) {
            if (m.path("destination").asString().equals("/data")) bind = m;
        }
        assertThat(bind).isNotNull();
        assertThat(bind.path("source").asString()).isEqualTo("/srv/data");
        assertThat(texts(bind.path("options"))).contains("rbind", "ro");
        assertThatThrownBy(() -> new ContainerSpec.Mount(Path.of("/a"), "/x/../etc", false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ContainerSpec("c", ImageReference.parse("a/b:1"), "true", null,
                ContainerSpec.Resources.NONE, Duration.ofSeconds(1), false, List.of(), List.of("NOEQUALS")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void seccompProfileDeniesTheDangerousSetAndCanBeLeftOut() throws IOException {
        BundleBuilder builder = new BundleBuilder(JSON, recording);
        builder.writeConfig(bundle, List.of("true"), List.of(), "/", spec(ContainerSpec.Resources.NONE, false));
        JsonNode seccomp = JSON.readTree(Files.readAllBytes(bundle.resolve("config.json"))).path("linux").path("seccomp");
        assertThat(seccomp.path("defaultAction").asString()).isEqualTo("SCMP_ACT_ALLOW");
        assertThat(texts(seccomp.path("architectures"))).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        JsonNode denied = seccomp.path("syscalls").get(0);
        assertThat(denied.path("action").asString()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(denied.path("errnoRet").asInt()).isEqualTo(1);
        assertThat(texts(denied.path("names"))).contains("unshare", "setns", "mount", "bpf", "keyctl", "kexec_load",
                "open_by_handle_at", "io_uring_setup", "fsopen", "userfaultfd").doesNotContain("clone", "ptrace");
        List<Long> cloneMasks = new ArrayList<>();
        JsonNode clone3 = null;
        for (JsonNode rule : seccomp.path("syscalls")) {
            String name = rule.path("names").get(0).asString();
            if (name.equals("clone")) {
                JsonNode arg = rule.path("args").get(0);
                assertThat(arg.path("op").asString()).isEqualTo("SCMP_CMP_MASKED_EQ");
                assertThat(arg.path("valueTwo").asLong()).isEqualTo(arg.path("value").asLong());
                cloneMasks.add(arg.path("value").asLong());
            } else if (name.equals("clone3")) {
                clone3 = rule;
            }
        }
        assertThat(cloneMasks).contains(0x10000000L, 0x20000L, 0x40000000L).hasSize(7);
        assertThat(clone3).isNotNull();
        assertThat(clone3.path("errnoRet").asInt()).as("clone3 must look unimplemented so libc falls back").isEqualTo(38);

        ContainerSpec without = new ContainerSpec("c1", ImageReference.parse("test/busybox:1"), "true", null,
                ContainerSpec.Resources.NONE, Duration.ofSeconds(5), false, List.of(), List.of(),
                new ContainerSpec.Security(false, false));
        builder.writeConfig(bundle, List.of("true"), List.of(), "/", without);
        assertThat(JSON.readTree(Files.readAllBytes(bundle.resolve("config.json"))).path("linux").has("seccomp")).isFalse();
    }

    @Test
    void argvCombinesEntrypointAndCmdDockerStyle() {
        ImageConfig image = new ImageConfig(List.of(), "", List.of("/entry"), List.of("default"));
        assertThat(image.argv(null, List.of())).containsExactly("/entry", "default");
        assertThat(image.argv(null, List.of("x", "y"))).containsExactly("/entry", "x", "y");
        assertThat(image.argv("ls -l", List.of())).containsExactly("/bin/sh", "-c", "ls -l");
        assertThat(image.workingDir()).isEqualTo("/");
        assertThatThrownBy(() -> new ImageConfig(List.of(), "/", List.of(), List.of()).argv(null, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void specRejectsBadInput() {
        assertThatThrownBy(() -> new ContainerSpec("../x", ImageReference.parse("a/b:1"), "true", null,
                ContainerSpec.Resources.NONE, Duration.ofSeconds(1), false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ContainerSpec("x", ImageReference.parse("a/b:1"), "true", List.of("y"),
                ContainerSpec.Resources.NONE, Duration.ofSeconds(1), false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ContainerSpec.Resources(1024, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }
}
