package dev.vulcan.api;

import java.util.List;

/**
 * The START frame of an exec session (POST /v1/instances/{name}/exec): what to run and how.
 *
 * @param cmd         the command and its arguments, run without a shell
 * @param tty         give the process a terminal (its stdout and stderr then arrive merged as STDOUT)
 * @param interactive the client sends stdin; without it the process's stdin is empty
 * @param env         extra KEY=VALUE variables, or null
 * @param workdir     the working directory in the container, or null for the image's
 * @param rows        the terminal's height with tty, or null
 * @param cols        the terminal's width with tty, or null
 */
public record ExecStart(List<String> cmd, boolean tty, boolean interactive, List<String> env, String workdir, Integer rows,
        Integer cols) {}
