package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RuntimesTest {

    @ParameterizedTest
    @CsvSource({
        "main.js, node",
        "main.mjs, node",
        "handler.ts, typescript",
        "script.py, python",
        "main.go, go",
        "run.sh, shell",
        "UPPER.PY, python",
        "archive.tar.sh, shell",
    })
    void infersTheRuntimeFromTheExtension(String file, String runtime) {
        assertThat(Runtimes.fromFileName(file)).contains(runtime);
    }

    @ParameterizedTest
    @ValueSource(strings = {"main.rb", "Makefile", "noext.", "js"})
    void knowsNoRuntimeForOtherFiles(String file) {
        assertThat(Runtimes.fromFileName(file)).isEmpty();
    }
}
