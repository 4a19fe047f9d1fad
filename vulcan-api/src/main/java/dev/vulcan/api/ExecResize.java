package dev.vulcan.api;

/** A RESIZE frame of an exec session: the client's terminal has a new size. */
public record ExecResize(int rows, int cols) {}
