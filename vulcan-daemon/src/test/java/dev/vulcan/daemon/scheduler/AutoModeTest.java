package dev.vulcan.daemon.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.Runtime;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class AutoModeTest {

    @ParameterizedTest(name = "{0} code runs in an isolate")
    @EnumSource(value = Runtime.class, names = {"JAVASCRIPT", "TYPESCRIPT"})
    void autoRunsJavaScriptAndTypeScriptInAnIsolate(Runtime runtime) {
        assertThat(AutoMode.resolve(Isolation.AUTO, runtime)).isEqualTo(Isolation.ISOLATE);
    }

    @ParameterizedTest(name = "{0} code runs in a container")
    @EnumSource(value = Runtime.class, names = {"PYTHON", "GO", "SHELL"})
    void autoRunsEveryOtherLanguageInAContainer(Runtime runtime) {
        assertThat(AutoMode.resolve(Isolation.AUTO, runtime)).isEqualTo(Isolation.CONTAINER);
    }

    @ParameterizedTest(name = "{0} with {1} stays {0}")
    @CsvSource({
        "ISOLATE, PYTHON",
        "CONTAINER, JAVASCRIPT",
        "GVISOR, TYPESCRIPT",
        "MICROVM, SHELL",
        "ISOLATE, JAVASCRIPT",
        "CONTAINER, GO",
    })
    void anExplicitIsolationIsKeptWhateverTheRuntime(Isolation requested, Runtime runtime) {
        assertThat(AutoMode.resolve(requested, runtime)).isEqualTo(requested);
    }

    @ParameterizedTest(name = "auto never resolves to auto for {0}")
    @EnumSource(Runtime.class)
    void autoAlwaysResolvesToAConcreteIsolation(Runtime runtime) {
        assertThat(AutoMode.resolve(Isolation.AUTO, runtime)).isNotEqualTo(Isolation.AUTO);
    }
}
