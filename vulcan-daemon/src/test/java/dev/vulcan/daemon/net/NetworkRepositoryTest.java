package dev.vulcan.daemon.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.store.Database;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkRepositoryTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Network DEFAULT = new Network("default", "vt0", IpPrefix.parse("10.77.0.0/16"),
            IpPrefix.parse("fd00:1000::/64"), true, T0);
    private static final Network APPS = new Network("apps", "vt1", IpPrefix.parse("10.78.0.0/24"), null, false, T0.plusSeconds(1));

    @TempDir
    Path dir;

    private Database database;
    private NetworkRepository repository;

    @BeforeEach
    void open() {
        database = Database.open(dir.resolve("vulcan.db"));
        repository = new NetworkRepository(database);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void networksRoundTripWithTheDefaultFirst() {
        repository.insert(APPS);
        repository.insert(DEFAULT);

        assertThat(repository.networks()).containsExactly(DEFAULT, APPS);
        assertThat(repository.network("apps")).contains(APPS);
        assertThat(repository.network("nope")).isEmpty();

        repository.delete("apps");
        assertThat(repository.networks()).containsExactly(DEFAULT);
    }

    @Test
    void aSecondNetworkOnOneBridgeIsRefused() {
        repository.insert(APPS);

        assertThatThrownBy(() -> repository.insert(new Network("other", "vt1", IpPrefix.parse("10.78.1.0/24"), null, false, T0)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void attachmentsRoundTripWithPortsAndAddresses() {
        repository.insert(DEFAULT);
        Attachment recorded = new Attachment("s1", "default", Path.of("/run/netns/vt-s1"), "eth0", "web", null, null,
                List.of(PublishedPort.parse("8080:80"), PublishedPort.parse("[::1]:53:53/udp")), T0);
        repository.insert(recorded);

        assertThat(repository.attachmentsOf("s1")).containsExactly(recorded);
        Attachment addressed = recorded.withAddresses(IpPrefix.literal("10.77.0.2"), IpPrefix.literal("fd00:1000::1002"));
        repository.updateAddresses(addressed);

        assertThat(repository.attachmentsOf("s1")).containsExactly(addressed);
        assertThat(repository.attachmentsOn("default")).containsExactly(addressed);
        assertThat(repository.attachments()).containsExactly(addressed);
        assertThat(repository.addresses("default", "WEB")).containsExactly(IpPrefix.literal("10.77.0.2"),
                IpPrefix.literal("fd00:1000::1002"));
        assertThat(repository.addresses("default", "db")).isEmpty();
        assertThat(repository.addresses("apps", "web")).isEmpty();

        repository.deleteAttachment("s1", "default");
        assertThat(repository.attachments()).isEmpty();
    }

    @Test
    void anAttachmentWithoutPortsOrNameReadsBackEmpty() {
        repository.insert(DEFAULT);
        repository.insert(APPS);
        repository.insert(new Attachment("w1", "apps", Path.of("/run/netns/vt-w1"), "eth0", null, null, null, null, T0));
        repository.insert(new Attachment("s0", "default", Path.of("/run/netns/vt-s0"), "eth0", "a", null, null, List.of(),
                T0.plusSeconds(5)));

        Attachment w1 = repository.attachmentsOf("w1").getFirst();
        assertThat(w1.ports()).isEmpty();
        assertThat(w1.dnsName()).isNull();
        assertThat(w1.ipv4()).isNull();
        assertThat(repository.attachments()).extracting(Attachment::sandboxId).containsExactly("w1", "s0");
        assertThat(repository.attachmentsOn("apps")).extracting(Attachment::sandboxId).containsExactly("w1");
    }

    @Test
    void anAttachmentNeedsItsNetwork() {
        assertThatThrownBy(() -> repository.insert(new Attachment("s1", "ghost", Path.of("/run/netns/vt-s1"), "eth0", null,
                null, null, List.of(), T0))).isInstanceOf(IllegalStateException.class);
    }
}
