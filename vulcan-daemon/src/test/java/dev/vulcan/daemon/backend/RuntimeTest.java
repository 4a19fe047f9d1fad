package dev.vulcan.daemon.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class RuntimeTest {

    @ParameterizedTest(name = "''{0}'' is {1}")
    @CsvSource({
        "node, JAVASCRIPT",
        "nodejs, JAVASCRIPT",
        "javascript, JAVASCRIPT",
        "js, JAVASCRIPT",
        "typescript, TYPESCRIPT",
        "ts, TYPESCRIPT",
        "deno, TYPESCRIPT",
        "python, PYTHON",
        "python3, PYTHON",
        "py, PYTHON",
        "go, GO",
        "golang, GO",
        "shell, SHELL",
        "sh, SHELL",
    })
    void everyAliasParsesToItsRuntime(String name, Runtime expected) {
        assertThat(Runtime.parse(name)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"JS", "Node", "TypeScript", "PYTHON", "Go"})
    void namesAreCaseInsensitive(String name) {
        assertThat(Runtime.parse(name)).isNotNull();
    }

    @ParameterizedTest(name = "{0} parses back from its wire name")
    @EnumSource(Runtime.class)
    void theWireNameOfEveryRuntimeParsesBackToIt(Runtime runtime) {
        assertThat(Runtime.parse(runtime.wire())).isEqualTo(runtime);
    }

    @Test
    void anUnknownNameIsRejectedListingTheAcceptedOnes() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Runtime.parse("cobol"))
                .withMessageContaining("unknown runtime 'cobol'")
                .withMessageContaining("accepted:")
                .withMessageContainingAll("node", "javascript", "js", "typescript", "ts", "deno", "python", "go",
                        "shell");
    }

    @ParameterizedTest(name = "''{0}''")
    @NullAndEmptySource
    @ValueSource(strings = {"   "})
    void aMissingNameIsRejectedAsRequiredListingTheAcceptedOnes(String name) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Runtime.parse(name))
                .withMessageStartingWith("runtime is required")
                .withMessageContaining("accepted:");
    }

    @Test
    void languagesFollowTheRuntime() {
        assertThat(Runtime.JAVASCRIPT.language()).isEqualTo(Runtime.Language.JAVASCRIPT);
        assertThat(Runtime.TYPESCRIPT.language()).isEqualTo(Runtime.Language.TYPESCRIPT);
        assertThat(Runtime.PYTHON.language()).isEqualTo(Runtime.Language.PYTHON);
        assertThat(Runtime.GO.language()).isEqualTo(Runtime.Language.GO);
        assertThat(Runtime.SHELL.language()).isEqualTo(Runtime.Language.SHELL);
    }
}
