package dev.vulcan.daemon.net.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.error.InvalidException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkNamespacesTest {

    private final List<List<String>> commands = new ArrayList<>();

    private NetworkNamespaces namespaces(int failOnCall, String output) {
        return new NetworkNamespaces.Ip((argv, deadline) -> {
            commands.add(argv);
            return new ProcessRunner.Result(commands.size() == failOnCall ? 1 : 0, output);
        });
    }

    @Test
    void listParsesNamesWithAndWithoutIds() throws IOException {
        NetworkNamespaces ns = namespaces(0, "vtcni-a (id: 3)\nother\nvtcni-b\n");
        assertThat(ns.list("vtcni-")).containsExactly("vtcni-a", "vtcni-b");
    }

    @Test
    void createBringsUpLoopbackAndTurnsOffDad() throws IOException {
        assertThat(namespaces(0, "").create("vt1")).hasToString("/run/netns/vt1");
        assertThat(commands).containsExactly(List.of("ip", "netns", "add", "vt1"),
                List.of("ip", "-n", "vt1", "link", "set", "lo", "up"),
                List.of("ip", "netns", "exec", "vt1", "sysctl", "-q", "-w",
                        "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"));
    }

    @Test
    void aFailedCreateIsAnError() {
        assertThatThrownBy(() -> namespaces(1, "File exists").create("vt1")).isInstanceOf(IOException.class)
                .hasMessageContaining("File exists");
    }

    @Test
    void rejectsNamesThatAreNotPlain() {
        assertThatThrownBy(() -> namespaces(0, "").create("../etc")).isInstanceOf(InvalidException.class);
        assertThatThrownBy(() -> namespaces(0, "").delete("a b")).isInstanceOf(InvalidException.class);
        assertThat(commands).isEmpty();
    }
}
