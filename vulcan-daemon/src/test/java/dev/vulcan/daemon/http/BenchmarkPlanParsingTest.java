package dev.vulcan.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.error.InvalidException;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchmarkPlanParsingTest {

    @Test
    void quickAndBackendsParse() {
        assertThat(BenchmarkEndpoint.plan(null, null).quick()).isFalse();
        assertThat(BenchmarkEndpoint.plan("true", "isolate, Container").backends())
                .containsExactly(Isolation.ISOLATE, Isolation.CONTAINER);
        assertThat(BenchmarkEndpoint.plan("false", "").backends()).isEmpty();
    }

    @Test
    void badInputIsInvalid() {
        assertThatThrownBy(() -> BenchmarkEndpoint.plan("yes", null)).isInstanceOf(InvalidException.class)
                .hasMessageContaining("quick must be true or false");
        assertThatThrownBy(() -> BenchmarkEndpoint.plan(null, "isolate,nope")).isInstanceOf(InvalidException.class)
                .hasMessageContaining("unknown backend 'nope'");
        assertThatThrownBy(() -> BenchmarkEndpoint.plan(null, "auto")).isInstanceOf(InvalidException.class)
                .hasMessageContaining("auto is not a backend");
        assertThat(List.of(Isolation.values())).contains(Isolation.GVISOR); // accepted by name, availability is checked later
    }
}
