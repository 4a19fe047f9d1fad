package dev.vulcan.daemon.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.scheduler.AutoMode.Decision;
import dev.vulcan.daemon.scheduler.AutoMode.Source;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class AutoModeTest {

    private static final Set<Isolation> ALL = EnumSet.allOf(Isolation.class);

    private static Decision auto(Source source, Set<Isolation> available) {
        return AutoMode.decide(Isolation.AUTO, source, available::contains);
    }

    @ParameterizedTest(name = "{0} code runs in an isolate")
    @EnumSource(value = Runtime.class, names = {"JAVASCRIPT", "TYPESCRIPT"})
    void autoRunsJavaScriptAndTypeScriptInAnIsolate(Runtime runtime) {
        assertThat(AutoMode.resolve(Isolation.AUTO, runtime)).isEqualTo(Isolation.ISOLATE);
        assertThat(auto(new Source.Code(runtime), ALL).isolation()).isEqualTo(Isolation.ISOLATE);
    }

    @ParameterizedTest(name = "{0} code runs in a container")
    @EnumSource(value = Runtime.class, names = {"PYTHON", "GO", "SHELL"})
    void autoRunsEveryOtherLanguageInAContainer(Runtime runtime) {
        assertThat(AutoMode.resolve(Isolation.AUTO, runtime)).isEqualTo(Isolation.CONTAINER);
    }

    @Test
    void anImageRunsInGvisor() {
        assertThat(AutoMode.resolve(Isolation.AUTO, Runtime.OCI)).isEqualTo(Isolation.GVISOR);
        Decision d = auto(new Source.Image(), ALL);
        assertThat(d.isolation()).isEqualTo(Isolation.GVISOR);
        assertThat(d.reason()).isEqualTo("auto: an OCI image runs in gvisor");
    }

    @Test
    void anImageFallsBackToAContainerWithoutGvisorAndSaysSo() {
        Decision d = auto(new Source.Image(), EnumSet.complementOf(EnumSet.of(Isolation.GVISOR)));
        assertThat(d.isolation()).isEqualTo(Isolation.CONTAINER);
        assertThat(d.reason()).contains("gvisor", "not available", "fell back to container");
    }

    @Test
    void aCodeArchiveRunsInAMicroVm() {
        assertThat(auto(new Source.Archive(Runtime.PYTHON), ALL).isolation()).isEqualTo(Isolation.MICROVM);
    }

    @Test
    void aCodeArchiveFallsBackToAContainerWithoutMicroVmsAndSaysSo() {
        Decision d = auto(new Source.Archive(Runtime.SHELL), EnumSet.complementOf(EnumSet.of(Isolation.MICROVM)));
        assertThat(d.isolation()).isEqualTo(Isolation.CONTAINER);
        assertThat(d.reason()).contains("microvm", "not available", "fell back to container");
    }

    @Test
    void onlyThePreferredIsolationIsAskedAbout() {
        Set<Isolation> asked = EnumSet.noneOf(Isolation.class);
        AutoMode.decide(Isolation.AUTO, new Source.Image(), i -> asked.add(i));
        assertThat(asked).containsExactly(Isolation.GVISOR);
        asked.clear();
        AutoMode.decide(Isolation.AUTO, new Source.Code(Runtime.JAVASCRIPT), i -> asked.add(i));
        assertThat(asked).isEmpty();
    }

    @ParameterizedTest(name = "{0} with {1} stays {0}")
    @CsvSource({
        "ISOLATE, PYTHON",
        "CONTAINER, JAVASCRIPT",
        "GVISOR, TYPESCRIPT",
        "MICROVM, SHELL",
        "ISOLATE, JAVASCRIPT",
        "CONTAINER, GO",
        "CONTAINER, OCI",
    })
    void anExplicitIsolationIsKeptWhateverTheRuntime(Isolation requested, Runtime runtime) {
        assertThat(AutoMode.resolve(requested, runtime)).isEqualTo(requested);
        assertThat(AutoMode.decide(requested, Source.of(runtime), i -> false).isolation()).isEqualTo(requested);
    }

    @ParameterizedTest(name = "auto never resolves to auto for {0}")
    @EnumSource(Runtime.class)
    void autoAlwaysResolvesToAConcreteIsolation(Runtime runtime) {
        assertThat(AutoMode.resolve(Isolation.AUTO, runtime)).isNotEqualTo(Isolation.AUTO);
        assertThat(AutoMode.decide(Isolation.AUTO, Source.of(runtime), i -> false).isolation())
                .isNotEqualTo(Isolation.AUTO);
    }
}
