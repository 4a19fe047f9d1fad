package dev.vulcan.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Builds the command tree with picocli's programmatic API. Annotations would cost the CLI tens of
 * milliseconds at every start (reflection, and one generated proxy class per annotation type);
 * specs built with plain calls cost almost nothing.
 */
final class Specs {
    static final int WIDTH = 100;

    private Specs() {}

    /** A command whose action is {@code action}, with -h and -V. */
    static CommandSpec command(String name, Object action, String... description) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(action).name(name);
        spec.usageMessage().description(description).width(WIDTH);
        spec.versionProvider(new VersionProvider());
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("Show this help message and exit.").build());
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());
        return spec;
    }

    /** An option taking one value of the given type. */
    static OptionSpec option(String name, Class<?> type, String label, String description) {
        return OptionSpec.builder(name).type(type).paramLabel(label).description(description).build();
    }

    /** An option without a value: true when given. */
    static OptionSpec flag(String[] names, String description) {
        return OptionSpec.builder(names).type(boolean.class).arity("0").description(description).build();
    }

    /** The one required positional parameter. */
    static PositionalParamSpec parameter(String label, String description) {
        return PositionalParamSpec.builder().index("0").arity("1").required(true).type(String.class).paramLabel(label)
                .description(description).build();
    }

    /** The value the user gave, or null. */
    static <T> T value(CommandSpec spec, String option) {
        return spec.findOption(option).getValue();
    }

    static boolean given(CommandSpec spec, String flag) {
        return Boolean.TRUE.equals(spec.findOption(flag).getValue());
    }

    static String parameter(CommandSpec spec) {
        return spec.positionalParameters().getFirst().getValue();
    }
}
