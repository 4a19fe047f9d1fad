package dev.vulcan.cli;
