package dev.vulcan.daemon;

import static org.assertj.core.api.Assertions.assertThat;

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
}
