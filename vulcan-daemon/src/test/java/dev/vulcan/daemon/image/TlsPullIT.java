package dev.vulcan.daemon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.error.VulcanException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Pulls over HTTPS from Debian's docker-registry with a certificate from a CA openssl made for
 * the test: trusted through certs.d, refused without it, accepted unverified for an insecure
 * registry. Loopback is insecure by default (as in Docker), so the tests that need verification
 * turn that off.
 */
class TlsPullIT {

    @TempDir
    static Path shared;

    private static TestRegistry plain;
    private static TestRegistry tls;
    private static TestRegistry.Certs certs;
    private static Digest pushed;

    @TempDir
    Path tmp;

    private final JsonMapper json = JsonMapper.builder().build();

    @BeforeAll
    static void startRegistries() throws Exception {
        TestRegistry.requireTools();
        Path storage = shared.resolve("registry-data");
        plain = TestRegistry.start(shared, storage, null);
        Path layout = shared.resolve("layout");
        pushed = TestImages.ociLayout(layout, "1", List.of(new TarBuilder().dir("etc").file("etc/motd", "over tls\n").build()));
        Path archive = shared.resolve("image.oci.tar");
        Files.write(archive, TestImages.tarOf(layout));
        plain.push(archive, "test/tls:1");
        certs = TestRegistry.certs(shared.resolve("certs"));
        tls = TestRegistry.start(shared, storage, certs); // the same storage: it serves what was pushed
    }

    @AfterAll
    static void stopRegistries() throws InterruptedException {
        if (tls != null) {
            tls.close();
        }
        if (plain != null) {
            plain.close();
        }
    }

    private ImageReference tlsRef() {
        return ImageReference.parse(tls.address() + "/test/tls:1");
    }

    private ImageStore store(RegistryTrust trust) throws IOException {
        return new ImageStore(tmp.resolve("store"), json, trust);
    }

    private RegistryTrust verifying(Path caDir) {
        return new RegistryTrust(Set.of(), false, List.of(caDir));
    }

    @Test
    void caInCertsDirIsTrusted() throws IOException {
        Path certsD = tmp.resolve("certs.d");
        Files.createDirectories(certsD.resolve(tls.address()));
        Files.copy(certs.caCert(), certsD.resolve(tls.address()).resolve("ca.crt"));
        ImageStore store = store(verifying(certsD));

        ImageSummary summary = store.pull(tlsRef(), PullProgress.NONE);

        assertThat(summary.manifest()).isEqualTo(pushed);
        assertThat(store.unpack(tlsRef()).getFirst().resolve("etc/motd")).hasContent("over tls");
    }

    @Test
    void caInASecondDirIsTrustedToo() throws IOException {
        Path extra = tmp.resolve("extra-cas");
        Files.createDirectories(extra.resolve(tls.address()));
        Files.copy(certs.caCert(), extra.resolve(tls.address()).resolve("registry.crt"));
        ImageStore store = store(new RegistryTrust(Set.of(), false, List.of(tmp.resolve("certs.d"), extra)));

        assertThat(store.pull(tlsRef(), PullProgress.NONE).manifest()).isEqualTo(pushed);
    }

    @Test
    void withoutTheCaTheCertificateIsRefusedAndNothingIsStored() throws IOException {
        Path certsD = tmp.resolve("certs.d");
        ImageStore store = store(verifying(certsD));
        StoreSnapshot before = StoreSnapshot.of(store.root());

        assertThatThrownBy(() -> store.pull(tlsRef(), PullProgress.NONE))
                .isInstanceOf(UnavailableException.class)
                .hasMessageContaining("certificate")
                .hasMessageContaining(certsD.resolve(tls.address()) + "/ca.crt")
                .hasMessageContaining("--insecure-registry " + tls.address())
                .satisfies(e -> assertThat(((VulcanException) e).code()).isEqualTo("registry_certificate_untrusted"));
        assertThat(StoreSnapshot.of(store.root())).isEqualTo(before);
        assertThat(store.list()).isEmpty();
    }

    @Test
    void anInsecureRegistryIsPulledWithoutVerification() throws IOException {
        ImageStore store = store(new RegistryTrust(Set.of(tls.address()), false, List.of(tmp.resolve("certs.d"))));

        assertThat(store.pull(tlsRef(), PullProgress.NONE).manifest()).isEqualTo(pushed);
    }

    @Test
    void aBareHostMarksEveryPortInsecure() throws IOException {
        ImageStore store = store(new RegistryTrust(Set.of("127.0.0.1"), false, List.of()));

        assertThat(store.pull(tlsRef(), PullProgress.NONE).manifest()).isEqualTo(pushed);
        assertThat(store.pull(ImageReference.parse(plain.address() + "/test/tls:1"), PullProgress.NONE).manifest())
                .isEqualTo(pushed);
    }

    @Test
    void loopbackIsInsecureByDefaultOverTlsAndPlainHttp() throws IOException {
        ImageStore store = store(RegistryTrust.defaults(tmp.resolve("certs.d")));

        assertThat(store.pull(tlsRef(), PullProgress.NONE).manifest()).isEqualTo(pushed);
        assertThat(store.pull(ImageReference.parse(plain.address() + "/test/tls:1"), PullProgress.NONE).manifest())
                .isEqualTo(pushed);
    }

    @Test
    void bearerTokenFlowOverHttps() throws Exception {
        try (TokenProxy proxy = TokenProxy.start(shared.resolve("certs"), certs, plain.port())) {
            Path certsD = tmp.resolve("certs.d");
            Files.createDirectories(certsD.resolve(proxy.address()));
            Files.copy(certs.caCert(), certsD.resolve(proxy.address()).resolve("ca.crt"));
            ImageStore store = store(verifying(certsD));

            ImageSummary summary = store.pull(ImageReference.parse(proxy.address() + "/test/tls:1"), PullProgress.NONE);

            assertThat(summary.manifest()).isEqualTo(pushed);
            assertThat(proxy.tokensIssued()).isEqualTo(1);
            assertThat(proxy.refused()).as("requests refused for want of the token").isEqualTo(1);
        }
    }

    @Test
    void plainHttpFromASecureRegistryIsATlsError() throws IOException {
        ImageStore store = store(verifying(tmp.resolve("certs.d")));

        assertThatThrownBy(() -> store.pull(ImageReference.parse(plain.address() + "/test/tls:1"), PullProgress.NONE))
                .isInstanceOf(UnavailableException.class)
                .hasMessageContaining("--insecure-registry " + plain.address())
                .satisfies(e -> assertThat(((VulcanException) e).code()).isEqualTo("registry_tls_failed"));
        assertThat(store.list()).isEmpty();
    }
}
