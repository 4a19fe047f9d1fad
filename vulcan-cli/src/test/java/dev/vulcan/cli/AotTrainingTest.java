package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;

class AotTrainingTest {

    @Test
    void everyTrainingStepEndsAsExpected() {
        // each step checks its own exit status: a command that no longer fits the canned answers fails here
        assertThatCode(() -> AotTraining.main(new String[0])).doesNotThrowAnyException();
    }
}
