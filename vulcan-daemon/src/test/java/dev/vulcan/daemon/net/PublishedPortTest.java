package dev.vulcan.daemon.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.InvalidException;
import java.util.List;
import org.junit.jupiter.api.Test;

class PublishedPortTest {

    @Test
    void parsesHostPortAndContainerPortDefaultingToTcpOnEveryAddress() {
        PublishedPort p = PublishedPort.parse("8080:80");

        assertThat(p).isEqualTo(new PublishedPort(null, 8080, 80, "tcp"));
    }

    @Test
    void parsesAnIpv4HostAddressAndAProtocol() {
        PublishedPort p = PublishedPort.parse("127.0.0.1:8080:80/udp");

        assertThat(IpPrefix.text(p.hostIp())).isEqualTo("127.0.0.1");
        assertThat(p.hostPort()).isEqualTo(8080);
        assertThat(p.containerPort()).isEqualTo(80);
        assertThat(p.protocol()).isEqualTo("udp");
    }

    @Test
    void parsesABracketedIpv6HostAddress() {
        PublishedPort p = PublishedPort.parse("[::1]:8080:80");

        assertThat(IpPrefix.text(p.hostIp())).isEqualTo("::1");
        assertThat(p.hostPort()).isEqualTo(8080);
        assertThat(p.protocol()).isEqualTo("tcp");
    }

    @Test
    void theProtocolIsCaseInsensitiveAndStoredLowerCase() {
        assertThat(PublishedPort.parse("53:53/UDP").protocol()).isEqualTo("udp");
        assertThat(PublishedPort.parse(" 80:80/Tcp ").protocol()).isEqualTo("tcp");
    }

    @Test
    void badFormsAreInvalidPort() {
        for (String bad : List.of("70000:80", "80:70000", "0:80", "80:0", "80", "a:b", "1:2/sctp", "[zz]:1:2",
                "localhost:1:2", "1:2:3:4", "", "8080:80/",
                "1:2:3", "1.2.3:80:80", "999.1.1.1:80:80", "[1::2::3]:80:80", "[fd00::1:80:80")) {
            assertThatThrownBy(() -> PublishedPort.parse(bad)).as(bad).isInstanceOf(InvalidException.class)
                    .extracting(e -> ((InvalidException) e).code()).isEqualTo("invalid_port");
        }
        assertThatThrownBy(() -> PublishedPort.parse(null)).isInstanceOf(InvalidException.class);
    }

    @Test
    void theConstructorChecksRangesAndProtocol() {
        assertThatThrownBy(() -> new PublishedPort(null, 65536, 80, "tcp")).isInstanceOf(InvalidException.class);
        assertThatThrownBy(() -> new PublishedPort(null, 80, 80, "TCP")).isInstanceOf(InvalidException.class);
        assertThatCode(() -> new PublishedPort(null, 65535, 1, "udp")).doesNotThrowAnyException();
    }

    @Test
    void portsClashOnTheSameProtocolAndPortWhenOneAddressCoversTheOther() {
        PublishedPort any = PublishedPort.parse("8080:80");
        PublishedPort loopback = PublishedPort.parse("127.0.0.1:8080:81");
        PublishedPort otherLoopback = PublishedPort.parse("127.0.0.2:8080:81");

        assertThat(any.clashes(loopback)).isTrue();
        assertThat(loopback.clashes(any)).isTrue();
        assertThat(any.clashes(PublishedPort.parse("8080:9999"))).as("the container port does not matter").isTrue();
        assertThat(loopback.clashes(otherLoopback)).isFalse();
        assertThat(any.clashes(PublishedPort.parse("8080:80/udp"))).isFalse();
        assertThat(any.clashes(PublishedPort.parse("8081:80"))).isFalse();
    }

    @Test
    void requireDistinctRefusesTwoPortsOfOneSandboxOnOneHostPort() {
        assertThatCode(() -> PublishedPort.requireDistinct(List.of(PublishedPort.parse("80:80"),
                PublishedPort.parse("80:80/udp"), PublishedPort.parse("81:80")))).doesNotThrowAnyException();
        assertThatCode(() -> PublishedPort.requireDistinct(List.of())).doesNotThrowAnyException();

        assertThatThrownBy(() -> PublishedPort.requireDistinct(List.of(PublishedPort.parse("81:1"),
                PublishedPort.parse("80:80"), PublishedPort.parse("127.0.0.1:80:90"))))
                .isInstanceOf(InvalidException.class).hasMessageContaining("80:80/tcp")
                .extracting(e -> ((InvalidException) e).code()).isEqualTo("invalid_port");
    }

    @Test
    void toStringIsTheCanonicalFormAndParsesBack() {
        assertThat(PublishedPort.parse("8080:80")).hasToString("8080:80/tcp");
        assertThat(PublishedPort.parse("127.0.0.1:8080:80/UDP")).hasToString("127.0.0.1:8080:80/udp");
        assertThat(PublishedPort.parse("[0:0:0:0:0:0:0:1]:8080:80")).hasToString("[::1]:8080:80/tcp");
        for (String text : List.of("8080:80/tcp", "127.0.0.1:53:53/udp", "[::1]:1:65535/tcp", "[fd00:1::5]:443:8443/tcp")) {
            assertThat(PublishedPort.parse(text)).hasToString(text);
            assertThat(PublishedPort.parse(PublishedPort.parse(text).toString())).isEqualTo(PublishedPort.parse(text));
        }
    }
}
