package dev.vulcan.cli;

/** How a command prints: aligned tables for people, or the API's JSON for scripts. */
enum OutputFormat {
    TABLE, JSON
}
