package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class FormatsTest {

    @Test
    void durationsGetShorterUnitsWhenShort() {
        assertThat(Formats.duration(null)).isEqualTo("-");
        assertThat(Formats.duration(0L)).isEqualTo("0ms");
        assertThat(Formats.duration(999L)).isEqualTo("999ms");
        assertThat(Formats.duration(1_234L)).isEqualTo("1.23s");
        assertThat(Formats.duration(12_345L)).isEqualTo("12.3s");
        assertThat(Formats.duration(125_000L)).isEqualTo("2m05s");
        assertThat(Formats.duration(4_020_000L)).isEqualTo("1h07m");
    }

    @Test
    void agesCountBackFromNow() {
        Instant now = Instant.parse("2025-06-01T12:00:00Z");

        assertThat(Formats.age(null, now)).isEqualTo("-");
        assertThat(Formats.age(now.plusSeconds(3), now)).isEqualTo("just now");
        assertThat(Formats.age(now.minusSeconds(42), now)).isEqualTo("42s ago");
        assertThat(Formats.age(now.minusSeconds(300), now)).isEqualTo("5m ago");
        assertThat(Formats.age(now.minusSeconds(3 * 3600), now)).isEqualTo("3h ago");
        assertThat(Formats.age(now.minusSeconds(3 * 86400), now)).isEqualTo("3d ago");
        assertThat(Formats.instant(now.minusSeconds(60), now)).isEqualTo("2025-06-01T11:59:00Z (1m ago)");
    }

    @Test
    void sizesUsePowersOfAThousand() {
        assertThat(Formats.size(null)).isEqualTo("-");
        assertThat(Formats.size(0L)).isEqualTo("0 B");
        assertThat(Formats.size(999L)).isEqualTo("999 B");
        assertThat(Formats.size(4_100L)).isEqualTo("4.1 kB");
        assertThat(Formats.size(999_999L)).isEqualTo("1.0 MB");
        assertThat(Formats.size(2_154_321L)).isEqualTo("2.2 MB");
        assertThat(Formats.size(123_000_000L)).isEqualTo("123 MB");
        assertThat(Formats.size(1_200_000_000L)).isEqualTo("1.2 GB");
    }
}
