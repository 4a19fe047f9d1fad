package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TableTest {

    @Test
    void padsEveryColumnButTheLastToItsWidestCell() {
        String text = new Table("ID", "STATUS", "NOTE")
                .add("a", "completed", "short")
                .add("longer-id", "failed", "a much longer note")
                .render();

        assertThat(text).isEqualTo("""
                ID          STATUS      NOTE
                a           completed   short
                longer-id   failed      a much longer note
                """);
    }

    @Test
    void showsNullAsDashAndKeepsEachRowOnOneLine() {
        String text = new Table("A", "B").add(null, "two\nlines\tand a tab").add(42, "").render();

        assertThat(text).isEqualTo("""
                A    B
                -    two lines and a tab
                42
                """);
    }

    @Test
    void countsCharactersNotUtf16Units() {
        String text = new Table("X", "Y").add("𝔸𝔸", "1").add("abc", "2").render();

        assertThat(text).isEqualTo("X     Y\n𝔸𝔸    1\nabc   2\n");
    }

    @Test
    void headlessTablesHaveNoHeader() {
        assertThat(Table.headless(2).add("id:", "w1").add("status:", "running").render())
                .isEqualTo("id:       w1\nstatus:   running\n");
    }

    @Test
    void aRowMustFillTheColumns() {
        assertThatThrownBy(() -> new Table("A", "B").add("only one")).isInstanceOf(IllegalArgumentException.class);
    }
}
