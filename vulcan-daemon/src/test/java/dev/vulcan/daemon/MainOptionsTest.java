package dev.vulcan.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.net.IpPrefix;
import dev.vulcan.daemon.net.subtree.NodeSubtree;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The registry options of `vulcan daemon` as picocli reads them. */
class MainOptionsTest {

    private static Main parse(String... args) {
        Main main = new Main();
        new CommandLine(main).parseArgs(args);
        return main;
    }

    @Test
    void insecureRegistriesRepeatAndSplitOnCommas() {
        Main main = parse("--insecure-registry", "reg.example:5000,10.0.0.7", "--insecure-registry", "localhost:5001");

        assertThat(main.insecureRegistries).containsExactly("reg.example:5000", "10.0.0.7", "localhost:5001");
    }

    @Test
    void loopbackIsInsecureUnlessTurnedOff() {
        assertThat(parse().loopbackInsecure).isTrue();
        assertThat(parse("--no-insecure-loopback-registries").loopbackInsecure).isFalse();
    }

    @Test
    void anExtraCaDirIsOptional() {
        assertThat(parse("--registry-ca-dir", "/etc/vulcan/certs.d").registryCaDir).isEqualTo(Path.of("/etc/vulcan/certs.d"));
        if (System.getenv("VULCAN_REGISTRY_CA_DIR") == null) {
            assertThat(parse().registryCaDir).isNull();
        }
        if (System.getenv("VULCAN_INSECURE_REGISTRIES") == null) {
            assertThat(parse().insecureRegistries).isEqualTo(List.of());
        }
    }

    @Test
    void theIpv6SubtreeDefaultsToTheRootOfThePlanAndRefusesWhatCannotBeSplit() {
        if (System.getenv("VULCAN_IPV6_SUBTREE") == null) {
            assertThat(parse().ipv6Subtree).isEqualTo(NodeSubtree.parse("fd00:1000::/20"));
        }
        assertThat(parse("--ipv6-subtree", "fd00:1200::/24").ipv6Subtree.bridgeSubnet())
                .isEqualTo(IpPrefix.parse("fd00:1200::/64"));
        assertThatThrownBy(() -> parse("--ipv6-subtree", "fd00::/64"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("cannot be split");
        assertThatThrownBy(() -> parse("--ipv6-subtree", "10.0.0.0/8"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("IPv6");
    }
}
